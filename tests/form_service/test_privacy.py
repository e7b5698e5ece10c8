"""Clients' personal data: consent recorded, erased after the retention period or on request,
exported on request — every table, outbox included; the ledger keeps its counts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from form_service.assignments import store_request
from form_service.backend import Backend
from form_service.intake import parse_submission
from form_service.jobs import has_due_work
from form_service.ledger import ledger
from form_service.models import Base, ClientRequest, Feedback, OutboundMail, utcnow
from form_service.privacy import ERASED
from generator.loader import load_network
from generator.pages import render_site, site_options
from partnerdir.settings import Settings
from tests.conftest import REPO, REQUEST, backend_of, body, link_path, make_app, run_sweep
from tests.form_service.test_followup import ANSWERS, feedback_path, followups
from tests.servers import SmtpServer

DAY = dt.timedelta(days=1)
EVA = "eva@kunde.example"
# Everything that identifies Eva or that she wrote, as stored or quoted in mails.
PERSONAL = ("Eva Kunde", EVA, "555000", "Unser Server startet nicht mehr.", "80331",
            "Schnell und freundlich", "der Server läuft wieder")
OTHER = {"name": "Jan Jung", "email": "jan@jung.example", "phone": "+49 89 777000",
         "message": "Bitte den Drucker einrichten.", "postal_code": "80333"}


def stored_text(backend: Backend) -> str:
    """Return every value in every table of the service, as one text."""
    values = []
    with backend.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                values.extend(str(value) for value in row if value is not None)
    return "\n".join(values)


def eva_with_feedback(app: Flask, client: FlaskClient, smtp: SmtpServer) -> None:
    """Play Eva's whole request: referred, accepted, followed up, answered, outcome sent."""
    assert client.post("/api/requests", json={**REQUEST, "referred_by": "mueller-it",
                                              "reason": "absence"}).status_code == 201
    run_sweep(app)
    client.post(link_path(body(smtp.mailbox.messages[-1]), "accept"))
    run_sweep(app, 14 * DAY + dt.timedelta(minutes=1))
    assert client.post(feedback_path(followups(smtp)[0]), data=ANSWERS).status_code == 200
    run_sweep(app)
    with backend_of(app).sessions() as session:
        kinds = session.scalars(select(OutboundMail.kind).where(OutboundMail.status == "sent"))
        assert sorted(kinds) == ["confirmation", "contact_client", "contact_member", "followup",
                                 "offer", "outcome", "referrer"]


def test_the_consent_version_is_stored_with_each_request(
    network_root: Path, database_url: str, smtp: SmtpServer
) -> None:
    for version in ("2026-11", "2027-03"):
        app = make_app(network_root, database_url, smtp.url, consent_version=version)
        try:
            email = f"kunde-{version}@kunde.example"
            assert app.test_client().post("/api/requests",
                                          json={**REQUEST, "email": email}).status_code == 201
            with backend_of(app).sessions() as session:
                stored = session.scalar(select(ClientRequest.consent_version)
                                        .where(ClientRequest.email == email))
            assert stored == version
        finally:
            backend_of(app).engine.dispose()


def test_retention_erases_every_personal_field_and_keeps_the_counts(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    eva_with_feedback(app, client, smtp)
    backend = backend_of(app)
    # Jan asks 100 days later: his data must outlive Eva's.
    later = parse_submission({**REQUEST, **OTHER}, backend.network, utcnow().date())
    store_request(backend, later, utcnow() + 100 * DAY)

    assert run_sweep(app, 179 * DAY)["erased"] == 0
    text = stored_text(backend)
    assert all(value in text for value in PERSONAL)
    with backend.sessions() as session:
        counts = ledger(session)

    assert has_due_work(backend, utcnow() + 180 * DAY + dt.timedelta(hours=12))
    assert run_sweep(app, 180 * DAY + dt.timedelta(hours=12))["erased"] == 1
    text = stored_text(backend)
    assert [value for value in PERSONAL if value in text] == []
    assert all(value in text for value in OTHER.values())
    with backend.sessions() as session:
        assert ledger(session) == counts
        eva = session.scalars(select(ClientRequest).order_by(ClientRequest.id)).first()
        assert eva is not None and eva.erased_at is not None
        assert (eva.status, eva.service, eva.referred_by, eva.reason, eva.consent_version) == (
            "accepted", "it-support", "mueller-it", "absence", "2026-11")
        assert (eva.name, eva.email, eva.message, eva.phone, eva.postal_code) == (
            "", "", "", None, None)
        assert session.scalar(select(func.count()).select_from(OutboundMail)
                              .where(OutboundMail.request_id == eva.id)) == 0
        feedback = session.scalars(select(Feedback)).one()
        assert (feedback.satisfaction, feedback.comment) == (4, None)
    # Done once: later sweeps find nothing to erase, and the follow-up never comes back.
    assert not has_due_work(backend, utcnow() + 180 * DAY + dt.timedelta(hours=13))
    assert run_sweep(app, 181 * DAY)["erased"] == 0


@pytest.mark.parametrize("configured", [{}, {"retention_days": "90", "followup_days": "10"}],
                         ids=["defaults", "configured"])
def test_the_privacy_page_states_the_configured_periods(
    configured: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings.from_env({"root": str(tmp_path), **configured}, environ={})
    network = load_network(REPO)
    pages = {p.path: p.content for p in render_site(network, site_options(network, settings))}
    german, english = pages["datenschutz.md"], pages["en/privacy.md"]
    assert "In English" not in german  # one language per page
    assert re.findall(r"(\d+) Tage nach Eingang", german) == [str(settings.retention_days)]
    assert re.findall(r"(\d+) Tage, nachdem ein Mitglied", german) == [str(settings.followup_days)]
    assert re.findall(r"(\d+) days after your request arrived", english) == [
        str(settings.retention_days)]
    assert re.findall(r"(\d+) days after a member took your request", english) == [
        str(settings.followup_days)]
    # The page names each field that erasure blanks.
    labels = {"name": "Name", "email": "E-Mail-Adresse", "phone": "Telefonnummer",
              "message": "Nachricht", "postal_code": "Postleitzahl", "needed_from": "Zeitraum",
              "needed_until": "Zeitraum", "idempotency_key": None}
    assert set(labels) == set(ERASED), "name the new personal field on the privacy page"
    erased = german.split("## Wie lange wir Daten speichern")[1]
    assert all(label in erased for label in labels.values() if label)
