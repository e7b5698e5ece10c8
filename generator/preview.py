"""The live preview: pages rendered once and kept between rebuilds while the site is served.

``partnerdir serve`` rebuilds the site after every saved profile. With a thousand members, most
of that time went into what had not changed: compiling the same templates, rendering every
partner page and directory card again, and MkDocs writing each page out. This module keeps,
between rebuilds, the compiled templates, each partner's page and cards by everything they
show, and the text of every generated page, so that only what changed is rendered and written
again. It imports no MkDocs; ``plugin.py`` wires it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from markupsafe import Markup

from generator.loader import Network
from generator.model import Partner
from generator.pages import Page, Renderer, SiteOptions


class TemplateCache(BytecodeCache):
    """Compiled templates in memory, for every environment built during one serve."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` with the code compiled before, if any."""
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the code just compiled."""
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def _partner_key(partner: Partner, network: Network, common: str) -> tuple[object, ...]:
    """Return what the page of ``partner`` shows: its profile, its deputies', the rest.

    An unchanged file gives the very same ``Partner`` from the profile cache, so comparing
    keys costs next to nothing; equal profiles read anew compare equal all the same.
    """
    deputies = tuple(network.partners.get(a.deputy) for a in partner.absences if a.deputy)
    return (partner.slug, partner.source, partner, deputies, common)


@dataclass
class Preview:
    """What the last build of a served site rendered and wrote, to compare the next with."""

    templates: TemplateCache = field(default_factory=TemplateCache)
    pages: dict[str, tuple[tuple[object, ...], Page]] = field(default_factory=dict)
    """Partner slug → (what the page shows, the page)."""
    cards: dict[tuple[str, str], tuple[tuple[object, ...], Markup]] = field(default_factory=dict)
    """(Partner slug, link base) → (what the card shows, the card)."""
    written: dict[str, tuple[Page, str]] = field(default_factory=dict)
    """Page path → (the page, the file MkDocs wrote it to)."""
    surroundings: object = None

    def render(self, network: Network, options: SiteOptions) -> list[Page]:
        """Render every page, partners' pages and cards from the last build where unchanged."""
        renderer = PreviewRenderer(network, options, self)
        pages = renderer.pages()
        self.pages = {slug: self.pages[slug] for slug in network.partners if slug in self.pages}
        self.cards = {key: (renderer.keys[key[0]], card) for key, card in renderer.cards.items()}
        return pages

    def unchanged(self, page: Page, surroundings: object) -> bool:
        """Return whether the last build wrote ``page`` as it is now, in the same surroundings."""
        before = self.written.get(page.path)
        # A kept page is the same object: the comparison costs nothing unless it changed.
        return (before is not None and surroundings == self.surroundings
                and before[0].head == page.head and before[0].body == page.body)

    def remember(self, written: dict[str, tuple[Page, str]], surroundings: object) -> list[str]:
        """Keep what this build writes; return the files of pages that no longer exist."""
        gone = [dest for path, (_, dest) in self.written.items() if path not in written]
        self.written = written
        self.surroundings = surroundings
        return gone


class PreviewRenderer(Renderer):
    """A renderer that takes partners' pages and cards from ``kept`` while nothing on them
    changed."""

    def __init__(self, network: Network, options: SiteOptions, kept: Preview) -> None:
        super().__init__(network, options)
        self.kept = kept
        self.env.bytecode_cache = kept.templates
        # What every partner page shows besides its own profile and its deputies.
        common = "\x00".join((repr(options), repr(network.settings), repr(network.countries)))
        self.keys = {slug: _partner_key(p, network, common)
                     for slug, p in network.partners.items()}
        self.cards.update({key: card for key, (shows, card) in kept.cards.items()
                           if self.keys.get(key[0]) == shows})

    def partner(self, partner: Partner) -> Page:
        """Return the page of ``partner``, rendered again only when something on it changed."""
        key = self.keys[partner.slug]
        known = self.kept.pages.get(partner.slug)
        if known is not None and known[0] == key:
            return known[1]
        page = super().partner(partner)
        self.kept.pages[partner.slug] = (key, page)
        return page
