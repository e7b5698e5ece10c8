"""Fixed vocabularies a profile is checked against: languages, countries and their postal codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

# ISO 639-1 two-letter language codes.
LANGUAGES: frozenset[str] = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch
    co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy
    ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it
    iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo
    lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
    oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty
    ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    """.split()  # noqa: SIM905
)

@dataclass(frozen=True)
class Country:
    """A country members can be in: its names and the shape of its postal codes."""

    de: str
    en: str
    postal_code: re.Pattern[str]
    example: str


def _country(de: str, en: str, pattern: str, example: str) -> Country:
    # ASCII: a postal code is written with the digits on every keyboard, nothing that looks alike.
    return Country(de, en, re.compile(pattern, re.ASCII), example)


# Countries the network serves, by ISO 3166 code: profiles and requests are checked against these.
COUNTRIES: dict[str, Country] = {
    "DE": _country("Deutschland", "Germany", r"\d{5}", "80331"),
    "AT": _country("Österreich", "Austria", r"\d{4}", "6020"),
    "CH": _country("Schweiz", "Switzerland", r"\d{4}", "8001"),
    "LI": _country("Liechtenstein", "Liechtenstein", r"\d{4}", "9490"),
    "LU": _country("Luxemburg", "Luxembourg", r"\d{4}", "1009"),
    "BE": _country("Belgien", "Belgium", r"\d{4}", "1000"),
    "DK": _country("Dänemark", "Denmark", r"\d{4}", "1050"),
    "NL": _country("Niederlande", "Netherlands", r"\d{4} ?[A-Z]{2}", "1012 AB"),
    "FR": _country("Frankreich", "France", r"\d{5}", "75001"),
    "IT": _country("Italien", "Italy", r"\d{5}", "00184"),
    "PL": _country("Polen", "Poland", r"\d{2}-\d{3}", "00-950"),
    "CZ": _country("Tschechien", "Czechia", r"\d{3} ?\d{2}", "110 00"),
}


def is_postal_code(country: str, code: str) -> bool:
    """Return whether ``code`` is written as postal codes of ``country`` are."""
    known = COUNTRIES.get(country)
    return known is not None and known.postal_code.fullmatch(code) is not None


def postal_digits(code: str) -> str:
    """Return the digits of a postal code, which is what postal prefixes are compared with."""
    return "".join(char for char in code if "0" <= char <= "9")


def country_name(code: str, lang: str = "de") -> str:
    """Return the German or English name of a country code, or the code itself."""
    known = COUNTRIES.get(code)
    if known is None:
        return code
    return known.de if lang == "de" else known.en


LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "de": ("Deutsch", "German"),
    "en": ("Englisch", "English"),
    "fr": ("Französisch", "French"),
    "it": ("Italienisch", "Italian"),
    "es": ("Spanisch", "Spanish"),
    "pt": ("Portugiesisch", "Portuguese"),
    "nl": ("Niederländisch", "Dutch"),
    "pl": ("Polnisch", "Polish"),
    "cs": ("Tschechisch", "Czech"),
    "tr": ("Türkisch", "Turkish"),
    "ru": ("Russisch", "Russian"),
    "uk": ("Ukrainisch", "Ukrainian"),
    "ar": ("Arabisch", "Arabic"),
    "el": ("Griechisch", "Greek"),
    "hr": ("Kroatisch", "Croatian"),
    "ro": ("Rumänisch", "Romanian"),
    "zh": ("Chinesisch", "Chinese"),
    "fa": ("Persisch", "Persian"),
    "da": ("Dänisch", "Danish"),
    "sv": ("Schwedisch", "Swedish"),
}


def language_name(code: str, lang: str = "de") -> str:
    """Return the German or English name of a language code, or the code itself."""
    names = LANGUAGE_NAMES.get(code)
    if names is None:
        return code
    return names[0] if lang == "de" else names[1]
