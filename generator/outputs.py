"""What the build writes besides the directory's pages: open data, the members' embed, and the
statistics page when ``partnerdir stats`` left its figures.

The one place ``pages.Renderer`` hands its network to the other outputs, so each of them stays
a module of its own that a test can call with plain data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.embed import frames, guide_context
from generator.opendata import open_data
from generator.pages import Page
from generator.statistics_page import read_figures, statistics_page

if TYPE_CHECKING:
    from generator.pages import Renderer

GUIDE = "mitglieder/einbetten.md"


def extra_pages(renderer: Renderer) -> list[Page]:
    """Return the open data files, the embed's frames and pages, and the statistics page."""
    network, options = renderer.network, renderer.options
    site = str(network.settings.site_url or "/")
    files = open_data(network, site, renderer.t, options.today) | frames(renderer)
    pages = [Page(path, "", text) for path, text in files.items()]
    pages.append(renderer._page(
        GUIDE, "embed_guide.html",
        {"title": renderer.t["embed_guide"], "hide": ["toc"], "search": {"exclude": True}},
        base="../../", **guide_context(network)))
    figures = read_figures(options.statistics_file)
    if figures is not None:
        pages.append(statistics_page(renderer, figures))
    return pages

