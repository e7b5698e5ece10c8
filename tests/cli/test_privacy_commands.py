"""``partnerdir privacy export`` and ``delete``: access and erasure requests of one client."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from form_service.backend import Backend
from form_service.ledger import ledger
from form_service.models import Assignment, Base, ClientRequest, OutboundMail
from partnerdir.cli import main
from tests.conftest import REQUEST, backend_of, body, link_path, run_sweep
from tests.form_service.test_followup import ANSWERS
from tests.form_service.test_privacy import (
    DAY,
    EVA,
    OTHER,
    PERSONAL,
    eva_with_feedback,
    stored_text,
)
from tests.servers import SmtpServer


def privacy(backend: Backend, monkeypatch: pytest.MonkeyPatch, *args: str,
            input: str | None = None) -> Result:
    monkeypatch.setenv("PARTNERDIR_DATABASE_URL", backend.settings.database_url)
    return CliRunner().invoke(main, ["--root", str(backend.settings.root), "privacy", *args],
                              input=input)


# Each table that holds client data, and where the export shows it.
EXPORTED = {"client_request": "requests", "assignment": "assignments", "feedback": "feedback",
            "outbound_mail": "mails"}


def eva_and_another_client(app: Flask, client: FlaskClient, smtp: SmtpServer) -> Backend:
    """Play Eva's whole request and store another client's; return the app's backend."""
    eva_with_feedback(app, client, smtp)
    client.post("/api/requests", json={**REQUEST, **OTHER})
    run_sweep(app)
    return backend_of(app)


def test_export_covers_every_table_with_client_data(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = eva_and_another_client(app, client, smtp)
    holding = {t.name for t in Base.metadata.sorted_tables
               if t.name == "client_request" or "request_id" in t.c}
    assert holding == set(EXPORTED), "export the new table in form_service.privacy.export"

    result = privacy(backend, monkeypatch, "export", "EVA@Kunde.example")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["email"] == EVA
    [request] = data["requests"]
    assert {k: request[k] for k in ("name", "email", "phone", "message", "postal_code",
                                    "consent_version", "referred_by", "reason")} == {
        "name": "Eva Kunde", "email": EVA, "phone": "+49 89 555000",
        "message": "Unser Server startet nicht mehr.", "postal_code": "80331",
        "consent_version": "2026-11", "referred_by": "mueller-it", "reason": "absence"}
    assert [(a["partner"], a["state"]) for a in request["assignments"]] == [
        ("schmidt-netzwerke", "accepted")]
    assert request["feedback"]["comment"] == ANSWERS["comment"]
    assert request["feedback"]["satisfaction"] == 4
    with backend.sessions() as session:
        eva_id = session.scalar(select(ClientRequest.id).where(ClientRequest.email == EVA))
        mails = session.scalars(select(OutboundMail).where(OutboundMail.request_id == eva_id)
                                .order_by(OutboundMail.id)).all()
        assert [m["body_text"] for m in request["mails"]] == [m.body_text for m in mails]
    # Mails to members are included: they quote the client.
    assert {m["recipient"] for m in request["mails"]} == {
        EVA, "kontakt@schmidt-netzwerke.example", "anfragen@mueller-it.example"}
    assert "Jan Jung" not in result.stdout and "jan@jung.example" not in result.stdout

    unknown = privacy(backend, monkeypatch, "export", "niemand@example.org")
    assert unknown.exit_code == 0 and json.loads(unknown.stdout)["requests"] == []
    assert "No personal data is stored for niemand@example.org." in unknown.stderr


def test_delete_erases_the_client_everywhere(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = eva_and_another_client(app, client, smtp)
    with backend.sessions() as session:
        counts = ledger(session)

    refused = privacy(backend, monkeypatch, "delete", EVA, input="n\n")
    assert refused.exit_code == 1 and "Erase the personal data of 1 request(s)" in refused.output
    assert all(value in stored_text(backend) for value in PERSONAL)

    result = privacy(backend, monkeypatch, "delete", "Eva@kunde.example", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Erased 1 request(s) and 7 mail(s) of Eva@kunde.example" in result.output
    text = stored_text(backend)
    assert [value for value in PERSONAL if value in text] == []
    assert all(value in text for value in OTHER.values())
    with backend.sessions() as session:
        assert ledger(session) == counts

    again = privacy(backend, monkeypatch, "delete", EVA, "--yes")
    assert again.exit_code == 0 and "No personal data is stored" in again.output
    assert json.loads(privacy(backend, monkeypatch, "export", EVA).stdout)["requests"] == []


def test_delete_stops_a_request_in_progress(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_of(app)
    client.post("/api/requests", json=REQUEST)
    run_sweep(app)  # confirmation and offer sent, the offer open
    accept = link_path(body(smtp.mailbox.messages[-1]), "accept")
    # Not routed yet, so nothing is queued for it: its receipt goes out with routing.
    client.post("/api/requests", json={**REQUEST, "idempotency_key": "zweite"})

    result = privacy(backend, monkeypatch, "delete", EVA, "--yes")
    assert "Erased 2 request(s) and 2 mail(s)" in result.output
    with backend.sessions() as session:
        assert session.scalars(select(ClientRequest.status)).all() == ["erased", "erased"]
        assert session.scalars(select(Assignment.state)).all() == ["withdrawn"]
    # The member's link no longer hands over anybody, and nothing more is sent.
    assert "bereits beantwortet" in client.post(accept).get_data(as_text=True)
    assert run_sweep(app, 3 * DAY) == {"expired": 0, "routed": 0, "reminded": 0, "erased": 0,
                                       "followed_up": 0, "sent": 0}
    assert len(smtp.mailbox.messages) == 2
    assert [value for value in PERSONAL if value in stored_text(backend)] == []
