"""Commands for the form service's background work and database."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import click

from generator.errors import ProfileError


@click.command()
@click.option("--workers", default=2, show_default=True, help="Threads that run tasks.")
@click.pass_obj
def worker(root: Path, workers: int) -> None:
    """Run the background worker: route requests, send mails, expire offers (Ctrl-C stops)."""
    from form_service.backend import Backend
    from form_service.jobs import create_huey, register, sweep
    from form_service.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings.from_env({"root": str(root)})
    try:
        backend = Backend.start(settings)
    except ProfileError as exc:
        raise click.ClickException(
            f"the profiles are invalid; run 'partnerdir validate':\n{exc}"
        ) from exc
    tasks = register(create_huey(settings), backend)
    done = sweep(backend)
    click.echo(f"Worker started; first sweep: {done}.")
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
    """Manage the form service's database."""


@db.command()
@click.pass_obj
def upgrade(root: Path) -> None:
    """Create or upgrade the database schema (the service also does this on start)."""
    from form_service.db import make_engine
    from form_service.db import upgrade as upgrade_schema
    from form_service.settings import Settings

    settings = Settings.from_env({"root": str(root)})
    upgrade_schema(make_engine(settings.database_url))
    click.echo("The database schema is up to date.")


def register(group: click.Group) -> None:
    """Add the service commands to ``group``."""
    group.add_command(worker)
    group.add_command(db)
