"""The referral ledger, exact for a scripted history on SQLite and PostgreSQL; fairness reads it."""

from __future__ import annotations

from form_service.backend import Backend
from form_service.ledger import LedgerRow, Period, ledger, standings
from form_service.matching import Standing
from form_service.privacy import purge_due
from tests.form_service.history import EXPECTED, PERIOD, T0, D, row


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
    assert (overall["schmidt-netzwerke"].received, overall["schmidt-netzwerke"].accepted) == (7, 2)
    assert overall["schmidt-netzwerke"].response_hours == 1.7  # (1 + 2 + 4 + 0.5 + 1) / 5
    assert overall["schmidt-netzwerke"].declined_by_reason == {
        "capacity": 1, "expertise": 1, "absent": 0, "area": 1, "spam": 0}
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
            "kaya-systemhaus": Standing(load=0, given=0, received=0),
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
    assert purge_due(history, T0 + 400 * D) == 8  # all but the one erased on request
    with history.sessions() as session:
        after = ledger(session)
    # The one offer still open is withdrawn: nobody may take a client who is no longer known.
    photo = before["bildwerk-fotografie"]
    assert (photo.open, photo.withdrawn) == (1, 0)
    photo.open, photo.withdrawn = 0, 1
    assert after == before
