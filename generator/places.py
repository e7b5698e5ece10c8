"""Places: where a member works and where a client needs the work, compared by postal prefix.

A member serves a client when one of the places it serves is one the client's request wants.
The router (``form_service/eligibility.py``) compares these places, and the site publishes each
member's places in ``partners.json`` (as ``place_key`` spells them) for the directory's filter,
which builds the wanted places the same way. No Flask, no MkDocs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from generator.vocabulary import postal_digits


class Place(NamedTuple):
    """A postal prefix in a country: where a member works locally, or where a client is."""

    country: str
    prefix: str


# Remote work is done for clients anywhere: one place every remote member serves.
ANYWHERE = Place("", "")


def places_served(country: str, prefixes: Iterable[str], remote: bool) -> frozenset[Place]:
    """Return the places a member serves: its prefixes in its own country, and anywhere."""
    local = {Place(country, prefix) for prefix in prefixes}
    return frozenset(local | {ANYWHERE} if remote else local)


def places_wanted(country: str, postal_code: str | None, remote: bool) -> tuple[Place, ...]:
    """Return the places that would serve a client at ``postal_code``, the loosest first."""
    digits = postal_digits(postal_code or "")
    local = tuple(Place(country, digits[:n]) for n in range(1, len(digits) + 1))
    return (ANYWHERE, *local) if remote else local


def place_key(place: Place) -> str:
    """Return ``place`` as the site spells it: ``DE:80``, or ``*`` for anywhere."""
    return "*" if place == ANYWHERE else f"{place.country}:{place.prefix}"
