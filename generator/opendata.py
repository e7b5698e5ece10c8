"""Open data written with every build: ``partners.csv``, a vCard per member and iCalendar feeds
of the members' absences, in the formats address books, spreadsheets and calendars read.

Written by hand rather than through a library: the formats are small, and a build of thousands
of members must not pay for an object model per card. The tests read every file back with
``vobject`` and ``icalendar``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from generator.i18n import Catalog as Texts
from generator.loader import Network
from generator.model import Partner

CSV_COLUMNS = ("slug", "name", "tagline", "url", "services", "languages", "postal_code", "city",
               "country", "postal_prefixes", "remote", "email", "phone", "website", "accepts",
               "capacity")
VCARD_NAME = "kontakt.vcf"
CALENDAR_NAME = "abwesenheiten.ics"


def _cell(value: str) -> str:
    # A spreadsheet would run a cell that starts like a formula; a profile must not do that.
    if value[:1] in ("=", "@", "\t", "\r") or (value[:1] in "+-" and value[1:2].isalpha()):
        return "'" + value
    return value


def partners_csv(network: Network, site: str) -> str:
    """Return the public fields of every member as CSV, one row per member."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for slug, p in network.partners.items():
        row = (slug, p.name, p.tagline or "", f"{site}partner/{slug}/", " ".join(p.services),
               " ".join(p.languages), p.location.postal_code, p.location.city,
               p.location.country, " ".join(p.service_area.postal_prefixes),
               str(p.service_area.remote).lower(), p.contact.email, p.contact.phone or "",
               str(p.contact.website or ""), str(p.referrals.accepts).lower(),
               p.referrals.capacity)
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _escape(text: str) -> str:
    """Escape a TEXT value of vCard and iCalendar (RFC 6350, RFC 5545)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never inside a character."""
    data = line.encode()
    if len(data) <= 75:
        return line + "\r\n"
    pieces, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a UTF-8 continuation byte
            end -= 1
        pieces.append(data[start:end].decode())
        start, limit = end, 74  # continuation lines start with a space
    return "\r\n ".join(pieces) + "\r\n"


def _lines(lines: Iterable[str]) -> str:
    # Most lines are short and ASCII: checked in C, without a call per line.
    return "".join([line + "\r\n" if len(line) <= 18 or (len(line) <= 75 and line.isascii())
                    else _fold(line) for line in lines])


def member_uuid(site: str, slug: str, part: str = "") -> str:
    """Return a stable identifier of ``slug`` (and one ``part`` of it) on the site ``site``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}partner/{slug}/{part}"))


def vcard(slug: str, partner: Partner, site: str, network_name: str) -> str:
    """Return the vCard 3.0 of member ``slug``: name, contact, place, profile page."""
    name = _escape(partner.name)
    loc = partner.location
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"PRODID:-//{_escape(network_name)}//partnerdir//DE",
             f"UID:urn:uuid:{member_uuid(site, slug)}", f"FN:{name}", f"N:{name};;;;",
             f"ORG:{name}", f"EMAIL;TYPE=INTERNET,WORK:{partner.contact.email}"]
    if partner.contact.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{_escape(partner.contact.phone)}")
    lines.append(f"ADR;TYPE=WORK:;;;{_escape(loc.city)};;{_escape(loc.postal_code)};"
                 f"{loc.country}")
    if partner.contact.website:
        lines.append(f"URL:{partner.contact.website}")
    if partner.tagline:
        lines.append(f"NOTE:{_escape(partner.tagline)}")
    lines += [f"SOURCE:{site}partner/{slug}/{VCARD_NAME}", "END:VCARD"]
    return _lines(lines)


def calendar(network: Network, partners: Iterable[tuple[str, Partner]], title: str, site: str,
             t: Texts, stamp: dt.date) -> str:
    """Return an iCalendar feed of the absences of ``partners`` (slug, profile): one all-day
    event each."""
    host = urlsplit(site).hostname or "localhost"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0",
             f"PRODID:-//{_escape(network.settings.name)}//partnerdir//DE",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(title)}"]
    for slug, partner in partners:
        for absence in partner.absences:
            summary = t.text("calendar_event", name=partner.name,
                             reason=t["reason_" + absence.reason])
            end = absence.to + dt.timedelta(days=1)  # DTEND of an all-day event is exclusive
            lines += ["BEGIN:VEVENT",
                      f"UID:{slug}-{absence.from_:%Y%m%d}@{host}",
                      f"DTSTAMP:{stamp:%Y%m%d}T000000Z",
                      f"DTSTART;VALUE=DATE:{absence.from_:%Y%m%d}",
                      f"DTEND;VALUE=DATE:{end:%Y%m%d}",
                      f"SUMMARY:{_escape(summary)}",
                      f"URL:{site}partner/{slug}/",
                      "TRANSP:TRANSPARENT"]
            deputy = network.partners.get(absence.deputy) if absence.deputy else None
            if deputy is not None:
                lines.append("DESCRIPTION:" + _escape(t.text("calendar_deputy", name=deputy.name)))
            lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return _lines(lines)


def open_data(network: Network, site: str, t: Texts, today: dt.date) -> dict[str, str]:
    """Return every open data file of the site by its path."""
    files = {"partners.csv": partners_csv(network, site),
             CALENDAR_NAME: calendar(network, network.partners.items(),
                                     t.text("calendar_network", network=network.settings.name),
                                     site, t, today)}
    for slug, partner in network.partners.items():
        folder = f"partner/{slug}/"
        files[folder + VCARD_NAME] = vcard(slug, partner, site, network.settings.name)
        files[folder + CALENDAR_NAME] = calendar(
            network, ((slug, partner),), t.text("calendar_member", name=partner.name), site, t,
            today)
    return files
