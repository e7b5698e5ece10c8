"""The texts of the generated pages, from the gettext catalogs in ``generator/locale/``."""

from __future__ import annotations

from pathlib import Path

from generator.i18n import Catalog, catalogs

_CATALOGS = catalogs(Path(__file__).parent, "site")
DE = _CATALOGS["de"]
EN = _CATALOGS["en"]

MONTHS: dict[str, tuple[str, ...]] = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}

TABLES: dict[str, Catalog] = {"de": DE, "en": EN}
