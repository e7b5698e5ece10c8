"""The statistics' figures from the ledger: exact where there are enough cases, withheld below."""

from __future__ import annotations

from typing import Any

from flask import Flask

from form_service.assignments import answer
from form_service.backend import Backend
from form_service.followup import Answers, record_feedback
from form_service.statistics import MINIMUM, figures
from tests.conftest import backend_of
from tests.form_service.history import T0, D, H, open_offer, request_at


def numbers(value: Any) -> list[int | float]:
    """Return every number in ``value`` but the settings the file names (minimum, cases)."""
    if isinstance(value, dict):
        return [n for key, item in value.items() if key != "minimum" for n in numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers(item)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def test_no_count_under_five_leaves_the_database(history: Backend) -> None:
    with history.sessions() as session:
        data = figures(session, history.network, (T0 + 40 * D).date())
    counts = [n for n in numbers(data) if isinstance(n, int)]
    assert counts and all(n >= MINIMUM for n in counts)
    # The scripted month has fewer than five accepts: neither the median nor a rate is shown.
    assert data["hours_to_accept"] == {"value": None, "cases": None}
    assert data["worked_out"] == {"value": None, "cases": None}
    october = next(m for m in data["months"] if m["month"] == "2026-10")
    assert october["requests"] is not None and october["requests"] >= MINIMUM


def test_figures_are_exact_from_five_cases_on(app: Flask) -> None:
    backend = backend_of(app)
    for i in range(6):
        request_id, public_id = request_at(backend, T0 + i * D)
        offer, _ = open_offer(backend, request_id)
        answer(backend, offer, "accept", T0 + i * D + (i + 1) * H)
        if i < 5:
            record_feedback(backend, public_id, Answers(True, "yes" if i else "no", 4, ""),
                            T0 + 20 * D)
    with backend.sessions() as session:
        data = figures(session, backend.network, (T0 + 30 * D).date())
    assert data["hours_to_accept"] == {"value": 3.5, "cases": 6}
    assert data["acceptance"] == {"value": 1.0, "cases": 6}
    assert data["worked_out"] == {"value": 0.8, "cases": 5}
    assert data["months"] == [
        {"month": "2026-10", "requests": 6, "referred": None, "accepted": 6}]
