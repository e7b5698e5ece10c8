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


def language(value: object) -> str:
    """Return ``value`` when it names a language with texts, else German, the network's."""
    code = str(value or "").strip().lower()
    return code if code in TABLES else "de"
