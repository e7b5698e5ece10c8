"""What a client sees of their request and may still change: its steps with times, correcting
phone and email before a member accepts (checked by intake's own rules), withdrawing it.

The steps name the member only once they accepted, and never say who declined or why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from form_service import mails
from form_service.assignments import OPEN, WITHDRAWABLE
from form_service.backend import Backend
from form_service.intake import FormError, IntakeError, parse_submission
from form_service.models import AssignmentState, ClientRequest, RequestStatus
from generator.loader import Network

# Before a member accepts, the contact details are still the client's to correct: a member
# sees them only on accepting.
CORRECTABLE = (*OPEN, RequestStatus.HELD)
CONTACT = ("email", "phone")


@dataclass(frozen=True)
class Step:
    """One step of a request's life: a text key, when, the values the text names."""

    key: str
    at: dt.datetime
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """A request as its client sees it on the status page."""

    req: ClientRequest
    steps: list[Step]
    # The member who accepted, with their public contact details; None before.
    member: Any
    can_correct: bool
    can_withdraw: bool


class CorrectionError(FormError):
    """Raised with the messages of the corrected fields."""


def steps(req: ClientRequest, network: Network) -> tuple[list[Step], Any]:
    """Return the request's steps in order, and the partner who accepted it (or None)."""
    found = [Step("step_received", req.created_at)]
    member = None
    for number, assignment in enumerate(req.assignments):
        found.append(Step("step_asked" if number == 0 else "step_colleague",
                          assignment.offered_at))
        if assignment.state is AssignmentState.ACCEPTED and assignment.answered_at:
            member = network.partners.get(assignment.partner)
            name = member.name if member else assignment.partner
            found.append(Step("step_accepted", assignment.answered_at, {"member": name}))
    if req.status is RequestStatus.COORDINATOR:
        last = [a.answered_at for a in req.assignments if a.answered_at]
        coordinator = network.settings.coordinator
        found.append(Step("step_coordinator", max([req.created_at, *last]),
                          {"name": coordinator.name, "email": coordinator.email}))
    if req.followup_at is not None:
        found.append(Step("step_followup", req.followup_at))
    if req.feedback is not None:
        found.append(Step("step_feedback", req.feedback.received_at))
    if req.status is RequestStatus.WITHDRAWN and req.withdrawn_at is not None:
        found.append(Step("step_withdrawn", req.withdrawn_at))
    return found, member


def progress(backend: Backend, public_id: str) -> Progress | None:
    """Return the progress of request ``public_id``; None when unknown or erased."""
    with backend.sessions() as session:
        req = session.scalar(select(ClientRequest).where(ClientRequest.public_id == public_id))
        if req is None or req.erased_at is not None:
            return None
        found, member = steps(req, backend.network)
        return Progress(
            req, found, member,
            can_correct=req.status in CORRECTABLE,
            can_withdraw=req.status in WITHDRAWABLE and req.followup_at is None,
        )


def check_contact(form: Mapping[str, Any], network: Network, lang: str,
                  today: dt.date) -> tuple[str, str | None]:
    """Return the cleaned email and phone of a correction, or raise CorrectionError.

    They go through the intake's own checks, within a submission valid in every other field.
    """
    probe = {"service": min(network.settings.service_ids), "remote": True,
             "message": "-", "name": "-", "consent": True, "language": lang,
             **{name: form.get(name) for name in CONTACT}}
    try:
        submission = parse_submission(probe, network, today)
    except IntakeError as exc:
        raise CorrectionError({name: exc.errors[name] for name in CONTACT
                               if name in exc.errors}) from None
    return submission.email, submission.phone


def correct_contact(backend: Backend, request_id: int, email: str, phone: str | None,
                    now: dt.datetime) -> bool:
    """Store the corrected contact details unless a member accepted meanwhile; return whether.

    A changed address gets the status page's link, so the client sees at once that it works.
    """
    with backend.sessions() as session:
        req = session.get_one(ClientRequest, request_id)
        changed = req.email.casefold() != email.casefold()
        values: dict[str, Any] = {"email": email, "phone": phone}
        if changed:
            values["client_email_refused_at"] = None  # the new address was not refused
        done = session.execute(
            update(ClientRequest)
            .where(ClientRequest.id == request_id, ClientRequest.status.in_(CORRECTABLE),
                   ClientRequest.erased_at.is_(None))
            .values(**values),
            execution_options={"synchronize_session": False},
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        if changed:
            session.refresh(req)
            mails.contact_changed(backend, session, req, now)
        session.commit()
        return True
