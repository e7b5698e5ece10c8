"""What a mail server's final refusal (5xx) of a mail means for the people it was meant for.

- The client's address: recorded on the request (``client_email_refused_at``), so the status
  page can say so and the member's contact mail gives the phone number instead; a member who
  has already accepted is told at once.
- A member's address: an open offer counts as unanswerable, and the next member is asked
  (``assignments.offer_refused``); the coordinator is told.

Called by the outbox in the transaction that records the refusal, so it happens once.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from form_service import mails
from form_service.assignments import offer_refused
from form_service.models import Assignment, AssignmentState, ClientRequest, OutboundMail
from form_service.outbox import OnRefused

if TYPE_CHECKING:
    from form_service.backend import Backend
    from generator.model import Partner

OFFER_KINDS = ("offer", "reminder")
"""Mails that carry an open offer; their dedup keys end in the assignment's id."""


def _member_at(backend: Backend, address: str) -> Partner | None:
    """Return the member whose referral address is ``address``, if any."""
    wanted = address.strip().lower()
    for partner in backend.network.partners.values():
        if partner.referral_email.lower() == wanted:
            return partner
    return None


def client_refused(backend: Backend, session: Session, req: ClientRequest,
                   now: dt.datetime) -> None:
    """Record that the client's address is refused; tell the member who accepted, if any.

    Only the first refusal tells the member: a member who accepts after it finds the note and
    the phone number in the contact mail itself.
    """
    if req.client_email_refused_at is not None:
        return
    req.client_email_refused_at = now
    accepted = next((a for a in req.assignments if a.state == AssignmentState.ACCEPTED), None)
    partner = backend.network.partners.get(accepted.partner) if accepted else None
    if accepted is not None and partner is not None:
        mails.client_address_refused(backend, session, req, accepted, partner, now)


def member_refused(backend: Backend, session: Session, mail: OutboundMail, partner: Partner,
                   req: ClientRequest | None, now: dt.datetime) -> None:
    """Pass an open offer the member's server refused to the next member; tell the coordinator."""
    passed_on = False
    if req is not None and mail.kind in OFFER_KINDS:
        assignment_id = int(mail.dedup_key.rsplit(":", 1)[1])
        assignment = session.get(Assignment, assignment_id)
        if assignment is not None and assignment.request_id == req.id:
            passed_on = offer_refused(backend, session, assignment, now)
    mails.member_address_refused(backend, session, mail, partner, req, now,
                                 passed_on=passed_on)


def apply(backend: Backend, session: Session, mail: OutboundMail, now: dt.datetime) -> None:
    """Apply what the final refusal of ``mail`` means."""
    if mail.kind == "member_address_refused":
        return  # a notice about a refusal never leads to another notice
    req = session.get(ClientRequest, mail.request_id) if mail.request_id else None
    recipient = mail.recipient.strip().lower()
    if req is not None and req.email and recipient == req.email.strip().lower():
        client_refused(backend, session, req, now)
        return
    partner = _member_at(backend, recipient)
    if partner is not None:
        member_refused(backend, session, mail, partner, req, now)


def bind(backend: Backend) -> OnRefused:
    """Return :func:`apply` for ``backend``, as the outbox calls it."""
    return lambda session, mail, now: apply(backend, session, mail, now)
