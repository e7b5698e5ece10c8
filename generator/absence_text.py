"""Out-of-office texts: for each absence of a member, an auto-reply ready to paste, per language.

A client who writes to an absent member reads when the member is back, who stands in (with
their contact details) and a link to the network's request form that names the member and
the reason, so the network can find someone else at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from generator.dates import day
from generator.loader import Network
from generator.model import Absence, Partner
from generator.strings import TABLES

LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class AbsenceText:
    """The auto-reply for one absence in one language."""

    absence: Absence
    language: str
    text: str


def request_link(network: Network, partner: Partner, reason: str) -> str:
    """Return the address of the request form with the member and the reason filled in."""
    site = str(network.settings.site_url or "/")
    query = urlencode({"service": partner.services[0], "referred_by": partner.slug,
                       "reason": reason})
    return f"{site}anfrage/?{query}"


def absence_text(network: Network, partner: Partner, absence: Absence, language: str) -> str:
    """Return the auto-reply for ``absence`` of ``partner`` in ``language``."""
    t = TABLES[language]
    paragraphs = [t.text("ooo_intro", name=partner.name, start=day(absence.from_, language),
                         end=day(absence.to, language),
                         reason=_reason(t["reason_" + absence.reason], language))]
    deputy = network.partners.get(absence.deputy) if absence.deputy else None
    if deputy is not None:
        reach = [deputy.contact.email]
        if deputy.contact.phone:
            reach.append(deputy.contact.phone)
        paragraphs.append(t.text("ooo_deputy", name=deputy.name, contact=", ".join(reach)))
    paragraphs.append(t.text("ooo_network", network=network.settings.name,
                             link=request_link(network, partner, "absence")))
    paragraphs.append(t.text("ooo_closing", name=partner.name))
    return "\n\n".join(paragraphs) + "\n"


def current_absences(partner: Partner, today: dt.date) -> list[Absence]:
    """Return the absences of ``partner`` that have not ended by ``today``, earliest first."""
    return sorted((a for a in partner.absences if a.to >= today), key=lambda a: a.from_)


def absence_texts(network: Network, partner: Partner, today: dt.date,
                  languages: tuple[str, ...] = LANGUAGES) -> list[AbsenceText]:
    """Return the auto-replies of every current or future absence, German first."""
    return [AbsenceText(absence, language, absence_text(network, partner, absence, language))
            for absence in current_absences(partner, today) for language in languages]


def _reason(label: str, language: str) -> str:
    # English writes common nouns in lower case inside a sentence; German does not.
    return label.lower() if language == "en" else label
