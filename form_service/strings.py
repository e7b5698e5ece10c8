"""The texts of the form service, from the gettext catalogs in ``form_service/locale/``."""

from __future__ import annotations

from pathlib import Path

from generator.i18n import Catalog, catalogs

_CATALOGS = catalogs(Path(__file__).parent, "service")
DE = _CATALOGS["de"]
EN = _CATALOGS["en"]

TABLES: dict[str, Catalog] = {"de": DE, "en": EN}


def text(key: str, lang: str = "de", **values: object) -> str:
    """Return the text ``key`` in ``lang`` (German when the language has no table)."""
    return TABLES.get(lang, DE)[key].format(**values)


def both(key: str, **values: object) -> str:
    """Return the text in German, then English."""
    return f"{text(key, 'de', **values)} / {text(key, 'en', **values)}"
