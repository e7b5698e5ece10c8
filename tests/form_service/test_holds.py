"""Spam reaches no member: scripted submissions are held, answered like anyone, and offered to
nobody until the coordinator releases them; discarded ones are never routed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from altcha import Challenge, Payload, solve_challenge
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from form_service.models import Assignment, ClientRequest, RequestStatus
from tests.conftest import REQUEST, backend_of, body, make_app, run_sweep
from tests.servers import SmtpServer

COORDINATOR = "koordination@empfehlungsnetz.example"


@pytest.fixture
def guarded(network_root: Path, database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    """The service as deployed: doubtful requests held, the form's time checked."""
    app = make_app(network_root, database_url, smtp.url, hold_doubtful=1, form_min_seconds=0,
                   hold_rate_limit="1000/day")
    yield app
    backend_of(app).engine.dispose()


def solved(client: FlaskClient) -> str:
    """Fetch a challenge and solve it as the form's widget does."""
    challenge = Challenge.from_dict(client.get("/api/challenge").json or {})
    solution = solve_challenge(challenge)
    assert solution is not None
    return Payload(challenge, solution).to_base64()


def statuses(app: Flask) -> list[str]:
    with backend_of(app).sessions() as session:
        return list(session.scalars(select(ClientRequest.status).order_by(ClientRequest.id)))


def offers(app: Flask) -> int:
    with backend_of(app).sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Assignment)) or 0)


def hold_link(smtp: SmtpServer, action: str) -> str:
    held = [m for m in smtp.mailbox.to(COORDINATOR) if m["Subject"].startswith("Zurückgehalten")]
    urls = re.findall(r"https://service\.example(/h/\S+)", body(held[-1]))
    assert len(urls) == 2, body(held[-1])
    return urls[0] if action == "release" else urls[1]


def test_a_burst_of_scripted_submissions_reaches_no_member(
    guarded: Flask, smtp: SmtpServer
) -> None:
    client = guarded.test_client()
    answers = []
    for i in range(12):
        data: dict[str, Any] = {**REQUEST, "email": f"bot{i}@spam.example", "name": f"Bot {i}"}
        if i % 3 == 1:
            data["altcha"] = "bm90IGEgc29sdXRpb24="  # made up
        if i % 3 == 2:
            data["message"] = "Cheap pills at https://spam.example/"
        answers.append(client.post("/api/requests", json=data))
    assert {a.status_code for a in answers} == {201}
    assert all(set(a.json or {}) == {"id", "status"} for a in answers)
    plain = client.post("/api/requests", data={**REQUEST, "consent": "on", "remote": ""})
    assert plain.status_code == 303  # a post without JavaScript: the usual thank-you page
    run_sweep(guarded)
    assert statuses(guarded) == ["held"] * 13 and offers(guarded) == 0
    recipients = {m["To"] for m in smtp.mailbox.messages}
    assert recipients == {COORDINATOR}  # no member, and no mail to an address a script typed
    texts = [body(m) for m in smtp.mailbox.messages]
    assert len(texts) == 13 and all("/h/" in t for t in texts)
    assert any("Die Nachricht enthält Links." in t for t in texts)
    run_sweep(guarded)
    assert len(smtp.mailbox.messages) == 13  # told once


def test_a_solved_check_goes_to_a_member_and_only_once(guarded: Flask, smtp: SmtpServer) -> None:
    client = guarded.test_client()
    proof = solved(client)
    assert client.post("/api/requests", json={**REQUEST, "altcha": proof}).status_code == 201
    again = {**REQUEST, "altcha": proof, "email": "other@kunde.example"}
    assert client.post("/api/requests", json=again).status_code == 201
    run_sweep(guarded)
    assert statuses(guarded) == ["offered", "held"] and offers(guarded) == 1
    assert "Mit einer schon benutzten Prüfung gesendet." in body(smtp.mailbox.to(COORDINATOR)[0])


def test_sent_sooner_than_a_person_fills_the_form_is_held(
    network_root: Path, database_url: str, smtp: SmtpServer
) -> None:
    app = make_app(network_root, database_url, smtp.url, hold_doubtful=1, form_min_seconds=60)
    client = app.test_client()
    client.post("/api/requests", json={**REQUEST, "altcha": solved(client)})
    with backend_of(app).sessions() as session:
        assert session.scalar(select(ClientRequest.held_reasons)) == "fast"
    backend_of(app).engine.dispose()


def test_many_requests_from_one_address_are_held(
    network_root: Path, database_url: str, smtp: SmtpServer
) -> None:
    app = make_app(network_root, database_url, smtp.url, hold_doubtful=1, form_min_seconds=0,
                   hold_rate_limit="2/day")
    client = app.test_client()
    proofs = [solved(client) for _ in range(3)]
    for i, proof in enumerate(proofs):
        client.post("/api/requests", json={**REQUEST, "email": f"k{i}@kunde.example",
                                           "altcha": proof})
    assert statuses(app) == ["new", "new", "held"]
    backend_of(app).engine.dispose()


def test_released_requests_are_routed_and_confirmed(guarded: Flask, smtp: SmtpServer) -> None:
    client = guarded.test_client()
    client.post("/api/requests", json=REQUEST)
    run_sweep(guarded)
    link = hold_link(smtp, "release")
    page = client.get(link)
    assert page.status_code == 200 and "Diese Anfrage freigeben?" in page.get_data(as_text=True)
    assert client.head(link).status_code == 200
    assert statuses(guarded) == ["held"]  # looking changes nothing: mail scanners look too
    done = client.post(link)
    assert "Freigegeben." in done.get_data(as_text=True)
    run_sweep(guarded)
    assert statuses(guarded) == ["offered"] and offers(guarded) == 1
    assert smtp.mailbox.to("eva@kunde.example")  # the confirmation, sent with the routing
    assert "schon entschieden" in client.post(link).get_data(as_text=True)


def test_discarded_requests_are_never_routed(guarded: Flask, smtp: SmtpServer) -> None:
    client = guarded.test_client()
    client.post("/api/requests", json=REQUEST)
    run_sweep(guarded)
    before = len(smtp.mailbox.messages)
    assert "Verworfen." in client.post(hold_link(smtp, "discard")).get_data(as_text=True)
    run_sweep(guarded)
    assert statuses(guarded) == ["discarded"] and offers(guarded) == 0
    assert len(smtp.mailbox.messages) == before  # nobody is told, the client least of all
    with backend_of(guarded).sessions() as session:
        req = session.scalars(select(ClientRequest)).one()
        assert req.email == "" and req.message == "" and req.erased_at is not None
    release = client.post(hold_link(smtp, "release"))
    assert "schon entschieden" in release.get_data(as_text=True)
    assert statuses(guarded) == [RequestStatus.DISCARDED]


def test_a_tampered_link_changes_nothing(guarded: Flask, smtp: SmtpServer) -> None:
    client = guarded.test_client()
    client.post("/api/requests", json=REQUEST)
    run_sweep(guarded)
    link = hold_link(smtp, "release")
    assert client.post(link[:-3] + "abc").status_code == 404
    assert statuses(guarded) == ["held"]
