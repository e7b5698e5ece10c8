"""The message catalogs: every text in every language, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from generator.i18n import LANGUAGES, catalog_path

ROOT = Path(__file__).parents[1]
DOMAINS = [(ROOT / "generator", "site"), (ROOT / "form_service", "service")]


def fields(text: str) -> set[str]:
    """Return the names of the ``{placeholders}`` in ``text``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def messages(package: Path, domain: str, language: str) -> dict[str, str]:
    with catalog_path(package, domain, language).open("rb") as fp:
        catalog = read_po(fp, locale=language)
    assert not any(m.fuzzy for m in catalog if m.id), "a fuzzy text is not used"
    return {str(m.id): str(m.string) for m in catalog if m.id}


@pytest.mark.parametrize(("package", "domain"), DOMAINS, ids=[d for _, d in DOMAINS])
def test_every_key_has_a_text_in_every_language(package: Path, domain: str) -> None:
    first, *others = (messages(package, domain, lang) for lang in LANGUAGES)
    assert first and all(first.values())
    for other in others:
        assert other.keys() == first.keys()
        assert [k for k, v in other.items() if not v] == []
        assert [k for k in first if fields(first[k]) != fields(other[k])] == []


@pytest.mark.parametrize(("package", "domain"), DOMAINS, ids=[d for _, d in DOMAINS])
def test_compiled_catalogs_match_their_sources(package: Path, domain: str) -> None:
    for language in LANGUAGES:
        mo = catalog_path(package, domain, language, ".mo")
        if not mo.exists():
            continue  # read from the source until compiled
        with mo.open("rb") as fp:
            compiled = {str(m.id): str(m.string) for m in read_mo(fp) if m.id}
        source = messages(package, domain, language)
        assert compiled == source or mo.stat().st_mtime < catalog_path(
            package, domain, language).stat().st_mtime
