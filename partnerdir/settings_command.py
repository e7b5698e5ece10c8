"""``partnerdir settings`` and the options whose defaults are settings."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from partnerdir.settings import DECLARED, Settings, read, source

F = TypeVar("F", bound=Callable[..., Any])

_SOURCES = {"override": "set by --root", "environment": "set in the environment",
            "default": "not set"}


def setting_option(flag: str, name: str) -> Callable[[F], F]:
    """Declare the option ``flag`` whose default and help are the setting ``name``."""
    declaration = DECLARED[name]
    kind: Any = click.IntRange(min=declaration.least) if declaration.least is not None else str
    return click.option(
        flag, type=kind, default=lambda: read(name),
        show_default=f"{declaration.variable}, else {declaration.default}",
        help=declaration.help,
    )


def shown(name: str, value: Any) -> str:
    """Return ``value`` of setting ``name`` as text, with secrets and URL passwords masked."""
    text = str(value)
    if DECLARED[name].secret and text:
        return "***"
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", text)


@click.command(name="settings")
@click.pass_context
def settings_command(ctx: click.Context) -> None:
    """Print every PARTNERDIR_* setting: its value, where it comes from, its default and meaning.

    The output has the form of an environment file; secrets and passwords in URLs are masked.
    A value that cannot be used ends the command with a message naming its variable.
    """
    root: Path = ctx.obj
    given = ctx.find_root().get_parameter_source("root") is ParameterSource.COMMANDLINE
    overrides = {"root": root} if given else {}
    current = Settings.from_env(overrides)
    for name, declaration in DECLARED.items():
        where = _SOURCES[source(name, overrides)]
        click.echo(f"# {declaration.help}\n# {where}; default: {declaration.default or '(empty)'}")
        click.echo(f"{declaration.variable}={shown(name, getattr(current, name))}\n")


def register(group: click.Group) -> None:
    """Add ``settings`` to ``group``."""
    group.add_command(settings_command)
