"""The mail outbox: mails are rows written with the change that causes them, sent later.

Queueing stores a rendered mail once per dedup key (``form_service/mails.py`` renders them).
Delivery claims a batch of due mails for this worker, sends them over one connection, writes
each accepted mail to the journal (``journal.py``) and then records the batch: sent, refused for
good (5xx: final at once, and ``on_refused`` applies what that means), or due again after a
backoff (4xx, no connection). Claims of workers that died are released by :func:`recover`,
after the journal has marked what their server had already accepted.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from typing import TYPE_CHECKING, cast

from sqlalchemy import ColumnElement, Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from form_service import workers
from form_service.journal import Accepted, journal_of
from form_service.models import MailStatus, OutboundMail, utcnow
from form_service.transport import Connection, MailDeferred, MailError, MailRefused, build_message

if TYPE_CHECKING:
    from form_service.backend import Backend

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
BATCH = 100
"""Mails claimed at once and sent over one connection."""

OnRefused = Callable[[Session, OutboundMail, dt.datetime], None]
"""Applies what a final refusal of a mail means (``refusals.apply``), in the same transaction."""

_in_flight: set[int] = set()  # mails this process has claimed and is sending right now
_flight_lock = threading.Lock()
_MAILS = cast(Table, OutboundMail.__table__)


class Delivery(StrEnum):
    """What became of one claimed mail."""

    SENT = "sent"
    RETRY = "retry"  # a temporary failure (4xx, no connection); due again after a backoff
    FAILED = "failed"  # the last attempt failed; the mail is given up
    REFUSED = "refused"  # the server refused it for good (5xx); final at once


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait before the next try: 30 s, 1 min, 2 min … at most one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def queue(session: Session, mail: OutboundMail, now: dt.datetime) -> None:
    """Add ``mail`` to the outbox, due at once, unless a mail with its dedup key exists."""
    if session.scalar(select(OutboundMail.id).where(OutboundMail.dedup_key == mail.dedup_key)):
        return
    mail.status, mail.attempts = MailStatus.PENDING, 0
    mail.created_at = mail.next_attempt_at = now
    session.add(mail)


def mail_due(now: dt.datetime) -> ColumnElement[bool]:
    """The condition of a mail waiting to be sent at ``now``."""
    return (OutboundMail.status == MailStatus.PENDING) & (OutboundMail.next_attempt_at <= now)


def message_id(mail_id: int, dedup_key: str) -> str:
    """Return the Message-ID of an outbox row: the same on every attempt."""
    return f"<{dedup_key.replace(':', '.')}.{mail_id}@partnerdir.invalid>"


_RECORD_ACCEPTED = (
    update(_MAILS)
    .where(_MAILS.c.id == bindparam("mail_id"), _MAILS.c.dedup_key == bindparam("key"),
           _MAILS.c.status != MailStatus.SENT.value)
    .values(status=MailStatus.SENT.value, sent_at=bindparam("at"), last_error=None,
            claimed_by=None)
)


def replay(backend: Backend) -> int:
    """Record as sent every mail the journal says the server accepted; return how many lines."""

    def store(entries: list[Accepted]) -> None:
        with backend.engine.begin() as connection:
            done = connection.execute(_RECORD_ACCEPTED, [
                {"mail_id": mail_id, "key": key, "at": at} for mail_id, key, at in entries])
        if done.rowcount > 0:  # not recorded by their batch (yet): a crash, an unreachable database
            log.info("recorded %d mails as sent from the journal", done.rowcount)

    return journal_of(backend.settings.root).replay(store)


def recover(backend: Backend, now: dt.datetime) -> int:
    """Release the claims of workers that are gone, and this process's own stranded claims,
    once the journal is in the database; return how many mails are due again."""
    replay(backend)
    with _flight_lock, backend.sessions() as session:
        living = [w for w in workers.living(session) if w != workers.me().id]
        mine = (OutboundMail.claimed_by == workers.me().id) & OutboundMail.id.in_(_in_flight)
        released = session.execute(
            update(OutboundMail)
            .where(OutboundMail.status == MailStatus.SENDING,
                   or_(OutboundMail.claimed_by.is_(None),
                       OutboundMail.claimed_by.not_in(living)),
                   ~mine)
            .values(status=MailStatus.PENDING, next_attempt_at=now, claimed_by=None),
            execution_options={"synchronize_session": False},
        )
        session.commit()
        count: int = released.rowcount  # type: ignore[attr-defined]
    if count:
        log.warning("released %d mails whose sending was cut off (a worker gone, or the database "
                    "unreachable); sending them now", count)
    return count


def claim(backend: Backend, now: dt.datetime, limit: int = BATCH) -> list[OutboundMail]:
    """Claim up to ``limit`` due mails for this worker, oldest first."""
    with _flight_lock, backend.sessions() as session:
        workers.beat(session)
        due = select(OutboundMail.id).where(mail_due(now)).order_by(OutboundMail.id).limit(limit)
        ids = session.scalars(
            update(OutboundMail)
            .where(OutboundMail.id.in_(due.scalar_subquery()), mail_due(now))
            .values(status=MailStatus.SENDING, claimed_at=now, claimed_by=workers.me().id,
                    attempts=OutboundMail.attempts + 1)
            .returning(OutboundMail.id),
            execution_options={"synchronize_session": False},
        ).all()
        session.commit()
        _in_flight.update(ids)
        return list(session.scalars(
            select(OutboundMail).where(OutboundMail.id.in_(ids)).order_by(OutboundMail.id)))


def _send(backend: Backend, connection: Connection, mails: list[OutboundMail],
          now: dt.datetime) -> dict[int, tuple[Delivery, str | None]]:
    """Send claimed ``mails`` over ``connection``; journal each accepted one at once."""
    journal = journal_of(backend.settings.root)
    sender = backend.sender
    results: dict[int, tuple[Delivery, str | None]] = {}
    broken: MailError | None = None
    for mail in mails:
        if broken is not None:  # the server is unreachable: the rest wait for the next round
            results[mail.id] = (Delivery.RETRY, str(broken))
            continue
        message = build_message(sender, mail.recipient, mail.subject, mail.body_text,
                                mail.body_html, message_id(mail.id, mail.dedup_key))
        try:
            connection.send(message)
        except MailRefused as exc:
            results[mail.id] = (Delivery.REFUSED, str(exc))
            continue
        except MailDeferred as exc:
            results[mail.id] = (Delivery.RETRY, str(exc))
            continue
        except MailError as exc:
            broken = exc
            results[mail.id] = (Delivery.RETRY, str(exc))
            continue
        journal.record([(mail.id, mail.dedup_key, now)])
        results[mail.id] = (Delivery.SENT, None)
    if any(outcome is Delivery.SENT for outcome, _ in results.values()):
        journal.sync()
    return results


_AFTER = {Delivery.RETRY: MailStatus.PENDING, Delivery.FAILED: MailStatus.FAILED,
          Delivery.REFUSED: MailStatus.REFUSED}


def _record(session: Session, mails: list[OutboundMail],
            results: dict[int, tuple[Delivery, str | None]], now: dt.datetime,
            on_refused: OnRefused | None) -> Counter[Delivery]:
    """Write the outcome of each mail; apply what a refusal means when ``on_refused`` is given.

    Only rows this worker still holds are written: a row erased meanwhile, or already recorded
    from the journal, is left as it is.
    """
    held = (OutboundMail.claimed_by == workers.me().id) & (
        OutboundMail.status == MailStatus.SENDING)
    plain = {"synchronize_session": False}
    counts: Counter[Delivery] = Counter()
    sent = [mail.id for mail in mails if results[mail.id][0] is Delivery.SENT]
    counts[Delivery.SENT] = len(sent)
    if sent:
        session.execute(update(OutboundMail).where(OutboundMail.id.in_(sent), held).values(
            status=MailStatus.SENT, sent_at=now, last_error=None, claimed_by=None),
            execution_options=plain)
    for mail in mails:
        outcome, error = results[mail.id]
        if outcome is Delivery.SENT:
            continue
        if outcome is Delivery.RETRY and mail.attempts >= MAX_ATTEMPTS:
            outcome = Delivery.FAILED
        counts[outcome] += 1
        mail.last_error = (error or "")[:1000]
        session.execute(update(OutboundMail).where(OutboundMail.id == mail.id, held).values(
            status=_AFTER[outcome], last_error=mail.last_error, claimed_by=None,
            next_attempt_at=now + backoff(mail.attempts)), execution_options=plain)
        (log.warning if outcome is Delivery.RETRY else log.error)(
            "mail %s to %s %s (attempt %d): %s", mail.id, mail.recipient, outcome,
            mail.attempts, error)
        if outcome is Delivery.REFUSED and on_refused is not None:
            on_refused(session, mail, now)
    return counts


def deliver(backend: Backend, connection: Connection, now: dt.datetime,
            on_refused: OnRefused | None = None, limit: int = BATCH) -> Counter[Delivery]:
    """Claim one batch of due mails, send it over ``connection``, record what happened."""
    mails = claim(backend, now, limit)
    if not mails:
        return Counter()
    try:
        results = _send(backend, connection, mails, now)
        with backend.sessions() as session:
            try:
                counts = _record(session, mails, results, now, on_refused)
                session.commit()
            except Exception:
                if on_refused is None:
                    raise
                # What a refusal means could not be applied; the mails' outcome is kept anyway.
                log.exception("applying a refusal failed; recording the mails without it")
                session.rollback()
                counts = _record(session, mails, results, now, None)
                session.commit()
        return counts
    finally:
        with _flight_lock:
            _in_flight.difference_update(mail.id for mail in mails)


def deliver_due(backend: Backend, now: dt.datetime | None = None,
                on_refused: OnRefused | None = None, seconds: float | None = None,
                connections: int = 1) -> int:
    """Send due mails batch by batch over ``connections`` connections at once, until none is
    due or ``seconds`` have passed; return how many were sent. Without ``now``, each batch
    takes the clock's."""
    replay(backend)
    started = time.monotonic()

    def send_over_one() -> int:
        sent = 0
        with Connection(backend.settings.mail_url) as connection:
            while seconds is None or time.monotonic() - started < seconds:
                counts = deliver(backend, connection, now or utcnow(), on_refused)
                sent += counts[Delivery.SENT]
                if not counts or counts[Delivery.RETRY] + counts[Delivery.FAILED] == sum(
                        counts.values()):
                    break  # nothing due, or the server is unreachable: later rounds go on
        return sent

    if connections == 1:
        sent = send_over_one()
    else:
        # A mail's time goes mostly into waiting for the server's replies; several connections
        # wait at the same time. Each claims batches of its own.
        with ThreadPoolExecutor(connections, thread_name_prefix="mail") as pool:
            sent = sum(f.result() for f in [pool.submit(send_over_one)
                                             for _ in range(connections)])
    replay(backend)  # the batches are recorded: the journal can be emptied
    return sent
