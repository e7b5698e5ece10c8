"""The statistics page: built from the figures file when there is one, never a group under 5."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.loader import load_network
from generator.pages import SiteOptions, render_site

REPO = Path(__file__).resolve().parents[2]
FIGURES: dict[str, Any] = {
    "generated": "2026-12-01", "minimum": 5,
    "members": {"total": 20, "by_service": {"it-support": 7, "netzwerk": None,
                                            "webdesign": 3},  # 3: a hand-edited file
                "by_region": {"DE 8": 12, "DE 1": 4}},
    "months": [{"month": "2026-10", "requests": 23, "referred": 2, "accepted": None},
               {"month": "2026-11", "requests": 9, "referred": 6, "accepted": 5}],
    "acceptance": {"value": 0.74, "cases": 19},
    "hours_to_accept": {"value": 0.5, "cases": 4},
    "worked_out": {"value": 1.0, "cases": None},
}


def page(tmp_path: Path, figures: dict[str, Any] | None) -> str | None:
    path = tmp_path / "statistics.json"
    if figures is not None:
        path.write_text(json.dumps(figures), encoding="utf-8")
    options = SiteOptions(today=dt.date(2026, 12, 1), statistics_file=path)
    pages = {p.path: p for p in render_site(load_network(REPO), options)}
    found = pages.get("statistik.md")
    return found.body if found else None


def cells(body: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<(?:td|dd)>(.*?)</(?:td|dd)>",
                                                                   body)]


def test_without_figures_there_is_no_page(tmp_path: Path) -> None:
    assert page(tmp_path, None) is None


def test_the_page_never_shows_a_group_under_five(tmp_path: Path) -> None:
    body = page(tmp_path, FIGURES)
    assert body is not None
    shown = cells(body)
    assert shown.count("weniger als 5") == 7
    numbers = [int(n) for cell in shown for n in re.findall(r"\d+", cell)]
    assert all(n >= 5 for n in numbers)
    assert "74 %" in shown and "23" in shown and "12" in shown
    assert "<th scope=\"row\">Oktober 2026</th>" in body
    assert "0,5" not in body and "0.5" not in body  # a median from four accepts stays hidden


def test_the_page_withholds_rates_from_small_groups_whatever_the_file_says(
    tmp_path: Path
) -> None:
    edited = {**FIGURES, "acceptance": {"value": 1.0, "cases": 2}}
    body = page(tmp_path, edited)
    assert body is not None and "100 %" not in body


def test_every_page_links_the_statistics_page_once_it_is_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.generator.conftest import build_site, copy_network

    link = '<a href="../statistik/">Zahlen des Netzwerks</a>'
    root = copy_network(tmp_path / "ohne")
    monkeypatch.setenv("PARTNERDIR_STATISTICS_FILE", str(tmp_path / "statistics.json"))
    site = build_site(root)
    assert link not in (site / "mitglieder" / "index.html").read_text(encoding="utf-8")
    (tmp_path / "statistics.json").write_text(json.dumps(FIGURES), encoding="utf-8")
    site = build_site(copy_network(tmp_path / "mit"))
    assert link in (site / "mitglieder" / "index.html").read_text(encoding="utf-8")
    english = (site / "en" / "request" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../../statistik/">Network figures (in German)</a>' in english
