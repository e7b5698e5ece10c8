"""Matching rules with exact results: eligibility, deputy first, fair and deterministic ranking."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path
from typing import Any

import pytest

from form_service.eligibility import Criteria, is_eligible
from form_service.matching import Candidate, Matcher, Standing
from generator.loader import load_network
from generator.model import Partner
from tests.conftest import partner_data

TODAY = dt.date(2026, 11, 22)
REPO = Path(__file__).resolve().parents[2]


def make_partner(slug: str, **overrides: Any) -> Partner:
    partner = Partner.model_validate(partner_data(**overrides))
    partner._slug = slug
    return partner


def criteria(**overrides: Any) -> Criteria:
    values: dict[str, Any] = {"service": "it-support", "postal_code": "80331", "remote": False,
                              "language": "de"}
    values.update(overrides)
    return Criteria(**values)


def ranked(partners: list[Partner], crit: Criteria, standings: dict[str, Standing] | None = None
           ) -> list[str]:
    matcher = Matcher({p.slug: p for p in partners})
    return [c.slug for c in matcher.rank(crit, standings or {}, TODAY)]


AREA = {"postal_prefixes": ["80"], "remote": False}
RULES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("eligible", {}, {}, True),
    ("other-service", {"services": ["netzwerk"]}, {}, False),
    ("other-language", {"languages": ["en"]}, {}, False),
    ("does-not-accept", {"referrals": {"accepts": False}}, {}, False),
    ("full", {"referrals": {"capacity": "full"}}, {}, False),
    ("limited-is-fine", {"referrals": {"capacity": "limited"}}, {}, True),
    ("other-area", {"service_area": {"postal_prefixes": ["10"]}}, {}, False),
    ("other-country", {"location": {"postal_code": "8010", "city": "Graz", "country": "AT"}}, {},
     False),
    ("remote-member-remote-client", {"service_area": {"postal_prefixes": ["10"], "remote": True}},
     {"remote": True}, True),
    ("remote-member-local-client", {"service_area": {"postal_prefixes": ["10"], "remote": True}},
     {}, False),
    ("absent-today", {"absences": [{"from": "2026-11-20", "to": "2026-11-30"}]}, {}, False),
    ("absent-in-frame", {"absences": [{"from": "2027-03-01", "to": "2027-03-05"}]},
     {"needed_from": dt.date(2027, 3, 4), "needed_until": dt.date(2027, 3, 10)}, False),
    ("absent-outside-frame", {"absences": [{"from": "2027-03-01", "to": "2027-03-05"}]},
     {"needed_from": dt.date(2027, 3, 6)}, True),
    ("absence-over", {"absences": [{"from": "2026-08-01", "to": "2026-08-20"}]}, {}, True),
    ("referring-member", {}, {"referred_by": "a"}, False),
    ("asked-before", {}, {"excluded": frozenset({"a"})}, False),
]


@pytest.mark.parametrize(("profile", "request_", "eligible"), [r[1:] for r in RULES],
                         ids=[r[0] for r in RULES])
def test_each_rule(profile: dict[str, Any], request_: dict[str, Any], eligible: bool) -> None:
    partner = make_partner("a", **{"service_area": AREA, **profile})
    assert ranked([partner], criteria(**request_)) == (["a"] if eligible else [])


def test_deputy_goes_first_when_eligible() -> None:
    referrer = make_partner("ref", absences=[
        {"from": "2026-12-21", "to": "2027-01-06", "deputy": "dep"}])
    others = [make_partner(s) for s in ("b", "c")]
    deputy = make_partner("dep", service_area={"postal_prefixes": ["8"]})
    result = Matcher({p.slug: p for p in [referrer, deputy, *others]}).rank(
        criteria(referred_by="ref"), {}, TODAY)
    assert result[0] == Candidate("dep", result[0].reason)
    assert "deputy named by ref" in result[0].reason
    assert [c.slug for c in result] == ["dep", *ranked(others, criteria())]


def test_ineligible_deputy_falls_back_to_ranking() -> None:
    referrer = make_partner("ref", absences=[
        {"from": "2026-12-21", "to": "2027-01-06", "deputy": "dep"}])
    deputy = make_partner("dep", referrals={"capacity": "full"})
    assert ranked([referrer, deputy, make_partner("b")], criteria(referred_by="ref")) == ["b"]


def test_longer_prefix_and_capacity_come_before_fairness() -> None:
    near = make_partner("near", service_area={"postal_prefixes": ["803"]})
    far = make_partner("far", service_area={"postal_prefixes": ["80"]})
    limited = make_partner("limited", service_area={"postal_prefixes": ["803"]},
                           referrals={"capacity": "limited"})
    remote = make_partner("remote", service_area={"postal_prefixes": ["10"], "remote": True})
    busy = {"near": Standing(load=9)}
    assert ranked([far, limited, remote, near], criteria(remote=True), busy) == [
        "near", "limited", "far", "remote"]


def test_fairness_by_load_then_reciprocity() -> None:
    members = [make_partner(s) for s in ("a", "b", "c", "d")]
    standings = {"a": Standing(load=2), "b": Standing(load=1, given=0, received=3),
                 "c": Standing(load=1, given=4, received=1), "d": Standing(load=0)}
    assert ranked(members, criteria(), standings) == ["d", "c", "b", "a"]


def test_ties_break_deterministically_not_alphabetically() -> None:
    members = [make_partner(s) for s in ("alpha", "bravo", "charlie", "delta", "echo")]
    first = ranked(members, criteria())
    assert first == ranked(list(reversed(members)), criteria())
    assert sorted(first) == ["alpha", "bravo", "charlie", "delta", "echo"]
    assert first == sorted(first, key=lambda slug: zlib.crc32(slug.encode()))
    assert first != sorted(first)  # equal members do not always favour early names


def test_nobody_eligible() -> None:
    matcher = Matcher({"a": make_partner("a")})
    assert matcher.choose(criteria(service="webdesign"), {}, TODAY) is None


def test_sample_network() -> None:
    network = load_network(REPO)
    matcher = Matcher(network.partners)
    # Müller IT is away over Christmas and names Schmidt Netzwerke.
    choice = matcher.choose(criteria(referred_by="mueller-it"), {}, TODAY)
    assert choice is not None and choice.slug == "schmidt-netzwerke"
    # Elektro Hartmann is ill until 5 December: its deputy is eligible instead.
    electric = matcher.rank(criteria(service="elektro", postal_code="81369"), {}, TODAY)
    assert [c.slug for c in electric] == ["elektro-sonnleitner"]
    # Nobody offers legal advice to referred clients.
    assert matcher.choose(criteria(service="rechtsberatung", remote=True), {}, TODAY) is None


def test_indexed_ranking_agrees_with_the_rules() -> None:
    network = load_network(REPO)
    matcher = Matcher(network.partners)
    for service in network.settings.service_ids:
        for code, remote in (("80331", False), ("60311", True), ("10115", False), ("", True)):
            for language in ("de", "en"):
                crit = criteria(service=service, postal_code=code or None, remote=remote,
                                language=language)
                expected = {s for s, p in network.partners.items()
                            if is_eligible(p, crit, TODAY)}
                assert {c.slug for c in matcher.rank(crit, {}, TODAY)} == expected


def at_home(slug: str, country: str, postal_code: str, prefixes: list[str], remote: bool = False
            ) -> Partner:
    return make_partner(slug, location={"postal_code": postal_code, "city": "Ort",
                                        "country": country},
                        service_area={"postal_prefixes": prefixes, "remote": remote})


ACROSS = [
    at_home("innsbruck", "AT", "6020", ["60"]),
    at_home("frankfurt", "DE", "60311", ["60"]),
    at_home("online-de", "DE", "10115", ["10"], remote=True),
    at_home("warschau", "PL", "00-950", ["009"]),
    at_home("prag", "CZ", "110 00", ["1100"]),
]
COUNTRIES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("de-code-finds-the-german-member", {"postal_code": "60311", "country": "DE"},
     [("frankfurt", "serves postal prefix 60")]),
    ("at-code-finds-the-austrian-member", {"postal_code": "6020", "country": "AT"},
     [("innsbruck", "serves postal prefix 60")]),
    ("remote-work-crosses-borders", {"postal_code": "6020", "country": "AT", "remote": True},
     [("innsbruck", "serves postal prefix 60"), ("online-de", "works remotely")]),
    ("nobody-in-switzerland", {"postal_code": "6000", "country": "CH"}, []),
    ("polish-code-compared-by-its-digits", {"postal_code": "00-950", "country": "PL"},
     [("warschau", "serves postal prefix 009")]),
    ("czech-code-with-a-space", {"postal_code": "110 00", "country": "CZ"},
     [("prag", "serves postal prefix 1100")]),
]


@pytest.mark.parametrize(("request_", "expected"), [c[1:] for c in COUNTRIES],
                         ids=[c[0] for c in COUNTRIES])
def test_prefixes_count_only_in_their_country(
    request_: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    matcher = Matcher({p.slug: p for p in ACROSS})
    result = matcher.rank(criteria(**request_), {}, TODAY)
    assert [(c.slug, c.reason) for c in result] == [
        (slug, f"offers it-support; {place}; capacity available; "
               "0 recent assignment(s), gave 0, received 0") for slug, place in expected]


def test_index_agrees_with_the_rules_across_countries() -> None:
    matcher = Matcher({p.slug: p for p in ACROSS})
    for country, code in (("DE", "60311"), ("AT", "6020"), ("PL", "00-950"), ("CZ", "11000"),
                          ("DE", None)):
        for remote in (False, True):
            crit = criteria(postal_code=code, country=country, remote=remote)
            expected = {p.slug for p in ACROSS if is_eligible(p, crit, TODAY)}
            assert {c.slug for c in matcher.rank(crit, {}, TODAY)} == expected
