"""The mail outbox: mails are rows written with the change that causes them, sent later.

Queueing stores a rendered mail once per dedup key (``form_service/mails.py`` renders them);
delivery claims one due mail, sends it, and on failure retries it with a backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from form_service.models import MailStatus, OutboundMail
from form_service.transport import MailError, build_message, send_email

if TYPE_CHECKING:
    from form_service.backend import Backend

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
STALE_CLAIM = dt.timedelta(minutes=10)
LEASE = dt.timedelta(minutes=5)


class Delivery(StrEnum):
    """What one call of :func:`deliver` did."""

    SENT = "sent"
    RETRY = "retry"  # the server refused or was unreachable; due again after a backoff
    FAILED = "failed"  # the last attempt failed; the mail is given up
    SKIPPED = "skipped"  # another sender has it, or it was sent


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


def deliver(backend: Backend, mail_id: int, now: dt.datetime, leased: bool = False) -> Delivery:
    """Claim one due (or ``leased``) mail and send it; return what happened."""
    with backend.sessions() as session:
        due = OutboundMail.status == MailStatus.PENDING if leased else mail_due(now)
        claimed = session.execute(
            update(OutboundMail)
            .where(OutboundMail.id == mail_id, due)
            .values(status=MailStatus.SENDING, claimed_at=now, attempts=OutboundMail.attempts + 1)
        )
        session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return Delivery.SKIPPED
        mail = session.get_one(OutboundMail, mail_id)
        message = build_message(
            backend.sender,
            mail.recipient,
            mail.subject,
            mail.body_text,
            mail.body_html,
            f"<{mail.dedup_key.replace(':', '.')}.{mail.id}@partnerdir.invalid>",
        )
        try:
            send_email(backend.settings.mail_url, message)
        except MailError as exc:
            final = mail.attempts >= MAX_ATTEMPTS
            mail.status = MailStatus.FAILED if final else MailStatus.PENDING
            mail.next_attempt_at = now + backoff(mail.attempts)
            mail.last_error = str(exc)[:1000]
            session.commit()
            (log.error if final else log.warning)(
                "mail %s to %s failed (attempt %d): %s", mail.id, mail.recipient, mail.attempts, exc
            )
            return Delivery.FAILED if final else Delivery.RETRY
        mail.status, mail.sent_at, mail.last_error = MailStatus.SENT, now, None
        session.commit()
        return Delivery.SENT


def due_mail_ids(backend: Backend, now: dt.datetime) -> list[int]:
    """Return mails due for sending, after releasing claims of crashed senders."""
    with backend.sessions() as session:
        session.execute(
            update(OutboundMail)
            .where(OutboundMail.status == MailStatus.SENDING,
                   OutboundMail.claimed_at < now - STALE_CLAIM)
            .values(status=MailStatus.PENDING)
        )
        session.commit()
        return list(
            session.scalars(
                select(OutboundMail.id).where(mail_due(now)).order_by(OutboundMail.id)
            ).all()
        )


def lease_due_mails(backend: Backend, now: dt.datetime) -> list[int]:
    """Return the mails due for sending and postpone them by :data:`LEASE`.

    Each is handed to one send task; if that task never runs (a lost queue, a crash), the
    lease runs out and the mail is due again. Sending itself is claimed, so a mail handed
    out twice is still sent once.
    """
    ids = due_mail_ids(backend, now)
    with backend.sessions() as session:
        for start in range(0, len(ids), 500):
            session.execute(
                update(OutboundMail)
                .where(OutboundMail.id.in_(ids[start:start + 500]),
                       OutboundMail.status == MailStatus.PENDING)
                .values(next_attempt_at=now + LEASE)
            )
        session.commit()
    return ids


def deliver_due(backend: Backend, now: dt.datetime) -> int:
    """Send every due mail; return how many were sent."""
    sent = [deliver(backend, mail_id, now) for mail_id in due_mail_ids(backend, now)]
    return sent.count(Delivery.SENT)
