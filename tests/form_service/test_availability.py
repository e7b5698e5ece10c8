"""GET /api/availability: every member's state today from profiles and statements, and the
services paused after "not my expertise"; public and cacheable, readable from the site's origin
only."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from form_service import availability as document
from form_service.declines import EXPERTISE_PAUSE, unfit_for
from form_service.models import Assignment, DeclineReason, MemberState, MemberStatus, utcnow
from form_service.statements import record
from generator.availability import availability
from tests.conftest import SITE, backend_of, body, link_path, make_app, run_sweep
from tests.form_service.test_declines import offered_decline_link
from tests.form_service.test_flow import submit
from tests.servers import SmtpServer

D = dt.timedelta(days=1)


def say(app: Flask, slug: str, state: MemberState, until: dt.date | None,
        starts_on: dt.date | None = None, deputy: str | None = None) -> None:
    """Record what member ``slug`` says on their member page."""
    backend = backend_of(app)
    with backend.sessions() as session:
        record(session, slug, state, until=until, starts_on=starts_on, deputy=deputy,
               absence_reason="ill" if state is MemberState.AWAY else None, source="page",
               link="test-link", now=utcnow(), members=backend.network.partners)
        session.commit()


def fetch(client: FlaskClient, **headers: str) -> dict[str, Any]:
    response = client.get("/api/availability", headers=headers)
    assert response.status_code == 200
    data: dict[str, Any] = json.loads(response.data)
    return data


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let every answer look for new statements, instead of once in a few seconds."""
    monkeypatch.setattr(document, "CHECK_SECONDS", 0.0)


@pytest.fixture
def absent_app(
    network_root: Path, make_partner: Callable[..., Path], database_url: str, smtp: SmtpServer
) -> Iterator[Flask]:
    """The service on the sample network plus test-it, away (in its profile) until in 3 days."""
    today = utcnow().date()
    make_partner("test-it", absences=[{"from": today - D, "to": today + 3 * D,
                                       "reason": "illness", "deputy": "mueller-it"}])
    app = make_app(network_root, database_url, smtp.url)
    yield app
    backend_of(app).engine.dispose()


def test_each_member_has_the_state_of_the_one_rule(absent_app: Flask, fresh: None) -> None:
    app, client, today = absent_app, absent_app.test_client(), utcnow().date()
    say(app, "steuerbuero-krause", MemberState.FULL, today + 5 * D)
    say(app, "schmidt-netzwerke", MemberState.AWAY, today + 4 * D, deputy="mueller-it")
    say(app, "wordbridge", MemberState.AWAY, today + 9 * D, starts_on=today + 7 * D)
    say(app, "hafenbild", MemberState.FULL, today + 9 * D)
    say(app, "hafenbild", MemberState.AVAILABLE, None)
    members = fetch(client)["members"]
    assert members["test-it"] == {"state": "away", "until": (today + 3 * D).isoformat(),
                                  "deputy": "mueller-it"}
    assert members["steuerbuero-krause"] == {"state": "full",
                                             "until": (today + 5 * D).isoformat(),
                                             "deputy": None}
    assert members["schmidt-netzwerke"] == {"state": "away",
                                            "until": (today + 4 * D).isoformat(),
                                            "deputy": "mueller-it"}
    assert members["wordbridge"] == {
        "state": "available", "until": None, "deputy": None,
        "planned": {"state": "away", "from": (today + 7 * D).isoformat(),
                    "until": (today + 9 * D).isoformat()}}
    said = {"steuerbuero-krause", "schmidt-netzwerke", "wordbridge"}
    partners = backend_of(app).network.partners
    expected = {}
    for slug, partner in partners.items():
        if slug in said:
            continue
        now = availability(partner, today)
        expected[slug] = {"state": now.state.value, "deputy": now.deputy,
                          "until": now.until.isoformat() if now.until else None}
    assert {s: m for s, m in members.items() if s not in said} == expected
    assert expected["hafenbild"]["state"] == "available"  # "available again" ended "full"


def test_it_names_no_person_and_no_reason(app: Flask, client: FlaskClient) -> None:
    say(app, "schmidt-netzwerke", MemberState.AWAY, utcnow().date() + D, deputy="mueller-it")
    response = client.get("/api/availability")
    data = json.loads(response.data)
    assert set(data) == {"generated", "members"}
    assert {key for m in data["members"].values() for key in m} == {"state", "until", "deputy"}
    text = response.get_data(as_text=True)
    for partner in backend_of(app).network.partners.values():
        assert partner.contact.email not in text and partner.name not in text


def test_it_is_cacheable_for_under_a_minute_with_an_etag(
    app: Flask, client: FlaskClient, fresh: None
) -> None:
    first = client.get("/api/availability")
    assert first.headers["Content-Type"] == "application/json"
    assert first.cache_control.public and 0 < (first.cache_control.max_age or 0) <= 60
    etag = first.headers["ETag"]
    again = client.get("/api/availability", headers={"If-None-Match": etag})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    say(app, "steuerbuero-krause", MemberState.FULL, utcnow().date() + D)
    changed = client.get("/api/availability", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert json.loads(changed.data)["members"]["steuerbuero-krause"]["state"] == "full"


def test_it_is_gzipped_for_clients_that_accept_it(client: FlaskClient) -> None:
    plain = client.get("/api/availability")
    zipped = client.get("/api/availability", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] == plain.headers["ETag"]
    assert {"Accept-Encoding", "Origin"} <= set(zipped.vary) and set(plain.vary) == set(zipped.vary)


def test_a_statement_shows_after_the_check_interval_at_the_latest(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fetch(client)["members"]["wordbridge"]["state"] == "available"
    say(app, "wordbridge", MemberState.FULL, utcnow().date() + D)
    # Within the interval the rendered document is answered as it is ...
    assert fetch(client)["members"]["wordbridge"]["state"] == "available"
    # ... and after it, the database is asked again.
    monkeypatch.setattr(document, "CHECK_SECONDS", 0.0)
    assert fetch(client)["members"]["wordbridge"]["state"] == "full"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [(SITE, True), ("https://fremd.example", False), (None, False)],
    ids=["site", "other-site", "no-origin"],
)
def test_only_the_site_may_read_it_from_a_browser(
    client: FlaskClient, origin: str | None, allowed: bool
) -> None:
    response = client.get("/api/availability", headers={"Origin": origin} if origin else {})
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == (SITE if allowed else None)
    # A cache in between must not hand one origin's answer to another.
    assert "Origin" in response.vary


def declined_as_not_my_expertise(app: Flask, client: FlaskClient, decline: str,
                                 ) -> tuple[str, dt.datetime]:
    """Decline through the offer's link as not my expertise; return the member and when."""
    assert client.post(decline, data={"reason": "expertise"}).status_code == 200
    with backend_of(app).sessions() as session:
        member, answered = session.execute(
            select(Assignment.partner, Assignment.answered_at)
            .where(Assignment.decline_reason == DeclineReason.EXPERTISE)).one()
    assert answered is not None
    return member, answered


def test_a_service_declined_as_not_my_expertise_is_paused_as_routing_pauses_it(
    app: Flask, client: FlaskClient, smtp: SmtpServer, fresh: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member, answered = declined_as_not_my_expertise(
        app, client, offered_decline_link(client, app, smtp))
    ends = answered + EXPERTISE_PAUSE
    seen = {}
    for at in (answered, answered + 29 * D, ends - dt.timedelta(seconds=1), ends):
        monkeypatch.setattr(document, "utcnow", lambda at=at: at)
        response = client.get("/api/availability")
        members = json.loads(response.data)["members"]
        with backend_of(app).sessions() as session:
            unfit = unfit_for(session, "it-support", at)
        seen[at - answered] = (members[member].get("paused"), unfit,
                               {slug for slug, m in members.items() if "paused" in m})
        # Only the service and the day: nothing of the request or the client.
        text = response.get_data(as_text=True)
        assert "Eva" not in text and "kunde.example" not in text
    paused = ({"it-support": ends.date().isoformat()}, frozenset({member}), {member})
    assert seen == {dt.timedelta(0): paused, 29 * D: paused,
                    EXPERTISE_PAUSE - dt.timedelta(seconds=1): paused,
                    EXPERTISE_PAUSE: (None, frozenset(), set())}


def test_a_new_decline_shows_after_the_check_interval_at_the_latest(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    decline = offered_decline_link(client, app, smtp)
    before = client.get("/api/availability")
    member, _ = declined_as_not_my_expertise(app, client, decline)
    # Within the interval the rendered document is answered as it is ...
    assert client.get("/api/availability").data == before.data
    # ... and after it, the decline shows, though nobody said anything on their page.
    monkeypatch.setattr(document, "CHECK_SECONDS", 0.0)
    after = client.get("/api/availability", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert set(json.loads(after.data)["members"][member]["paused"]) == {"it-support"}
    with backend_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(MemberStatus)) == 0
    # A new offer, accepted, changes nothing the document says: it stays, with its ETag.
    submit(client, service="fotografie", email="foto@kunde.example")
    run_sweep(app)
    accepted = client.post(link_path(body(smtp.mailbox.messages[-1]), "accept"))
    assert "Sie erhalten die Kontaktdaten" in accepted.get_data(as_text=True)
    later = utcnow() + dt.timedelta(seconds=2)  # a document rendered again would say so
    monkeypatch.setattr(document, "utcnow", lambda: later)
    again = client.get("/api/availability", headers={"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304
