"""The live preview: rebuilds while serving keep what did not change and show what did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

from generator.loader import load_network
from generator.pages import SiteOptions, render_site
from generator.split_site import render_split
from tests.generator.conftest import REPO, copy_network

SERVE_URL = "http://127.0.0.1:8000/"


def served(root: Path, site: Path) -> MkDocsConfig:
    """Return the configuration MkDocs' server builds with (a fresh one each rebuild)."""
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site))
    config.site_url = SERVE_URL
    return config


def rebuild(root: Path, site: Path) -> None:
    build(served(root, site), serve_url=SERVE_URL, dirty=True)


@pytest.fixture(autouse=True)
def served_then_shut_down() -> Iterator[None]:
    """End serving as MkDocs does: its plugins live on for the next build in this process."""
    yield
    load_config(str(REPO / "mkdocs.yml")).plugins.on_shutdown()


def test_a_saved_profile_changes_its_page_and_the_lists_only(tmp_path: Path) -> None:
    root, site = copy_network(tmp_path / "net"), tmp_path / "site"
    config = served(root, site)
    config.plugins.on_startup(command="serve", dirty=True)
    build(config, serve_url=SERVE_URL, dirty=True)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (root / "partners").glob("*.yaml")}
    # Removed: a member no one names as deputy, so that the network stays valid.
    free = sorted(s for s in texts if not any(f"deputy: {s}" in t for t in texts.values()))
    changed, removed = free[0], free[1]
    other = next(s for s in sorted(texts) if s not in (changed, removed))
    page = site / "partner" / changed / "index.html"
    untouched = site / "partner" / other / "index.html"
    before = untouched.stat().st_mtime_ns
    profile = root / "partners" / f"{changed}.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace("\ntagline:", "\ntagline: Frisch gespeichert –", 1)
                       if "\ntagline:" in text else text + "tagline: Frisch gespeichert\n",
                       encoding="utf-8")
    (root / "partners" / f"{removed}.yaml").unlink()
    rebuild(root, site)
    assert "Frisch gespeichert" in page.read_text(encoding="utf-8")
    assert "Frisch gespeichert" in (site / "verzeichnis" / "index.html").read_text(
        encoding="utf-8")
    assert untouched.stat().st_mtime_ns == before  # not written again
    assert not (site / "partner" / removed / "index.html").exists()
    assert f"partner/{removed}/" not in (site / "verzeichnis" / "index.html").read_text(
        encoding="utf-8")


def test_a_changed_page_of_the_site_rebuilds_every_page(tmp_path: Path) -> None:
    root, site = copy_network(tmp_path / "net"), tmp_path / "site"
    config = served(root, site)
    config.plugins.on_startup(command="serve", dirty=True)
    build(config, serve_url=SERVE_URL, dirty=True)
    partner = next((site / "partner").glob("*/index.html"))
    before = partner.stat().st_mtime_ns
    index = root / "content" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\nNeu auf der Startseite.\n",
                     encoding="utf-8")
    rebuild(root, site)
    # The navigation on every page may have changed: nothing is kept.
    assert partner.stat().st_mtime_ns != before


def test_two_processes_render_the_same_site(monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.split_site

    network = load_network(REPO)
    options = SiteOptions(today=dt.date(2026, 12, 1))
    alone = render_site(network, options)
    monkeypatch.setattr(generator.split_site, "worthwhile", lambda items: True)
    assert render_split(network, options) == alone
