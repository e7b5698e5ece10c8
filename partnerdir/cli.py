"""The ``partnerdir`` command: one entry point for members, coordinators and CI."""

from __future__ import annotations

import os
from pathlib import Path

import click

from partnerdir import (
    pr_commands,
    profile_commands,
    serve_command,
    service_commands,
    site_commands,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=lambda: os.environ.get("PARTNERDIR_ROOT", "."),
    show_default="current folder, or PARTNERDIR_ROOT",
    help="The network folder (where mkdocs.yml and network.yaml are).",
)
@click.version_option(package_name="partnerdir")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Directory site and request service of a referral network."""
    ctx.obj = root


profile_commands.register(main)
pr_commands.register(main)
site_commands.register(main)
service_commands.register(main)
serve_command.register(main)
