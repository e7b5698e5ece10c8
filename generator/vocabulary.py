"""Fixed vocabularies a profile is checked against: languages, countries and their postal codes."""

from __future__ import annotations

import re

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

# Countries the network serves, with the shape of their postal codes.
POSTAL_CODES: dict[str, re.Pattern[str]] = {
    "DE": re.compile(r"\d{5}"),
    "AT": re.compile(r"\d{4}"),
    "CH": re.compile(r"\d{4}"),
    "LI": re.compile(r"\d{4}"),
    "LU": re.compile(r"\d{4}"),
    "BE": re.compile(r"\d{4}"),
    "DK": re.compile(r"\d{4}"),
    "NL": re.compile(r"\d{4} ?[A-Z]{2}"),
    "FR": re.compile(r"\d{5}"),
    "IT": re.compile(r"\d{5}"),
    "PL": re.compile(r"\d{2}-\d{3}"),
    "CZ": re.compile(r"\d{3} ?\d{2}"),
}

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
