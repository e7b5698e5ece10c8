"""The embed for members' own websites: a small frame, served from the network's site.

A member pastes a link and a script tag (the snippet of ``snippet``). With JavaScript the script
puts the frame (``einbetten/rahmen.html#<slug>``) in place of the link and sizes it to its
content; without, the link leads to the member's page. The frame reads the member's data as
built (``einbetten/daten-<n>.json``, a few members each) and today's state from the service's
availability document when that answers, and, when the member is full or away, shows the
deputy and fitting colleagues with a button to the request form. Everything comes from the
site and the service: no visitor is seen by anyone else."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from generator.availability import availability
from generator.loader import Network
from generator.model import Partner
from generator.places import ANYWHERE, place_key, places_served

if TYPE_CHECKING:
    from generator.pages import Renderer

FOLDER = "einbetten/"
COLLEAGUES = 3
"""Colleagues shown at most; the frame holds a few more, for those the service says are busy."""
_HELD = COLLEAGUES + 3
FRAME = "rahmen.html"
PER_FILE = 10
"""Members per data file of the frame, on average."""
FREE = ("available", "limited")
_STATES = ("available", "limited", "full", "full_until", "closed", "away", "deputy")


def _places(partner: Partner) -> list[str]:
    """Return the places ``partner`` serves, the nearest first and the same on every build
    (a set's order changes from one process to the next)."""
    served = places_served(partner.location.country, partner.service_area.postal_prefixes,
                           partner.service_area.remote)
    return [place_key(place) for place in sorted(
        served, key=lambda place: (place == ANYWHERE, -len(place.prefix), place))]


class Colleagues:
    """Members who could take a member's clients: same service, a place in common."""

    def __init__(self, network: Network, today: dt.date) -> None:
        # Indexed once per build, so finding colleagues for every member stays linear.
        self.places = {slug: _places(p) for slug, p in network.partners.items()}
        self.by_offer: dict[tuple[str, str], list[str]] = defaultdict(list)
        for slug, partner in network.partners.items():
            if partner.referrals.accepts and availability(partner, today).state in FREE:
                for sid in partner.services:
                    for place in self.places[slug]:
                        self.by_offer[sid, place].append(slug)

    def of(self, slug: str, partner: Partner) -> list[str]:
        """Return the slugs of up to a few colleagues of ``partner``, the same on every build."""
        found: dict[str, None] = {}
        for sid in partner.services:
            for place in self.places[slug]:
                for other in self.by_offer.get((sid, place), ()):
                    if other != slug:
                        found[other] = None
                        if len(found) == _HELD:
                            return list(found)
        return list(found)


def snippet(network: Network, partner: Partner, site: str) -> str:
    """Return the HTML a member pastes into their website."""
    label = f"{partner.name} – {network.settings.name}"
    return (f'<a href="{site}partner/{partner.slug}/" data-partnerdir="{partner.slug}">'
            f"{escape(label)}</a>\n"
            f'<script async src="{site}assets/embed.js"></script>\n')


def member_data(network: Network, slug: str, partner: Partner,
                colleagues: list[str]) -> dict[str, Any]:
    """Return what a member's frame shows, as the build knows it: the service's document
    updates the states when it answers."""
    partners = network.partners
    named = {a.deputy for a in partner.absences if a.deputy in partners} | set(colleagues)
    return {
        "name": partner.name,
        "capacity": partner.referrals.capacity if partner.referrals.accepts else "closed",
        "absences": [[a.from_.isoformat(), a.to.isoformat(), a.deputy] for a in partner.absences],
        "service": partner.services[0],
        "colleagues": [[other, partners[other].location.city] for other in colleagues],
        "names": {other: partners[other].name for other in sorted(named)},
    }


def bucket(slug: str, buckets: int) -> int:
    """Return the data file that holds ``slug``: FNV-1a of its (ASCII) letters, as the frame's
    script computes it."""
    value = 0x811C9DC5
    for byte in slug.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value % buckets


def frames(renderer: Renderer) -> dict[str, str]:
    """Return the frame every member's embed shows and the members' data files, by path.

    The data is spread over a file per ``PER_FILE`` members rather than one per member: every
    file the build writes costs time, and a frame still reads only a few kilobytes.
    """
    network, options = renderer.network, renderer.options
    colleagues = Colleagues(network, options.today)
    buckets = max(1, -(-len(network.partners) // PER_FILE))
    out = {f"{FOLDER}{FRAME}": renderer.env.get_template("embed.html").render(
        texts={key: renderer.t[key] for key in _STATES}, shown=COLLEAGUES, base="../",
        buckets=buckets)}
    files: list[dict[str, Any]] = [{} for _ in range(buckets)]
    for slug, partner in network.partners.items():
        files[bucket(slug, buckets)][slug] = member_data(network, slug, partner,
                                                         colleagues.of(slug, partner))
    for number, members in enumerate(files):
        out[f"{FOLDER}daten-{number}.json"] = json.dumps(members, ensure_ascii=False,
                                                        separators=(",", ":"))
    return out


def guide_context(network: Network) -> dict[str, Markup | str]:
    """Return what the members' page on the embed shows: an example snippet, and the embed of
    the first member working on the page itself."""
    site = str(network.settings.site_url or "/")
    slug, example = next(iter(network.partners.items()), ("", None))
    if example is None:
        return {"example": "", "example_slug": "", "example_link": ""}
    link = Markup('<a href="../../partner/{0}/" data-partnerdir="{0}">{1}</a>').format(
        slug, example.name)
    return {"example": snippet(network, example, site), "example_slug": slug,
            "example_link": link}
