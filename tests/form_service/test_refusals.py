"""A mail server's final refusal of an address, against a real SMTP server answering 550: the
client's address (phone instead, the member told) and a member's (the next member asked)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from form_service.jobs import advance
from form_service.models import Assignment, ClientRequest, MailStatus, OutboundMail, utcnow
from tests.conftest import REQUEST, backend_of, body, link_path, run_sweep
from tests.servers import SmtpServer

COORDINATOR = "koordination@empfehlungsnetz.example"


def offers(smtp: SmtpServer) -> list[str]:
    """Return the recipients of the offers received, in order."""
    return [str(m["To"]) for m in smtp.mailbox.messages if kind(m) == "offer"]


def kind(message: Any) -> str:
    """Return the kind of a received mail, from its Message-ID (its outbox dedup key)."""
    return str(message["Message-ID"]).strip("<").split(".")[0]


def refused_at(app: Flask) -> dt.datetime | None:
    with backend_of(app).sessions() as session:
        return session.scalar(select(ClientRequest.client_email_refused_at))


def test_a_refused_client_address_gives_the_member_the_phone_number(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    smtp.rules.refused.add(REQUEST["email"])
    client.post("/api/requests", json=REQUEST)
    run_sweep(app)
    assert refused_at(app) is not None  # what the client's status page reads
    [member] = offers(smtp)
    client.post(link_path(body(smtp.mailbox.to(member)[0]), "accept"))
    run_sweep(app)
    contact = [m for m in smtp.mailbox.to(member) if kind(m) == "contact-member"]
    text = body(contact[0])
    assert "funktioniert nicht" in text and "Bitte rufen Sie stattdessen an: +49 89 555000" in text
    # The member's contact mail said it already: no second mail about it.
    assert len(smtp.mailbox.to(member)) == 2
    with backend_of(app).sessions() as session:
        kinds = dict(session.execute(select(OutboundMail.kind, OutboundMail.status)).all())
    assert kinds["confirmation"] == kinds["contact_client"] == MailStatus.REFUSED


def test_a_client_address_refused_after_the_accept_is_told_to_the_member(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    client.post("/api/requests", json={**REQUEST, "phone": None})
    run_sweep(app)
    [member] = offers(smtp)
    smtp.rules.refused.add(REQUEST["email"])
    client.post(link_path(body(smtp.mailbox.to(member)[0]), "accept"))
    run_sweep(app)
    told = [m for m in smtp.mailbox.to(member) if kind(m) == "client-refused"]
    assert len(told) == 1, [m["Subject"] for m in smtp.mailbox.to(member)]
    text = body(told[0])
    assert REQUEST["email"] in text and COORDINATOR in text  # no phone: the coordinator helps
    assert refused_at(app) is not None
    run_sweep(app, dt.timedelta(hours=2))
    assert len([m for m in smtp.mailbox.to(member) if kind(m) == "client-refused"]) == 1


def test_a_refused_member_address_passes_the_request_on_and_tells_the_coordinator(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    backend = backend_of(app)
    client.post("/api/requests", json=REQUEST)
    advance(backend, utcnow())  # the offer is written, not sent yet
    with backend.sessions() as session:
        first = session.scalars(select(OutboundMail.recipient)
                                .where(OutboundMail.kind == "offer")).one()
    smtp.rules.refused.add(first)
    run_sweep(app)
    second = offers(smtp)
    assert len(second) == 1 and second[0] != first
    with backend.sessions() as session:
        states = session.execute(select(Assignment.state).order_by(Assignment.id)).scalars().all()
        status = session.scalar(select(ClientRequest.status))
    assert states == ["expired", "offered"] and status == "offered"
    [note] = smtp.mailbox.to(COORDINATOR)
    text = body(note)
    assert first in text and "nächste passende Mitglied" in text and "550" in text
    assert refused_at(app) is None
    run_sweep(app, dt.timedelta(hours=2))  # nothing is tried again
    assert len(smtp.mailbox.to(COORDINATOR)) == 1 and offers(smtp) == second
