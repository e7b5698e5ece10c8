"""Pick the member who takes a request: an index over the eligibility rules, fair ranking.

No Flask and no database here: the caller passes partners, the request's criteria, each member's
standing from the ledger, what members currently say about their availability (statements) and
today's date, so results are exact and testable.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from itertools import product

from form_service.eligibility import (
    KEY_RULES,
    MEMBER_RULES,
    REQUEST_RULES,
    Criteria,
    Entry,
    closest_place,
)
from generator.availability import State, Statement
from generator.model import Partner


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


def deputy_of(
    referrer: Partner | None, criteria: Criteria, today: dt.date,
    statement: Statement | None = None,
) -> str | None:
    """Return the deputy named by the referring member for the request's time frame."""
    if referrer is None:
        return None
    # Saying "away, my deputy is …" is newer than any profile: it names the deputy first.
    if statement is not None and statement.state is State.AWAY and statement.deputy:
        return statement.deputy
    start, end = criteria.frame(today)
    covering = [a for a in referrer.absences if a.deputy and a.overlaps(start, end)]
    if covering:
        return covering[0].deputy
    upcoming = referrer.next_absence(today)
    return upcoming.deputy if upcoming else None


def _tie_break(slug: str) -> int:
    # A stable hash spreads ties across members instead of always favouring early slugs.
    return zlib.crc32(slug.encode("utf-8"))


NO_STATEMENTS: Mapping[str, Statement] = {}

DEPUTY_NOTE = "deputy named by"
"""How a recorded reason says the referring member named the chosen one as their deputy."""


class Matcher:
    """Rank members for requests; build once per set of profiles, use for many requests.

    Statements change far more often than profiles, so they are applied to each request
    rather than built into the index.
    """

    def __init__(self, partners: Mapping[str, Partner]) -> None:
        self.partners = dict(partners)
        self.entries = {slug: Entry.of(p) for slug, p in self.partners.items()}
        # One list per combination of keys, so a request only looks at members who meet every
        # key rule; members failing a member rule can never be chosen and are left out.
        self.index: dict[tuple[Hashable, ...], list[Entry]] = {}
        for entry in self.entries.values():
            if all(rule.test(entry) for rule in MEMBER_RULES):
                for key in product(*(rule.offered(entry) for rule in KEY_RULES)):
                    self.index.setdefault(key, []).append(entry)

    def _pool(
        self, criteria: Criteria, statements: Mapping[str, Statement]
    ) -> dict[str, tuple[Entry, int]]:
        """Return the members meeting every key rule, with how close a key they were found by."""
        pool: dict[str, tuple[Entry, int]] = {}
        keys = product(*(rule.wanted(criteria) for rule in KEY_RULES))
        for closeness, key in enumerate(keys):  # loosest first: the closest key wins
            for entry in self.index.get(key, ()):
                pool[entry.slug] = (entry, closeness)
        # Statements are applied here rather than in the index, looking up the smaller side.
        shared = ([slug for slug in pool if slug in statements] if len(pool) < len(statements)
                  else [slug for slug in statements if slug in pool])
        for slug in shared:
            entry, closeness = pool[slug]
            pool[slug] = (entry.stating(statements[slug]), closeness)
        return pool

    def _eligible(
        self, criteria: Criteria, standings: Mapping[str, Standing], today: dt.date,
        statements: Mapping[str, Statement],
    ) -> tuple[list[tuple[Entry, int]], Callable[[tuple[Entry, int]], tuple[int, ...]], str | None]:
        frame = criteria.frame(today)
        eligible = list(self._pool(criteria, statements).values())
        for rule in REQUEST_RULES:
            test = rule.test
            eligible = [item for item in eligible if test(item[0], criteria, frame)]
        referrer = criteria.referred_by or ""
        deputy = deputy_of(self.partners.get(referrer), criteria, today, statements.get(referrer))
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
        self, criteria: Criteria, standings: Mapping[str, Standing], today: dt.date,
        statements: Mapping[str, Statement] = NO_STATEMENTS,
    ) -> list[Candidate]:
        """Return every eligible member, best first, each with the reason for its place."""
        eligible, key, deputy = self._eligible(criteria, standings, today, statements)
        eligible.sort(key=key)
        empty = Standing()
        return [
            self._explain(e, criteria, standings.get(e.slug, empty), deputy) for e, _ in eligible
        ]

    def choose(
        self, criteria: Criteria, standings: Mapping[str, Standing], today: dt.date,
        statements: Mapping[str, Statement] = NO_STATEMENTS,
    ) -> Candidate | None:
        """Return the best eligible member, or None when nobody fits."""
        eligible, key, deputy = self._eligible(criteria, standings, today, statements)
        if not eligible:
            return None
        best, _ = min(eligible, key=key)
        return self._explain(best, criteria, standings.get(best.slug, Standing()), deputy)

    @staticmethod
    def _explain(e: Entry, c: Criteria, s: Standing, deputy: str | None) -> Candidate:
        parts = []
        if e.slug == deputy:
            parts.append(f"{DEPUTY_NOTE} {c.referred_by}")
        place = closest_place(e, c)
        parts.append(f"serves postal prefix {place.prefix}" if place.prefix else "works remotely")
        parts.append(f"capacity {e.capacity}")
        parts.append(f"{s.load} recent assignment(s), gave {s.given}, received {s.received}")
        return Candidate(e.slug, f"offers {c.service}; " + "; ".join(parts))
