"""The member page link: in every mail to a member, and mailed on request to members only."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from form_service import mails
from form_service.backend import Backend
from form_service.followup import queue_followups
from form_service.models import OutboundMail
from tests.conftest import backend_of, body, run_sweep
from tests.form_service.history import T0, D
from tests.servers import SmtpServer

LINK = re.compile(r"https://service\.example(/m/[^\s\"<]+)")


def test_every_mail_to_a_member_carries_a_working_link_to_their_page(
    app: Flask, client: FlaskClient, history: Backend
) -> None:
    queue_followups(history, T0 + 40 * D)
    partners = history.network.partners.values()
    owner = {p.referral_email: p for p in partners} | {p.contact.email: p for p in partners}
    with history.sessions() as session:
        rows = session.execute(
            select(OutboundMail.kind, OutboundMail.recipient, OutboundMail.body_text,
                   OutboundMail.body_html)
        ).all()
    to_members = set()
    for kind, recipient, text, html in rows:
        links = LINK.findall(text)
        member = owner.get(recipient)
        if member is None:
            assert links == [], (kind, recipient)
            continue
        to_members.add(kind)
        [path] = links
        assert LINK.findall(html) == [path]
        page = client.get(path)
        assert page.status_code == 200, (kind, recipient)
        assert f"<h1>{member.name}</h1>" in page.get_data(as_text=True)
    assert {"offer", "contact_member", "referrer", "outcome"} <= to_members


def test_the_link_request_answers_alike_and_mails_members_only(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    form = client.get("/m/")
    assert form.status_code == 200 and 'name="email"' in form.get_data(as_text=True)
    # Müller's contact address, then its referral address (the same member: one mail an hour),
    # another member's address, and addresses of nobody.
    addresses = ["Info@Mueller-IT.example", "anfragen@mueller-it.example",
                 "kontakt@schmidt-netzwerke.example", "niemand@example.org", "",
                 "x" * 300 + "@example.org"]
    answers = [client.post("/m/", data={"email": a}) for a in addresses]
    assert {(a.status_code, a.data) for a in answers} == {(200, answers[0].data)}
    assert "ist der Link unterwegs" in answers[0].get_data(as_text=True)
    assert "mueller" not in answers[0].get_data(as_text=True).lower()

    run_sweep(app)
    names = {"info@mueller-it.example": "Müller IT-Service",
             "kontakt@schmidt-netzwerke.example": "Schmidt Netzwerke"}
    assert sorted(m["To"] for m in smtp.mailbox.messages) == sorted(names)
    for message in smtp.mailbox.messages:
        assert message["Subject"] == "Ihr Link zur Mitgliederseite"
        [path] = LINK.findall(body(message))
        page = client.get(path).get_data(as_text=True)
        assert f"<h1>{names[message['To']]}</h1>" in page


def test_one_link_mail_per_member_and_hour(app: Flask) -> None:
    backend = backend_of(app)
    partner = backend.network.partners["mueller-it"]
    at = dt.datetime(2026, 11, 2, 10, 5)
    for later in (0, 20, 54, 55, 80):
        with backend.sessions() as session:
            mails.member_link(backend, session, partner, partner.referral_email,
                              at + dt.timedelta(minutes=later))
            session.commit()
    with backend.sessions() as session:
        keys = session.scalars(select(OutboundMail.dedup_key).order_by(OutboundMail.id)).all()
    assert keys == ["member-link:mueller-it:2026-11-02T10", "member-link:mueller-it:2026-11-02T11"]


def test_link_requests_are_limited_per_client_address(
    app: Flask, client: FlaskClient
) -> None:
    statuses = [client.post("/m/", data={"email": "info@mueller-it.example"}).status_code
                for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    refused = client.post("/m/", data={"email": "niemand@example.org"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Zu viele Anfragen" in refused.get_data(as_text=True)
    assert client.get("/m/").status_code == 200
    with backend_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMail)) == 1
