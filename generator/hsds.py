"""The directory in Open Referral's Human Services Data Specification 3.0 (HSDS), as JSON.

Each member is an organization with one location (its town); each service it offers is a
service with its service areas (postal prefixes, or remote), languages, a contact, and its
absences as schedules that say when it is closed. Identifiers are UUIDs derived from the site
and the slug, so the same member keeps the same identifiers in every export. Provenance: a
service's ``last_modified`` and its metadata entry carry the profile's last change.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.availability import availability
from generator.loader import Network
from generator.model import Partner
from generator.opendata import member_uuid
from generator.strings import TABLES
from generator.vocabulary import language_name


def last_changes(root: Path, network: Network) -> dict[str, dt.datetime]:
    """Return per slug when its profile last changed: its last commit, else its file's mtime."""
    changed: dict[str, dt.datetime] = {}
    try:
        log = subprocess.run(
            ["git", "-C", str(root), "log", "--format=%x00%cI", "--name-only", "--", "partners"],
            capture_output=True, text=True, check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        log = ""
    by_source = {p.source: slug for slug, p in network.partners.items()}
    when = None
    for line in log.splitlines():
        if line.startswith("\0"):
            when = dt.datetime.fromisoformat(line[1:])
        elif line and when is not None and line in by_source:
            changed.setdefault(by_source[line], when)  # newest commit first
    for slug, partner in network.partners.items():
        if slug not in changed:
            mtime = (root / partner.source).stat().st_mtime
            changed[slug] = dt.datetime.fromtimestamp(mtime, dt.UTC)
    return changed


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Export:
    """Build the HSDS records of one network."""

    def __init__(self, network: Network, changed: Mapping[str, dt.datetime], today: dt.date,
                 language: str = "de") -> None:
        self.network = network
        self.changed = changed
        self.today = today
        self.language = language
        self.site = str(network.settings.site_url or "https://example.invalid/")

    def _id(self, partner: Partner, part: str = "") -> str:
        return member_uuid(self.site, partner.slug, part)

    def location(self, partner: Partner) -> dict[str, Any]:
        """Return the member's location: its town, without a street (profiles have none)."""
        loc = partner.location
        return {"id": self._id(partner, "location"), "location_type": "physical",
                "organization_id": self._id(partner), "name": f"{loc.postal_code} {loc.city}",
                "description": f"{loc.postal_code} {loc.city}, {loc.country}"}

    def organization(self, partner: Partner) -> dict[str, Any]:
        """Return the member as an HSDS organization."""
        org: dict[str, Any] = {
            "id": self._id(partner), "name": partner.name,
            "description": partner.description or partner.tagline or partner.name,
            "email": partner.contact.email, "uri": f"{self.site}partner/{partner.slug}/",
            "locations": [self.location(partner)],
        }
        if partner.contact.website:
            org["website"] = str(partner.contact.website)
        if partner.contact.phone:
            org["phones"] = [{"id": self._id(partner, "phone"), "number": partner.contact.phone,
                              "type": "voice"}]
        return org

    def service(self, partner: Partner, sid: str) -> dict[str, Any]:
        """Return one service of the member as an HSDS service."""
        sid_key = f"service/{sid}"
        service_id = self._id(partner, sid_key)
        entry = self.network.settings.service(sid)
        label = (entry.de if self.language == "de" else entry.en) if entry else sid
        away = availability(partner, self.today).state == "away"
        changed = self.changed.get(partner.slug)
        t = TABLES[self.language]
        areas = [{"id": self._id(partner, f"{sid_key}/area/{prefix}"), "service_id": service_id,
                  "name": f"{partner.location.country} {prefix}…", "extent": prefix,
                  "extent_type": "text"} for prefix in partner.service_area.postal_prefixes]
        if partner.service_area.remote:
            areas.append({"id": self._id(partner, f"{sid_key}/area/remote"),
                          "service_id": service_id, "name": "remote"})
        record: dict[str, Any] = {
            "id": service_id, "organization_id": self._id(partner),
            "name": f"{label} – {partner.name}",
            "description": entry.description if entry and entry.description else label,
            "url": f"{self.site}partner/{partner.slug}/", "email": partner.referral_email,
            "status": "temporarily closed" if away else "active",
            "languages": [{"id": self._id(partner, f"{sid_key}/language/{code}"),
                           "service_id": service_id, "code": code,
                           "name": language_name(code, self.language)}
                          for code in partner.languages],
            "service_areas": areas,
            "contacts": [{"id": self._id(partner, f"{sid_key}/contact"),
                          "service_id": service_id, "name": partner.name,
                          "email": partner.contact.email}],
            "schedules": [{"id": self._id(partner, f"{sid_key}/closed/{a.from_}"),
                           "service_id": service_id, "valid_from": a.from_.isoformat(),
                           "valid_to": a.to.isoformat(),
                           "description": t.text("closed_for", reason=t["reason_" + a.reason])}
                          for a in partner.absences],
            "service_at_locations": [{"id": self._id(partner, f"{sid_key}/at"),
                                      "service_id": service_id,
                                      "location_id": self._id(partner, "location")}],
        }
        if changed is not None:
            record["last_modified"] = _stamp(changed)
            record["metadata"] = [{
                "id": self._id(partner, f"{sid_key}/metadata"), "resource_id": service_id,
                "resource_type": "service", "last_action_date": changed.date().isoformat(),
                "last_action_type": "update", "field_name": "", "previous_value": "",
                "replacement_value": "", "updated_by": partner.name}]
        return record

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Return the organizations and the services of the whole network."""
        partners = list(self.network.partners.values())
        return {"organizations": [self.organization(p) for p in partners],
                "services": [self.service(p, sid) for p in partners for sid in p.services]}
