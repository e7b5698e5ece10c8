"""The client's status page through a request's whole life, withdrawal and correction, on
SQLite and PostgreSQL with a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select, update

from form_service.assignments import answer, withdraw_by_client
from form_service.ledger import ledger
from form_service.models import Assignment, ClientRequest, utcnow
from form_service.strings import DE, EN
from tests.conftest import REQUEST, backend_of, body, link_path, run_sweep
from tests.servers import SmtpServer

EVA = "eva@kunde.example"
# A time as a German reader writes it, in the network's zone: "3. Dezember 2026, 14:30 Uhr".
GERMAN_MOMENT = re.compile(r"\d{1,2}\. [A-ZÄÖÜ][a-zä]+ 20\d\d, \d\d:\d\d Uhr")


def submit(client: FlaskClient, **overrides: object) -> str:
    response = client.post("/api/requests", json={**REQUEST, **overrides})
    assert response.status_code == 201, response.json
    return str(response.get_json()["id"])


def received(app: Flask, client: FlaskClient, smtp: SmtpServer, **overrides: object) -> str:
    """Submit a request, let the worker confirm and route it; return the status link's path."""
    submit(client, **overrides)
    run_sweep(app)
    return status_path(smtp)


def status_path(smtp: SmtpServer, to: str = EVA) -> str:
    """Return the path of the status link in the newest mail to ``to`` that carries one."""
    for message in reversed(smtp.mailbox.to(to)):
        found = re.findall(r"https://service\.example(/s/\S+)", body(message))
        if found:
            return str(found[0])
    raise AssertionError(f"no status link in the mails to {to}")


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return response.get_data(as_text=True)


def offers(smtp: SmtpServer) -> list[Any]:
    """Return the offer mails, oldest first: they are the ones with accept and decline links."""
    return [m for m in smtp.mailbox.messages if "/r/" in body(m)]


def states(app: Flask) -> list[str]:
    with backend_of(app).sessions() as session:
        return list(session.scalars(select(Assignment.state).order_by(Assignment.id)))


def test_the_page_follows_a_request_through_its_life(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    path = received(app, client, smtp)
    text = page(client, path)
    assert '<html lang="de">' in text and DE["step_received"] in text
    assert DE["step_asked"] in text and DE["step_colleague"] not in text
    assert len(GERMAN_MOMENT.findall(text)) == 2 and "UTC" not in text
    # Nobody is named before they accept.
    first = offers(smtp)[0]
    assert first["To"] not in text
    # Looking changes nothing, however often and by whatever method.
    assert client.head(path).status_code == 200
    assert states(app) == ["offered"]

    client.post(link_path(body(first), "decline"), data={"reason": "capacity"})
    run_sweep(app)
    text = page(client, path)
    assert DE["step_colleague"] in text and "capacity" not in text

    second = offers(smtp)[-1]
    assert second["To"] != first["To"]
    client.post(link_path(body(second), "accept"))
    run_sweep(app)
    text = page(client, path)
    with backend_of(app).sessions() as session:
        member = session.scalar(select(Assignment.partner)
                                .where(Assignment.state == "accepted"))
    partner = backend_of(app).network.partners[str(member)]
    assert DE["step_accepted"].format(member=partner.name) in text
    assert f'href="mailto:{partner.contact.email}"' in text
    assert 'name="action" value="correct"' not in text  # too late to correct
    assert 'name="action" value="withdraw"' in text

    run_sweep(app, dt.timedelta(days=backend_of(app).settings.followup_days, minutes=1))
    text = page(client, path)
    assert DE["step_followup"] in text
    assert 'name="action" value="withdraw"' not in text  # done: nothing left to withdraw


def test_the_coordinator_step_when_nobody_is_left(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    text = page(client, received(app, client, smtp, service="fotografie", postal_code="99999",
                                 language="en"))
    coordinator = backend_of(app).network.settings.coordinator
    assert '<html lang="en">' in text
    said = EN["step_coordinator"].format(name=coordinator.name, email=coordinator.email)
    assert str(escape(said)) in text
    assert "Ihre" not in text  # one language per page


def test_withdrawing_tells_the_member_and_routes_nothing_more(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    path = received(app, client, smtp)
    offer = offers(smtp)[0]
    unconfirmed = client.post(path, data={"action": "withdraw"})
    assert unconfirmed.status_code == 422
    assert DE["withdraw_confirm_missing"] in unconfirmed.get_data(as_text=True)
    assert states(app) == ["offered"]

    done = client.post(path, data={"action": "withdraw", "confirm": "1"})
    assert done.status_code == 303
    assert DE["status_withdrawn_done"] in page(client, done.headers["Location"])
    run_sweep(app)
    told = smtp.mailbox.to(offer["To"])
    assert [m["Subject"] for m in told][-1] == "Anfrage zurückgezogen: IT-Betreuung"
    assert DE["withdrawn_body"] in body(told[-1])
    assert states(app) == ["withdrawn"]
    with backend_of(app).sessions() as session:
        row = ledger(session)[offer_partner(app)]
        assert (row.withdrawn, row.open, row.accepted) == (1, 0, 0)
        assert session.scalar(select(ClientRequest.status)) == "withdrawn"

    # The member's link now finds nothing to accept; past the deadline nobody else is asked.
    late = client.post(link_path(body(offer), "accept"))
    assert "bereits beantwortet" in late.get_data(as_text=True)
    count = len(smtp.mailbox.messages)
    run_sweep(app, dt.timedelta(days=3))
    assert len(smtp.mailbox.messages) == count and states(app) == ["withdrawn"]
    again = client.post(path, data={"action": "withdraw", "confirm": "1"})
    assert again.status_code == 409


def offer_partner(app: Flask) -> str:
    with backend_of(app).sessions() as session:
        return str(session.scalar(select(Assignment.partner).order_by(Assignment.id)))


def test_withdrawing_after_an_accept_tells_the_member_who_accepted(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    path = received(app, client, smtp)
    offer = offers(smtp)[0]
    client.post(link_path(body(offer), "accept"))
    run_sweep(app)
    assert client.post(path, data={"action": "withdraw", "confirm": "on"}).status_code == 303
    run_sweep(app)
    told = smtp.mailbox.to(offer["To"])[-1]
    assert told["Subject"] == "Anfrage zurückgezogen: IT-Betreuung"
    assert DE["withdrawn_body_accepted"] in body(told)
    with backend_of(app).sessions() as session:
        assert ledger(session)[offer_partner(app)].withdrawn == 1
    # No follow-up asks about a withdrawn request.
    count = len(smtp.mailbox.messages)
    run_sweep(app, dt.timedelta(days=backend_of(app).settings.followup_days, minutes=1))
    assert len(smtp.mailbox.messages) == count


def test_correcting_before_the_accept_reaches_the_member(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    path = received(app, client, smtp)
    wrong = client.post(path, data={"action": "correct", "email": "eva@", "phone": "abc"})
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert DE["bad_email"] in text and DE["bad_phone"] in text
    assert 'value="abc"' in text  # the form keeps what was typed

    new = {"action": "correct", "email": "eva.neu@kunde.example", "phone": "+49 89 999111"}
    done = client.post(path, data=new)
    assert done.status_code == 303
    assert DE["status_corrected_done"] in page(client, done.headers["Location"])
    run_sweep(app)
    # The new address gets the page's link at once; the old one gets nothing more.
    changed = smtp.mailbox.to("eva.neu@kunde.example")
    assert [m["Subject"] for m in changed] == ["Ihre neue Adresse für Ihre Anfrage"]
    assert status_path(smtp, "eva.neu@kunde.example").startswith("/s/")
    client.post(link_path(body(offers(smtp)[0]), "accept"))
    run_sweep(app)
    member = body(smtp.mailbox.to(offers(smtp)[0]["To"])[-1])
    assert "eva.neu@kunde.example" in member and "+49 89 999111" in member
    assert EVA not in member

    late = client.post(path, data={**new, "phone": "+49 89 000000"})
    assert late.status_code == 409
    assert DE["status_correct_closed"] in late.get_data(as_text=True)
    with backend_of(app).sessions() as session:
        assert session.scalar(select(ClientRequest.phone)) == "+49 89 999111"


def test_broken_expired_and_erased_links_change_nothing(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    path = received(app, client, smtp)
    assert client.get(path[:-3] + "xyz").status_code == 404
    assert client.post(path[:-3] + "xyz", data={"action": "withdraw",
                                                "confirm": "1"}).status_code == 404
    days = backend_of(app).settings.retention_days
    run_sweep(app, dt.timedelta(days=days, hours=1))
    gone = client.get(path)
    assert gone.status_code == 410 and DE["status_gone_erased"] in gone.get_data(as_text=True)


def test_a_refused_address_is_shown_and_correcting_it_clears_the_mark(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    path = received(app, client, smtp)
    assert DE["status_email_refused"].format(email=EVA) not in page(client, path)
    with backend_of(app).sessions() as session:
        session.execute(update(ClientRequest).values(client_email_refused_at=utcnow()))
        session.commit()
    assert DE["status_email_refused"].format(email=EVA) in page(client, path)
    fixed = {"action": "correct", "email": "eva@kunde-neu.example", "phone": ""}
    assert client.post(path, data=fixed).status_code == 303
    text = page(client, path)
    assert "abgelehnt" not in text and "eva@kunde-neu.example" in text
    with backend_of(app).sessions() as session:
        stored = session.execute(select(ClientRequest.client_email_refused_at,
                                        ClientRequest.phone)).one()
    assert tuple(stored) == (None, None)  # an emptied phone field removes the number


def at_once(start: threading.Barrier, act: Callable[..., object], *args: object) -> object:
    """Wait for the other thread at ``start``, then act at the time it is then."""
    start.wait()
    return act(*args, utcnow())


def test_an_accept_and_a_withdrawal_at_the_same_moment_end_withdrawn(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    backend = backend_of(app)
    for _ in range(5):
        submit(client, email=f"eva-{len(smtp.mailbox.messages)}@kunde.example")
        run_sweep(app)
        with backend.sessions() as session:
            offer = session.execute(select(Assignment.id, Assignment.request_id)
                                    .where(Assignment.state == "offered")).one()
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(at_once, start, answer, backend, offer.id, "accept"),
                       pool.submit(at_once, start, withdraw_by_client, backend,
                                   offer.request_id)]
            results = [future.result() for future in futures]
        assert results[1] is True  # withdrawn, before the accept or after it
        with backend.sessions() as session:
            assert session.get_one(ClientRequest, offer.request_id).status == "withdrawn"
            assert session.get_one(Assignment, offer.id).state == "withdrawn"
