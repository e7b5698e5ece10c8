"""Render a large site's partner pages in two processes (see ``generator/parallel.py``)."""

from __future__ import annotations

from generator.loader import Network
from generator.model import Partner
from generator.pages import Page, Renderer, SiteOptions, render_site
from generator.parallel import Forked, worthwhile


class _SplitRenderer(Renderer):
    """A renderer that takes the second half of the partner pages from a forked child."""

    def __init__(self, network: Network, options: SiteOptions) -> None:
        super().__init__(network, options)
        partners = list(network.partners.values())
        self.theirs = {p.slug for p in partners[len(partners) // 2:]}
        # Forked before anything is rendered: the child renders the second half meanwhile.
        self.child = Forked(lambda: [Renderer.partner(self, p) for p in partners
                                     if p.slug in self.theirs])
        self.done: dict[str, Page] | None = None

    def partner(self, partner: Partner) -> Page:
        """Render the first half here; return the second half from the child."""
        if partner.slug not in self.theirs:
            return super().partner(partner)
        if self.done is None:
            pages = self.child.result()
            self.done = {p.path: p for p in pages} if pages is not None else {}
        page = self.done.get(f"partner/{partner.slug}.md")
        return page if page is not None else super().partner(partner)


def render_split(network: Network, options: SiteOptions) -> list[Page]:
    """Render every page of the site, using a second process where that is worthwhile."""
    if not worthwhile(len(network.partners)):
        return render_site(network, options)
    return _SplitRenderer(network, options).pages()
