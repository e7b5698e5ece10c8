"""A commented starting profile for a new member (``partnerdir new SLUG``), and its placeholders.

Every text the member must write is a placeholder in angle brackets, such as ``<Ort>``:
``partnerdir validate`` refuses a profile while one is left, naming each, so that no template
text is ever published.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from generator.errors import Problem
from generator.model import SLUG_PATTERN, NetworkSettings
from generator.schema import SCHEMA_LINE
from generator.yamlsource import Document, dotted

TEMPLATE = """\
{schema_line}
# Profile of one network member. Every field is explained in the member guide;
# your editor completes and checks fields through the schema named above.
# Replace every <placeholder> with your own words: 'partnerdir validate' names each one left.

# Business name as clients know it.
name: {name}
# Accounts allowed to change this file.
maintainers: [{maintainer}]
# One line under the name.
tagline: "<Ein Satz: was Sie für Ihre Kunden tun>"
# A few sentences in Markdown (no HTML).
description: |
  <Beschreiben Sie Ihren Betrieb in zwei, drei Sätzen.>
# What a client gains, written from the client's point of view, e.g.
# "Sie bekommen innerhalb eines Werktags eine verbindliche Rückmeldung."
benefits:
  - "<Was Ihre Kunden bei Ihnen gewinnen>"
# Ids from the network's service catalogue: {service_ids}
services: ["<Leistung aus der Liste oben>"]
# Languages you serve clients in (ISO 639-1 codes).
languages: [de]
# Where the business is; postal codes in quotes. The country is an ISO code such as DE.
location: {{postal_code: "<PLZ>", city: "<Ort>", country: DE}}
# Leading digits of the postal codes you serve (in quotes, e.g. "80"), and whether work can
# be done remotely (true or false).
service_area: {{postal_prefixes: ["<PLZ-Anfang>"], remote: false}}
# Shown on your public page. Phone (e.g. "+49 89 1234567") and website are optional:
# delete what you do not want shown.
contact:
  email: "<E-Mail-Adresse>"
  phone: "<Telefonnummer>"
  website: "<https://Ihre-Website>"
# Whether you take referred clients now: capacity is available, limited or full.
referrals: {{accepts: true, capacity: available}}
# Times you are away, with the colleague (their file name) who stands in. Dates are
# YYYY-MM-DD, e.g.
#   - {{from: {year}-12-21, to: {next_year}-01-06, reason: vacation, deputy: other-member}}
absences: []
"""

# A whole value in angle brackets: what the template asks a member to replace.
_PLACEHOLDER = re.compile(r"<[^<>\n]+>")
# Fields of the template a member may delete instead of filling in.
_OPTIONAL = ("tagline", "description", "benefits", "contact.phone", "contact.website")
_Where = tuple[str | int, ...]


class SlugError(ValueError):
    """Raised for a slug that cannot be a file name and page address."""


def new_profile(slug: str, settings: NetworkSettings, name: str = "", maintainer: str = "") -> str:
    """Return the text of a starting profile for ``slug``, placeholders to be replaced."""
    if not re.fullmatch(SLUG_PATTERN, slug) or not 2 <= len(slug) <= 64:
        raise SlugError(
            f"{slug!r} is not a valid slug: use 2 to 64 lowercase letters, digits and hyphens, "
            "e.g. mueller-it"
        )
    year = dt.date.today().year
    return TEMPLATE.format(
        schema_line=SCHEMA_LINE,
        name=json.dumps(name or "<Name Ihres Betriebs>", ensure_ascii=False),
        maintainer=json.dumps(maintainer or "<Ihr Konto>", ensure_ascii=False),
        service_ids=", ".join(s.id for s in settings.services),
        year=year,
        next_year=year + 1,
    )


def _strings(data: Any, path: _Where) -> Iterator[tuple[_Where, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, (*path, i))
    elif isinstance(data, str):
        yield path, data


def placeholder_problems(doc: Document) -> list[Problem]:
    """Return one problem for each placeholder of the template still in ``doc``."""
    return [
        doc.problem(
            path, f"the placeholder {text.strip()!r} is still there",
            "replace it with your own text" + (
                " or delete the field" if dotted(path).startswith(_OPTIONAL) else ""),
        )
        for path, text in _strings(doc.data, ())
        if _PLACEHOLDER.fullmatch(text.strip())
    ]
