"""A member's availability on a day: the profile, overlaid by what the member said since.

One rule for the site (build time and live), the availability document of the service and the
router. No MkDocs, no Flask, no database: a statement arrives here as plain values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from generator.model import Partner

DEFAULT_FRAME = dt.timedelta(days=14)
"""Without a time frame a request is taken to be about the next two weeks (router and site)."""


class State(StrEnum):
    """What a client sees on a member's badge."""

    AVAILABLE = "available"
    LIMITED = "limited"
    FULL = "full"
    CLOSED = "closed"  # takes no referred clients at all
    AWAY = "away"


@dataclass(frozen=True)
class Statement:
    """What a member said on their member page (or when declining): full or away for a while."""

    state: State  # FULL or AWAY
    starts_on: dt.date
    until: dt.date
    deputy: str | None = None
    reason: str | None = None  # for AWAY: "ill" or "vacation"

    def covers(self, day: dt.date) -> bool:
        """Return whether the statement holds on ``day``."""
        return self.starts_on <= day <= self.until

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """Return whether the statement holds on some day from ``start`` to ``end``."""
        return self.starts_on <= end and start <= self.until


@dataclass(frozen=True)
class Availability:
    """A member's state on a day, until when it lasts (when known), and who stands in."""

    state: State
    until: dt.date | None = None
    deputy: str | None = None


def availability(
    partner: Partner, day: dt.date, statement: Statement | None = None
) -> Availability:
    """Return the availability of ``partner`` on ``day``; a current statement wins."""
    if statement is not None and statement.covers(day):
        return Availability(statement.state, statement.until, statement.deputy)
    absence = partner.absence_on(day)
    if absence is not None:
        return Availability(State.AWAY, absence.to, absence.deputy)
    if not partner.referrals.accepts:
        return Availability(State.CLOSED)
    return Availability(State(partner.referrals.capacity))
