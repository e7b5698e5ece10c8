"""Open data of every build, read back with the libraries address books and calendars use."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import icalendar
import mf2py
import pytest
import vobject

from generator.loader import Network, load_network
from generator.pages import Page, SiteOptions, render_site

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 1)


def site_files(network: Network) -> dict[str, Page]:
    """Return every file the build writes for ``network``, by path."""
    return {page.path: page for page in render_site(network, SiteOptions(today=TODAY))}


@pytest.fixture(scope="module")
def files() -> dict[str, Page]:
    return site_files(load_network(REPO))


def test_partners_csv_holds_every_member_with_public_fields(files: dict[str, Page]) -> None:
    network = load_network(REPO)
    rows = list(csv.DictReader(io.StringIO(files["partners.csv"].content)))
    assert [row["slug"] for row in rows] == list(network.partners)
    mueller = next(row for row in rows if row["slug"] == "mueller-it")
    partner = network.partners["mueller-it"]
    assert mueller["name"] == partner.name
    assert mueller["url"] == "https://empfehlungsnetz.example/partner/mueller-it/"
    assert mueller["services"].split() == partner.services
    assert mueller["email"] == partner.contact.email
    assert "maintainers" not in mueller and "referral_email" not in mueller


def test_a_spreadsheet_does_not_run_a_profile_as_formula(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    make_partner("formel", name="=HYPERLINK(\"http://evil.example\")", tagline="@SUM(A1)")
    rows = list(csv.DictReader(io.StringIO(site_files(load_network(network_root))[
        "partners.csv"].content)))
    row = next(r for r in rows if r["slug"] == "formel")
    assert row["name"].startswith("'=") and row["tagline"].startswith("'@")


def test_every_member_has_a_vcard_address_books_read(files: dict[str, Page]) -> None:
    network = load_network(REPO)
    for slug, partner in network.partners.items():
        card = vobject.readOne(files[f"partner/{slug}/kontakt.vcf"].content)
        assert card.fn.value == partner.name
        assert card.email.value == partner.contact.email
        assert card.adr.value.city == partner.location.city
        assert card.adr.value.code == partner.location.postal_code
        if partner.contact.phone:
            assert card.tel.value == partner.contact.phone
        if partner.contact.website:
            assert card.url.value == partner.contact.website


def test_vcard_keeps_commas_semicolons_and_long_names(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    name = "Meier, Schulz; Partner – Übersetzungen für Recht, Technik und Medizin mbB"
    make_partner("lang", name=name, tagline="Zeile mit \\ Rückstrich, Komma; Semikolon")
    text = site_files(load_network(network_root))["partner/lang/kontakt.vcf"].content
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    card = vobject.readOne(text)
    assert card.fn.value == name
    assert card.note.value == "Zeile mit \\ Rückstrich, Komma; Semikolon"


def _events(text: str) -> list[Any]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def test_absence_feeds_hold_each_absence_as_all_day_events(files: dict[str, Page]) -> None:
    network = load_network(REPO)
    partner = network.partners["mueller-it"]
    events = _events(files["partner/mueller-it/abwesenheiten.ics"].content)
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [
        (a.from_, a.to + dt.timedelta(days=1)) for a in partner.absences]
    first = events[0]
    assert str(first["summary"]) == f"{partner.name}: Urlaub"
    deputy = network.partners[partner.absences[0].deputy or ""]
    assert deputy.name in str(first["description"])
    everyone = _events(files["abwesenheiten.ics"].content)
    assert len(everyone) == sum(len(p.absences) for p in network.partners.values())
    assert len({str(e["uid"]) for e in everyone}) == len(everyone)


def test_a_member_without_absences_has_an_empty_feed(files: dict[str, Page]) -> None:
    network = load_network(REPO)
    slug = next(s for s, p in network.partners.items() if not p.absences)
    calendar = icalendar.Calendar.from_ical(files[f"partner/{slug}/abwesenheiten.ics"].content)
    assert calendar["version"] == "2.0" and _events(calendar.to_ical().decode()) == []


def _json_ld(page: Page) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.body, re.S)
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_json_ld_closes_the_days_of_coming_absences(files: dict[str, Page]) -> None:
    partner = load_network(REPO).partners["mueller-it"]
    data = _json_ld(files["partner/mueller-it.md"])
    assert data["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "opens": "00:00", "closes": "00:00",
         "validFrom": a.from_.isoformat(), "validThrough": a.to.isoformat()}
        for a in partner.absences if a.to >= TODAY]


def test_json_ld_leaves_out_absences_that_are_over(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    make_partner("vorbei", absences=[{"from": dt.date(2026, 8, 1), "to": dt.date(2026, 8, 9)}])
    data = _json_ld(site_files(load_network(network_root))["partner/vorbei.md"])
    assert "openingHoursSpecification" not in data


def test_partner_page_carries_an_h_card(files: dict[str, Page]) -> None:
    partner = load_network(REPO).partners["mueller-it"]
    parsed = mf2py.parse(doc=files["partner/mueller-it.md"].body,
                         url="https://empfehlungsnetz.example/partner/mueller-it/")
    cards = [item for item in parsed["items"] if "h-card" in item["type"]]
    assert len(cards) == 1
    props = cards[0]["properties"]
    assert props["name"] == [partner.name]
    assert f"mailto:{partner.contact.email}" in props["email"]
    assert partner.contact.phone in [tel.removeprefix("tel:") for tel in props["tel"]] or any(
        tel.replace(" ", "").endswith(partner.contact.phone.replace(" ", ""))
        for tel in props["tel"])
