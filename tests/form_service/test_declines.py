"""Declining with a reason: the form, what each reason does to routing, and the ledger."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from form_service.assignments import AnswerResult, answer
from form_service.declines import Decline, unfit_for
from form_service.ledger import ledger
from form_service.models import (
    Assignment,
    ClientRequest,
    DeclineReason,
    MemberStatus,
    OutboundMail,
    utcnow,
)
from generator.dates import day as german_day
from tests.conftest import backend_of, body, link_path, run_sweep
from tests.form_service.history import T0, D, H, open_offer, request_at
from tests.form_service.test_flow import submit
from tests.servers import SmtpServer

COORDINATOR = "koordination@empfehlungsnetz.example"


def offered_decline_link(client: FlaskClient, app: Flask, smtp: SmtpServer) -> str:
    """Submit a request, route it, and return the decline link of the offer it caused."""
    submit(client)
    run_sweep(app)
    return link_path(body(smtp.mailbox.messages[-1]), "decline")


def assignments(app: Flask) -> list[tuple[str, str, str | None]]:
    """Return every assignment as (member, state, decline reason), oldest first."""
    with backend_of(app).sessions() as session:
        rows = session.execute(select(Assignment.partner, Assignment.state,
                                      Assignment.decline_reason).order_by(Assignment.id))
        return [(p, s.value, r.value if r else None) for p, s, r in rows]


def test_the_decline_page_asks_why_and_showing_it_changes_nothing(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    decline = offered_decline_link(client, app, smtp)
    page = client.get(decline)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.findall(r'name="reason" value="(\w+)" required', html) == [
        "capacity", "expertise", "absent", "area", "spam"]
    assert "Nicht mein Fachgebiet (Anfragen zu dieser Leistung erhalte ich 30 Tage lang nicht)" in html
    today = utcnow().date()
    assert f'name="until" min="{today}" max="{today + dt.timedelta(days=60)}"' in html
    assert assignments(app)[0][1:] == ("offered", None)
    assert run_sweep(app)["sent"] == 0


@pytest.mark.parametrize(("data", "fields"), [
    ({}, {"reason"}),
    ({"reason": "capacity", "until": "+61"}, {"until"}),
    ({"reason": "busy", "until": "-1"}, {"reason", "until"}),
    ({"until": "next week"}, {"reason", "until"}),
], ids=["no-reason", "over-60-days", "unknown-reason-and-past", "no-reason-and-no-date"])
def test_the_decline_form_refuses_mistakes_field_by_field_and_changes_nothing(
    app: Flask, client: FlaskClient, smtp: SmtpServer, data: dict[str, str], fields: set[str]
) -> None:
    decline = offered_decline_link(client, app, smtp)
    today = utcnow().date()
    if data.get("until", "").startswith(("+", "-")):
        data = {**data, "until": (today + dt.timedelta(days=int(data["until"]))).isoformat()}
    page = client.post(decline, data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert set(re.findall(r'<p class="error" id="d-e-(\w+)">', html)) == fields
    if "until" in data:
        assert f'value="{data["until"]}"' in html  # kept for correcting it
    [(_, state, why)] = assignments(app)
    assert (state, why) == ("offered", None)
    with backend_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(MemberStatus)) == 0
    assert run_sweep(app)["sent"] == 0


@pytest.mark.parametrize("reason", list(DeclineReason), ids=str)
def test_each_reason_is_stored_used_and_counted(
    app: Flask, client: FlaskClient, smtp: SmtpServer, reason: DeclineReason
) -> None:
    decline = offered_decline_link(client, app, smtp)
    page = client.post(decline, data={"reason": reason.value})
    assert page.status_code == 200
    run_sweep(app)
    first, *others = assignments(app)
    assert first[1:] == ("declined", reason.value)
    with backend_of(app).sessions() as session:
        raw = session.scalar(text("SELECT decline_reason FROM assignment ORDER BY id LIMIT 1"))
        row = ledger(session)[first[0]]
        status = session.scalar(select(ClientRequest.status))
    assert raw == reason.value
    assert (row.declined, row.declined_by_reason) == (
        1, {r.value: int(r is reason) for r in DeclineReason})
    if reason is DeclineReason.SPAM:
        assert "Die Koordination prüft die Anfrage" in page.get_data(as_text=True)
        assert (others, status) == ([], "coordinator")
    else:
        assert "Wir fragen das nächste Mitglied" in page.get_data(as_text=True)
        assert [(state, why) for _, state, why in others] == [("offered", None)]
        assert others[0][0] != first[0] and status == "offered"


def test_spam_goes_to_the_coordinator_and_no_other_member_is_asked(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    decline = offered_decline_link(client, app, smtp)
    member = assignments(app)[0][0]
    client.post(decline, data={"reason": "spam"})
    run_sweep(app)
    [mail] = smtp.mailbox.to(COORDINATOR)
    assert mail["Subject"] == "Bitte prüfen: Anfrage IT-Betreuung als Spam gemeldet"
    text_body = body(mail)
    name = backend_of(app).network.partners[member].name  # the coordinator reads names
    assert f"{name} hält diese Anfrage für Spam; wir haben kein weiteres Mitglied gefragt." \
        in text_body
    assert "kein passendes Mitglied" not in text_body
    assert f"Bereits gefragt: {name}" in text_body and "eva@kunde.example" in text_body
    # Days later nobody has been asked and nothing more was sent.
    assert run_sweep(app, dt.timedelta(days=3))["sent"] == 0
    assert [m["Subject"].startswith("Neue Anfrage") for m in smtp.mailbox.messages] == [
        False, True, False]
    assert len(assignments(app)) == 1


def test_not_my_expertise_keeps_the_service_away_for_30_days(app: Flask) -> None:
    backend = backend_of(app)
    first, _ = request_at(backend, T0)
    offer, member = open_offer(backend, first)
    assert member == "schmidt-netzwerke"
    assert answer(backend, offer, "decline", T0 + H,
                  Decline(DeclineReason.EXPERTISE)) is AnswerResult.DECLINED
    assert open_offer(backend, first)[1] == "mueller-it"
    # Other services still reach the member.
    network, _ = request_at(backend, T0 + 2 * D, service="netzwerk", email="n@kunde.example")
    assert open_offer(backend, network)[1] == "schmidt-netzwerke"
    offered = {}
    for day in (29, 30, 31):
        at = T0 + day * D
        later, _ = request_at(backend, at, email=f"tag{day}@kunde.example")
        offer, offered[day] = open_offer(backend, later)
        # When the other member declines too, the one who said "not my expertise" is skipped.
        answer(backend, offer, "decline", at + H / 2, Decline(DeclineReason.CAPACITY))
        with backend.sessions() as session:
            asked = [a.partner for a in session.get_one(ClientRequest, later).assignments]
            excluded = unfit_for(session, "it-support", at)
        if day < 31:
            assert (offered[day], asked, excluded) == (
                "mueller-it", ["mueller-it"], frozenset({"schmidt-netzwerke"}))
        else:
            assert (offered[day], asked, excluded) == (
                "schmidt-netzwerke", ["schmidt-netzwerke", "mueller-it"], frozenset())


def test_offer_me_nothing_until_a_day_blocks_the_member_until_then(app: Flask) -> None:
    backend = backend_of(app)
    first, _ = request_at(backend, T0)
    offer, member = open_offer(backend, first)
    assert member == "schmidt-netzwerke"
    until = (T0 + 10 * D).date()
    answer(backend, offer, "decline", T0 + H, Decline(DeclineReason.CAPACITY, until))
    with backend.sessions() as session:
        said = session.execute(select(MemberStatus.partner, MemberStatus.state,
                                      MemberStatus.starts_on, MemberStatus.until,
                                      MemberStatus.source, MemberStatus.link)).one()
    assert tuple(said) == ("schmidt-netzwerke", "full", T0.date(), until, "decline",
                           f"assignment:{offer}")
    offered = {}
    for day in (5, 10, 11):
        later, _ = request_at(backend, T0 + day * D, email=f"tag{day}@kunde.example")
        offered[day] = open_offer(backend, later)[1]
    assert offered == {5: "mueller-it", 10: "mueller-it", 11: "schmidt-netzwerke"}


def test_the_page_confirms_until_when_nothing_is_offered(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    decline = offered_decline_link(client, app, smtp)
    last = utcnow().date() + dt.timedelta(days=60)
    page = client.post(decline, data={"reason": "capacity", "until": last.isoformat()})
    assert page.status_code == 200
    assert f"Bis einschließlich {german_day(last)} bieten wir Ihnen keine Anfragen an." in \
        page.get_data(as_text=True)
    with backend_of(app).sessions() as session:
        assert session.scalars(select(MemberStatus.until)).all() == [last]
        assert session.scalar(select(func.count()).select_from(OutboundMail)) == 3
    # The link is used up: a second post changes nothing, whatever it says.
    again = client.post(decline, data={"reason": "spam"})
    assert "bereits beantwortet" in again.get_data(as_text=True)
    assert [why for _, _, why in assignments(app)] == ["capacity", None]
