"""The built site in a real browser: accessibility, privacy, filters, availability, the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
import yaml
from sqlalchemy import select

from form_service.models import ClientRequest
from generator.loader import load_network
from tests.conftest import partner_data
from tests.generator.conftest import FormService, StaticServer, build_site, copy_network

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
PAGES = {
    "home": "",
    "directory": "verzeichnis/",
    "partner": "partner/mueller-it/",
    "request": "anfrage/",
    "service": "leistungen/steuerberatung/",
}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page at phone width."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(30_000)  # a busy machine loads slowly
    yield page
    context.close()


def visible_cards(page: Any) -> set[str]:
    """Return the slugs of the directory cards shown: filter results, or the full list."""
    slugs = page.eval_on_selector_all(
        "#pd-results:not([hidden]) .pd-card, #pd-cards:not([hidden]) .pd-card:not([hidden])",
        "cards => cards.map(c => c.dataset.slug || c.id.slice(2))")
    return set(slugs)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_private_and_fits_a_phone(
    name: str, site: tuple[StaticServer, FormService], page: Any
) -> None:
    static, service = site
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(static.url + PAGES[name], wait_until="networkidle")
    assert problems == []
    # The pages read the members' current availability from our own form service.
    # blob: URLs are made by the page itself (the spam check's workers), on the site's origin.
    foreign = [url for url in requests
               if not url.removeprefix("blob:").startswith((static.url, service.url))]
    assert foreign == [], "requests left the site's and the service's origins"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], "the page scrolls sideways at 375 px"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run()")
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_directory_is_complete_without_javascript(
    site: tuple[StaticServer, FormService], browser: Any
) -> None:
    static, _ = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(static.url + "verzeichnis/")
    assert visible_cards(page) == set(load_network(REPO).partners)
    assert page.is_hidden("#pd-filters")
    context.close()


@pytest.mark.parametrize("width", [375, 1280], ids=["phone", "desktop"])
def test_each_filter_label_sits_by_its_control(
    width: int, site: tuple[StaticServer, FormService], page: Any
) -> None:
    static, _ = site
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(static.url + "verzeichnis/")
    page.wait_for_selector("#pd-filters:not([hidden])")
    pairs = page.eval_on_selector_all("#pd-filters label[for]", """labels => labels.map(l => {
        const a = l.getBoundingClientRect(), b = document.getElementById(l.htmlFor).getBoundingClientRect();
        return [l.htmlFor, a.left - b.left, b.top - a.bottom];
    })""")
    assert len(pairs) >= 5
    # Directly above its own control: the same left edge, and no more than a small gap between.
    misplaced = [(name, dx, dy) for name, dx, dy in pairs if abs(dx) > 2 or not -1 <= dy <= 12]
    assert misplaced == []


def test_filters_narrow_the_directory(site: tuple[StaticServer, FormService], page: Any) -> None:
    static, _ = site
    network = load_network(REPO)
    page.goto(static.url + "verzeichnis/")
    page.wait_for_selector("#pd-filters:not([hidden])")
    page.select_option("#pd-f-service", "steuerberatung")
    tax = {s for s, p in network.partners.items() if "steuerberatung" in p.services}
    assert visible_cards(page) == tax
    page.select_option("#pd-f-language", "tr")
    assert visible_cards(page) == {s for s in tax if "tr" in network.partners[s].languages}
    assert page.inner_text("#pd-count").startswith(f"{len(visible_cards(page))} von")
    page.click("#pd-filters button[type=reset]")
    page.wait_for_function(f"document.getElementById('pd-count').textContent.startsWith('{len(network.partners)} von')")
    assert visible_cards(page) == set(network.partners)
    page.fill("#pd-f-text", "münchen it")
    munich_it = {s for s, p in network.partners.items() if p.location.city == "München"
                 and any("IT" in x for x in (p.name, p.tagline or ""))}
    assert munich_it and visible_cards(page) <= {
        s for s, p in network.partners.items() if p.location.city == "München"}
    assert munich_it <= visible_cards(page)
    page.fill("#pd-f-text", "")
    page.fill("#pd-f-postal", "04229")
    leipzig = {s for s, p in network.partners.items()
               if any("04229".startswith(x) for x in p.service_area.postal_prefixes)}
    assert visible_cards(page) == leipzig
    assert "postal_code=04229" in page.url
    page.check("#pd-f-remote")  # as in the request form: then members working remotely too
    assert visible_cards(page) == leipzig | {
        s for s, p in network.partners.items() if p.service_area.remote}
    page.uncheck("#pd-f-remote")
    page.fill("#pd-f-postal", "")
    page.select_option("#pd-f-service", "rechtsberatung")
    page.check("#pd-f-available")  # the only legal adviser takes no referrals
    assert visible_cards(page) == set()
    assert page.is_visible("#pd-none")


@pytest.mark.parametrize(
    ("day", "badge", "absences_shown"),
    [
        (dt.datetime(2026, 12, 24, 12), "Abwesend bis 6. Januar 2027", True),
        (dt.datetime(2027, 2, 1, 12), "Begrenzt verfügbar", False),
    ],
    ids=["during-absence", "after-absence"],
)
def test_availability_is_computed_when_viewed(
    day: dt.datetime, badge: str, absences_shown: bool,
    site: tuple[StaticServer, FormService], page: Any,
) -> None:
    static, _ = site
    page.clock.set_fixed_time(day)
    page.goto(static.url + "partner/mueller-it/")
    assert page.inner_text(".pd-partner__status .pd-badge") == badge
    assert page.is_visible(".pd-absences") is absences_shown
    reason = "absence" if absences_shown else "capacity"
    assert f"reason={reason}" in (page.get_attribute("#pd-alternative", "href") or "")


def stored(service: FormService, email: str) -> ClientRequest | None:
    """Return the stored request of ``email``."""
    backend = service.app.extensions["partnerdir"]
    with backend.sessions() as session:
        found: ClientRequest | None = session.scalar(
            select(ClientRequest).where(ClientRequest.email == email))
        return found


def fill_request(page: Any, email: str) -> None:
    """Fill the request form as a client would."""
    page.fill("#pd-postal_code", "80331")
    page.fill("#pd-message", "Unser Router ist ausgefallen, wir brauchen schnell Hilfe.")
    page.fill("#pd-name", "Erika Musterfrau")
    page.fill("#pd-email", email)
    page.check("#pd-consent")


def test_form_posts_json_and_shows_the_answer(
    site: tuple[StaticServer, FormService], page: Any
) -> None:
    static, service = site
    page.goto(static.url + "anfrage/?service=netzwerk&referred_by=mueller-it&reason=absence")
    assert page.is_visible("#pd-referred")
    page.click("button[type=submit]")
    page.wait_for_selector("#pd-err-name:not([hidden])")
    assert page.get_attribute("#pd-email", "aria-invalid") == "true"
    assert page.is_visible("#pd-summary")
    fill_request(page, "erika.js@example.org")
    page.click("button[type=submit]")
    page.wait_for_selector("#pd-received:not([hidden])")
    assert page.is_hidden("#pd-request")
    request = stored(service, "erika.js@example.org")
    assert request is not None
    assert (request.service, request.referred_by, request.reason) == (
        "netzwerk", "mueller-it", "absence")


def test_form_works_as_a_plain_html_form(
    site: tuple[StaticServer, FormService], browser: Any
) -> None:
    static, service = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(static.url + "anfrage/")
    page.select_option("#pd-service", "it-support")
    fill_request(page, "erika.plain@example.org")
    page.click("button[type=submit]")
    page.wait_for_url(static.url + "anfrage/danke/")
    assert "Danke" in page.inner_text("h1")
    request = stored(service, "erika.plain@example.org")
    assert request is not None and request.service == "it-support"
    context.close()


LONG = "Sehr" + "lang" * 30


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    """A site with one member whose texts try to break the layout and inject markup."""
    root = copy_network(tmp_path_factory.mktemp("hostile"))
    data = partner_data(
        name=f"{LONG} <img src=x onerror=alert(1)>"[:100],
        tagline=LONG[:120],
        description=f"[{LONG}](https://example.org/{LONG}) <script>alert(2)</script>\n\n`{LONG}`",
        benefits=[LONG],
        contact={"email": "info@test-it.example", "website": f"https://example.org/{LONG}"},
    )
    (root / "partners" / "test-it.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with StaticServer(build_site(root)) as static:
        yield static


@pytest.mark.parametrize("path", ["partner/test-it/", "verzeichnis/", "leistungen/it-support/"])
def test_hostile_texts_neither_run_nor_widen_the_page(
    path: str, hostile_site: StaticServer, page: Any
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_site.url + path, wait_until="networkidle")
    assert LONG[:60] in (page.text_content("article") or "")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], "a long word widens the page at 375 px"
    assert dialogs == []
    assert page.locator("img[src=x]").count() == 0
