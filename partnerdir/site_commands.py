"""Commands that build the public site."""

from __future__ import annotations

from pathlib import Path

import click

from generator.loader import check
from partnerdir.profile_commands import report


@click.command()
@click.pass_obj
def build(root: Path) -> None:
    """Validate the profiles, then build the site strictly into site/."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    _, problems = check(root)
    if problems:
        report(problems)
        raise click.ClickException("fix the profiles above, then run 'partnerdir build' again.")
    try:
        config = load_config(str(root / "mkdocs.yml"), strict=True)
        mkdocs_build(config)
    except MkDocsException as exc:
        raise click.ClickException(f"the site did not build: {exc}") from exc
    click.echo(f"Built the site into {config['site_dir']}.")


def register(group: click.Group) -> None:
    """Add the site commands to ``group``."""
    group.add_command(build)
