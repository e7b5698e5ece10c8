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


@dataclass(frozen=True, slots=True)
class Entry:
    """The parts of a profile matching needs, as plain values (fast to check many times)."""

    slug: str
    services: frozenset[str]
    languages: frozenset[str]
    accepts: bool
    capacity: str
    prefixes: tuple[str, ...]
    remote: bool
    absences: tuple[tuple[dt.date, dt.date], ...]

    @classmethod
    def of(cls, partner: Partner) -> Entry:
        """Extract the entry of ``partner``."""
        return cls(
            partner.slug,
            frozenset(partner.services),
            frozenset(partner.languages),
            partner.referrals.accepts,
            partner.referrals.capacity,
            tuple(partner.service_area.postal_prefixes),
            partner.service_area.remote,
            tuple((a.from_, a.to) for a in partner.absences),
        )


def area_match(entry: Entry, criteria: Criteria) -> int:
    """Return the length of the longest postal prefix served (0 when only remote work fits)."""
    code = criteria.postal_code
    if not code:
        return 0
    return max((len(p) for p in entry.prefixes if code.startswith(p)), default=0)


Frame = tuple[dt.date, dt.date]
Rule = Callable[[Entry, Criteria, Frame], bool]

RULES: tuple[tuple[str, Rule], ...] = (
    ("offers the service", lambda e, c, f: c.service in e.services),
    ("speaks the language", lambda e, c, f: c.language in e.languages),
    ("accepts referrals", lambda e, c, f: e.accepts),
    ("is not full", lambda e, c, f: e.capacity != "full"),
    ("is not the referring member", lambda e, c, f: e.slug != c.referred_by),
    ("was not asked before", lambda e, c, f: e.slug not in c.excluded),
    ("serves the area", lambda e, c, f: area_match(e, c) > 0 or (c.remote and e.remote)),
    ("is not absent", lambda e, c, f: not any(a <= f[1] and f[0] <= b for a, b in e.absences)),
)


def _fits(e: Entry, c: Criteria, f: Frame) -> bool:
    # The per-request part of RULES for members taken from the index (which holds only members
    # who offer the service, serve the area or work remotely, accept referrals and are not full),
    # written out because it runs for hundreds of members per request.
    return (
        c.language in e.languages
        and e.slug != c.referred_by
        and e.slug not in c.excluded
        and not any(a <= f[1] and f[0] <= b for a, b in e.absences)
    )


def is_eligible(partner: Partner, criteria: Criteria, today: dt.date) -> bool:
    """Return whether ``partner`` may be asked to take the request."""
    entry, frame = Entry.of(partner), criteria.frame(today)
    return all(rule(entry, criteria, frame) for _, rule in RULES)


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
        self.entries = {slug: Entry.of(p) for slug, p in self.partners.items()}
        # Index by (service, postal prefix) and by service for remote work, so a request only
        # looks at members who could serve it at all.
        self.local: dict[tuple[str, str], list[Entry]] = {}
        self.remote: dict[str, list[Entry]] = {}
        # Members who take no referrals or are full can never be chosen: leave them out.
        for entry in self.entries.values():
            if not (entry.accepts and entry.capacity != "full"):
                continue
            for service in entry.services:
                for prefix in set(entry.prefixes):
                    self.local.setdefault((service, prefix), []).append(entry)
                if entry.remote:
                    self.remote.setdefault(service, []).append(entry)

    def _pool(self, criteria: Criteria) -> dict[str, tuple[Entry, int]]:
        """Return the members who could serve the place, with the length of the prefix matched."""
        code = criteria.postal_code or ""
        pool: dict[str, tuple[Entry, int]] = {}
        if criteria.remote:
            for entry in self.remote.get(criteria.service, ()):
                pool[entry.slug] = (entry, 0)
        for length in range(1, len(code) + 1):  # ascending: the longest match wins
            for entry in self.local.get((criteria.service, code[:length]), ()):
                pool[entry.slug] = (entry, length)
        return pool

    def _eligible(
        self, criteria: Criteria, standings: Mapping[str, Standing], today: dt.date
    ) -> tuple[list[tuple[Entry, int]], Callable[[tuple[Entry, int]], tuple[int, ...]], str | None]:
        frame = criteria.frame(today)
        eligible = [
            item for item in self._pool(criteria).values() if _fits(item[0], criteria, frame)
        ]
        deputy = deputy_of(self.partners.get(criteria.referred_by or ""), criteria, today)
        empty = Standing()

        def key(item: tuple[Entry, int]) -> tuple[int, ...]:
            # Ranking tiers, most important first; a stable hash breaks the remaining ties.
            e, match = item
            s = standings.get(e.slug, empty)
            return (
                0 if e.slug == deputy else 1,
                -match,
                0 if e.capacity == "available" else 1,
                s.load,
                s.received - s.given,
                _tie_break(e.slug),
            )

        return eligible, key, deputy

    def rank(
        self, criteria: Criteria, standings: Mapping[str, Standing], today: dt.date
    ) -> list[Candidate]:
        """Return every eligible member, best first, each with the reason for its place."""
        eligible, key, deputy = self._eligible(criteria, standings, today)
        eligible.sort(key=key)
        empty = Standing()
        return [
            self._explain(e, criteria, standings.get(e.slug, empty), deputy) for e, _ in eligible
        ]

    def choose(
        self, criteria: Criteria, standings: Mapping[str, Standing], today: dt.date
    ) -> Candidate | None:
        """Return the best eligible member, or None when nobody fits."""
        eligible, key, deputy = self._eligible(criteria, standings, today)
        if not eligible:
            return None
        best, _ = min(eligible, key=key)
        return self._explain(best, criteria, standings.get(best.slug, Standing()), deputy)

    @staticmethod
    def _explain(e: Entry, c: Criteria, s: Standing, deputy: str | None) -> Candidate:
        parts = []
        if e.slug == deputy:
            parts.append(f"deputy named by {c.referred_by}")
        prefix = area_match(e, c)
        parts.append(
            f"serves postal prefix {c.postal_code[:prefix]}"
            if prefix and c.postal_code
            else "works remotely"
        )
        parts.append(f"capacity {e.capacity}")
        parts.append(f"{s.load} recent assignment(s), gave {s.given}, received {s.received}")
        return Candidate(e.slug, f"offers {c.service}; " + "; ".join(parts))
