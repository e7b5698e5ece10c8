"""Render a large site's partner pages in two processes (see ``generator/parallel.py``)."""

from __future__ import annotations

from generator.loader import Network
from generator.model import Partner
from generator.pages import Page, Renderer, SiteOptions, render_site
from generator.parallel import Forked, worthwhile

CHILD_SHARE = 0.56
"""Of the partner pages, the child's part: it also renders the service pages, and the parent
the directory, the form and everything else."""


class _SplitRenderer(Renderer):
    """A renderer that takes the service pages and most partner pages from a forked child."""

    def __init__(self, network: Network, options: SiteOptions) -> None:
        super().__init__(network, options)
        partners = list(network.partners.values())
        self.theirs = {p.slug for p in partners[int(len(partners) * (1 - CHILD_SHARE)):]}
        services = [s.id for s in network.settings.services]
        # Forked before anything is rendered: the child renders its share meanwhile.
        self.child = Forked(lambda: [Renderer.service(self, sid) for sid in services]
                            + [Renderer.partner(self, p) for p in partners
                               if p.slug in self.theirs])
        self.done: dict[str, Page] | None = None
        self.mine: dict[str, Page] = {}

    def pages(self) -> list[Page]:
        """Render the parent's partner pages first: the pages in between come from the child
        only when it is done."""
        self.mine = {p.slug: super(_SplitRenderer, self).partner(p)
                     for p in self.network.partners.values() if p.slug not in self.theirs}
        return super().pages()

    def _from_child(self, path: str) -> Page | None:
        if self.done is None:
            pages = self.child.result()
            self.done = {p.path: p for p in pages} if pages is not None else {}
        return self.done.get(path)

    def service(self, sid: str) -> Page:
        """Return a service page from the child (rendered here when the child failed)."""
        page = self._from_child(f"leistungen/{sid}.md")
        return page if page is not None else super().service(sid)

    def partner(self, partner: Partner) -> Page:
        """Render the parent's share here; return the child's from the child."""
        if partner.slug not in self.theirs:
            return self.mine.get(partner.slug) or super().partner(partner)
        page = self._from_child(f"partner/{partner.slug}.md")
        return page if page is not None else super().partner(partner)


def render_split(network: Network, options: SiteOptions) -> list[Page]:
    """Render every page of the site, using a second process where that is worthwhile."""
    if not worthwhile(len(network.partners)):
        return render_site(network, options)
    return _SplitRenderer(network, options).pages()
