"""Members' statements: which one holds on a day, what is refused, and how routing reads them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from form_service.eligibility import Criteria, is_eligible
from form_service.matching import Matcher
from form_service.models import MemberState
from form_service.statements import StatementError, current_statements, record
from generator.availability import State, Statement
from tests.conftest import backend_of
from tests.form_service.test_matching import criteria, make_partner

NOW = dt.datetime(2026, 11, 22, 8, 30)
TODAY = NOW.date()
DAY = dt.timedelta(days=1)
MEMBERS = ("alpha-it", "beta-it")


def say(app: Flask, slug: str, state: MemberState, at: dt.datetime = NOW, **values: Any) -> None:
    with backend_of(app).sessions() as session:
        record(session, slug, state, source="page", link="l1", now=at, members=MEMBERS,
               **{"until": None, **values})
        session.commit()


def holding(app: Flask, day: dt.date) -> dict[str, Statement]:
    with backend_of(app).sessions() as session:
        return current_statements(session, day)


def test_a_statement_holds_to_its_last_day_then_ends_by_itself(app: Flask) -> None:
    say(app, "alpha-it", MemberState.FULL, until=TODAY + 5 * DAY)
    say(app, "beta-it", MemberState.AWAY, until=TODAY + 2 * DAY, absence_reason="ill",
        deputy="alpha-it")
    full = Statement(State.FULL, TODAY, TODAY + 5 * DAY)
    away = Statement(State.AWAY, TODAY, TODAY + 2 * DAY, "alpha-it", "ill")
    assert holding(app, TODAY) == {"alpha-it": full, "beta-it": away}
    assert holding(app, TODAY + 2 * DAY) == {"alpha-it": full, "beta-it": away}
    assert holding(app, TODAY + 3 * DAY) == {"alpha-it": full}
    assert holding(app, TODAY + 6 * DAY) == {}


def test_the_newest_statement_replaces_the_earlier_ones(app: Flask) -> None:
    say(app, "alpha-it", MemberState.AWAY, until=TODAY + 20 * DAY, absence_reason="vacation")
    say(app, "alpha-it", MemberState.FULL, NOW + dt.timedelta(hours=1), until=TODAY + 3 * DAY)
    assert holding(app, TODAY + DAY) == {"alpha-it": Statement(State.FULL, TODAY,
                                                               TODAY + 3 * DAY)}
    assert holding(app, TODAY + 4 * DAY) == {}
    say(app, "alpha-it", MemberState.FULL, NOW + dt.timedelta(hours=2), until=TODAY + 9 * DAY)
    say(app, "alpha-it", MemberState.AVAILABLE, NOW + dt.timedelta(hours=3))
    assert holding(app, TODAY) == {}


def test_a_statement_may_start_later_and_counts_from_then(app: Flask) -> None:
    say(app, "alpha-it", MemberState.FULL, starts_on=TODAY + 3 * DAY, until=TODAY + 4 * DAY)
    [statement] = holding(app, TODAY).values()
    assert (statement.covers(TODAY), statement.covers(TODAY + 3 * DAY)) == (False, True)


def test_statements_long_ended_are_not_read(app: Flask) -> None:
    say(app, "alpha-it", MemberState.FULL, NOW - 200 * DAY, until=TODAY - 150 * DAY)
    say(app, "beta-it", MemberState.AVAILABLE, NOW - 200 * DAY)
    assert holding(app, TODAY - 150 * DAY) == {"alpha-it": Statement(
        State.FULL, TODAY - 200 * DAY, TODAY - 150 * DAY)}
    assert holding(app, TODAY) == {}


@pytest.mark.parametrize(
    ("state", "values", "errors"),
    [
        (MemberState.FULL, {"until": TODAY + 61 * DAY}, {"until": "Höchstens 60 Tage"}),
        (MemberState.FULL, {"until": TODAY - DAY}, {"until": "Vergangenheit"}),
        (MemberState.AWAY, {"absence_reason": "ill"}, {"until": "bis wann"}),
        (MemberState.FULL, {"until": TODAY, "starts_on": TODAY + DAY},
         {"starts_on": "Ende liegt vor dem Anfang"}),
        (MemberState.FULL, {"until": TODAY, "deputy": "beta-it", "absence_reason": "ill"},
         {"deputy": "Nur bei Abwesenheit", "absence_reason": "Nur bei Abwesenheit"}),
        (MemberState.AWAY, {"until": TODAY, "absence_reason": "bored"},
         {"absence_reason": "Antwort wählen"}),
        (MemberState.AWAY, {"until": TODAY, "absence_reason": "ill", "deputy": "gamma-it"},
         {"deputy": "Kein Mitglied des Netzwerks"}),
        (MemberState.AWAY, {"until": TODAY, "absence_reason": "ill", "deputy": "alpha-it"},
         {"deputy": "anderes Mitglied"}),
    ],
    ids=["61-days", "past", "no-date", "starts-after-end", "deputy-when-full", "bad-reason",
         "unknown-deputy", "self-deputy"],
)
def test_a_refused_statement_says_why_per_field_and_stores_nothing(
    app: Flask, state: MemberState, values: dict[str, Any], errors: dict[str, str]
) -> None:
    with pytest.raises(StatementError) as refused:
        say(app, "alpha-it", state, **values)
    assert set(refused.value.errors) == set(errors)
    for field, words in errors.items():
        [message] = refused.value.errors[field]
        assert words in message and " / " not in message  # German only, for a German member
    assert holding(app, TODAY) == {}


def test_available_needs_no_date_and_an_unknown_source_is_a_bug(app: Flask) -> None:
    say(app, "alpha-it", MemberState.AVAILABLE, until=TODAY + 3 * DAY, deputy="beta-it")
    with backend_of(app).sessions() as session, pytest.raises(ValueError, match="source"):
        record(session, "alpha-it", MemberState.FULL, until=TODAY, source="mail", link="l",
               now=NOW)


ALPHA = make_partner("alpha-it", referrals={"accepts": True, "capacity": "available"})
BETA = make_partner("beta-it", referrals={"accepts": True, "capacity": "limited"})
GAMMA = make_partner("gamma-it", referrals={"accepts": True, "capacity": "limited"})
FULL = Statement(State.FULL, TODAY, TODAY + 3 * DAY)


AWAY = Statement(State.AWAY, TODAY, TODAY + DAY, "beta-it", "ill")


# Beta and gamma are equal; the stable tie-break puts gamma first unless beta is the deputy.
@pytest.mark.parametrize(
    ("request_", "statements", "expected"),
    [
        ({}, {}, ["alpha-it", "gamma-it", "beta-it"]),
        ({}, {"alpha-it": FULL}, ["gamma-it", "beta-it"]),
        ({"needed_from": TODAY + 4 * DAY}, {"alpha-it": FULL},
         ["alpha-it", "gamma-it", "beta-it"]),
        ({"needed_from": TODAY + 3 * DAY}, {"alpha-it": FULL}, ["gamma-it", "beta-it"]),
        ({"referred_by": "alpha-it"}, {"alpha-it": AWAY}, ["beta-it", "gamma-it"]),
        ({"referred_by": "alpha-it"}, {"alpha-it": FULL}, ["gamma-it", "beta-it"]),
        ({}, {"alpha-it": AWAY}, ["gamma-it", "beta-it"]),
        ({"referred_by": "gamma-it"}, {"gamma-it": AWAY, "beta-it": FULL}, ["alpha-it"]),
    ],
    ids=["none", "full-now", "after-the-statement", "last-day-overlaps", "away-deputy-first",
         "full-names-no-deputy", "deputy-only-for-referred", "deputy-not-free"],
)
def test_routing_and_the_rule_read_statements_alike(
    request_: dict[str, Any], statements: dict[str, Statement], expected: list[str]
) -> None:
    partners = [ALPHA, BETA, GAMMA]
    crit: Criteria = criteria(**request_)
    matcher = Matcher({p.slug: p for p in partners})
    assert [c.slug for c in matcher.rank(crit, {}, TODAY, statements)] == expected
    choice = matcher.choose(crit, {}, TODAY, statements)
    assert choice is not None and choice.slug == expected[0]
    eligible = {p.slug for p in partners if is_eligible(p, crit, TODAY, statements.get(p.slug))}
    assert eligible == set(expected)
