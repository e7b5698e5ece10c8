"""Clients' personal data: erased after the retention period or on request, exported on request.

Erasure blanks every field that says who the client is or what they wrote, in every table, and
deletes the mails about the request (their bodies quote the client). What remains (service,
language, country, referring member and reason, assignments and their states, feedback scores) is
what the ledger counts, and says nothing about the person: the postal code goes, the country stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Engine, Select, delete, event, func, select, update
from sqlalchemy.orm import Session

from form_service.assignments import withdraw
from form_service.backend import Backend
from form_service.db import checkpoint
from form_service.models import Assignment, Base, ClientRequest, Feedback, OutboundMail
from partnerdir.settings import Settings

# The value each personal field of a request takes when erased.
ERASED: dict[str, Any] = {
    "name": "",
    "email": "",
    "phone": None,
    "message": "",
    "postal_code": None,
    "needed_from": None,
    "needed_until": None,
    "idempotency_key": None,
}
CHUNK = 500


def due_erasure(settings: Settings, now: dt.datetime) -> Select[Any]:
    """Select the requests whose retention period is over and that still hold personal data."""
    cutoff = now - dt.timedelta(days=settings.retention_days)
    return select(ClientRequest.id).where(
        ClientRequest.erased_at.is_(None), ClientRequest.created_at <= cutoff
    )


def erase(session: Session, request_ids: Sequence[int], now: dt.datetime) -> int:
    """Erase the personal data of the requests; return how many mails were deleted.

    A request still in progress is closed and its open offer withdrawn
    (``form_service.assignments.withdraw``).
    """
    plain = {"synchronize_session": False}
    # Once committed, the old pages in SQLite's write-ahead log go too (zeros replace the
    # erased bytes in the file itself: ``PRAGMA secure_delete``, set in ``db.py``).
    event.listen(session, "after_commit", _forget_on_disk, once=True)
    withdraw(session, request_ids, now)
    session.execute(
        update(ClientRequest)
        .where(ClientRequest.id.in_(request_ids))
        .values(**ERASED, erased_at=now),
        execution_options=plain,
    )
    # The recorded reason for a choice names the client's postal prefix.
    session.execute(
        update(Assignment).where(Assignment.request_id.in_(request_ids)).values(reason=""),
        execution_options=plain,
    )
    session.execute(
        update(Feedback).where(Feedback.request_id.in_(request_ids)).values(comment=None),
        execution_options=plain,
    )
    deleted = session.execute(
        delete(OutboundMail).where(OutboundMail.request_id.in_(request_ids)),
        execution_options=plain,
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]


def _forget_on_disk(session: Session) -> None:
    bind = session.get_bind()
    checkpoint(bind if isinstance(bind, Engine) else bind.engine)


def purge_due(backend: Backend, now: dt.datetime) -> int:
    """Erase every request past the retention period; return how many."""
    with backend.sessions() as session:
        ids = list(session.scalars(due_erasure(backend.settings, now)).all())
    for start in range(0, len(ids), CHUNK):
        with backend.sessions() as session:
            erase(session, ids[start : start + CHUNK], now)
            session.commit()
    return len(ids)


def _address(email: str) -> str:
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        email = email.strip()
    return email.lower()


def requests_of(session: Session, email: str) -> list[ClientRequest]:
    """Return the requests of the client with this address that still hold personal data."""
    return list(
        session.scalars(
            select(ClientRequest)
            .where(
                func.lower(ClientRequest.email) == _address(email),
                ClientRequest.erased_at.is_(None),
            )
            .order_by(ClientRequest.id)
        ).all()
    )


def _row(obj: Base) -> dict[str, Any]:
    """Return every column of a row except internal ids, as JSON-ready values."""
    data: dict[str, Any] = {}
    for column in obj.__table__.columns:
        if column.key == "id" or (column.key.endswith("_id") and column.key != "public_id"):
            continue
        value = getattr(obj, column.key)
        data[column.key] = value.isoformat() if isinstance(value, dt.date) else value
    return data


def export(session: Session, email: str) -> dict[str, Any]:
    """Return everything stored about the client with this address, table by table."""
    found = []
    for req in requests_of(session, email):
        mails = session.scalars(
            select(OutboundMail).where(OutboundMail.request_id == req.id).order_by(OutboundMail.id)
        ).all()
        found.append(
            {
                **_row(req),
                "assignments": [_row(a) for a in req.assignments],
                "feedback": _row(req.feedback) if req.feedback is not None else None,
                "mails": [_row(m) for m in mails],
            }
        )
    return {"email": _address(email), "requests": found}


def erase_client(session: Session, email: str, now: dt.datetime) -> tuple[int, int]:
    """Erase everything about the client with this address; return (requests, mails)."""
    ids = [req.id for req in requests_of(session, email)]
    mails = erase(session, ids, now) if ids else 0
    return len(ids), mails
