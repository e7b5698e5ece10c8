"""Database models: client requests, their assignments to members, feedback, the mail outbox,
and the availability members state without a pull request."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Base class of all models."""


def utcnow() -> dt.datetime:
    """Return the current time in UTC without tzinfo, as stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class RequestStatus(StrEnum):
    """Where a client's request stands.

    Its lifecycle; every transition is in ``form_service/assignments.py``:

    - NEW: stored by ``store_request`` when the client submits; nothing else has happened.
    - ROUTING: claimed by ``route_new`` in the worker, within the transaction that queues the
      confirmation and makes the first offer, so it is seen committed only as OFFERED or
      COORDINATOR.
    - OFFERED: ``route`` offered it to a member; it stays OFFERED while a decline
      (``answer``) or a missed deadline (``expire_due``) passes it to the next member.
    - ACCEPTED: a member accepted (``answer``); closed. The follow-up is due from here.
    - COORDINATOR: ``route`` found nobody (left) to ask, or a member declined it as spam
      (``answer``); closed, the coordinator takes over.
    - ERASED: the client's data was erased (``withdraw``, called by erasure) while the request
      was still NEW, ROUTING or OFFERED; closed.
    - HELD: stored by ``store_request`` instead of NEW when the submission looked doubtful
      (``form_service/holds.py``); offered to nobody until the coordinator releases it (NEW
      again) or discards it.
    - DISCARDED: the coordinator discarded a held request as spam (``holds.discard``); closed.
    - WITHDRAWN: the client withdrew it on their status page (``withdraw_by_client``) before
      the follow-up: while open, held, with the coordinator or accepted; closed.
    """

    NEW = "new"
    ROUTING = "routing"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    COORDINATOR = "coordinator"
    ERASED = "erased"
    HELD = "held"
    DISCARDED = "discarded"
    WITHDRAWN = "withdrawn"


class AssignmentState(StrEnum):
    """Where one offer to one member stands: OFFERED, then exactly one of the others."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # the deadline passed without an answer, or the offer was undeliverable
    WITHDRAWN = "withdrawn"  # the client withdrew the request, or their data was erased


class MailStatus(StrEnum):
    """Where a mail of the outbox stands (see ``form_service/outbox.py``).

    PENDING, claimed as SENDING by one worker for one attempt, then SENT; or REFUSED at once
    when the server refuses it for good (5xx); or PENDING again with a backoff after a
    temporary failure (4xx, no connection), FAILED after the last attempt. A SENDING claim of
    a worker that died falls back to PENDING when the next worker starts, unless the mail
    journal shows the server accepted it: then it is SENT.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    REFUSED = "refused"


class DeclineReason(StrEnum):
    """Why a member declined an offer; each is used, not only counted (``assignments.py``)."""

    CAPACITY = "capacity"  # fully booked
    EXPERTISE = "expertise"  # not my expertise: that service stays away from the member a while
    ABSENT = "absent"
    AREA = "area"  # outside my area
    SPAM = "spam"  # looks like spam: the coordinator gets it instead of the next member


class MemberState(StrEnum):
    """What a member said about their availability through their member page.

    FULL and AWAY hold from ``starts_on`` to ``until`` (both days included) and then end by
    themselves; AVAILABLE ends any earlier statement at once.
    """

    FULL = "full"
    AWAY = "away"
    AVAILABLE = "available"


def _stored_as(values: type[StrEnum]) -> Enum:
    """Return a column type storing the enum's values in a plain VARCHAR(20), no constraint.

    The migrations created VARCHAR(20) columns; storing values (not names) in them keeps the
    schema and every stored row as they are.
    """
    return Enum(
        values,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class ClientRequest(Base):
    """A client's inquiry ("find me an alternative"), stored before anything else happens."""

    __tablename__ = "client_request"
    # A solved check admits one request. Requests without one (held) are most of a flood:
    # they leave this index alone, which every stored request would otherwise write.
    __table_args__ = (Index("ix_client_request_proof", "proof", unique=True,
                            sqlite_where=text("proof IS NOT NULL"),
                            postgresql_where=text("proof IS NOT NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status: Mapped[RequestStatus] = mapped_column(
        _stored_as(RequestStatus), default=RequestStatus.NEW, index=True
    )
    service: Mapped[str] = mapped_column(String(64))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    # ISO 3166 code; requests stored before countries were asked for were all German codes.
    country: Mapped[str] = mapped_column(String(2), server_default="DE")
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(2))
    needed_from: Mapped[dt.date | None] = mapped_column(Date)
    needed_until: Mapped[dt.date | None] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    consent_version: Mapped[str] = mapped_column(String(40))
    referred_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When the client was asked how it went (set once, in the transaction that queues the mail).
    followup_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When the personal fields were erased (retention or an erasure request); counts stay.
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When the client withdrew the request on their status page.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Why a HELD request was held, comma-separated (``holds.REASONS``); kept after release.
    held_reasons: Mapped[str | None] = mapped_column(String(100))
    # When the coordinator was told about the held request (set with the mail, once).
    held_notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The solved challenge's id: unique, so one solution admits one request only.
    proof: Mapped[str | None] = mapped_column(String(64))
    # When a mail server refused the client's address for good (a 5xx); members then phone.
    client_email_refused_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="request", order_by="Assignment.id"
    )
    feedback: Mapped[Feedback | None] = relationship(back_populates="request")


class Assignment(Base):
    """One member asked to take one request: offered, then accepted, declined, expired or
    withdrawn."""

    __tablename__ = "assignment"
    # Routing and the availability document look up recent declines by reason on every use.
    __table_args__ = (Index("ix_assignment_decline_reason_answered_at",
                            "decline_reason", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("client_request.id"), index=True)
    partner: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[AssignmentState] = mapped_column(
        _stored_as(AssignmentState), default=AssignmentState.OFFERED, index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    offered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    deadline: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(_stored_as(DeclineReason))
    # When the member was reminded of the open offer (once, at half the answer time).
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    request: Mapped[ClientRequest] = relationship(back_populates="assignments")


class Feedback(Base):
    """The client's answer to the follow-up: contact, job done, satisfaction, a comment."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("client_request.id"), unique=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    contact: Mapped[bool] = mapped_column(Boolean)
    done: Mapped[str] = mapped_column(String(10))
    satisfaction: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)

    request: Mapped[ClientRequest] = relationship(back_populates="feedback")


class OutboundMail(Base):
    """A mail to send; written in the same transaction as the change that causes it."""

    __tablename__ = "outbound_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("client_request.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(
        _stored_as(MailStatus), default=MailStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The worker (``MailWorker.id``) holding the SENDING claim.
    claimed_by: Mapped[str | None] = mapped_column(String(64), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class MemberStatus(Base):
    """A member's statement about their availability, made without a pull request.

    The newest statement of a member that has not ended counts, for routing at once and on the
    site. Statements are kept (who said what, when, through which link) and never edited.
    """

    __tablename__ = "member_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[MemberState] = mapped_column(_stored_as(MemberState))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    # The last day the statement holds; None only for AVAILABLE.
    until: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # For AWAY: why ("ill", "vacation") and who stands in (a partner slug).
    absence_reason: Mapped[str | None] = mapped_column(String(20))
    deputy: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Where it was said: "page" (the member page) or "decline" (offer me nothing until …).
    source: Mapped[str] = mapped_column(String(20))
    # The id of the signed link it was said through.
    link: Mapped[str] = mapped_column(String(64))


class MailWorker(Base):
    """A running ``partnerdir worker``: who holds claims on mails, and whether it still lives.

    A worker writes its row on start and touches ``seen_at`` every few seconds; a row not
    touched for a while, or of a process gone from this host, belongs to a dead worker whose
    claims the next worker takes over.
    """

    __tablename__ = "mail_worker"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
