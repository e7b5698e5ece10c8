"""The texts of the generated pages, from the gettext catalogs in ``generator/locale/``."""

from __future__ import annotations

from pathlib import Path

from generator.i18n import Catalog, catalogs

_CATALOGS = catalogs(Path(__file__).parent, "site")
DE = _CATALOGS["de"]
EN = _CATALOGS["en"]

TABLES: dict[str, Catalog] = {"de": DE, "en": EN}
