"""Who may be asked to take a request: each eligibility rule written once, as data.

Rules are tagged by what they depend on: the member alone (members who fail it never enter the
matcher's index), a key member and request must share (the index is built from these keys and
looked up by them), or the request's details (checked for each member the index finds).
``is_eligible`` applies the very same rules one by one. No Flask and no database here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from generator.availability import DEFAULT_FRAME, Statement
from generator.model import Partner
from generator.places import ANYWHERE, Place, places_served
from generator.places import places_wanted as places_at


@dataclass(frozen=True)
class Criteria:
    """What the client asked for, and who must not be asked."""

    service: str
    postal_code: str | None
    remote: bool
    language: str
    country: str = "DE"
    needed_from: dt.date | None = None
    needed_until: dt.date | None = None
    referred_by: str | None = None
    excluded: frozenset[str] = field(default_factory=frozenset)
    # Members who recently declined a request for this service as not their expertise.
    unfit: frozenset[str] = field(default_factory=frozenset)

    def frame(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """Return the period the work is needed in."""
        start = self.needed_from or today
        return start, self.needed_until or max(start, today) + DEFAULT_FRAME


Frame = tuple[dt.date, dt.date]


@dataclass(frozen=True, slots=True)
class Entry:
    """The parts of a profile matching needs, as plain values (fast to check many times)."""

    slug: str
    services: frozenset[str]
    languages: frozenset[str]
    accepts: bool
    capacity: str
    places: frozenset[Place]
    # Periods the member takes no request in: the profile's absences, then a current statement.
    absences: tuple[tuple[dt.date, dt.date], ...]

    @classmethod
    def of(cls, partner: Partner) -> Entry:
        """Extract the entry of ``partner``."""
        area = partner.service_area
        return cls(
            partner.slug,
            frozenset(partner.services),
            frozenset(partner.languages),
            partner.referrals.accepts,
            partner.referrals.capacity,
            places_served(partner.location.country, area.postal_prefixes, area.remote),
            tuple((a.from_, a.to) for a in partner.absences),
        )

    def stating(self, statement: Statement | None) -> Entry:
        """Return the entry with the period of the member's statement (full or away) blocked."""
        if statement is None:
            return self
        return replace(self, absences=(*self.absences, (statement.starts_on, statement.until)))


def places_wanted(criteria: Criteria) -> tuple[Place, ...]:
    """Return the places that would serve the request, the loosest first."""
    return places_at(criteria.country, criteria.postal_code, criteria.remote)


def closest_place(entry: Entry, criteria: Criteria) -> Place:
    """Return the most specific place at which the member serves the request."""
    shared = entry.places.intersection(places_wanted(criteria))
    return max(shared, key=lambda place: len(place.prefix), default=ANYWHERE)


class Rule(Protocol):
    """One condition a member must meet to be asked, with the reason it is there."""

    @property
    def reason(self) -> str:
        """What a member who meets the rule does, e.g. "speaks the language"."""

    def holds(self, entry: Entry, criteria: Criteria, frame: Frame) -> bool:
        """Return whether the member meets the rule for the request."""


@dataclass(frozen=True)
class MemberRule:
    """A rule on the member alone: members who fail it never enter the index."""

    reason: str
    test: Callable[[Entry], bool]

    def holds(self, entry: Entry, criteria: Criteria, frame: Frame) -> bool:
        """Return whether the member meets the rule."""
        return self.test(entry)


@dataclass(frozen=True)
class KeyRule:
    """A rule met when the member offers a key the request wants; the index is keyed by these."""

    reason: str
    offered: Callable[[Entry], frozenset[Hashable]]
    wanted: Callable[[Criteria], Sequence[Hashable]]
    """The keys that would fit the request, the loosest match first."""

    def holds(self, entry: Entry, criteria: Criteria, frame: Frame) -> bool:
        """Return whether the member offers one of the keys the request wants."""
        return not self.offered(entry).isdisjoint(self.wanted(criteria))


@dataclass(frozen=True)
class RequestRule:
    """A rule on the request's details, checked for every member the index finds."""

    reason: str
    test: Callable[[Entry, Criteria, Frame], bool]

    def holds(self, entry: Entry, criteria: Criteria, frame: Frame) -> bool:
        """Return whether the member meets the rule for the request."""
        return self.test(entry, criteria, frame)


def _present(e: Entry, c: Criteria, f: Frame) -> bool:
    # Most members have no absences: say so before building a generator for each of them.
    return not e.absences or not any(a <= f[1] and f[0] <= b for a, b in e.absences)


MEMBER_RULES: tuple[MemberRule, ...] = (
    MemberRule("accepts referrals", lambda e: e.accepts),
    MemberRule("is not full", lambda e: e.capacity != "full"),
)
# The place comes last: keys are looked up in order, so a member is found at its closest place.
KEY_RULES: tuple[KeyRule, ...] = (
    KeyRule("offers the service", lambda e: e.services, lambda c: (c.service,)),
    KeyRule("speaks the language", lambda e: e.languages, lambda c: (c.language,)),
    KeyRule("serves the area", lambda e: e.places, places_wanted),
)
REQUEST_RULES: tuple[RequestRule, ...] = (
    RequestRule("is not the referring member", lambda e, c, f: e.slug != c.referred_by),
    RequestRule("was not asked before", lambda e, c, f: e.slug not in c.excluded),
    RequestRule("has not lately called the service outside their expertise",
                lambda e, c, f: e.slug not in c.unfit),
    RequestRule("is neither absent nor fully booked then", _present),
)
RULES: tuple[Rule, ...] = (*KEY_RULES, *MEMBER_RULES, *REQUEST_RULES)


def is_eligible(
    partner: Partner, criteria: Criteria, today: dt.date, statement: Statement | None = None
) -> bool:
    """Return whether ``partner``, having said ``statement`` (if any), may take the request."""
    entry, frame = Entry.of(partner).stating(statement), criteria.frame(today)
    return all(rule.holds(entry, criteria, frame) for rule in RULES)
