"""Database models: client requests, their assignments to members, feedback, the mail outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Base class of all models."""


def utcnow() -> dt.datetime:
    """Return the current time in UTC without tzinfo, as stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class ClientRequest(Base):
    """A client's inquiry ("find me an alternative"), stored before anything else happens."""

    __tablename__ = "client_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    service: Mapped[str] = mapped_column(String(64))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(2))
    needed_from: Mapped[dt.date | None] = mapped_column(Date)
    needed_until: Mapped[dt.date | None] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    consent_version: Mapped[str] = mapped_column(String(40))
    referred_by: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When the client was asked how it went (set once, in the transaction that queues the mail).
    followup_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When the personal fields were erased (retention or an erasure request); counts stay.
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="request", order_by="Assignment.id"
    )
    feedback: Mapped[Feedback | None] = relationship(back_populates="request")


class Assignment(Base):
    """One member asked to take one request: offered, then accepted, declined or expired."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("client_request.id"), index=True)
    partner: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20), default="offered", index=True)
    reason: Mapped[str] = mapped_column(Text)
    offered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    deadline: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

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
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
