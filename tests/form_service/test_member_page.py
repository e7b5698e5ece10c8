"""The member page: statements through the signed member link change routing at once and end by
themselves; refusals, broken links and GETs change nothing; open offers are answered there."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from pathlib import Path
from typing import Any

import itsdangerous.timed
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from form_service.links import make_member_token, read_member_token
from form_service.models import Assignment, ClientRequest, MemberStatus, OutboundMail, utcnow
from generator.dates import day
from tests.conftest import REPO, REQUEST, backend_of, body, partner_data, run_sweep
from tests.servers import SmtpServer

DAY = dt.timedelta(days=1)
# Three members doing IT support; alpha and beta serve the client's 80331, delta only 90….
MEMBERS: dict[str, dict[str, Any]] = {
    "alpha-it": {"name": "Alpha IT", "contact": {"email": "info@alpha-it.example"},
                 "referrals": {"accepts": True, "capacity": "available",
                               "email": "anfragen@alpha-it.example"}},
    "beta-it": {"name": "Beta IT", "contact": {"email": "info@beta-it.example"},
                "referrals": {"accepts": True, "capacity": "limited"}},
    "delta-it": {"name": "Delta IT", "contact": {"email": "info@delta-it.example"},
                 "location": {"postal_code": "90402", "city": "Nürnberg", "country": "DE"},
                 "service_area": {"postal_prefixes": ["90"], "remote": False}},
}
ADDRESS = {"alpha-it": "anfragen@alpha-it.example", "beta-it": "info@beta-it.example",
           "delta-it": "info@delta-it.example"}


@pytest.fixture
def network_root(tmp_path: Path) -> Path:
    """Return a network of the three members above, without absences."""
    root = tmp_path / "network"
    (root / "partners").mkdir(parents=True)
    shutil.copy(REPO / "network.yaml", root / "network.yaml")
    for slug, overrides in MEMBERS.items():
        text = yaml.safe_dump(partner_data(**overrides), allow_unicode=True, sort_keys=False)
        (root / "partners" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return root


def ask(client: FlaskClient, **overrides: object) -> str:
    """Submit a request for IT support in 80331; return its id."""
    response = client.post("/api/requests", json={**REQUEST, **overrides})
    assert response.status_code == 201, response.json
    assert response.json is not None
    return str(response.json["id"])


def offered(app: Flask, public_id: str) -> list[str]:
    """Return the members the request was offered to, in order."""
    with backend_of(app).sessions() as session:
        return list(session.scalars(
            select(Assignment.partner).join(ClientRequest)
            .where(ClientRequest.public_id == public_id).order_by(Assignment.id)
        ))


def member_path(text: str) -> str:
    """Return the path of the one member page link in a mail body."""
    [path] = re.findall(r"https://service\.example(/m/[^\s\"<]+)", text)
    return str(path)


def page_of(app: Flask, client: FlaskClient, smtp: SmtpServer, slug: str) -> str:
    """Return the path of a member's page, from the mail the link request page sends."""
    assert client.post("/m/", data={"email": ADDRESS[slug]}).status_code == 200
    run_sweep(app)
    return member_path(body(smtp.mailbox.to(ADDRESS[slug])[-1]))


def statements(app: Flask) -> list[tuple[str, str, dt.date | None, str | None, str]]:
    """Return every stored statement: member, state, last day, deputy, source."""
    with backend_of(app).sessions() as session:
        rows = session.execute(
            select(MemberStatus.partner, MemberStatus.state, MemberStatus.until,
                   MemberStatus.deputy, MemberStatus.source).order_by(MemberStatus.id)
        ).all()
    return [(p, str(s), u, d, src) for p, s, u, d, src in rows]


def test_a_statement_reroutes_at_once_and_ends_by_itself(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    today = utcnow().date()
    before = ask(client)
    run_sweep(app)
    assert offered(app, before) == ["alpha-it"]

    page = page_of(app, client, smtp, "alpha-it")
    said = client.post(page, data={"state": "full", "until": str(today + 3 * DAY)})
    assert said.status_code == 303
    shown = client.get(said.location).get_data(as_text=True)
    assert "Gespeichert" in shown and "ausgebucht" in shown
    assert f"bis einschließlich {day(today + 3 * DAY)}" in shown and "laut Ihrer Meldung" in shown
    assert statements(app) == [("alpha-it", "full", today + 3 * DAY, None, "page")]
    with backend_of(app).sessions() as session:
        link = session.scalar(select(MemberStatus.link))
    settings = backend_of(app).settings
    assert link == read_member_token(settings.secret_key, page.removeprefix("/m/"), 86400).link_id

    during = ask(client)
    after = ask(client, needed_from=str(today + 4 * DAY), needed_until=str(today + 9 * DAY))
    run_sweep(app)
    assert offered(app, during) == ["beta-it"]
    assert offered(app, after) == ["alpha-it"]

    # On the fourth day the statement has ended: a request without dates goes to alpha again.
    ended = ask(client)
    run_sweep(app, 4 * DAY)
    assert offered(app, ended) == ["alpha-it"]


def test_available_again_cancels_the_statement(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    page = page_of(app, client, smtp, "alpha-it")
    until = str(utcnow().date() + 10 * DAY)
    assert client.post(page, data={"state": "full", "until": until}).status_code == 303
    full = ask(client)
    run_sweep(app)
    assert client.post(page, data={"state": "available", "until": until}).status_code == 303
    again = ask(client)
    run_sweep(app)
    assert (offered(app, full), offered(app, again)) == (["beta-it"], ["alpha-it"])
    assert [row[:3] for row in statements(app)][1] == ("alpha-it", "available", None)
    shown = client.get(page).get_data(as_text=True)
    assert "verfügbar</strong>" in shown and "laut Ihrem Profil" in shown


def test_the_deputy_of_an_away_member_goes_first_for_requests_they_referred(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    plain = ask(client, referred_by="delta-it", reason="absence")
    run_sweep(app)
    assert offered(app, plain) == ["alpha-it"]  # available comes before limited

    page = page_of(app, client, smtp, "delta-it")
    until = utcnow().date() + 5 * DAY
    said = client.post(page, data={"state": "away", "until": str(until),
                                   "absence_reason": "ill", "deputy": "beta-it"})
    assert said.status_code == 303
    shown = client.get(page).get_data(as_text=True)
    assert "abwesend</strong>" in shown and "Vertretung: Beta IT" in shown
    referred = ask(client, referred_by="delta-it", reason="absence")
    unreferred = ask(client)
    run_sweep(app)
    assert offered(app, referred) == ["beta-it"]
    assert offered(app, unreferred) == ["alpha-it"]
    [offer] = [m for m in smtp.mailbox.to("info@beta-it.example")
               if m["Subject"].startswith("Neue Anfrage")]
    assert "hat Sie als Vertretung genannt." in body(offer)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"state": "full", "until": 61}, "until", "Höchstens 60 Tage im Voraus"),
        ({"state": "full", "until": -1}, "until", "Das Datum liegt in der Vergangenheit."),
        ({"state": "full", "until": ""}, "until", "Bitte angeben, bis wann"),
        ({"state": "full", "until": "morgen"}, "until", "Bitte ein Datum im Format JJJJ-MM-TT"),
        ({"state": "away", "until": 5, "absence_reason": "ill", "deputy": "niemand-it"},
         "deputy", "Kein Mitglied des Netzwerks; bitte eines aus der Liste wählen."),
        ({"state": "away", "until": 5, "absence_reason": "ill", "deputy": "alpha-it"},
         "deputy", "Bitte ein anderes Mitglied als Vertretung wählen."),
        ({"state": "away", "until": 5}, "absence_reason", "Bitte eine Antwort wählen."),
        ({"state": "sometimes", "until": 5}, "state", "Bitte eine Antwort wählen."),
    ],
    ids=["61-days", "past", "no-date", "not-a-date", "unknown-deputy", "self-deputy",
         "no-reason", "unknown-state"],
)
def test_a_refused_statement_names_the_field_and_changes_nothing(
    app: Flask, client: FlaskClient, smtp: SmtpServer, form: dict[str, Any], field: str,
    message: str,
) -> None:
    page = page_of(app, client, smtp, "alpha-it")
    if isinstance(form["until"], int):
        form = {**form, "until": str(utcnow().date() + form["until"] * DAY)}
    refused = client.post(page, data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(f'<p class="error" id="e-{field}">[^<]*{re.escape(message)}', text), text
    assert statements(app) == []
    request_id = ask(client)
    run_sweep(app)
    assert offered(app, request_id) == ["alpha-it"]


def test_sixty_days_ahead_is_accepted(app: Flask, client: FlaskClient, smtp: SmtpServer) -> None:
    page = page_of(app, client, smtp, "alpha-it")
    last = utcnow().date() + 60 * DAY
    said = client.post(page, data={"state": "away", "until": str(last),
                                   "absence_reason": "vacation"})
    assert said.status_code == 303
    assert statements(app) == [("alpha-it", "away", last, None, "page")]


def test_broken_and_expired_member_links_get_the_invalid_page_and_change_nothing(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = page_of(app, client, smtp, "alpha-it")
    until = str(utcnow().date() + 3 * DAY)
    form = {"state": "full", "until": until}
    past = time.time() - 61 * 86400
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: past)
    expired = "/m/" + make_member_token("test-secret", "alpha-it")
    monkeypatch.undo()
    cases = {
        page[:-2] + ("xx" if not page.endswith("xx") else "yy"): 404,
        page.replace("/m/", "/m/a"): 404,
        page + "/rest": 404,
        "/m/" + make_member_token("other-secret", "alpha-it"): 404,
        "/m/" + make_member_token("test-secret", "ausgetreten-it"): 404,
        expired: 410,
    }
    for path, status in cases.items():
        for answer in (client.get(path), client.post(path, data=form)):
            text = answer.get_data(as_text=True)
            assert answer.status_code == status, path
            assert "ungültig oder abgelaufen" in text and 'href="/m/"' in text
    assert statements(app) == []


def test_looking_at_the_pages_changes_nothing(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    request_id = ask(client)
    run_sweep(app)
    page = member_path(body(smtp.mailbox.to("anfragen@alpha-it.example")[0]))
    with backend_of(app).sessions() as session:
        mails = session.scalar(select(func.count()).select_from(OutboundMail))
    for path in (page, page + "?saved=1", "/m/"):
        for _ in range(2):
            assert client.get(path).status_code == 200
    assert client.head(page).status_code == 200
    assert client.get(page).headers["Cache-Control"] == "no-store"
    run_sweep(app)
    with backend_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMail)) == mails
        assert session.scalar(select(Assignment.state)) == "offered"
    assert statements(app) == []
    assert offered(app, request_id) == ["alpha-it"]


def test_the_member_page_lists_open_offers_and_answers_them(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    first = ask(client, postal_code="80331", needed_from="2099-01-02", needed_until="2099-01-31")
    run_sweep(app)
    offer = smtp.mailbox.to("anfragen@alpha-it.example")[0]
    page = member_path(body(offer))
    shown = client.get(page).get_data(as_text=True)
    assert "Offene Anfragen" in shown and "IT-Betreuung" in shown and "80331 DE" in shown
    assert "2. Januar 2099 bis 31. Januar 2099" in shown
    for secret in (REQUEST["name"], REQUEST["email"], REQUEST["phone"], REQUEST["message"]):
        assert str(secret) not in shown
    accept, decline = re.findall(r'<form method="post" action="(/r/[^"]+)">', shown)
    assert client.post(accept).status_code == 200
    run_sweep(app)
    contact = smtp.mailbox.to("anfragen@alpha-it.example")[-1]
    assert contact["Subject"] == "Kontaktdaten Ihres neuen Kunden: Anfrage IT-Betreuung"
    assert REQUEST["email"] in body(contact)
    assert "Zurzeit keine offenen Anfragen." in client.get(page).get_data(as_text=True)
    assert client.post(decline, data={"reason": "capacity"}).status_code == 200
    assert offered(app, first) == ["alpha-it"]  # answered before: the decline changes nothing

    second = ask(client)
    run_sweep(app)
    shown = client.get(page).get_data(as_text=True)
    _, decline = re.findall(r'<form method="post" action="(/r/[^"]+)">', shown)
    assert client.post(decline, data={"reason": "capacity"}).status_code == 200
    run_sweep(app)
    assert offered(app, second) == ["alpha-it", "beta-it"]
