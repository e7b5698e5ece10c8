"""Why a member was offered a request, in plain words for the offer mail.

The matcher records a technical reason with the assignment (for the coordinator's audit); the
member reads a sentence built from the request and their profile instead: the service they
offer, where they work, and whether the referring member named them as deputy.
"""

from __future__ import annotations

from typing import Protocol

from form_service.eligibility import Criteria, Entry, closest_place
from form_service.matching import DEPUTY_NOTE
from form_service.strings import text
from generator.model import Partner


class Asked(Protocol):
    """The parts of a stored request the explanation reads."""

    service: str
    postal_code: str | None
    remote: bool
    language: str
    country: str
    referred_by: str | None


def why_offered(req: Asked, partner: Partner, recorded: str | None, service: str, lang: str,
                referrer: str | None = None) -> str:
    """Return why ``partner`` was offered ``req``: "Sie bieten Steuerberatung an und …"."""
    criteria = Criteria(service=req.service, postal_code=req.postal_code, remote=req.remote,
                        language=req.language, country=req.country)
    place = closest_place(Entry.of(partner), criteria)
    if place.prefix and req.postal_code:
        sentence = text("why_area", lang, service=service, postal_code=req.postal_code)
    elif partner.service_area.remote and req.remote:
        sentence = text("why_remote", lang, service=service)
    else:
        sentence = text("why_service", lang, service=service)
    if req.referred_by and f"{DEPUTY_NOTE} " in (recorded or ""):
        sentence = text("why_deputy", lang, member=referrer or req.referred_by) + " " + sentence
    return sentence
