"""Commands on the form service's stored data: the referral ledger and clients' privacy requests."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator.errors import ProfileError
from partnerdir.service_commands import database_errors, database_problem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from form_service.ledger import LedgerRow

# (key in LedgerRow.as_dict(), column heading)
COLUMNS = (
    ("partner", "member"),
    ("given", "given"),
    ("given_capacity", "capacity"),
    ("given_expertise", "expertise"),
    ("given_absence", "absence"),
    ("received", "received"),
    ("accepted", "accepted"),
    ("declined", "declined"),
    ("declined_capacity", "full"),
    ("declined_expertise", "no expertise"),
    ("declined_absent", "absent"),
    ("declined_area", "off area"),
    ("declined_spam", "spam"),
    ("timed_out", "timed out"),
    ("open", "open"),
    ("withdrawn", "withdrawn"),
    ("response_hours", "response h"),
    ("feedback", "feedback"),
    ("contact", "contact"),
    ("done", "done"),
    ("satisfaction", "satisfaction"),
    ("balance", "balance"),
)
DAY = click.DateTime(["%Y-%m-%d"])


@contextmanager
def database(root: Path, command: str) -> Iterator[Session]:
    """Open a session on the service's database (schema brought up to date) for ``command``."""
    from form_service.db import make_engine, session_factory, upgrade
    from partnerdir.settings import Settings

    settings = Settings.from_env({"root": str(root)})
    try:
        engine = make_engine(settings.database_url)
        upgrade(engine)
    except database_errors() as exc:
        raise database_problem(settings, exc, command) from exc
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _members(root: Path) -> list[str]:
    """Return the current members, so that those without referrals show up with zeros."""
    from generator.loader import load_network

    try:
        return list(load_network(root).partners)
    except (ProfileError, OSError):
        return []  # the ledger still shows everyone with referrals in the database


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [[heading for _, heading in COLUMNS]]
    lines += [[_cell(row[key]) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                  enumerate(zip(line, widths, strict=True))).rstrip()
        for line in lines
    )


def _totals(rows: list[LedgerRow]) -> dict[str, Any]:
    counts = [key for key, _ in COLUMNS if key not in ("partner", "response_hours",
                                                        "satisfaction")]
    data = [row.as_dict() for row in rows]
    return {"partner": "total", **{key: sum(d[key] for d in data) for key in counts},
            "response_hours": None, "satisfaction": None}


@click.command()
@click.option("--from", "start", type=DAY, metavar="YYYY-MM-DD",
              help="First day of the period (default: the first referral).")
@click.option("--to", "end", type=DAY, metavar="YYYY-MM-DD",
              help="Last day of the period, included (default: today).")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True, help="Table for reading, CSV or JSON for tools.")
@click.pass_obj
def ledger(root: Path, start: dt.datetime | None, end: dt.datetime | None,
           output_format: str) -> None:
    """Show the referral ledger: per member, referrals given and received and their outcome.

    Given counts requests a member passed on (by reason: capacity, expertise, absence); received
    counts offers to the member and splits them into accepted, declined (by the member's reason:
    full, no expertise, absent, off area, spam), timed out, open and withdrawn; response h is
    the mean time to accept or decline; feedback, contact, done and
    satisfaction (1–5) come from clients' answers to the follow-up. Balance is accepted minus
    given. Matching ranks members by the same numbers. Times are UTC.
    """
    from form_service.ledger import Period
    from form_service.ledger import ledger as read_ledger

    until = end + dt.timedelta(days=1) if end else None
    if start and until and until <= start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    with database(root, "partnerdir ledger") as session:
        rows = list(read_ledger(session, Period(start, until), _members(root)).values())
    data = [row.as_dict() for row in rows]
    period = {"from": start.date().isoformat() if start else None,
              "to": end.date().isoformat() if end else None}
    if output_format == "json":
        click.echo(json.dumps({**period, "members": data}, ensure_ascii=False, indent=2))
    elif output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(key for key, _ in COLUMNS)
        writer.writerows([("" if d[key] is None else d[key]) for key, _ in COLUMNS] for d in data)
    else:
        span = f"{period['from'] or 'the beginning'} to {period['to'] or 'today'}"
        click.echo(f"Referral ledger from {span} (UTC)\n")
        click.echo(_table([*data, _totals(rows)]))


@click.group()
def privacy() -> None:
    """Answer clients' access and erasure requests (GDPR Art. 15 and 17)."""


@privacy.command(short_help="Print a client's stored data as JSON.")
@click.argument("email")
@click.pass_obj
def export(root: Path, email: str) -> None:
    """Print everything stored about the client with EMAIL as JSON: requests, offers, feedback
    and the mails about them."""
    from form_service.privacy import export as export_data

    with database(root, "partnerdir privacy export") as session:
        data = export_data(session, email)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    if not data["requests"]:
        click.echo(f"No personal data is stored for {data['email']}.", err=True)


@privacy.command(short_help="Erase a client's personal data now.")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Erase without asking for confirmation.")
@click.pass_obj
def delete(root: Path, email: str, yes: bool) -> None:
    """Erase the personal data of the client with EMAIL from every table, now.

    Open offers are withdrawn and unsent mails about the client's requests deleted; the ledger
    keeps its anonymous counts.
    """
    from form_service.models import utcnow
    from form_service.privacy import erase_client, requests_of

    with database(root, "partnerdir privacy delete") as session:
        found = len(requests_of(session, email))
        if not found:
            click.echo(f"No personal data is stored for {email}.")
            return
        if not yes:
            click.confirm(f"Erase the personal data of {found} request(s) of {email}?",
                          abort=True)
        requests, mails = erase_client(session, email, utcnow())
        session.commit()
    click.echo(f"Erased {requests} request(s) and {mails} mail(s) of {email}; "
               "the ledger keeps its anonymous counts.")


def register(group: click.Group) -> None:
    """Add the ledger and privacy commands to ``group``."""
    group.add_command(ledger)
    group.add_command(privacy)
