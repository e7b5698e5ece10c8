"""A scripted month of referrals with exact times, the ledger's test data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from form_service.assignments import (
    answer,
    expire_due,
    remind_due,
    route_new,
    store_request,
    withdraw_by_client,
)
from form_service.backend import Backend
from form_service.declines import Decline
from form_service.followup import Answers, record_feedback
from form_service.intake import parse_submission
from form_service.ledger import LedgerRow, Period
from form_service.models import Assignment, ClientRequest, DeclineReason
from form_service.privacy import erase_client
from tests.conftest import REQUEST

T0 = dt.datetime(2026, 10, 5, 9, 0)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
PERIOD = Period(T0 - D, T0 + 30 * D)


def open_offer(backend: Backend, request_id: int) -> tuple[int, str]:
    """Return the id and the member of the request's open offer."""
    with backend.sessions() as session:
        row = session.execute(
            select(Assignment.id, Assignment.partner)
            .where(Assignment.request_id == request_id, Assignment.state == "offered")
        ).one()
    return row.id, row.partner


def request_at(backend: Backend, at: dt.datetime, **fields: Any) -> tuple[int, str]:
    """Store a request at ``at`` and route it; return its id and public id."""
    submission = parse_submission({**REQUEST, **fields}, backend.network, at.date())
    req = store_request(backend, submission, at)
    route_new(backend, at)
    return req.id, req.public_id


def script_history(backend: Backend) -> None:
    """Play a month of referrals with exact times (and one from before the month)."""
    r0, _ = request_at(backend, T0 - 40 * D, referred_by="mueller-it", reason="capacity")
    offer, member = open_offer(backend, r0)
    assert member == "schmidt-netzwerke"
    answer(backend, offer, "accept", T0 - 40 * D + H)

    # Müller IT is away: its deputy accepts after two hours; the client is very satisfied.
    r1, p1 = request_at(backend, T0, referred_by="mueller-it", reason="absence")
    offer, member = open_offer(backend, r1)
    assert member == "schmidt-netzwerke"
    answer(backend, offer, "accept", T0 + 2 * H)
    record_feedback(backend, p1, Answers(True, "yes", 5, "Prima."), T0 + 16 * D)

    # Declined after four hours, then nobody answers: the coordinator takes over.
    r2, _ = request_at(backend, T0 + D, referred_by="bauer-grafik", reason="expertise")
    offer, member = open_offer(backend, r2)
    assert member == "schmidt-netzwerke"
    answer(backend, offer, "decline", T0 + D + 4 * H, Decline(DeclineReason.AREA))
    _, member = open_offer(backend, r2)
    assert member == "mueller-it"
    expire_due(backend, T0 + D + 4 * H + 49 * H)
    with backend.sessions() as session:
        assert session.get_one(ClientRequest, r2).status == "coordinator"

    # Declined after half an hour, accepted by the next member after six hours.
    r3, p3 = request_at(backend, T0 + 2 * D)
    offer, member = open_offer(backend, r3)
    answer(backend, offer, "decline", T0 + 2 * D + H / 2, Decline(DeclineReason.CAPACITY))
    offer, member = open_offer(backend, r3)
    assert member == "mueller-it"
    answer(backend, offer, "accept", T0 + 2 * D + H / 2 + 6 * H)
    record_feedback(backend, p3, Answers(True, "ongoing", 3, None), T0 + 20 * D)

    r4, _ = request_at(backend, T0 + 3 * D, referred_by="schmidt-netzwerke", reason="capacity",
                     service="fotografie")
    assert open_offer(backend, r4)[1] == "bildwerk-fotografie"  # left open

    # Given without a reason; nobody takes legal advice.
    request_at(backend, T0 + 4 * D, referred_by="mueller-it", service="rechtsberatung",
             postal_code="70173")
    # Half the photographer's answer time has passed: they are reminded of the open offer.
    assert remind_due(backend, T0 + 4 * D + H) == 1

    # The client asks for erasure while the offer is open: it is withdrawn.
    r6, _ = request_at(backend, T0 + 5 * D, email="weg@kunde.example")
    assert open_offer(backend, r6)[1] == "schmidt-netzwerke"
    with backend.sessions() as session:
        erase_client(session, "weg@kunde.example", T0 + 5 * D + H)
        session.commit()

    # Not my expertise, then away; the third member takes it for spam: the coordinator gets it.
    r7, _ = request_at(backend, T0 + 6 * D, service="netzwerk", remote=True)
    for hours, reason, asked in ((1, DeclineReason.EXPERTISE, "schmidt-netzwerke"),
                                 (2, DeclineReason.ABSENT, "mueller-it"),
                                 (3, DeclineReason.SPAM, "kaya-systemhaus")):
        offer, member = open_offer(backend, r7)
        assert member == asked
        answer(backend, offer, "decline", T0 + 6 * D + hours * H, Decline(reason))
    with backend.sessions() as session:
        assert session.get_one(ClientRequest, r7).status == "coordinator"

    # The client withdraws the request on their status page while it is offered.
    r8, _ = request_at(backend, T0 + 7 * D, email="zurueck@kunde.example")
    assert open_offer(backend, r8)[1] == "schmidt-netzwerke"
    assert withdraw_by_client(backend, r8, T0 + 7 * D + H)


def row(partner: str, **values: Any) -> LedgerRow:
    given = {r: values.pop(f"given_{r}", 0) for r in ("capacity", "expertise", "absence")}
    declined = {r.value: values.pop(f"declined_{r}", 0) for r in DeclineReason}
    return LedgerRow(partner, given_by_reason=given, declined_by_reason=declined, **values)


EXPECTED = {
    "bauer-grafik": row("bauer-grafik", given=1, given_expertise=1),
    "bildwerk-fotografie": row("bildwerk-fotografie", received=1, open=1),
    "kaya-systemhaus": row("kaya-systemhaus", received=1, declined=1, declined_spam=1,
                           response_hours=1.0),
    "mueller-it": row("mueller-it", given=2, given_absence=1, received=3, accepted=1,
                      declined=1, declined_absent=1, timed_out=1, response_hours=3.5,
                      feedback=1, contact=1, done=0, satisfaction=3.0),
    "schmidt-netzwerke": row("schmidt-netzwerke", given=1, given_capacity=1, received=6,
                             accepted=1, declined=3, declined_capacity=1, declined_expertise=1,
                             declined_area=1, withdrawn=2, response_hours=1.88,
                             feedback=1, contact=1, done=1, satisfaction=5.0),
}
