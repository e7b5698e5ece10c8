"""Background work with huey: route, follow up, erase, send mail; sweep what the database says."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import select

from form_service.assignments import expire_due, offer_due, remind_due, reminder_due, route_new
from form_service.backend import Backend
from form_service.checkouts import SyncError
from form_service.followup import due_followups, queue_followups
from form_service.holds import notify_held, unnotified
from form_service.journal import journal_of
from form_service.models import Assignment, ClientRequest, OutboundMail, RequestStatus, utcnow
from form_service.outbox import deliver_due, mail_due, recover
from form_service.privacy import due_erasure, purge_due
from form_service.refusals import bind
from form_service.sync import follow
from form_service.workers import HEARTBEAT, beat
from partnerdir.settings import Settings

log = logging.getLogger(__name__)
SEND_ROUND = 30.0
"""Seconds one send task sends before it makes way for other work (a poll queues the next)."""


def create_huey(settings: Settings) -> Huey:
    """Return the queue: Redis when configured, else a SQLite file under instance/."""
    if settings.redis_url:
        return RedisHuey("partnerdir", url=settings.redis_url)
    path = settings.root / "instance" / "huey.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("partnerdir", filename=str(path))


def advance(backend: Backend, now: dt.datetime) -> dict[str, int]:
    """Apply every change that is due, queueing the mails it causes; return how many of each."""
    # Held requests are never routed: the coordinator is asked to release or discard them.
    held = notify_held(backend, now)
    return {
        **({"held": held} if held else {}),
        "expired": expire_due(backend, now),
        "routed": route_new(backend, now),
        "reminded": remind_due(backend, now),
        # Erase before following up, so nobody is asked after their data is due to go.
        "erased": purge_due(backend, now),
        "followed_up": queue_followups(backend, now),
    }


def sweep(backend: Backend, now: dt.datetime | None = None) -> dict[str, int]:
    """Do all work that is due according to the database; safe to run at any time, repeatedly."""
    now = now or utcnow()
    recover(backend, now)
    return {**advance(backend, now), "sent": deliver_due(backend, now, bind(backend))}


def has_due_work(backend: Backend, now: dt.datetime) -> bool:
    """Return whether anything is due: request, mail, deadline, reminder, follow-up, erasure,
    or accepted mails to record (the database was unreachable when they were accepted)."""
    if journal_of(backend.settings.root).waiting():
        return True
    with backend.sessions() as session:
        checks = (
            select(ClientRequest.id).where(ClientRequest.status == RequestStatus.NEW),
            select(ClientRequest.id).where(*unnotified()),
            select(OutboundMail.id).where(mail_due(now)),
            select(Assignment.id).where(offer_due(now)),
            select(Assignment.id).where(reminder_due(backend.engine.dialect.name, now)),
            due_followups(backend.settings, now),
            due_erasure(backend.settings, now),
        )
        return any(session.scalar(query.limit(1)) is not None for query in checks)


@dataclass(frozen=True)
class Tasks:
    """The tasks bound to one huey instance and backend."""

    huey: Huey
    process: Any
    send: Any
    periodic: Any
    backend: Backend
    busy: threading.Lock
    sync: Any
    syncing: threading.Lock

    def poll(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Until ``stop`` is set, hand due work to the queue as soon as the database shows it,
        and a round of following the repository every PARTNERDIR_NETWORK_SYNC_SECONDS."""
        settings = self.backend.settings
        next_sync = next_beat = time.monotonic()
        while not stop.wait(interval):
            try:
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + HEARTBEAT.total_seconds()
                    with self.backend.sessions() as session:
                        beat(session)
                        session.commit()
                if (settings.network_git and time.monotonic() >= next_sync
                        and not self.syncing.locked()):
                    next_sync = time.monotonic() + settings.network_sync_seconds
                    self.sync()
                # While a run is under way it sees the new work itself; queueing more runs
                # would only pile up tasks behind a long backlog.
                if not self.busy.locked() and has_due_work(self.backend, utcnow()):
                    self.process(0)
            except Exception:  # keep polling through database or queue hiccups
                log.exception("poll failed; trying again")


def register(huey: Huey, backend: Backend) -> Tasks:
    """Define the tasks on ``huey`` for ``backend``."""
    busy = threading.Lock()
    sending = threading.Lock()
    on_refused = bind(backend)

    def run_due() -> dict[str, int]:
        # One run at a time per worker: a second run would find the same rows and only
        # compete for them.
        if not busy.acquire(blocking=False):
            return {}
        try:
            now = utcnow()
            # First take over what workers that are gone were sending (a restart's catching
            # up), after the journal has told what their server already accepted.
            released = recover(backend, now)
            done = advance(backend, now)
            if not sending.locked():
                send()
            return {**done, "released": released}
        finally:
            busy.release()

    @huey.task(retries=3, retry_delay=10)  # type: ignore[untyped-decorator]
    def process(request_id: int) -> None:
        """Take over mails of workers that are gone; expire offers, route, follow up, erase;
        then start sending."""
        run_due()

    @huey.task()  # type: ignore[untyped-decorator]
    def send() -> None:
        """Send due mails in batches over PARTNERDIR_MAIL_CONNECTIONS connections for a round. A
        failure is retried with backoff by the outbox (30 s, 1 min, …), which records each
        attempt in the database, so retries survive restarts of the worker; a refusal (5xx) is
        final at once."""
        if not sending.acquire(blocking=False):
            return
        try:
            sent = deliver_due(backend, None, on_refused, seconds=SEND_ROUND,
                               connections=backend.settings.mail_connections)
            if sent:
                log.info("sent %d mails", sent)
        finally:
            sending.release()

    syncing = threading.Lock()

    @huey.task()  # type: ignore[untyped-decorator]
    def sync() -> None:
        """Follow the repository one round: fetch, check, then swap in or report the commit."""
        with syncing:
            try:
                follow(backend)
            except SyncError as exc:  # unreachable remote, missing branch: the next round tries
                log.warning("network: %s", exc)

    @huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
    def periodic() -> None:
        """Every minute, whatever the polling missed: deadlines, requests, follow-ups, mails."""
        done = run_due()
        if any(done.values()):
            log.info("sweep: %s", done)

    return Tasks(huey, process, send, periodic, backend, busy, sync, syncing)
