"""Strict MkDocs builds of the sample network and of hostile profiles."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort, PluginError

from generator.loader import load_network
from tests.generator.conftest import build_site, copy_network

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample network's site, built strictly."""
    return build_site(copy_network(tmp_path_factory.mktemp("network")))


def test_every_partner_has_a_page_outside_the_navigation(built: Path) -> None:
    home = (built / "index.html").read_text(encoding="utf-8")
    # Everything but the page's own content: navigation, header, footer.
    nav = re.sub(r"<article.*?</article>", "", home, flags=re.S)
    for slug, partner in load_network(REPO).partners.items():
        page = built / "partner" / slug / "index.html"
        assert page.is_file()
        assert f"partner/{slug}/" not in nav
        assert f"<h1>{partner.name}</h1>".replace("&", "&amp;") in page.read_text(encoding="utf-8")
    assert "verzeichnis/" in nav and "anfrage/" in nav


def test_machine_readable_data(built: Path) -> None:
    data = json.loads((built / "partners.json").read_text(encoding="utf-8"))
    assert len(data["partners"]) == len(load_network(REPO).partners)
    sitemap = (built / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://empfehlungsnetz.example/partner/mueller-it/" in sitemap
    page = (built / "partner" / "mueller-it" / "index.html").read_text(encoding="utf-8")
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert ld is not None and json.loads(ld.group(1))["@type"] == "LocalBusiness"


def test_the_site_loads_nothing_from_third_parties(built: Path) -> None:
    for page in built.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        sources = re.findall(r'(?:src|href)="(https?:)?//([^"/]+)', text)
        external_assets = [s for s in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?://[^"]+)"', text)
                           if not s.startswith("https://empfehlungsnetz.example/")]
        assert external_assets == [], (page, external_assets)
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, (page, sources)


def test_hostile_profile_cannot_inject_markup(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    root = copy_network(network_root)
    make_partner(
        name="Böse </title><script>alert(1)</script>",
        tagline='"><script>alert(2)</script>',
        description="<script>alert(3)</script> [x](javascript:alert(4)) <img src=x onerror=alert(5)>",
        benefits=["</script><script>alert(6)</script>"],
    )
    site = build_site(root)
    page = (site / "partner" / "test-it" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<script>alert|<img src=x|javascript:alert\(4\)\"", page) is None
    for other in ("verzeichnis/index.html", "leistungen/it-support/index.html",
                  "search/search_index.json"):
        text = (site / other).read_text(encoding="utf-8")
        assert "<script>alert" not in text, other


def test_broken_profile_stops_the_build_with_its_position(
    network_root: Path, make_partner: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = copy_network(network_root)
    make_partner(services=["no-such-service"])
    with pytest.raises((PluginError, Abort)):
        build_site(root)
    assert re.search(r"partners/test-it\.yaml:\d+:\d+: services\[0\]: unknown service",
                     caplog.text)
