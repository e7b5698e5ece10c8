"""The life of a request: store, offer to a member, accept, decline, expire, fall back."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from form_service.backend import Backend
from form_service.intake import Submission
from form_service.ledger import standings
from form_service.matching import Criteria
from form_service.models import Assignment, ClientRequest
from form_service.outbox import queue_mail


def _existing(backend: Backend, key: str) -> ClientRequest:
    with backend.sessions() as session:
        found = session.scalar(select(ClientRequest).where(ClientRequest.idempotency_key == key))
        assert found is not None
        return found


# Built once, with values passed at execution: SQLAlchemy then reuses the compiled statement
# instead of building and compiling a new one for every request.
_REQUESTS = cast(Table, ClientRequest.__table__)
_INSERT_REQUEST = insert(_REQUESTS).returning(_REQUESTS.c.id)


def store_request(backend: Backend, sub: Submission, now: dt.datetime) -> ClientRequest:
    """Commit the request; return it (the stored one when the idempotency key was seen).

    This is the path every accepted request takes before the answer, so it is one plain
    INSERT; the worker confirms receipt and routes, and finds the request even after a crash.
    """
    values = {
        "public_id": secrets.token_urlsafe(12),
        "idempotency_key": sub.idempotency_key,
        "created_at": now,
        "status": "new",
        "service": sub.service,
        "postal_code": sub.postal_code,
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
    }
    try:
        with backend.engine.begin() as connection:
            request_id = connection.execute(_INSERT_REQUEST, values).scalar_one()
    except IntegrityError:
        if not sub.idempotency_key:
            raise
        return _existing(backend, sub.idempotency_key)
    return ClientRequest(id=request_id, **values)


def route(backend: Backend, session: Session, req: ClientRequest, now: dt.datetime) -> None:
    """Offer the request to the best member not asked yet, or hand it to the coordinator."""
    asked = frozenset(a.partner for a in req.assignments)
    criteria = Criteria(
        service=req.service,
        postal_code=req.postal_code,
        remote=req.remote,
        language=req.language,
        needed_from=req.needed_from,
        needed_until=req.needed_until,
        referred_by=req.referred_by,
        excluded=asked,
    )
    choice = backend.matcher.choose(criteria, standings(session, now), now.date())
    if choice is None:
        req.status = "coordinator"
        coordinator = backend.network.settings.coordinator
        queue_mail(
            backend,
            session,
            f"coordinator:{req.id}",
            "coordinator",
            "de",
            coordinator.email,
            req,
            now,
            asked=sorted(asked),
        )
        return
    deadline = now + dt.timedelta(hours=backend.settings.accept_deadline_hours)
    assignment = Assignment(
        request=req,
        partner=choice.slug,
        state="offered",
        reason=choice.reason,
        offered_at=now,
        deadline=deadline,
    )
    session.add(assignment)
    session.flush()
    req.status = "offered"
    partner = backend.network.partners[choice.slug]
    lang = "de" if "de" in partner.languages else "en"
    queue_mail(
        backend,
        session,
        f"offer:{assignment.id}",
        "offer",
        lang,
        partner.referral_email,
        req,
        now,
        assignment=assignment,
        partner=partner,
    )


def route_new(backend: Backend, now: dt.datetime) -> int:
    """Route every stored request that has not been routed yet; return how many."""
    with backend.sessions() as session:
        ids = session.scalars(select(ClientRequest.id).where(ClientRequest.status == "new")).all()
    for request_id in ids:
        with backend.sessions() as session:
            claimed = session.execute(
                update(ClientRequest)
                .where(ClientRequest.id == request_id, ClientRequest.status == "new")
                .values(status="routing")
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            req = session.get_one(ClientRequest, request_id)
            # The receipt goes out with the first routing step, in the same transaction:
            # once per request, and never lost, since the request stays "new" until then.
            queue_mail(backend, session, f"confirmation:{req.id}", "confirmation", req.language,
                       req.email, req, now)
            route(backend, session, req, now)
            session.commit()
    return len(ids)


def answer(backend: Backend, assignment_id: int, action: str, now: dt.datetime) -> bool:
    """Apply a member's accept or decline; return False when it was answered already."""
    with backend.sessions() as session:
        state = "accepted" if action == "accept" else "declined"
        done = session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id, Assignment.state == "offered")
            .values(state=state, answered_at=now)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        assignment = session.get_one(Assignment, assignment_id)
        session.refresh(assignment)
        req = assignment.request
        if state == "accepted":
            _accepted(backend, session, req, assignment, now)
        else:
            route(backend, session, req, now)
        session.commit()
        return True


def _accepted(
    backend: Backend,
    session: Session,
    req: ClientRequest,
    assignment: Assignment,
    now: dt.datetime,
) -> None:
    req.status, req.closed_at = "accepted", now
    partners = backend.network.partners
    partner = partners.get(assignment.partner)
    if partner is None:
        return
    lang = "de" if "de" in partner.languages else "en"
    queue_mail(
        backend,
        session,
        f"contact-member:{assignment.id}",
        "contact_member",
        lang,
        partner.referral_email,
        req,
        now,
        partner=partner,
    )
    queue_mail(
        backend,
        session,
        f"contact-client:{assignment.id}",
        "contact_client",
        req.language,
        req.email,
        req,
        now,
        partner=partner,
    )
    referrer = partners.get(req.referred_by or "")
    if referrer is not None:
        rlang = "de" if "de" in referrer.languages else "en"
        queue_mail(
            backend,
            session,
            f"referrer:{req.id}",
            "referrer",
            rlang,
            referrer.referral_email,
            req,
            now,
            partner=partner,
            referrer=referrer,
        )


def expire_due(backend: Backend, now: dt.datetime) -> int:
    """Expire offers past their deadline and ask the next member; return how many."""
    with backend.sessions() as session:
        ids = session.scalars(
            select(Assignment.id).where(Assignment.state == "offered", Assignment.deadline <= now)
        ).all()
    for assignment_id in ids:
        with backend.sessions() as session:
            done = session.execute(
                update(Assignment)
                .where(Assignment.id == assignment_id, Assignment.state == "offered")
                .values(state="expired", answered_at=now)
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                route(backend, session, session.get_one(Assignment, assignment_id).request, now)
            session.commit()
    return len(ids)
