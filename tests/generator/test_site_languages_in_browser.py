"""The site as a client sees it, at phone, tablet and desktop width: labels on their controls,
one language per page, a partner page that leads with its contact, a footer of our own."""

from __future__ import annotations

import re
from typing import Any

import pytest

from generator.strings import DE, EN
from tests.generator.conftest import FormService, StaticServer

pytestmark = pytest.mark.browser

WIDTHS = [375, 768, 1280]
GERMAN_PAGES = ["", "verzeichnis/", "partner/mueller-it/", "anfrage/", "anfrage/danke/",
                "leistungen/steuerberatung/", "datenschutz/"]
ENGLISH_PAGES = ["en/request/", "en/request/thanks/", "en/privacy/"]
FORMS = ["verzeichnis/", "anfrage/", "en/request/"]


def only_in(catalog: Any, other: Any) -> list[str]:
    """Return the texts of ``catalog`` a reader would notice in the wrong language."""
    texts = []
    for key in catalog:
        text = re.split(r"\{[a-z_]+\}", catalog[key])
        longest = max(text, key=len).strip(" .,:;…")
        if len(longest) > 12 and catalog[key] != other.get(key):
            texts.append(longest)
    return texts


@pytest.fixture
def page(phone_page: Any) -> Any:
    """A fresh German browser page."""
    return phone_page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", FORMS)
def test_every_label_sits_by_its_control(
    path: str, width: int, site: tuple[StaticServer, FormService], page: Any
) -> None:
    static, _ = site
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(static.url + path)
    page.wait_for_selector(".pd form:not([hidden])")
    pairs = page.eval_on_selector_all(
        ".pd form:not([hidden]) label[for]:not(.pd-honeypot label)", """labels => labels
        .map(l => [l, document.getElementById(l.htmlFor)])
        .filter(([l, c]) => c && c.type !== 'hidden' && l.offsetParent)
        .map(([l, c]) => {
            const a = l.getBoundingClientRect(), b = c.getBoundingClientRect();
            return [l.htmlFor, c.type, a.left, a.right, a.top, a.bottom,
                    b.left, b.right, b.top, b.bottom];
        })""")
    assert len(pairs) >= 5
    misplaced = []
    for name, kind, al, _ar, at, ab, bl, br, bt, bb in pairs:
        if kind in ("checkbox", "radio"):
            # Beside its box, on the same line: the box's middle within the label's height.
            fits = at - 4 <= (bt + bb) / 2 <= ab + 4 and 0 <= al - br <= 16
        else:
            # Directly above its own control: the same left edge, a small gap between.
            fits = abs(al - bl) <= 2 and -1 <= bt - ab <= 12
        if not fits:
            misplaced.append((name, width, round(al - bl), round(bt - ab)))
    assert misplaced == []


@pytest.mark.parametrize("path", GERMAN_PAGES)
def test_german_pages_speak_german_only(
    path: str, site: tuple[StaticServer, FormService], page: Any
) -> None:
    static, _ = site
    page.goto(static.url + path, wait_until="networkidle")
    # Everything but links marked as English, such as the one to the English form.
    text = page.evaluate("""() => { const body = document.body.cloneNode(true);
        body.querySelectorAll('[lang="en"]').forEach(e => e.remove());
        return body.innerText; }""")
    assert [t for t in only_in(EN, DE) if t in text] == []
    assert " / Please" not in text and "Made with" not in text


@pytest.mark.parametrize("path", ENGLISH_PAGES)
def test_english_pages_speak_english_only(
    path: str, site: tuple[StaticServer, FormService], page: Any
) -> None:
    static, _ = site
    page.goto(static.url + path, wait_until="networkidle")
    text = page.inner_text("article") + page.inner_text("footer")
    assert [t for t in only_in(DE, EN) if t in text] == []
    assert "Datenschutz" not in text and "Impressum" not in text
    # The theme's own words follow the page: the document's language, the search box.
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_attribute("input.md-search__input", "placeholder") == "Search"
    if path == "en/privacy/":
        return
    assert page.get_attribute(".pd", "lang") == "en"
    # The form asks in English, so the client's mails go out in English.
    if path == "en/request/":
        assert page.input_value("#pd-language") == "en"
    switch = page.locator(".pd-switch a")
    assert switch.inner_text() == "Deutsch"
    switch.click()
    assert page.url.startswith(static.url + ("anfrage/" if path == "en/request/"
                                             else "anfrage/danke/"))


def test_the_german_form_leads_to_the_english_one(
    site: tuple[StaticServer, FormService], page: Any
) -> None:
    static, _ = site
    page.goto(static.url + "anfrage/")
    assert page.input_value("#pd-language") == "de"
    page.click(".pd-switch a")
    assert page.url == static.url + "en/request/"


def test_an_available_member_leads_with_the_contact(
    site: tuple[StaticServer, FormService], page: Any
) -> None:
    static, _ = site
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(static.url + "partner/schmidt-netzwerke/", wait_until="networkidle")
    assert page.get_attribute(".pd-badge", "class") == "pd-badge pd-badge--available"
    assert not page.is_visible("#pd-alternative")
    contact = page.locator(".h-card").bounding_box()
    assert contact is not None and contact["y"] < 900, "the contact is above the fold"
    assert page.inner_text(".h-card .u-email") == "kontakt@schmidt-netzwerke.example"
    # The edit link is for members: small and last.
    last = page.eval_on_selector(".pd-partner", "p => p.querySelector('.pd-edit') === "
                                 "[...p.querySelectorAll('p')].at(-1)")
    assert last


def test_titles_menu_and_footer(site: tuple[StaticServer, FormService], page: Any) -> None:
    static, _ = site
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(static.url)
    assert page.title() == "Empfehlungsnetz Süd"
    menu = page.inner_text("nav.md-nav--primary")
    assert "Anfrage stellen" in menu and "Betrieb" not in menu
    footer = page.inner_text("footer")
    assert "Impressum" in footer and "Datenschutz" in footer and "Material" not in footer
    page.goto(static.url + "verzeichnis/")
    assert page.title() == "Verzeichnis - Empfehlungsnetz Süd"
    page.goto(static.url + "betrieb/")  # still built, for the coordination
    assert "Koordination" in page.title()
