"""The whole flow against a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time

import itsdangerous.timed
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from form_service.links import make_token
from form_service.models import Assignment, ClientRequest, OutboundMail
from tests.conftest import REQUEST, backend_of, body, link_path, run_sweep
from tests.servers import SmtpServer


def submit(client: FlaskClient, **overrides: object) -> str:
    response = client.post("/api/requests", json={**REQUEST, **overrides})
    assert response.status_code == 201, response.json
    assert response.json is not None
    return str(response.json["id"])


def test_accept_exchanges_contacts(app: Flask, client: FlaskClient, smtp: SmtpServer) -> None:
    submit(client, referred_by="mueller-it", reason="absence")
    assert run_sweep(app) == {"expired": 0, "routed": 1, "reminded": 0, "erased": 0,
                              "followed_up": 0, "sent": 2}
    confirmation = smtp.mailbox.to("eva@kunde.example")
    assert [m["Subject"] for m in confirmation] == ["Ihre Anfrage „IT-Betreuung“ ist angekommen"]
    # mueller-it is away over Christmas and names schmidt-netzwerke as deputy.
    offer = smtp.mailbox.to("kontakt@schmidt-netzwerke.example")
    assert [m["Subject"][:26] for m in offer] == ["Neue Anfrage: IT-Betreuung"]
    text = body(offer[0])
    assert "Unser Server startet nicht mehr." in text
    assert "eva@kunde.example" not in text and "555000" not in text
    assert "Warum Sie: Müller IT-Service hat Sie als Vertretung genannt." in text

    accept = link_path(text, "accept")
    page = client.get(accept)
    assert page.status_code == 200 and b"<form method=\"post\">" in page.data
    # Link scanners in mail programs fetch links, some with HEAD: neither may accept.
    assert client.head(accept).status_code == 200
    with backend_of(app).sessions() as session:
        assert session.scalar(select(Assignment.state)) == "offered"

    done = client.post(accept)
    assert done.status_code == 200 and "Danke!" in done.get_data(as_text=True)
    run_sweep(app)
    smtp.mailbox.wait(5)
    member = body(smtp.mailbox.to("kontakt@schmidt-netzwerke.example")[1])
    assert "eva@kunde.example" in member and "+49 89 555000" in member
    client_mail = body(smtp.mailbox.to("eva@kunde.example")[1])
    assert "kontakt@schmidt-netzwerke.example" in client_mail
    referrer = smtp.mailbox.to("anfragen@mueller-it.example")
    assert [m["Subject"] for m in referrer] == [
        "Schmidt Netzwerke hat Ihre Empfehlung übernommen"]
    assert "Schmidt Netzwerke" in body(referrer[0])
    # A second click changes nothing and sends nothing.
    again = client.post(accept)
    assert "bereits beantwortet" in again.get_data(as_text=True)
    run_sweep(app)
    assert len(smtp.mailbox.messages) == 5


def test_decline_asks_the_next_member(app: Flask, client: FlaskClient, smtp: SmtpServer) -> None:
    submit(client)
    run_sweep(app)
    first = smtp.mailbox.messages[-1]
    client.post(link_path(body(first), "decline"), data={"reason": "capacity"})
    run_sweep(app)
    second = smtp.mailbox.messages[-1]
    assert second["To"] != first["To"]
    assert second["Subject"].startswith("Neue Anfrage: IT-Betreuung")
    with backend_of(app).sessions() as session:
        states = session.execute(select(Assignment.partner, Assignment.state)
                                 .order_by(Assignment.id)).all()
    assert [s for _, s in states] == ["declined", "offered"]


def test_silence_past_the_deadline_asks_the_next(app: Flask, client: FlaskClient,
                                                 smtp: SmtpServer) -> None:
    submit(client)
    run_sweep(app)
    assert run_sweep(app, dt.timedelta(hours=47))["expired"] == 0
    assert run_sweep(app, dt.timedelta(hours=49))["expired"] == 1
    offers = [m for m in smtp.mailbox.messages if m["Subject"].startswith("Neue Anfrage")]
    assert len(offers) == 2 and offers[0]["To"] != offers[1]["To"]


def test_nobody_left_goes_to_the_coordinator(app: Flask, client: FlaskClient,
                                             smtp: SmtpServer) -> None:
    # The only legal adviser does not accept referrals.
    submit(client, service="rechtsberatung", postal_code="70173")
    run_sweep(app)
    coordinator = smtp.mailbox.to("koordination@empfehlungsnetz.example")
    assert [m["Subject"] for m in coordinator] == [
        "Bitte übernehmen: Anfrage Rechtsberatung ohne Mitglied"]
    assert "eva@kunde.example" in body(coordinator[0])
    with backend_of(app).sessions() as session:
        assert session.scalar(select(ClientRequest.status)) == "coordinator"


@pytest.mark.parametrize(
    ("language", "found", "nobody"),
    [
        ("de", "Wir suchen jetzt ein passendes Mitglied",
         "kümmert sich die Koordination des Netzwerks persönlich darum"),
        ("en", "We are now looking for a fitting member",
         "the network's coordinator takes care of it personally"),
    ],
)
def test_the_confirmation_says_truthfully_who_takes_care(
    app: Flask, client: FlaskClient, smtp: SmtpServer, language: str, found: str, nobody: str
) -> None:
    submit(client, language=language, email="gefunden@kunde.example")
    # The only legal adviser does not accept referrals: the coordinator takes over.
    submit(client, language=language, email="niemand@kunde.example",
           service="rechtsberatung", postal_code="70173")
    run_sweep(app)
    [matched] = smtp.mailbox.to("gefunden@kunde.example")
    [unmatched] = smtp.mailbox.to("niemand@kunde.example")
    assert found in body(matched) and nobody not in body(matched)
    assert nobody in body(unmatched) and found not in body(unmatched)
    assert nobody.replace("'", "&#39;") in str(unmatched.get_body(("html",)).get_content())
    # The receipt still goes out before the offer, in the same transaction.
    kinds = [m["Message-ID"].split(".")[0] for m in smtp.mailbox.messages]
    assert kinds[:2] == ["<confirmation", "<offer"]


def test_every_declined_member_leads_to_the_coordinator(app: Flask, client: FlaskClient,
                                                        smtp: SmtpServer) -> None:
    submit(client, service="sanitaer", postal_code="60311")
    for _ in range(5):
        run_sweep(app)
        last = smtp.mailbox.messages[-1]
        if not last["Subject"].startswith("Neue Anfrage"):
            break
        client.post(link_path(body(last), "decline"), data={"reason": "area"})
    assert smtp.mailbox.messages[-1]["To"] == "koordination@empfehlungsnetz.example"


def test_tampered_and_expired_links_are_refused(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(client)
    run_sweep(app)
    accept = link_path(body(smtp.mailbox.messages[-1]), "accept")
    assert client.get(accept[:-2] + "xx").status_code == 404
    assert client.post(accept.replace("/r/", "/r/a")).status_code == 404
    with backend_of(app).sessions() as session:
        assignment_id = session.scalar(select(Assignment.id))
    assert assignment_id is not None
    past = time.time() - 15 * 86400
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: past)
    old = make_token("test-secret", assignment_id, "accept")
    monkeypatch.undo()
    refused = client.post(f"/r/{old}")
    assert refused.status_code == 404 and "abgelaufen" in refused.get_data(as_text=True)
    with backend_of(app).sessions() as session:
        assert session.scalar(select(Assignment.state)) == "offered"


def test_double_submit_creates_one_request(app: Flask, client: FlaskClient) -> None:
    first = submit(client, idempotency_key="abc-123")
    second = submit(client, idempotency_key="abc-123")
    assert first == second
    with backend_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(ClientRequest)) == 1


def test_honeypot_gets_quiet_success_and_no_routing(app: Flask, client: FlaskClient,
                                                    smtp: SmtpServer) -> None:
    submit(client, website="https://spam.example")
    assert run_sweep(app) == {"expired": 0, "routed": 0, "reminded": 0, "erased": 0,
                              "followed_up": 0, "sent": 0}
    with backend_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(ClientRequest)) == 0
    assert smtp.mailbox.messages == []


def test_mail_outage_loses_nothing_and_sends_nothing_twice(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    smtp.stop()
    for i in range(3):
        submit(client, email=f"kunde{i}@kunde.example")
    assert run_sweep(app)["sent"] == 0
    with backend_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMail)
                              .where(OutboundMail.status == "pending")) == 6
    smtp.start()
    assert run_sweep(app)["sent"] == 0  # backoff: not due yet
    assert run_sweep(app, dt.timedelta(minutes=2))["sent"] == 6
    assert run_sweep(app, dt.timedelta(minutes=10))["sent"] == 0
    assert len(smtp.mailbox.messages) == 6
    assert len({m["Message-ID"] for m in smtp.mailbox.messages}) == 6
