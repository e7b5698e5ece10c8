"""Commands for the form service's background work and database."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.exc import ArgumentError, OperationalError

from generator.errors import ProfileError
from partnerdir.settings import variable
from partnerdir.settings_command import shown

if TYPE_CHECKING:
    from partnerdir.settings import Settings


def database_problem(settings: Settings, exc: Exception, command: str) -> click.ClickException:
    """Explain a database that cannot be reached or parsed, and what to do next."""
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
    try:
        backend = Backend.start(settings)
    except ProfileError as exc:
        raise click.ClickException(
            f"the profiles are invalid; run 'partnerdir validate', fix them and start the worker "
            f"again:\n{exc}"
        ) from exc
    except (OperationalError, ArgumentError) as exc:
        raise database_problem(settings, exc, "partnerdir worker") from exc
    tasks = register(create_huey(settings), backend)
    # The first sweep runs in the queue, not here: a backlog after downtime can take minutes.
    tasks.process(0)
    click.echo("Worker started; catching up on anything due.")
    stop = threading.Event()
    poller = threading.Thread(target=tasks.poll, args=(stop,), name="poll", daemon=True)
    poller.start()
    consumer = tasks.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    try:
        consumer.run()
    finally:
        stop.set()


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
    except (OperationalError, ArgumentError) as exc:
        raise database_problem(settings, exc, "partnerdir db upgrade") from exc
    url = shown("database_url", settings.database_url)
    click.echo(f"The database schema is up to date ({url}).")


def register(group: click.Group) -> None:
    """Add the service commands to ``group``."""
    group.add_command(worker)
    group.add_command(db)
