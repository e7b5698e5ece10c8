"""The network's figures for its statistics page, from the ledger and the profiles.

Members per service and region, requests and referrals per month, how many offers were
accepted, how fast, and how many clients said it worked out. A figure counted from fewer than
``MINIMUM`` cases is written as ``None`` ("fewer than 5"): with so few cases a reader could tell
who a figure is about. The page checks that rule again, so a hand-edited file cannot break it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from form_service.ledger import ledger
from form_service.models import Assignment, AssignmentState, ClientRequest
from generator.loader import Network

MINIMUM = 5
"""The fewest cases a figure may come from."""


def count(n: int) -> int | None:
    """Return ``n``, or None when it counts fewer than ``MINIMUM`` cases."""
    return n if n >= MINIMUM else None


def share(part: int, cases: int) -> dict[str, Any]:
    """Return ``part`` of ``cases`` as a rate, withheld when there are too few cases."""
    return {"value": round(part / cases, 3) if cases >= MINIMUM else None,
            "cases": count(cases)}


def region(postal_code: str, country: str) -> str:
    """Return the region of a postal code: its country and first digit (DE 8 …)."""
    return f"{country} {postal_code[:1]}"


def members(network: Network) -> dict[str, Any]:
    """Return the number of members per service and per region."""
    services = Counter(sid for p in network.partners.values() for sid in p.services)
    regions = Counter(region(p.location.postal_code, p.location.country)
                      for p in network.partners.values())
    return {"total": count(len(network.partners)),
            "by_service": {s.id: count(services[s.id]) for s in network.settings.services},
            "by_region": {key: count(n) for key, n in sorted(regions.items())}}


def months(session: Session) -> list[dict[str, Any]]:
    """Return per month the requests received, those passed on by members, and accepted."""
    received: Counter[str] = Counter()
    referred: Counter[str] = Counter()
    for created, referred_by in session.execute(
            select(ClientRequest.created_at, ClientRequest.referred_by)):
        received[f"{created:%Y-%m}"] += 1
        if referred_by:
            referred[f"{created:%Y-%m}"] += 1
    accepted = Counter(f"{answered:%Y-%m}" for answered in session.scalars(
        select(Assignment.answered_at).where(Assignment.state == AssignmentState.ACCEPTED,
                                             Assignment.answered_at.is_not(None))))
    return [{"month": month, "requests": count(received[month]),
             "referred": count(referred[month]), "accepted": count(accepted[month])}
            for month in sorted(set(received) | set(accepted))]


def hours_to_accept(session: Session) -> dict[str, Any]:
    """Return the median hours from offer to accept, withheld under ``MINIMUM`` accepts."""
    rows = session.execute(select(Assignment.offered_at, Assignment.answered_at).where(
        Assignment.state == AssignmentState.ACCEPTED, Assignment.answered_at.is_not(None)))
    spans = [(answered - offered).total_seconds() / 3600 for offered, answered in rows
             if answered is not None]
    value = round(statistics.median(spans), 1) if len(spans) >= MINIMUM else None
    return {"value": value, "cases": count(len(spans))}


def figures(session: Session, network: Network, today: dt.date) -> dict[str, Any]:
    """Return every figure of the statistics page, small groups withheld."""
    rows = ledger(session).values()
    accepted = sum(row.accepted for row in rows)
    answered = accepted + sum(row.declined + row.timed_out for row in rows)
    return {
        "generated": today.isoformat(),
        "minimum": MINIMUM,
        "members": members(network),
        "months": months(session),
        "acceptance": share(accepted, answered),
        "hours_to_accept": hours_to_accept(session),
        "worked_out": share(sum(row.done for row in rows), sum(row.feedback for row in rows)),
    }
