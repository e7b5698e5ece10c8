"""The statistics page, rendered from the figures ``partnerdir stats`` wrote (no database here).

The page is left out when there is no file. Every figure is checked again before it is shown:
a count under ``MINIMUM`` or a rate from fewer cases reads "fewer than 5", whatever the file says.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.dates import format_date

if TYPE_CHECKING:
    from generator.pages import Page, Renderer

MINIMUM = 5
PATH = "statistik.md"


def count(value: Any) -> int | None:
    """Return a count that may be shown, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= MINIMUM \
        else None


def rate(figure: Any) -> float | None:
    """Return the value of a figure counted from enough cases, else None."""
    if not isinstance(figure, dict) or count(figure.get("cases")) is None:
        return None
    value = figure.get("value")
    return float(value) if isinstance(value, int | float) else None


def read_figures(path: Path | None) -> dict[str, Any] | None:
    """Return the figures in ``path``, or None when there is no such file."""
    if path is None or not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def statistics_page(renderer: Renderer, figures: dict[str, Any]) -> Page:
    """Render the statistics page from ``figures``."""
    members = figures.get("members") or {}
    generated = figures.get("generated")
    return renderer._page(
        PATH, "statistics.html", {"title": renderer.t["stats_title"], "hide": ["toc"]},
        base="../", count=count, rate=rate, members=members,
        months=[m for m in figures.get("months") or [] if isinstance(m, dict)],
        acceptance=rate(figures.get("acceptance")),
        hours=rate(figures.get("hours_to_accept")),
        worked_out=rate(figures.get("worked_out")),
        generated=dt.date.fromisoformat(generated) if isinstance(generated, str) else None,
        month=lambda text: month_name(text, renderer.options.language),
    )


def month_name(text: str, language: str) -> str:
    """Return a month given as YYYY-MM as readers write it: "Oktober 2026"."""
    try:
        first = dt.date.fromisoformat(f"{text}-01")
    except (TypeError, ValueError):
        return str(text)
    return format_date(first, "LLLL y", locale=language)
