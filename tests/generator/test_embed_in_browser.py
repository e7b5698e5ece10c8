"""The embed on a member's own website: another origin, in Chromium."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import axe_playwright_python
import pytest
import yaml

from generator.embed import snippet
from generator.loader import load_network
from tests.generator.conftest import FormService, StaticServer, build_site, copy_network
from tests.servers import free_port

pytestmark = pytest.mark.browser

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
AWAY = "mueller-it"
DEPUTY = "schmidt-netzwerke"
BUDGET = 20_000
"""Bytes the embed may transfer, all files and the availability document together."""


class Sites(NamedTuple):
    site: StaticServer
    service: FormService
    member: StaticServer
    """A member's own website: a page of another origin with the snippet."""


def away_today(root: Path) -> None:
    path = root / "partners" / f"{AWAY}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = dt.date.today()
    data["absences"] = [{"from": today - dt.timedelta(days=1), "to": today + dt.timedelta(days=6),
                         "reason": "vacation", "deputy": DEPUTY}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    root = copy_network(tmp_path_factory.mktemp("embed-network"))
    away_today(root)
    port = free_port()
    own = tmp_path_factory.mktemp("member-website")
    with StaticServer(root / "site") as site, StaticServer(own) as member:
        build_site(root, f"http://127.0.0.1:{port}/")
        network = load_network(root)
        (own / "index.html").write_text(
            '<!doctype html><html lang="de"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Müller IT-Service</title></head><body><main><h1>Willkommen</h1>"
            + snippet(network, network.partners[AWAY], site.url)
            + "<p>Text darunter.</p></main></body></html>", encoding="utf-8")
        with FormService(root, port, site.url, tmp_path_factory.mktemp("embed-instance")) as svc:
            yield Sites(site, svc, member)


@pytest.fixture
def page(phone_page: Any) -> Any:
    """The member's website on a phone."""
    return phone_page


def frame_of(page: Any) -> Any:
    page.wait_for_selector("iframe")
    page.wait_for_function("document.querySelector('iframe').style.height !== '12rem'")
    frame = page.frames[1]
    frame.wait_for_load_state()
    return frame


def settled_height(page: Any, frame: Any) -> None:
    """Wait until the frame is as high as its content."""
    page.wait_for_function(
        "h => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h) < 2",
        arg=frame.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)"))


def test_embed_on_another_origin_loads_only_from_the_network(sites: Sites, page: Any) -> None:
    requests: list[Any] = []
    problems: list[str] = []
    page.on("requestfinished", lambda r: requests.append(r))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(sites.member.url, wait_until="networkidle")
    frame = frame_of(page)
    frame.wait_for_selector("#e-alt:not([hidden])")
    settled_height(page, frame)
    assert problems == []
    urls = [r.url for r in requests]
    assert [u for u in urls if not u.startswith((sites.member.url, sites.site.url,
                                                 sites.service.url))] == []
    # Today's state from the service, for the member and the colleagues it names only.
    availability = [r for r in requests if "/api/availability?members=mueller-it," in r.url]
    assert availability and availability[0].response().status == 200
    assert len(availability[0].response().json()["members"]) <= 20
    embed = [r for r in requests if not r.url.startswith(sites.member.url)]
    sent = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in embed)
    print(f"embed transferred {sent} bytes in {len(embed)} responses")
    assert sent < BUDGET


def test_embed_shows_the_deputy_colleagues_and_the_way_to_the_form(
    sites: Sites, page: Any
) -> None:
    page.goto(sites.member.url)
    frame = frame_of(page)
    frame.wait_for_selector("#e-alt:not([hidden])")
    assert frame.inner_text("#e-state").startswith("Abwesend bis")
    assert frame.inner_text("#e-deputy") == "Vertretung: Schmidt Netzwerke"
    colleagues = frame.eval_on_selector_all("#e-colleagues li:not([hidden])",
                                            "items => items.map(i => i.dataset.slug)")
    assert 1 <= len(colleagues) <= 3 and AWAY not in colleagues
    href = frame.get_attribute("#e-request", "href")
    assert "referred_by=mueller-it" in href and "reason=absence" in href
    with page.expect_popup() as popup:
        frame.click("#e-request")
    form = popup.value
    form.wait_for_load_state()
    assert form.url.startswith(sites.site.url + "anfrage/")
    assert form.input_value("#pd-referred_by") == "mueller-it"
    assert form.input_value("#pd-reason") == "absence"


def test_embed_passes_axe_in_the_page_and_in_the_frame(sites: Sites, page: Any) -> None:
    page.goto(sites.member.url)
    frame = frame_of(page)
    settled_height(page, frame)
    for target in (page, frame):
        target.add_script_tag(path=str(AXE))
        result = target.evaluate("axe.run()")
        assert [(v["id"], v["impact"]) for v in result["violations"]] == []


def test_embed_works_when_the_service_is_down(sites: Sites, page: Any) -> None:
    page.route(sites.service.url + "**", lambda route: route.abort())
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(sites.member.url)
    frame = frame_of(page)
    settled_height(page, frame)
    # The build's state: away, with the deputy, as the profile says.
    assert frame.inner_text("#e-state").startswith("Abwesend bis")
    assert frame.is_visible("#e-deputy")
    assert problems == []


def test_embed_is_a_plain_link_without_javascript(sites: Sites, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(sites.member.url)
    assert page.locator("iframe").count() == 0
    link = page.locator("a[data-partnerdir]")
    assert link.get_attribute("href") == sites.site.url + "partner/mueller-it/"
    assert "Müller IT-Service" in link.inner_text()
    context.close()
