"""Background work with huey: route new requests, send mails, sweep due work from the database."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab

from form_service.backend import Backend
from form_service.models import utcnow
from form_service.outbox import deliver, deliver_due
from form_service.routing import expire_due, route_new
from form_service.settings import Settings

log = logging.getLogger(__name__)


class MailNotSent(Exception):
    """Raised by the send task so that huey retries it."""


def create_huey(settings: Settings, immediate: bool = False) -> Huey:
    """Return the queue: Redis when configured, else a SQLite file under instance/."""
    if settings.redis_url:
        return RedisHuey("partnerdir", url=settings.redis_url, immediate=immediate)
    path = settings.root / "instance" / "huey.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("partnerdir", filename=str(path), immediate=immediate)


def sweep(backend: Backend, now: dt.datetime | None = None) -> dict[str, int]:
    """Do all work that is due according to the database; safe to run at any time, repeatedly."""
    now = now or utcnow()
    return {
        "expired": expire_due(backend, now),
        "routed": route_new(backend, now),
        "sent": deliver_due(backend, now),
    }


@dataclass(frozen=True)
class Tasks:
    """The tasks bound to one huey instance and backend."""

    huey: Huey
    process: Any
    send: Any
    periodic: Any


def register(huey: Huey, backend: Backend) -> Tasks:
    """Define the tasks on ``huey`` for ``backend``."""

    @huey.task(retries=3, retry_delay=10)  # type: ignore[untyped-decorator]
    def process(request_id: int) -> None:
        """Route a new request and send what it caused."""
        now = utcnow()
        route_new(backend, now)
        deliver_due(backend, now)

    @huey.task(retries=5, retry_delay=60)  # type: ignore[untyped-decorator]
    def send(mail_id: int) -> None:
        """Send one mail; raise so that huey retries it later."""
        if not deliver(backend, mail_id, utcnow()):
            raise MailNotSent(mail_id)

    @huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
    def periodic() -> None:
        """Every minute: deadlines, unrouted requests, mails due for a retry."""
        done = sweep(backend)
        if any(done.values()):
            log.info("sweep: %s", done)

    return Tasks(huey, process, send, periodic)
