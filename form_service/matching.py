"""Pick the member who takes a request: eligibility rules and fair ranking, as pure functions.

No Flask and no database here: the caller passes partners, the request's criteria, each member's
standing from the ledger and today's date, so results are exact and testable.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from generator.model import Partner

# Without a time frame the request is taken to be about the next two weeks.
DEFAULT_FRAME = dt.timedelta(days=14)


@dataclass(frozen=True)
class Criteria:
    """What the client asked for, and who must not be asked."""

    service: str
    postal_code: str | None
    remote: bool
    language: str
    needed_from: dt.date | None = None
    needed_until: dt.date | None = None
    referred_by: str | None = None
    excluded: frozenset[str] = field(default_factory=frozenset)

    def frame(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """Return the period the work is needed in."""
        start = self.needed_from or today
        return start, self.needed_until or max(start, today) + DEFAULT_FRAME


@dataclass(frozen=True)
class Standing:
    """A member's recent numbers from the ledger, for fairness."""

    load: int = 0
    given: int = 0
    received: int = 0


@dataclass(frozen=True)
class Candidate:
    """An eligible member and why they were ranked where they are."""

    slug: str
    reason: str


Rule = Callable[[Partner, Criteria, tuple[dt.date, dt.date]], bool]


def area_match(partner: Partner, criteria: Criteria) -> int:
    """Return the length of the longest postal prefix served (0 when only remote work fits)."""
    if criteria.postal_code:
        best = max(
            (
                len(p)
                for p in partner.service_area.postal_prefixes
                if criteria.postal_code.startswith(p)
            ),
            default=0,
        )
        if best:
            return best
    return 0


RULES: tuple[tuple[str, Rule], ...] = (
    ("offers the service", lambda p, c, f: c.service in p.services),
    ("speaks the language", lambda p, c, f: c.language in p.languages),
    ("accepts referrals", lambda p, c, f: p.referrals.accepts),
    ("is not full", lambda p, c, f: p.referrals.capacity != "full"),
    ("is not the referring member", lambda p, c, f: p.slug != c.referred_by),
    ("was not asked before", lambda p, c, f: p.slug not in c.excluded),
    (
        "serves the area",
        lambda p, c, f: area_match(p, c) > 0 or (c.remote and p.service_area.remote),
    ),
    ("is not absent", lambda p, c, f: not p.absent_during(*f)),
)


def is_eligible(partner: Partner, criteria: Criteria, today: dt.date) -> bool:
    """Return whether ``partner`` may be asked to take the request."""
    frame = criteria.frame(today)
    return all(rule(partner, criteria, frame) for _, rule in RULES)


def deputy_of(referrer: Partner | None, criteria: Criteria, today: dt.date) -> str | None:
    """Return the deputy named by the referring member for the request's time frame."""
    if referrer is None:
        return None
    start, end = criteria.frame(today)
    covering = [a for a in referrer.absences if a.deputy and a.overlaps(start, end)]
    if covering:
        return covering[0].deputy
    upcoming = referrer.next_absence(today)
    return upcoming.deputy if upcoming else None


def _tie_break(slug: str) -> int:
    # A stable hash spreads ties across members instead of always favouring early slugs.
    return zlib.crc32(slug.encode("utf-8"))


class Matcher:
    """Rank members for requests; build once per set of profiles, use for many requests."""

    def __init__(self, partners: Mapping[str, Partner]) -> None:
        self.partners = dict(partners)
        self.by_service: dict[str, list[Partner]] = {}
        for partner in self.partners.values():
            for service in partner.services:
                self.by_service.setdefault(service, []).append(partner)

    def rank(
        self, criteria: Criteria, standings: Mapping[str, Standing], today: dt.date
    ) -> list[Candidate]:
        """Return every eligible member, best first, each with the reason for its place."""
        frame = criteria.frame(today)
        eligible = [
            p
            for p in self.by_service.get(criteria.service, ())
            if all(rule(p, criteria, frame) for _, rule in RULES)
        ]
        deputy = deputy_of(self.partners.get(criteria.referred_by or ""), criteria, today)
        empty = Standing()

        def key(p: Partner) -> tuple[int, int, int, int, int, int, str]:
            s = standings.get(p.slug, empty)
            return (
                0 if p.slug == deputy else 1,
                -area_match(p, criteria),
                0 if p.referrals.capacity == "available" else 1,
                s.load,
                -(s.given - s.received),
                _tie_break(p.slug),
                p.slug,
            )

        eligible.sort(key=key)
        return [self._explain(p, criteria, standings.get(p.slug, empty), deputy) for p in eligible]

    def choose(
        self, criteria: Criteria, standings: Mapping[str, Standing], today: dt.date
    ) -> Candidate | None:
        """Return the best eligible member, or None when nobody fits."""
        ranked = self.rank(criteria, standings, today)
        return ranked[0] if ranked else None

    @staticmethod
    def _explain(p: Partner, c: Criteria, s: Standing, deputy: str | None) -> Candidate:
        parts = []
        if p.slug == deputy:
            parts.append(f"deputy named by {c.referred_by}")
        prefix = area_match(p, c)
        parts.append(
            f"serves postal prefix {c.postal_code[:prefix]}"
            if prefix and c.postal_code
            else "works remotely"
        )
        parts.append(f"capacity {p.referrals.capacity}")
        parts.append(f"{s.load} recent assignment(s), gave {s.given}, received {s.received}")
        return Candidate(p.slug, f"offers {c.service}; " + "; ".join(parts))
