"""After the referral: ask the client how it went, record the answer, tell the referring member.

The follow-up is due a number of days after a member accepted (``closed_at``). It is claimed by
setting ``followup_at`` in the same transaction that queues the mail, so downtime delays it and
nothing sends it twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, false, select, update
from sqlalchemy.exc import IntegrityError

from form_service import mails
from form_service.backend import Backend
from form_service.intake import FormError
from form_service.models import Assignment, AssignmentState, ClientRequest, Feedback, RequestStatus
from form_service.strings import text
from partnerdir.settings import Settings

DONE = ("yes", "no", "ongoing")
SATISFACTION = range(1, 6)
COMMENT_LIMIT = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FeedbackState(StrEnum):
    """Whether a client can still give feedback on a request."""

    OPEN = "open"
    RECORDED = "recorded"  # given before
    GONE = "gone"  # unknown, never accepted, or the client's data was erased


class FeedbackResult(StrEnum):
    """What submitting the feedback form did."""

    RECORDED = "recorded"
    ALREADY = "already"  # answered before
    GONE = "gone"  # unknown, never accepted, or the client's data was erased


class FeedbackError(FormError):
    """Raised with every field's messages when the feedback form is incomplete or invalid."""


@dataclass(frozen=True)
class Answers:
    """The client's answers: contact made, job done (yes, no, ongoing), satisfaction 1–5."""

    contact: bool
    done: str
    satisfaction: int
    comment: str | None


def parse_feedback(data: Mapping[str, Any], lang: str = "de") -> Answers:
    """Return the answers of a submitted feedback form, or raise :class:`FeedbackError`."""
    errors: dict[str, list[str]] = {}
    contact = data.get("contact")
    if contact not in ("yes", "no"):
        errors["contact"] = [text("choose_one", lang)]
    done = data.get("done")
    if done not in DONE:
        errors["done"] = [text("choose_one", lang)]
    raw = str(data.get("satisfaction") or "")
    satisfaction = int(raw) if raw.isdigit() else 0
    if satisfaction not in SATISFACTION:
        errors["satisfaction"] = [text("choose_one", lang)]
    comment = str(data.get("comment") or "").strip()
    if len(comment) > COMMENT_LIMIT:
        errors["comment"] = [text("too_long", lang, max=COMMENT_LIMIT)]
    elif _CONTROL.search(comment):
        errors["comment"] = [text("single_line", lang)]
    if errors:
        raise FeedbackError(errors)
    return Answers(contact == "yes", str(done), satisfaction, comment or None)


def due_followups(settings: Settings, now: dt.datetime) -> Select[Any]:
    """Select the requests whose follow-up is due: accepted long enough ago, not asked yet."""
    query = select(ClientRequest.id).where(
        ClientRequest.status == RequestStatus.ACCEPTED,
        ClientRequest.followup_at.is_(None),
        ClientRequest.erased_at.is_(None),
    )
    if not settings.followup_days:
        return query.where(false())
    return query.where(ClientRequest.closed_at <= now - dt.timedelta(days=settings.followup_days))


def _accepted(req: ClientRequest) -> Assignment | None:
    return next((a for a in req.assignments if a.state is AssignmentState.ACCEPTED), None)


def queue_followups(backend: Backend, now: dt.datetime) -> int:
    """Queue the follow-up mail of every request that is due; return how many were queued."""
    with backend.sessions() as session:
        ids = session.scalars(due_followups(backend.settings, now)).all()
    queued = 0
    for request_id in ids:
        with backend.sessions() as session:
            claimed = session.execute(
                update(ClientRequest)
                .where(
                    ClientRequest.id == request_id,
                    ClientRequest.followup_at.is_(None),
                    ClientRequest.erased_at.is_(None),
                )
                .values(followup_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            req = session.get_one(ClientRequest, request_id)
            assignment = _accepted(req)
            if assignment is not None:
                member = _member_name(backend, assignment.partner)
                mails.followup(backend, session, req, member, now)
                queued += 1
            session.commit()
    return queued


def _member_name(backend: Backend, slug: str) -> str:
    partner = backend.network.partners.get(slug)
    return partner.name if partner else slug


def feedback_state(backend: Backend, public_id: str) -> tuple[FeedbackState, str]:
    """Return whether feedback can be given and the name of the member who took the request."""
    with backend.sessions() as session:
        req = session.scalar(select(ClientRequest).where(ClientRequest.public_id == public_id))
        assignment = _accepted(req) if req is not None else None
        if req is None or assignment is None or req.erased_at is not None:
            return FeedbackState.GONE, ""
        member = _member_name(backend, assignment.partner)
        given = req.feedback is not None
        return (FeedbackState.RECORDED if given else FeedbackState.OPEN), member


def record_feedback(
    backend: Backend, public_id: str, answers: Answers, now: dt.datetime
) -> FeedbackResult:
    """Store the answers once and queue the outcome for the referring member."""
    with backend.sessions() as session:
        req = session.scalar(select(ClientRequest).where(ClientRequest.public_id == public_id))
        assignment = _accepted(req) if req is not None else None
        if req is None or assignment is None or req.erased_at is not None:
            return FeedbackResult.GONE
        if req.feedback is not None:
            return FeedbackResult.ALREADY
        feedback = Feedback(
            request=req,
            assignment_id=assignment.id,
            received_at=now,
            contact=answers.contact,
            done=answers.done,
            satisfaction=answers.satisfaction,
            comment=answers.comment,
        )
        session.add(feedback)
        referrer = backend.network.partners.get(req.referred_by or "")
        if referrer is not None:
            member = _member_name(backend, assignment.partner)
            mails.outcome(backend, session, req, feedback, member, referrer, now)
        try:
            session.commit()
        except IntegrityError:  # the same form sent twice at once
            return FeedbackResult.ALREADY
        return FeedbackResult.RECORDED


def request_language(backend: Backend, public_id: str) -> str:
    """Return the language the client of a request reads (German when it is gone)."""
    with backend.sessions() as session:
        req = session.scalar(select(ClientRequest).where(ClientRequest.public_id == public_id))
        return req.language if req is not None else "de"
