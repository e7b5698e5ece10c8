"""Commands for the form service's background work and database."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.errors import ProfileError
from partnerdir.settings import variable
from partnerdir.settings_command import shown

if TYPE_CHECKING:
    from form_service.sync import Outcome
    from partnerdir.settings import Settings


def database_errors() -> tuple[type[Exception], ...]:
    """Return the errors of a database that cannot be opened, for ``except``.

    SQLAlchemy is imported when one happens, not with the command line: building the site
    or checking profiles needs no database and should not wait for it to load.
    """
    from sqlalchemy.exc import ArgumentError, OperationalError

    return (OperationalError, ArgumentError)


def database_problem(settings: Settings, exc: Exception, command: str) -> click.ClickException:
    """Explain a database that cannot be reached or parsed, and what to do next."""
    from sqlalchemy.exc import ArgumentError

    url = shown("database_url", settings.database_url)
    if isinstance(exc, ArgumentError):
        what = f"{variable('database_url')} is not a database URL: {url}"
        todo = "use e.g. postgresql+psycopg://user:password@host/name or sqlite:////path/file"
    else:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        what = f"cannot open the database {url}: {reason}"
        todo = f"check {variable('database_url')} and that the database server runs"
    return click.ClickException(f"{what}\n{todo}, then run '{command}' again.")


@click.command()
@click.option("--workers", default=2, show_default=True, help="Threads that run tasks.")
@click.pass_obj
def worker(root: Path, workers: int) -> None:
    """Run the background worker: route requests, send mails, expire offers (Ctrl-C stops).

    Run exactly one worker per network, with the same PARTNERDIR_* settings as the form service.
    """
    from form_service.backend import Backend
    from form_service.jobs import create_huey, register
    from partnerdir.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings.from_env({"root": str(root)})
    _first_round(settings)
    try:
        backend = Backend.start(settings)
    except ProfileError as exc:
        raise click.ClickException(
            f"the profiles are invalid; run 'partnerdir validate', fix them and start the worker "
            f"again:\n{exc}"
        ) from exc
    except database_errors() as exc:
        raise database_problem(settings, exc, "partnerdir worker") from exc
    tasks = register(create_huey(settings), backend)
    # The first sweep runs in the queue, not here: a backlog after downtime can take minutes.
    tasks.process(0)
    click.echo("Worker started; catching up on anything due.")
    stop = threading.Event()
    poller = threading.Thread(target=tasks.poll, args=(stop,), name="poll", daemon=True)
    poller.start()
    # An idle queue in SQLite is polled with a growing pause; at most a second of it keeps a
    # webhook's fetch and a member's answer from waiting (Redis hands tasks over at once).
    consumer = tasks.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                          max_delay=1.0)
    try:
        consumer.run()
    finally:
        stop.set()


def _first_round(settings: Settings) -> None:
    """Follow the repository once before the first checkout: a server that only follows it
    may have no profiles of its own to start with."""
    from form_service.checkouts import SyncError
    from form_service.sync import current_checkout
    from form_service.sync import sync as sync_round

    if settings.network_git and current_checkout(settings) is None:
        try:
            outcome = sync_round(settings)
        except SyncError as exc:
            click.echo(f"Cannot follow the repository yet ({exc}); trying again later.", err=True)
            return
        click.echo(f"Network at {outcome.commit.sha}: {outcome.result}.")


@click.command()
@click.pass_obj
def sync(root: Path) -> None:
    """Follow the network's repository once: fetch, check, use the newest commit if valid.

    For cron, beside or instead of the worker's own rounds; needs PARTNERDIR_NETWORK_GIT. The
    service and the worker read a new commit within seconds. An invalid newest commit is
    refused: the last valid one stays in use, its problems are printed, the coordinator gets
    one mail per commit, and the exit code is 1.
    """
    from form_service.checkouts import SyncError
    from form_service.sync import Result
    from form_service.sync import sync as sync_round
    from partnerdir.settings import Settings

    settings = Settings.from_env({"root": str(root)})
    if not settings.network_git:
        raise click.ClickException(
            f"{variable('network_git')} is not set, so the service reads the profiles in "
            f"{settings.root}; set it to the repository to follow.")
    try:
        outcome = sync_round(settings)
    except SyncError as exc:
        raise click.ClickException(
            f"{exc}\nNothing was changed; check {variable('network_git')} and "
            f"{variable('network_branch')}.") from exc
    commit = outcome.commit
    if outcome.result is Result.CURRENT:
        click.echo(f"Already current: {settings.network_branch} is at {commit.sha}.")
    elif outcome.result is Result.SWAPPED:
        click.echo(f"Swapped to {commit.sha} ({commit.subject}); the service and the worker "
                   "use it within seconds.")
    else:
        for problem in outcome.problems:
            click.echo(str(problem))
        kept = outcome.in_use or f"the profiles in {settings.root}"
        click.echo(f"Refused {commit.sha} ({commit.subject}, {commit.author}): "
                   f"{len(outcome.problems)} problem(s). Still in use: {kept}.")
        _report(settings, outcome)
        raise click.exceptions.Exit(1)


def _report(settings: Settings, outcome: Outcome) -> None:
    """Queue the coordinator's mail about a refused commit (sent by the worker)."""
    from form_service.backend import Backend
    from form_service.sync import report

    try:
        report(Backend.start(settings), outcome)
    except ProfileError:
        click.echo("No valid network to take the coordinator's address from: nobody was "
                   "mailed.", err=True)
    except database_errors() as exc:
        raise database_problem(settings, exc, "partnerdir sync") from exc


@click.group()
def db() -> None:
    """Manage the form service's database (PARTNERDIR_DATABASE_URL)."""


@db.command()
@click.pass_obj
def upgrade(root: Path) -> None:
    """Create or upgrade the database schema (the service also does this on start)."""
    from form_service.db import make_engine
    from form_service.db import upgrade as upgrade_schema
    from partnerdir.settings import Settings

    settings = Settings.from_env({"root": str(root)})
    try:
        upgrade_schema(make_engine(settings.database_url))
    except database_errors() as exc:
        raise database_problem(settings, exc, "partnerdir db upgrade") from exc
    url = shown("database_url", settings.database_url)
    click.echo(f"The database schema is up to date ({url}).")


def register(group: click.Group) -> None:
    """Add the service commands to ``group``."""
    group.add_command(worker)
    group.add_command(sync)
    group.add_command(db)
