"""Message catalogs: every user-facing text, one gettext catalog per language and package.

Texts are looked up by key (``offer_body``); each language's catalog lives in
``<package>/locale/<lang>/LC_MESSAGES/<domain>.po`` and is compiled to ``.mo`` by ``make``
(``pybabel compile``). A catalog whose ``.mo`` is missing or older than its ``.po`` is read from
the ``.po``, so an edited text shows without a separate step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LANGUAGES = ("de", "en")  # German first; the first is the fallback


class Catalog(Mapping[str, str]):
    """The texts of one language, by key; ``catalog.key`` reads as ``catalog["key"]``."""

    def __init__(self, language: str, texts: dict[str, str]) -> None:
        self.language = language
        self._texts = texts

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def __getattr__(self, key: str) -> str:
        try:
            return self._texts[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def text(self, key: str, **values: object) -> str:
        """Return the text ``key`` with ``values`` filled in."""
        return self._texts[key].format(**values)


def catalog_path(package: Path, domain: str, language: str, suffix: str = ".po") -> Path:
    """Return the path of a catalog file of ``domain`` in ``language`` under ``package``."""
    return package / "locale" / language / "LC_MESSAGES" / f"{domain}{suffix}"


@cache
def load(package: Path, domain: str, language: str) -> Catalog:
    """Return the catalog of ``domain`` in ``language``, compiled when it is up to date."""
    po = catalog_path(package, domain, language)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fp:
            messages = read_mo(fp)
    else:
        with po.open("rb") as fp:
            messages = read_po(fp, locale=language, domain=domain)
    texts = {str(m.id): str(m.string) for m in messages if m.id and m.string}
    return Catalog(language, texts)


def catalogs(package: Path, domain: str) -> dict[str, Catalog]:
    """Return the catalogs of ``domain`` under ``package``, by language."""
    return {language: load(package, domain, language) for language in LANGUAGES}
