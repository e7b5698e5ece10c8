"""Commands members and CI use on profiles: validate, new, schema."""

from __future__ import annotations

from pathlib import Path

import click

from generator.errors import Problem
from generator.loader import PARTNERS_DIR, check, load_settings
from generator.ownership import linked_files
from generator.scaffold import SlugError, new_profile
from generator.schema import expected_files
from partnerdir.annotations import problem_annotation

FORMATS = click.Choice(["text", "github"])


def report(problems: list[Problem]) -> None:
    """Print problems as ``file:line:col: field: message`` lines on stderr."""
    for problem in problems:
        click.echo(str(problem), err=True)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=FORMATS,
    default="text",
    show_default=True,
    help="'github' prints GitHub annotations, shown on the lines of a pull request.",
)
@click.pass_obj
def validate(root: Path, files: tuple[Path, ...], output_format: str) -> None:
    """Check the whole network, or only FILES, and report every problem at once.

    Exit 0 when valid; otherwise print one line per problem and exit 1.
    """
    network, problems = check(root, list(files) if files else None, parallel=True)
    # The loader reads no linked profile; saying so here names each link and fails the check.
    problems = sorted({*problems, *linked_files(root, files)})
    if output_format == "github":
        for problem in problems:
            click.echo(problem_annotation(problem))
    else:
        report(problems)
    if problems:
        where = len({p.file for p in problems})
        click.echo(
            f"{len(problems)} problem(s) in {where} file(s). Fix them and run "
            "'partnerdir validate' again; the member guide explains every field.",
            err=True,
        )
        raise SystemExit(1)
    if files:
        click.echo(f"{len(files)} file(s) valid.")
    elif network is not None:
        click.echo(
            f"{len(network.partners)} partner profiles and the catalogue of "
            f"{len(network.settings.services)} services are valid."
        )


@click.command()
@click.argument("slug")
@click.option("--name", default="", help="Business name.")
@click.option("--maintainer", default="", help="Your account name.")
@click.pass_obj
def new(root: Path, slug: str, name: str, maintainer: str) -> None:
    """Write a valid starting profile partners/SLUG.yaml with a comment on each field."""
    settings, problems = load_settings(root)
    if settings is None:
        report(problems)
        raise SystemExit(1)
    try:
        text = new_profile(slug, settings, name=name, maintainer=maintainer)
    except SlugError as exc:
        raise click.UsageError(str(exc)) from exc
    path = root / PARTNERS_DIR / f"{slug}.yaml"
    if path.exists():
        raise click.ClickException(f"{path} exists already; edit it instead.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {path}. Fill it in, then run 'partnerdir validate {path}'.")


@click.command()
@click.option("--check", "check_only", is_flag=True, help="Only check that the files are current.")
@click.pass_obj
def schema(root: Path, check_only: bool) -> None:
    """Write the JSON Schemas editors use to complete and check profiles."""
    settings, problems = load_settings(root)
    if settings is None:
        report(problems)
        raise SystemExit(1)
    stale = []
    for path, text in expected_files(root, settings).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not check_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {path}.")
    if check_only and stale:
        raise click.ClickException(
            "out of date: " + ", ".join(map(str, stale)) + "; run 'partnerdir schema'."
        )


def register(group: click.Group) -> None:
    """Add the profile commands to ``group``."""
    for command in (validate, new, schema):
        group.add_command(command)
