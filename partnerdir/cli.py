"""The ``partnerdir`` command: one entry point for members, coordinators and CI."""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from generator.loader import profile_paths
from partnerdir import (
    data_commands,
    export_commands,
    pr_commands,
    profile_commands,
    serve_command,
    service_commands,
    settings_command,
    site_commands,
)
from partnerdir.settings import SettingError, text

MANY = 500
"""From this many profiles on, long commands say what they are doing before they start."""


class Commands(click.Group):
    """The command group: a setting whose value cannot be used ends any command with a message."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, reporting a bad setting like any other usage error."""
        try:
            return super().invoke(ctx)
        except SettingError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(
    cls=Commands,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Run 'partnerdir COMMAND --help' for a command's options. The member guide "
    "(content/mitglieder.md) and the operations guide (content/betrieb.md) explain more.",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    # As spelled, not resolved: messages then name files as the user would.
    default=lambda: text("root"),
    show_default="PARTNERDIR_ROOT, else the current folder",
    help="The network folder (where mkdocs.yml and network.yaml are).",
)
@click.version_option(package_name="partnerdir")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Directory site and request service of a referral network."""
    ctx.obj = root


def _on_terminal() -> bool:
    return click.get_text_stream("stderr").isatty()


def _profile_count(root: Path, files: tuple[Path, ...]) -> int:
    return len(files) if files else len(profile_paths(root))


@contextmanager
def _mkdocs_progress(show: bool) -> Iterator[None]:
    """Show MkDocs' own progress messages (building, done in N s) on stderr while building."""
    if not show:
        yield
        return
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    handler.setLevel(logging.INFO)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def with_progress(command: click.Command, doing: str, summary: str | None = None) -> None:
    """Make ``command`` say on a terminal what it is doing, and optionally sum up at the end.

    ``doing`` is shown before the work starts, on a terminal and only for many profiles (or
    always for a build); ``summary`` is printed on stderr after success, terminal or not. Both
    take ``{count}`` (profiles) and ``summary`` also ``{seconds}``.
    """
    callback = command.callback
    assert callback is not None
    building = command.name == "build"

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        root: Path = click.get_current_context().find_root().obj
        count = _profile_count(root, tuple(kwargs.get("files") or ()))
        terminal = _on_terminal()
        if terminal and (building or count >= MANY):
            click.echo(doing.format(count=f"{count:,}"), err=True)
        start = time.perf_counter()
        with _mkdocs_progress(terminal and building):
            result = callback(*args, **kwargs)
        if summary is not None:
            seconds = time.perf_counter() - start
            click.echo(summary.format(count=f"{count:,}", seconds=f"{seconds:.1f}"), err=True)
        return result

    command.callback = run


profile_commands.register(main)
pr_commands.register(main)
site_commands.register(main)
service_commands.register(main)
serve_command.register(main)
settings_command.register(main)
data_commands.register(main)
export_commands.register(main)

_progress: dict[str, tuple[str, str | None]] = {
    "validate": ("Checking {count} profile(s) …", None),  # validate sums up by itself
    "build": ("Checking {count} profile(s), then building the site …",
              "{count} profile(s) checked and the site built in {seconds} s."),
    "generate": ("Checking {count} profile(s), then writing the pages …", None),
    "serve": ("Checking {count} profile(s) …", None),
}
for _name, (_doing, _summary) in _progress.items():
    if _name in main.commands:
        with_progress(main.commands[_name], _doing, _summary)
