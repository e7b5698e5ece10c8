"""The life of a request and its assignments: store, offer to the best member, remind, accept,
decline, expire, fall back to the coordinator, withdraw on erasure.

Every change of ``ClientRequest.status`` and ``Assignment.state`` is made here; the states and
the order they come in are listed in ``form_service/models.py`` (``RequestStatus``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, DateTime, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from form_service import mails, statements
from form_service.arrivals import Stored, insert_request
from form_service.backend import Backend
from form_service.db import seconds_between
from form_service.declines import Decline, unfit_for
from form_service.eligibility import Criteria
from form_service.intake import Submission
from form_service.ledger import standings
from form_service.models import (
    Assignment,
    AssignmentState,
    ClientRequest,
    DeclineReason,
    MemberState,
    RequestStatus,
)

OPEN = (RequestStatus.NEW, RequestStatus.ROUTING, RequestStatus.OFFERED, RequestStatus.HELD)


class AnswerResult(StrEnum):
    """What a member's answer to an offer did."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALREADY = "already"  # the offer was answered, expired or withdrawn before


def _existing(backend: Backend, key: str | None) -> Stored | None:
    if not key:
        return None
    with backend.sessions() as session:
        found = session.execute(select(ClientRequest.id, ClientRequest.public_id)
                                .where(ClientRequest.idempotency_key == key)).first()
        return Stored(*found) if found else None


def store_request(backend: Backend, sub: Submission, now: dt.datetime, *,
                  held: str | None = None, proof: str | None = None) -> Stored:
    """Commit the request; return its ids (the stored one's when the idempotency key was seen).

    This is the path every accepted request takes before the answer, so it is one plain
    INSERT; the worker confirms receipt and routes, and finds the request even after a crash.
    A request ``held`` for these reasons (``form_service/holds.py``) waits for the coordinator;
    ``proof``, the id of the solved check, admits one request only.
    """
    public_id = secrets.token_urlsafe(12)
    values: dict[str, Any] = {
        "public_id": public_id,
        "idempotency_key": sub.idempotency_key,
        "created_at": now,
        "status": RequestStatus.HELD if held else RequestStatus.NEW,
        "service": sub.service,
        "postal_code": sub.postal_code,
        "country": sub.country,
        "remote": sub.remote,
        "language": sub.language,
        "needed_from": sub.needed_from,
        "needed_until": sub.needed_until,
        "message": sub.message,
        "name": sub.name,
        "email": sub.email,
        "phone": sub.phone,
        "consent_version": backend.settings.consent_version,
        "referred_by": sub.referred_by,
        "reason": sub.reason,
        "closed_at": None,
        "held_reasons": held,
        "proof": proof,
    }
    try:
        request_id = insert_request(backend.engine, values)
    except (IntegrityError, backend.engine.dialect.loaded_dbapi.IntegrityError):
        found = _existing(backend, sub.idempotency_key)
        if found is not None:
            return found
        if proof is None:
            raise
        # The check was solved once and sent with another request before: held as reused.
        again = ",".join(filter(None, (held, "reused"))) if backend.settings.hold_doubtful else None
        return store_request(backend, sub, now, held=again)
    # The ids only: building the ORM object would cost the answer a tenth of its time.
    return Stored(request_id, public_id)


def route(
    backend: Backend, session: Session, req: ClientRequest, now: dt.datetime, *,
    confirm: bool = False,
) -> None:
    """Offer the request to the best member not asked yet, or hand it to the coordinator;
    first ``confirm`` receipt to the client, saying which of the two takes care of it."""
    asked = frozenset(a.partner for a in req.assignments)
    criteria = Criteria(
        service=req.service,
        postal_code=req.postal_code,
        remote=req.remote,
        language=req.language,
        country=req.country,
        needed_from=req.needed_from,
        needed_until=req.needed_until,
        referred_by=req.referred_by,
        excluded=asked,
        unfit=unfit_for(session, req.service, now),
    )
    today = now.date()
    said = statements.current_statements(session, today)
    choice = backend.matcher.choose(criteria, standings(session, now), today, said)
    if confirm:
        mails.confirmation(backend, session, req, now, found=choice is not None)
    if choice is None:
        _to_coordinator(backend, session, req, now)
        return
    deadline = now + dt.timedelta(hours=backend.settings.accept_deadline_hours)
    assignment = Assignment(
        request=req,
        partner=choice.slug,
        state=AssignmentState.OFFERED,
        reason=choice.reason,
        offered_at=now,
        deadline=deadline,
    )
    session.add(assignment)
    session.flush()
    req.status = RequestStatus.OFFERED
    mails.offer(backend, session, req, assignment, backend.network.partners[choice.slug], now)


def _to_coordinator(
    backend: Backend, session: Session, req: ClientRequest, now: dt.datetime,
    flagged_by: str | None = None,
) -> None:
    """Close the request as the coordinator's: nobody is left, or ``flagged_by`` saw spam."""
    req.status = RequestStatus.COORDINATOR
    asked = frozenset(a.partner for a in req.assignments)
    mails.coordinator(backend, session, req, asked, now, flagged_by=flagged_by)


def route_new(backend: Backend, now: dt.datetime) -> int:
    """Route every stored request that has not been routed yet; return how many."""
    with backend.sessions() as session:
        ids = session.scalars(
            select(ClientRequest.id).where(ClientRequest.status == RequestStatus.NEW)
        ).all()
    for request_id in ids:
        with backend.sessions() as session:
            claimed = session.execute(
                update(ClientRequest)
                .where(ClientRequest.id == request_id, ClientRequest.status == RequestStatus.NEW)
                .values(status=RequestStatus.ROUTING)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            req = session.get_one(ClientRequest, request_id)
            # The receipt goes out with the first routing step, in the same transaction:
            # once per request, never lost (the request stays NEW until then), and telling
            # the client truthfully whether a member was found or the coordinator takes over.
            route(backend, session, req, now, confirm=True)
            session.commit()
    return len(ids)


def answer(
    backend: Backend, assignment_id: int, action: str, now: dt.datetime,
    decline: Decline | None = None,
) -> AnswerResult:
    """Apply a member's accept, or decline (``action``) with its reason, to an open offer."""
    accepted = action == "accept"
    reason = None if accepted or decline is None else decline.reason
    with backend.sessions() as session:
        state = AssignmentState.ACCEPTED if accepted else AssignmentState.DECLINED
        done = session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id, Assignment.state == AssignmentState.OFFERED)
            .values(state=state, answered_at=now, decline_reason=reason)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return AnswerResult.ALREADY
        assignment = session.get_one(Assignment, assignment_id)
        session.refresh(assignment)
        req = assignment.request
        if accepted:
            _accepted(backend, session, req, assignment, now)
        else:
            _declined(backend, session, req, assignment, decline, now)
        session.commit()
        return AnswerResult.ACCEPTED if accepted else AnswerResult.DECLINED


def _accepted(
    backend: Backend,
    session: Session,
    req: ClientRequest,
    assignment: Assignment,
    now: dt.datetime,
) -> None:
    req.status, req.closed_at = RequestStatus.ACCEPTED, now
    partners = backend.network.partners
    partner = partners.get(assignment.partner)
    if partner is None:
        return
    mails.contact_member(backend, session, req, assignment, partner, now)
    mails.contact_client(backend, session, req, assignment, partner, now)
    referrer = partners.get(req.referred_by or "")
    if referrer is not None:
        mails.referrer(backend, session, req, partner, referrer, now)


def _declined(
    backend: Backend, session: Session, req: ClientRequest, assignment: Assignment,
    decline: Decline | None, now: dt.datetime,
) -> None:
    if decline is not None and decline.until is not None:
        # "Offer me nothing until …" is the member saying they are full, as on their page.
        statements.record(session, assignment.partner, MemberState.FULL, until=decline.until,
                          source="decline", link=f"assignment:{assignment.id}", now=now)
    if decline is not None and decline.reason is DeclineReason.SPAM:
        _to_coordinator(backend, session, req, now, flagged_by=assignment.partner)
    else:
        route(backend, session, req, now)


def reminder_due(dialect: str, now: dt.datetime) -> ColumnElement[bool]:
    """Return the condition of an open offer past half its answer time, not yet reminded."""
    at = literal(now, DateTime())
    waited = seconds_between(dialect, Assignment.offered_at, at)
    answer_time = seconds_between(dialect, Assignment.offered_at, Assignment.deadline)
    return ((Assignment.state == AssignmentState.OFFERED) & Assignment.reminded_at.is_(None)
            & (Assignment.deadline > now) & (waited * 2 >= answer_time))


def remind_due(backend: Backend, now: dt.datetime) -> int:
    """Remind each member of an offer unanswered at half its answer time, once; return how many."""
    with backend.sessions() as session:
        due = reminder_due(backend.engine.dialect.name, now)
        ids = session.scalars(select(Assignment.id).where(due)).all()
    reminded = 0
    for assignment_id in ids:
        with backend.sessions() as session:
            # Claimed with the mail in one transaction: two workers never remind twice.
            claimed = session.execute(
                update(Assignment)
                .where(Assignment.id == assignment_id, Assignment.state == AssignmentState.OFFERED,
                       Assignment.reminded_at.is_(None))
                .values(reminded_at=now)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                reminded += 1
                assignment = session.get_one(Assignment, assignment_id)
                partner = backend.network.partners.get(assignment.partner)
                if partner is not None:  # the member left the network: the deadline still runs
                    mails.reminder(backend, session, assignment.request, assignment, partner, now)
            session.commit()
    return reminded


def offer_due(now: dt.datetime) -> ColumnElement[bool]:
    """Return the condition of an offer left unanswered past its deadline at ``now``."""
    return (Assignment.state == AssignmentState.OFFERED) & (Assignment.deadline <= now)


def expire_due(backend: Backend, now: dt.datetime) -> int:
    """Expire offers past their deadline and ask the next member; return how many."""
    with backend.sessions() as session:
        ids = session.scalars(select(Assignment.id).where(offer_due(now))).all()
    for assignment_id in ids:
        with backend.sessions() as session:
            done = session.execute(
                update(Assignment)
                .where(Assignment.id == assignment_id, Assignment.state == AssignmentState.OFFERED)
                .values(state=AssignmentState.EXPIRED, answered_at=now)
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                route(backend, session, session.get_one(Assignment, assignment_id).request, now)
            session.commit()
    return len(ids)


def offer_refused(
    backend: Backend, session: Session, assignment: Assignment, now: dt.datetime
) -> bool:
    """Let an open offer whose mail the member's server refused for good expire at once and
    ask the next member, as after a missed deadline; return whether it was still open."""
    done = session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.state == AssignmentState.OFFERED)
        .values(state=AssignmentState.EXPIRED, answered_at=now)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(assignment)
    route(backend, session, assignment.request, now)
    return True


def withdraw(session: Session, request_ids: Sequence[int], now: dt.datetime) -> None:
    """Close the requests still in progress as ERASED and withdraw their open offers.

    Called when clients' data is erased, so nobody is asked to take a client who is no longer
    known; closed requests keep their status.
    """
    plain = {"synchronize_session": False}
    session.execute(
        update(ClientRequest)
        .where(ClientRequest.id.in_(request_ids), ClientRequest.status.in_(OPEN))
        .values(status=RequestStatus.ERASED),
        execution_options=plain,
    )
    session.execute(
        update(Assignment)
        .where(Assignment.request_id.in_(request_ids),
               Assignment.state == AssignmentState.OFFERED)
        .values(state=AssignmentState.WITHDRAWN, answered_at=now),
        execution_options=plain,
    )


def withdraw_by_client(backend: Backend, request_id: int, now: dt.datetime) -> bool:
    """Close the request as WITHDRAWN at its client's wish and tell the member who has it open
    or accepted (the coordinator when they have it); return False when it is past that: followed
    up, erased, withdrawn or discarded before."""
    with backend.sessions() as session:
        req = session.get(ClientRequest, request_id)
        if (req is None or req.status not in WITHDRAWABLE or req.followup_at is not None
                or req.erased_at is not None):
            return False
        before = req.status
        # Its offers are locked first, in the order an answer locks them (offer, then
        # request), so a member answering at this moment waits instead of deadlocking.
        session.scalars(select(Assignment.id).where(
            Assignment.request_id == request_id,
            Assignment.state.in_((AssignmentState.OFFERED, AssignmentState.ACCEPTED)),
        ).with_for_update()).all()
        # Claimed on the status read, so an answer or a routing step in between wins or loses
        # as a whole; nothing more is routed once the request is WITHDRAWN.
        claimed = session.execute(
            update(ClientRequest)
            .where(ClientRequest.id == request_id, ClientRequest.status == before,
                   ClientRequest.followup_at.is_(None))
            .values(status=RequestStatus.WITHDRAWN, withdrawn_at=now, closed_at=now),
            execution_options={"synchronize_session": False},
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return withdraw_by_client(backend, request_id, now)
        session.refresh(req)
        for assignment in req.assignments:
            if assignment.state not in (AssignmentState.OFFERED, AssignmentState.ACCEPTED):
                continue
            accepted = assignment.state is AssignmentState.ACCEPTED
            assignment.state = AssignmentState.WITHDRAWN
            assignment.answered_at = assignment.answered_at or now
            partner = backend.network.partners.get(assignment.partner)
            if partner is not None:
                mails.withdrawn(backend, session, req, now, partner, accepted=accepted)
        if before is RequestStatus.COORDINATOR:
            mails.withdrawn(backend, session, req, now, None, accepted=False)
        session.commit()
        return True


# A request its client may still withdraw (until the follow-up): ``withdraw_by_client``.
WITHDRAWABLE = (*OPEN, RequestStatus.HELD, RequestStatus.COORDINATOR, RequestStatus.ACCEPTED)
