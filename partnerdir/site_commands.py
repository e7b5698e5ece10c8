"""Commands that build the public site."""

from __future__ import annotations

import gc
from pathlib import Path

import click

from generator.loader import check
from generator.pages import render_site, site_options, write_site
from generator.plugin import PartnerdirPlugin
from partnerdir.profile_commands import report
from partnerdir.settings import Settings


@click.command()
@click.pass_obj
def build(root: Path) -> None:
    """Validate the profiles, then build the site strictly into site/."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    network, problems = check(root, parallel=True)
    if network is None or problems:
        report(problems)
        raise click.ClickException("fix the profiles above, then run 'partnerdir build' again.")
    # The checked network lives until the build ends; with thousands of profiles the garbage
    # collector would otherwise walk all of it again and again while pages are built.
    gc.freeze()
    try:
        config = load_config(str(root / "mkdocs.yml"), strict=True)
        plugin = config.plugins.get("partnerdir")
        if isinstance(plugin, PartnerdirPlugin):
            plugin.network = network  # checked just now: no need to read every file twice
        mkdocs_build(config)
    except MkDocsException as exc:
        raise click.ClickException(f"the site did not build: {exc}") from exc
    click.echo(f"Built the site into {config['site_dir']}.")


@click.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the pages into; existing files of the same name are replaced.")
@click.option("--form-service-url", default=None,
              help="Address the request form posts to (default: PARTNERDIR_FORM_SERVICE_URL, "
                   "else form_service_url in network.yaml, else /).")
@click.pass_obj
def generate(root: Path, out: Path, form_service_url: str | None) -> None:
    """Write the generated pages as Markdown files, for a site engine other than MkDocs."""
    network, problems = check(root, parallel=True)
    if network is None or problems:
        report(problems)
        raise click.ClickException("fix the profiles above, then run 'partnerdir generate' again.")
    settings = Settings.from_env({"root": root})
    pages = render_site(network, site_options(network, settings, form_service_url))
    write_site(pages, out)
    click.echo(f"Wrote {len(pages)} pages for {len(network.partners)} partners into {out}.")


def register(group: click.Group) -> None:
    """Add the site commands to ``group``."""
    group.add_command(build)
    group.add_command(generate)
