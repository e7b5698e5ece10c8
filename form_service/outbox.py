"""The mail outbox: mails are rows written with the change that causes them, sent later."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from form_service.links import make_token
from form_service.mail import MailError, build_message, render, send_email
from form_service.models import ClientRequest, OutboundMail
from form_service.strings import text

if TYPE_CHECKING:
    from form_service.backend import Backend

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
STALE_CLAIM = dt.timedelta(minutes=10)
SUBJECTS = {
    "confirmation": "subject_confirmation",
    "offer": "subject_offer",
    "contact_member": "subject_contact_member",
    "contact_client": "subject_contact_client",
    "referrer": "subject_referrer",
    "coordinator": "subject_coordinator",
    "followup": "subject_followup",
    "outcome": "subject_outcome",
}


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait before the next try: 30 s, 1 min, 2 min … at most one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def mail_row(
    backend: Backend,
    key: str,
    kind: str,
    lang: str,
    recipient: str,
    req: Any,
    now: dt.datetime,
    **context: Any,
) -> dict[str, Any]:
    """Render a mail into the values of an outbox row."""
    lang = lang if lang in ("de", "en") else "en"
    catalogue = backend.network.settings.service(req.service)
    service = (catalogue.de if lang == "de" else catalogue.en) if catalogue else req.service
    partner = context.get("partner")
    values = {"service": service, "partner": partner.name if partner else ""}
    links: dict[str, str] = {}
    assignment = context.get("assignment")
    if assignment is not None:
        for action in ("accept", "decline"):
            token = make_token(backend.settings.secret_key, assignment.id, action)
            links[action] = f"{backend.settings.service_url}r/{token}"
    body_text, body_html = render(
        kind,
        lang,
        req=req,
        service=service,
        links=links,
        network=backend.network.settings,
        site_url=backend.settings.site_url,
        **context,
    )
    return {
        "dedup_key": key,
        "request_id": req.id,
        "kind": kind,
        "recipient": recipient,
        "subject": text(SUBJECTS[kind], lang, **values),
        "body_text": body_text,
        "body_html": body_html,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }


def queue_mail(
    backend: Backend,
    session: Session,
    key: str,
    kind: str,
    lang: str,
    recipient: str,
    req: ClientRequest,
    now: dt.datetime,
    **context: Any,
) -> None:
    """Render a mail and add it to the outbox unless a mail with ``key`` exists already."""
    if session.scalar(select(OutboundMail.id).where(OutboundMail.dedup_key == key)):
        return
    session.add(OutboundMail(**mail_row(backend, key, kind, lang, recipient, req, now, **context)))


def mail_due(now: dt.datetime) -> ColumnElement[bool]:
    """The condition of a mail waiting to be sent at ``now``."""
    return (OutboundMail.status == "pending") & (OutboundMail.next_attempt_at <= now)


def deliver(backend: Backend, mail_id: int, now: dt.datetime, leased: bool = False) -> str:
    """Claim one due (or ``leased``) mail and send it; return "sent", "retry", "failed" or
    "skipped" (another sender has it, or it was sent)."""
    with backend.sessions() as session:
        due = OutboundMail.status == "pending" if leased else mail_due(now)
        claimed = session.execute(
            update(OutboundMail)
            .where(OutboundMail.id == mail_id, due)
            .values(status="sending", claimed_at=now, attempts=OutboundMail.attempts + 1)
        )
        session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return "skipped"
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
            mail.status = "failed" if final else "pending"
            mail.next_attempt_at = now + backoff(mail.attempts)
            mail.last_error = str(exc)[:1000]
            session.commit()
            (log.error if final else log.warning)(
                "mail %s to %s failed (attempt %d): %s", mail.id, mail.recipient, mail.attempts, exc
            )
            return "failed" if final else "retry"
        mail.status, mail.sent_at, mail.last_error = "sent", now, None
        session.commit()
        return "sent"


LEASE = dt.timedelta(minutes=5)


def due_mail_ids(backend: Backend, now: dt.datetime) -> list[int]:
    """Return mails due for sending, after releasing claims of crashed senders."""
    with backend.sessions() as session:
        session.execute(
            update(OutboundMail)
            .where(OutboundMail.status == "sending", OutboundMail.claimed_at < now - STALE_CLAIM)
            .values(status="pending")
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
                       OutboundMail.status == "pending")
                .values(next_attempt_at=now + LEASE)
            )
        session.commit()
    return ids


def deliver_due(backend: Backend, now: dt.datetime) -> int:
    """Send every due mail; return how many were sent."""
    return sum(deliver(backend, mail_id, now) == "sent" for mail_id in due_mail_ids(backend, now))
