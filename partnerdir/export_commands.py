"""Commands that carry the network's data elsewhere: out-of-office texts, the HSDS export and
the figures of the statistics page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from generator.absence_text import LANGUAGES, absence_texts
from generator.errors import ProfileError
from generator.hsds import Export, last_changes
from generator.loader import Network, load_network
from partnerdir.settings import Settings


def _network(root: Path) -> Network:
    try:
        return load_network(root)
    except ProfileError as exc:
        raise click.ClickException(f"the profiles are not valid:\n{exc}") from exc


@click.command("absence-text")
@click.argument("slug")
@click.option("--from", "first_day", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Only the absence that starts on this day (default: every current and "
                   "future one).")
@click.option("--language", type=click.Choice(LANGUAGES), default=None,
              help="Only this language (default: German, then English).")
@click.pass_obj
def absence_text(root: Path, slug: str, first_day: dt.datetime | None,
                 language: str | None) -> None:
    """Print ready auto-reply texts for a member's absences, with deputy and request link."""
    network = _network(root)
    partner = network.partners.get(slug)
    if partner is None:
        raise click.ClickException(f"no member {slug!r}; the slug is the profile's file name")
    texts = absence_texts(network, partner, dt.date.today(),
                          (language,) if language else LANGUAGES)
    if first_day is not None:
        texts = [text for text in texts if text.absence.from_ == first_day.date()]
    if not texts:
        raise click.ClickException(f"{slug} has no current or future absence"
                                   + (f" starting on {first_day:%Y-%m-%d}" if first_day else ""))
    for text in texts:
        click.echo(f"--- {text.absence.from_} – {text.absence.to} ({text.language}) ---")
        click.echo(text.text)


@click.group()
def export() -> None:
    """Write the directory in formats other directories read."""


@export.command("hsds")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for organizations.json and services.json (created if missing).")
@click.option("--language", type=click.Choice(LANGUAGES), default="de", show_default=True,
              help="Language of service names and texts.")
@click.pass_obj
def hsds(root: Path, out: Path, language: str) -> None:
    """Export members and services in Open Referral HSDS 3.0 (JSON)."""
    network = _network(root)
    records = Export(network, last_changes(root, network), dt.date.today(), language).records()
    out.mkdir(parents=True, exist_ok=True)
    for name, items in records.items():
        (out / f"{name}.json").write_text(json.dumps(items, ensure_ascii=False, indent=1),
                                          encoding="utf-8")
    click.echo(f"Wrote {len(records['organizations'])} organizations and "
               f"{len(records['services'])} services into {out}.")


@click.command()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: PARTNERDIR_STATISTICS_FILE, which the build reads).")
@click.pass_obj
def stats(root: Path, out: Path | None) -> None:
    """Write the statistics page's figures from the ledger (JSON); groups under 5 withheld."""
    from form_service.statistics import figures
    from partnerdir.data_commands import database

    network = _network(root)
    target = out or Settings.from_env({"root": root}).statistics_file
    with database(root, "partnerdir stats") as session:
        data = figures(session, network, dt.date.today())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"Wrote the figures into {target}; the next build shows them.")


def register(group: click.Group) -> None:
    """Add the export commands to ``group``."""
    for command in (absence_text, export, stats):
        group.add_command(command)
