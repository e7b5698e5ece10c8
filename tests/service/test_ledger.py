"""The referral ledger, exact for a scripted history on SQLite and PostgreSQL; fairness reads it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from form_service.backend import Backend
from form_service.followup import Answers, record_feedback
from form_service.intake import parse_submission
from form_service.ledger import LedgerRow, Period, ledger, standings
from form_service.matching import Standing
from form_service.models import Assignment, ClientRequest
from form_service.privacy import erase_client, purge_due
from form_service.routing import answer, expire_due, route_new, store_request
from partnerdir.cli import main
from tests.service.conftest import REQUEST, backend_of

T0 = dt.datetime(2026, 10, 5, 9, 0)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
PERIOD = Period(T0 - D, T0 + 30 * D)


def _offer(backend: Backend, request_id: int) -> tuple[int, str]:
    with backend.sessions() as session:
        row = session.execute(
            select(Assignment.id, Assignment.partner)
            .where(Assignment.request_id == request_id, Assignment.state == "offered")
        ).one()
    return row.id, row.partner


def _request(backend: Backend, at: dt.datetime, **fields: Any) -> tuple[int, str]:
    """Store a request at ``at`` and route it; return its id and public id."""
    submission = parse_submission({**REQUEST, **fields}, backend.network, at.date())
    req = store_request(backend, submission, at)
    route_new(backend, at)
    return req.id, req.public_id


def script_history(backend: Backend) -> None:
    """Play a month of referrals with exact times (and one from before the month)."""
    r0, _ = _request(backend, T0 - 40 * D, referred_by="mueller-it", reason="capacity")
    offer, member = _offer(backend, r0)
    assert member == "schmidt-netzwerke"
    answer(backend, offer, "accept", T0 - 40 * D + H)

    # Müller IT is away: its deputy accepts after two hours; the client is very satisfied.
    r1, p1 = _request(backend, T0, referred_by="mueller-it", reason="absence")
    offer, member = _offer(backend, r1)
    assert member == "schmidt-netzwerke"
    answer(backend, offer, "accept", T0 + 2 * H)
    record_feedback(backend, p1, Answers(True, "yes", 5, "Prima."), T0 + 16 * D)

    # Declined after four hours, then nobody answers: the coordinator takes over.
    r2, _ = _request(backend, T0 + D, referred_by="bauer-grafik", reason="expertise")
    offer, member = _offer(backend, r2)
    assert member == "schmidt-netzwerke"
    answer(backend, offer, "decline", T0 + D + 4 * H)
    _, member = _offer(backend, r2)
    assert member == "mueller-it"
    expire_due(backend, T0 + D + 4 * H + 49 * H)
    with backend.sessions() as session:
        assert session.get_one(ClientRequest, r2).status == "coordinator"

    # Declined after half an hour, accepted by the next member after six hours.
    r3, p3 = _request(backend, T0 + 2 * D)
    offer, member = _offer(backend, r3)
    answer(backend, offer, "decline", T0 + 2 * D + H / 2)
    offer, member = _offer(backend, r3)
    assert member == "mueller-it"
    answer(backend, offer, "accept", T0 + 2 * D + H / 2 + 6 * H)
    record_feedback(backend, p3, Answers(True, "ongoing", 3, None), T0 + 20 * D)

    r4, _ = _request(backend, T0 + 3 * D, referred_by="schmidt-netzwerke", reason="capacity",
                     service="fotografie")
    assert _offer(backend, r4)[1] == "bildwerk-fotografie"  # left open

    # Given without a reason; nobody takes legal advice.
    _request(backend, T0 + 4 * D, referred_by="mueller-it", service="rechtsberatung",
             postal_code="70173")

    # The client asks for erasure while the offer is open: it is withdrawn.
    r6, _ = _request(backend, T0 + 5 * D, email="weg@kunde.example")
    assert _offer(backend, r6)[1] == "schmidt-netzwerke"
    with backend.sessions() as session:
        erase_client(session, "weg@kunde.example", T0 + 5 * D + H)
        session.commit()


def row(partner: str, **values: Any) -> LedgerRow:
    reasons = {r: values.pop(f"given_{r}", 0) for r in ("capacity", "expertise", "absence")}
    return LedgerRow(partner, given_by_reason=reasons, **values)


EXPECTED = {
    "bauer-grafik": row("bauer-grafik", given=1, given_expertise=1),
    "bildwerk-fotografie": row("bildwerk-fotografie", received=1, open=1),
    "mueller-it": row("mueller-it", given=2, given_absence=1, received=2, accepted=1,
                      timed_out=1, response_hours=6.0, feedback=1, contact=1, done=0,
                      satisfaction=3.0),
    "schmidt-netzwerke": row("schmidt-netzwerke", given=1, given_capacity=1, received=4,
                             accepted=1, declined=2, withdrawn=1, response_hours=2.17,
                             feedback=1, contact=1, done=1, satisfaction=5.0),
}


@pytest.fixture
def history(app: Flask) -> Backend:
    backend = backend_of(app)
    script_history(backend)
    return backend


def test_ledger_is_exact_for_the_period(history: Backend) -> None:
    with history.sessions() as session:
        assert ledger(session, PERIOD) == EXPECTED
        everyone = ledger(session, PERIOD, history.network.partners)
    assert {slug: r for slug, r in everyone.items() if r != LedgerRow(slug)} == EXPECTED
    assert len(everyone) == len(history.network.partners)
    assert EXPECTED["mueller-it"].balance == -1
    assert EXPECTED["schmidt-netzwerke"].balance == 0


def test_ledger_over_all_time_includes_the_earlier_referral(history: Backend) -> None:
    with history.sessions() as session:
        overall = ledger(session)
        before = ledger(session, Period(until=T0 - D))
    assert overall["mueller-it"].given == 3
    assert overall["mueller-it"].given_by_reason == {"capacity": 1, "expertise": 0, "absence": 1}
    assert (overall["schmidt-netzwerke"].received, overall["schmidt-netzwerke"].accepted) == (5, 2)
    assert overall["schmidt-netzwerke"].response_hours == 1.88  # (1 + 2 + 4 + 0.5) / 4
    assert before == {
        "mueller-it": row("mueller-it", given=1, given_capacity=1),
        "schmidt-netzwerke": row("schmidt-netzwerke", received=1, accepted=1,
                                 response_hours=1.0),
    }


def test_fairness_reads_the_ledger(history: Backend) -> None:
    with history.sessions() as session:
        assert standings(session, T0 + 6 * D) == {
            "bauer-grafik": Standing(load=0, given=1, received=0),
            "bildwerk-fotografie": Standing(load=1, given=0, received=0),
            "mueller-it": Standing(load=1, given=3, received=1),
            "schmidt-netzwerke": Standing(load=1, given=1, received=2),
        }
        # Thirty days on, nothing is recent any more; the balance stays.
        later = standings(session, T0 + 40 * D)
    assert later["schmidt-netzwerke"] == Standing(load=0, given=1, received=2)
    assert later["bildwerk-fotografie"] == Standing(load=0, given=0, received=0)


def test_erasure_keeps_the_counts(history: Backend) -> None:
    with history.sessions() as session:
        before = ledger(session)
    assert purge_due(history, T0 + 400 * D) == 6  # all but the one erased on request
    with history.sessions() as session:
        after = ledger(session)
    # The one offer still open is withdrawn: nobody may take a client who is no longer known.
    photo = before["bildwerk-fotografie"]
    assert (photo.open, photo.withdrawn) == (1, 0)
    photo.open, photo.withdrawn = 0, 1
    assert after == before


def invoke(history: Backend, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("PARTNERDIR_DATABASE_URL", history.settings.database_url)
    result = CliRunner().invoke(main, ["--root", str(history.settings.root), "ledger", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


PERIOD_ARGS = ("--from", "2026-10-04", "--to", "2026-11-03")


def test_ledger_command_as_json(history: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(invoke(history, monkeypatch, *PERIOD_ARGS, "--format", "json"))
    assert (data["from"], data["to"]) == ("2026-10-04", "2026-11-03")
    members = {m["partner"]: m for m in data["members"]}
    assert len(members) == len(history.network.partners)
    for slug, expected in EXPECTED.items():
        assert members[slug] == expected.as_dict()
    assert members["mueller-it"]["given_absence"] == 1 and members["mueller-it"]["balance"] == -1
    assert members["kaya-systemhaus"]["received"] == 0


def test_ledger_command_as_csv(history: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = {r["partner"]: r for r in csv.DictReader(io.StringIO(
        invoke(history, monkeypatch, *PERIOD_ARGS, "--format", "csv")))}
    assert rows["schmidt-netzwerke"]["declined"] == "2"
    assert rows["schmidt-netzwerke"]["response_hours"] == "2.17"
    assert rows["bildwerk-fotografie"]["response_hours"] == ""
    assert rows["mueller-it"]["timed_out"] == "1"


def test_ledger_command_as_table(history: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = invoke(history, monkeypatch, *PERIOD_ARGS).splitlines()
    assert lines[0] == "Referral ledger from 2026-10-04 to 2026-11-03 (UTC)"
    assert lines[2].split()[:3] == ["member", "given", "capacity"]
    cells = {line.split()[0]: line.split() for line in lines[3:]}
    # member given capacity expertise absence received accepted declined timed-out open
    # withdrawn response-h feedback contact done satisfaction balance
    assert cells["schmidt-netzwerke"] == ["schmidt-netzwerke", "1", "1", "0", "0", "4", "1", "2",
                                          "0", "0", "1", "2.17", "1", "1", "1", "5.00", "0"]
    assert cells["total"][:7] == ["total", "4", "1", "1", "1", "7", "2"]
    everything = invoke(history, monkeypatch).splitlines()
    assert everything[0] == "Referral ledger from the beginning to today (UTC)"
    assert {line.split()[0]: line.split() for line in everything[3:]}["mueller-it"][1] == "3"


def test_ledger_command_refuses_a_reversed_period(history: Backend,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERDIR_DATABASE_URL", history.settings.database_url)
    result = CliRunner().invoke(main, ["--root", str(history.settings.root), "ledger",
                                       "--from", "2026-11-01", "--to", "2026-10-01"])
    assert result.exit_code == 2 and "--to is before --from" in result.output
