"""A commented starting profile for a new member (``partnerdir new SLUG``)."""

from __future__ import annotations

import datetime as dt
import json
import re

from generator.model import SLUG_PATTERN, NetworkSettings
from generator.schema import SCHEMA_LINE

TEMPLATE = """\
{schema_line}
# Profile of one network member. Every field is explained in the member guide;
# your editor completes and checks fields through the schema named above.

# Business name as clients know it.
name: {name}
# Accounts allowed to change this file.
maintainers: [{maintainer}]
# One line under the name.
tagline: {tagline}
# A few sentences in Markdown (no HTML).
description: |
  Beschreiben Sie Ihren Betrieb in zwei, drei Sätzen.
# What a client gains, written from the client's point of view.
benefits:
  - Sie bekommen innerhalb eines Werktags eine verbindliche Rückmeldung.
# Ids from the network's service catalogue: {service_ids}
services: [{service}]
# Languages you serve clients in (ISO 639-1 codes).
languages: [de]
# Where the business is; postal codes in quotes.
location: {{postal_code: "80331", city: München, country: DE}}
# Leading digits of the postal codes you serve, and whether work can be done remotely.
service_area: {{postal_prefixes: ["80", "81"], remote: false}}
# Shown on your public page.
contact: {{email: info@{slug}.example, phone: "+49 89 1234567", website: https://{slug}.example}}
# Whether you take referred clients now: capacity is available, limited or full.
referrals: {{accepts: true, capacity: available}}
# Times you are away, with the colleague (their file name) who stands in, e.g.
#   - {{from: {year}-12-21, to: {next_year}-01-06, reason: vacation, deputy: other-member}}
absences: []
"""


class SlugError(ValueError):
    """Raised for a slug that cannot be a file name and page address."""


def new_profile(slug: str, settings: NetworkSettings, name: str = "", maintainer: str = "") -> str:
    """Return the text of a valid starting profile for ``slug``."""
    if not re.fullmatch(SLUG_PATTERN, slug) or not 2 <= len(slug) <= 64:
        raise SlugError(
            f"{slug!r} is not a valid slug: use 2 to 64 lowercase letters, digits and hyphens, "
            "e.g. mueller-it"
        )
    year = dt.date.today().year
    title = name or slug.replace("-", " ").title()
    return TEMPLATE.format(
        schema_line=SCHEMA_LINE,
        name=json.dumps(title, ensure_ascii=False),
        tagline=json.dumps(f"{title} – was Sie für Ihre Kunden tun", ensure_ascii=False),
        maintainer=maintainer or "your-account",
        service=settings.services[0].id,
        service_ids=", ".join(s.id for s in settings.services),
        slug=slug,
        year=year,
        next_year=year + 1,
    )
