"""Dates and times as a reader writes them: Babel's month names, the network's time zone.

The database keeps times in UTC without a zone; readers see them in the network's zone
(``PARTNERDIR_TIME_ZONE``) and their own language, never as ISO dates or with "UTC".
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

DEFAULT_ZONE = "Europe/Berlin"

_DAY = {"de": "d. MMMM y", "en": "d MMMM y"}
_DAY_SHORT = {"de": "d. MMMM", "en": "d MMMM"}
_TIME = {"de": "HH:mm 'Uhr'", "en": "HH:mm"}


def _language(language: str) -> str:
    return language if language in _DAY else "de"


def day(value: dt.date, language: str = "de") -> str:
    """Return ``value`` as "6. Januar 2027" (German) or "6 January 2027" (English)."""
    lang = _language(language)
    return format_date(value, _DAY[lang], locale=lang)


def moment(value: dt.datetime, language: str = "de", zone: str = DEFAULT_ZONE, *,
           year: bool = True) -> str:
    """Return ``value`` (UTC when it has no zone) as "3. Dezember 2026, 14:30 Uhr" in ``zone``."""
    lang = _language(language)
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    pattern = f"{(_DAY if year else _DAY_SHORT)[lang]}, {_TIME[lang]}"
    return format_datetime(aware, pattern, tzinfo=ZoneInfo(zone), locale=lang)


def local_day(value: dt.datetime, zone: str = DEFAULT_ZONE) -> dt.date:
    """Return the day ``value`` (UTC when it has no zone) falls on in ``zone``."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(zone)).date()
