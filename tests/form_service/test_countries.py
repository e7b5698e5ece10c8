"""A request's country: one the members are in, a postal code in its format, its members only."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from form_service.intake import IntakeError, parse_submission
from form_service.models import Assignment, ClientRequest
from generator.loader import Network, load_network
from generator.model import Partner
from tests.conftest import (
    REPO,
    REQUEST,
    SITE,
    backend_of,
    body,
    link_path,
    make_app,
    partner_data,
    run_sweep,
)
from tests.servers import SmtpServer

TIROL: dict[str, Any] = {
    "name": "Installateur Tirol", "services": ["sanitaer"],
    "location": {"postal_code": "6020", "city": "Innsbruck", "country": "AT"},
    "service_area": {"postal_prefixes": ["60"], "remote": False},
    "contact": {"email": "info@installateur-tirol.example"},
}
IN_DE = "Bitte eine Postleitzahl wie 80331 angeben."
IN_AT = "Bitte eine Postleitzahl wie 6020 angeben."


def choose_from(known: str) -> str:
    return f"Bitte eines der Länder wählen, in denen Mitglieder arbeiten: {known}."


@pytest.fixture
def two_countries(network_root: Path, make_partner: Callable[..., Path], tmp_path: Path,
                  smtp: SmtpServer) -> Iterator[Flask]:
    """The form service on the sample network (all in Germany) and a plumber in Innsbruck."""
    make_partner("installateur-tirol", **TIROL)
    app = make_app(network_root, f"sqlite:///{tmp_path / 'countries.sqlite3'}", smtp.url)
    yield app
    backend_of(app).engine.dispose()


def stored_countries(app: Flask) -> list[tuple[str, str | None]]:
    with backend_of(app).sessions() as session:
        rows = session.execute(select(ClientRequest.country, ClientRequest.postal_code))
        return [(country, code) for country, code in rows]


INTAKE: list[tuple[str, dict[str, Any], dict[str, list[str]] | None]] = [
    ("austrian-code-in-austria", {"country": "AT", "postal_code": "6020"}, None),
    ("country-in-lower-case", {"country": "at", "postal_code": "6020"}, None),
    ("austrian-code-in-germany", {"country": "DE", "postal_code": "6020"}, {"postal_code": [IN_DE]}),
    ("german-code-in-austria", {"country": "AT", "postal_code": "60311"},
     {"postal_code": [IN_AT]}),
    ("germany-unless-said", {"postal_code": "6020"}, {"postal_code": [IN_DE]}),
    ("unknown-country", {"country": "XX", "postal_code": "6020"},
     {"country": [choose_from("AT, DE")]}),
    ("country-without-members", {"country": "CH", "postal_code": "6000"},
     {"country": [choose_from("AT, DE")]}),
]


@pytest.mark.parametrize(("changes", "errors"), [c[1:] for c in INTAKE], ids=[c[0] for c in INTAKE])
def test_the_postal_code_is_checked_in_the_format_of_its_country(
    two_countries: Flask, changes: dict[str, Any], errors: dict[str, list[str]] | None
) -> None:
    response = two_countries.test_client().post("/api/requests", json={**REQUEST, **changes})
    if errors is None:
        assert response.status_code == 201
        assert stored_countries(two_countries) == [("AT", "6020")]
    else:
        assert (response.status_code, response.json) == (422, {"errors": errors})
        assert stored_countries(two_countries) == []


def test_a_network_in_one_country_needs_no_country(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/api/requests", json=REQUEST).status_code == 201
    assert stored_countries(app) == [("DE", "80331")]
    refused = client.post("/api/requests", json={**REQUEST, "country": "AT"})
    assert refused.json == {"errors": {"country": [choose_from("DE")]}}


def network_of(*partners: dict[str, Any]) -> Network:
    members = {}
    for i, data in enumerate(partners):
        member = Partner.model_validate(partner_data(**data))
        member._slug = f"member-{i}"
        members[member.slug] = member
    return Network(REPO, load_network(REPO).settings, members)


AUSTRIA = {"location": TIROL["location"]}
ZURICH = {"location": {"postal_code": "8001", "city": "Zürich", "country": "CH"}}


@pytest.mark.parametrize(("members", "country"), [
    ((AUSTRIA,), "AT"),
    ((AUSTRIA, ZURICH), "DE"),
    ((), "DE"),
], ids=["the-only-country", "several-countries", "no-members"])
def test_the_country_unless_said(members: tuple[dict[str, Any], ...], country: str) -> None:
    request = {**REQUEST, "postal_code": "", "remote": True}
    submission = parse_submission(request, network_of(*members), dt.date(2026, 11, 22))
    assert submission.country == country


def test_a_postal_code_needs_a_country_with_members() -> None:
    with pytest.raises(IntakeError) as caught:
        parse_submission({**REQUEST, "postal_code": "6020"}, network_of(AUSTRIA, ZURICH),
                         dt.date(2026, 11, 22))
    assert caught.value.errors == {"country": [choose_from("AT, CH")]}


@pytest.mark.parametrize(("country", "postal_code", "offered"), [
    ("DE", "60311", "wasserwerk-koch"),
    ("AT", "6020", "installateur-tirol"),
], ids=["frankfurt", "innsbruck"])
def test_members_serve_postal_prefixes_in_their_own_country(
    two_countries: Flask, smtp: SmtpServer, country: str, postal_code: str, offered: str
) -> None:
    client = two_countries.test_client()
    request = {**REQUEST, "service": "sanitaer", "country": country, "postal_code": postal_code}
    assert client.post("/api/requests", json=request).status_code == 201
    run_sweep(two_countries)
    # The one member of the country declines: nobody is left, as both serve prefix 60.
    client.post(link_path(body(smtp.mailbox.messages[-1]), "decline"), data={"reason": "area"})
    run_sweep(two_countries)
    with backend_of(two_countries).sessions() as session:
        assert session.scalars(select(Assignment.partner)).all() == [offered]
        assert session.scalar(select(ClientRequest.status)) == "coordinator"


def test_the_page_of_errors_keeps_the_country(two_countries: Flask) -> None:
    form = {**REQUEST, "remote": "", "consent": "on", "country": "AT", "postal_code": "60311"}
    response = two_countries.test_client().post("/api/requests", data=form,
                                                headers={"Origin": SITE})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # The form again, Austria still chosen, the message at the postal code.
    assert re.search(r'<option value="AT"[^>]* selected>', page) and IN_AT in page


def test_the_description_lists_the_countries(two_countries: Flask) -> None:
    spec = two_countries.test_client().get("/api/openapi.json").json
    assert spec is not None
    fields = spec["paths"]["/api/requests"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["properties"]
    assert fields["country"] == {
        "type": "string", "enum": ["AT", "DE"],
        "description": "ISO 3166 code of the postal code's country; default DE."}
    assert fields["postal_code"] == {"type": "string", "pattern": "^(?:\\d{4}|\\d{5})$"}
