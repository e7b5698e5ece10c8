"""The site merges the service's availability document when viewed: what a member says shows
without a rebuild, a stopped or silent service changes nothing for the visitor, and the
directory shows a client as available exactly the members the router may ask."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from form_service import availability as document
from form_service.assignments import answer
from form_service.declines import Decline, unfit_for
from form_service.eligibility import Criteria
from form_service.jobs import sweep
from form_service.matching import Matcher
from form_service.models import Assignment, DeclineReason, MemberState, utcnow
from form_service.statements import current_statements, record
from generator.availability import availability
from generator.dates import day as day_text
from generator.loader import load_network
from generator.strings import DE
from tests.form_service.history import open_offer, request_at
from tests.generator.conftest import FormService, StaticServer, build_site, copy_network
from tests.servers import free_port

pytestmark = pytest.mark.browser

D = dt.timedelta(days=1)
Site = tuple[StaticServer, Path, int]


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample network's site, built to read availability from a service on a free port."""
    root = copy_network(tmp_path_factory.mktemp("live"))
    port = free_port()
    with StaticServer(root / "site") as static:
        build_site(root, f"http://127.0.0.1:{port}/")
        yield static, root, port


@pytest.fixture
def service(live_site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            ) -> Iterator[FormService]:
    """The form service the site reads, with an empty database of statements."""
    static, root, port = live_site
    # Every answer looks for new statements; the browser's cache is fresh for each test.
    monkeypatch.setattr(document, "CHECK_SECONDS", 0.0)
    with FormService(root, port, static.url, tmp_path, hold_doubtful=0) as running:
        yield running


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page at phone width, on the service's clock (UTC)."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="de-DE",
                                  timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(30_000)  # a busy machine loads slowly
    yield page
    context.close()


class Watch:
    """What a page reports: console errors, uncaught errors and every address it asked for."""

    def __init__(self, page: Any) -> None:
        self.errors: list[tuple[str, str]] = []
        self.requests: list[str] = []
        self.done: list[str] = []
        page.on("console", lambda m: self.errors.append((m.text, m.location.get("url", "")))
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append((str(e), "")))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfinished", lambda r: self.done.append(r.url))
        page.on("requestfailed", lambda r: self.done.append(r.url))


def say(service: FormService, slug: str, state: MemberState, until: dt.date,
        starts_on: dt.date | None = None, deputy: str | None = None) -> None:
    """Record what member ``slug`` says on their member page."""
    backend = service.app.extensions["partnerdir"]
    with backend.sessions() as session:
        record(session, slug, state, until=until, starts_on=starts_on, deputy=deputy,
               absence_reason="ill" if state is MemberState.AWAY else None, source="page",
               link="browser-test", now=utcnow(), members=backend.network.partners)
        session.commit()


def german(day: dt.date) -> str:
    """Return ``day`` as the pages write it in German."""
    return day_text(day, "de")


def built_badge(root: Path, slug: str, today: dt.date) -> str:
    """Return the badge text of ``slug`` as the profile alone gives it on ``today``."""
    now = availability(load_network(root).partners[slug], today)
    return DE["away"].format(date=german(now.until)) if now.until else DE[now.state]


@pytest.fixture
def said(service: FormService) -> FormService:
    """The service after four members said something: two for now, two for later."""
    today = utcnow().date()
    say(service, "steuerbuero-krause", MemberState.FULL, today + 5 * D)
    say(service, "schmidt-netzwerke", MemberState.AWAY, today + 4 * D, deputy="kaya-systemhaus")
    say(service, "wordbridge", MemberState.AWAY, today + 9 * D, starts_on=today + 7 * D)
    say(service, "bauer-grafik", MemberState.FULL, today + 20 * D, starts_on=today + 16 * D)
    return service


def test_a_statement_shows_on_the_site_without_a_rebuild(
    live_site: Site, said: FormService, page: Any
) -> None:
    static, _, port = live_site
    today = utcnow().date()
    watch = Watch(page)
    full = f"Ausgebucht bis {german(today + 5 * D)}"

    page.goto(static.url + "partner/steuerbuero-krause/")
    page.wait_for_selector("#pd-i18n[data-merged]", state="attached")
    assert page.inner_text(".pd-partner__status .pd-badge") == full
    assert "reason=capacity" in (page.get_attribute("#pd-alternative", "href") or "")

    page.goto(static.url + "partner/schmidt-netzwerke/")
    page.wait_for_selector("#pd-i18n[data-merged]", state="attached")
    assert page.inner_text(".pd-partner__status .pd-badge") == (
        f"Abwesend bis {german(today + 4 * D)}")
    assert page.inner_text(".pd-deputy") == " – Vertretung: kaya-systemhaus"
    assert page.get_attribute(".pd-deputy a", "href") == "../kaya-systemhaus/"
    assert "reason=absence" in (page.get_attribute("#pd-alternative", "href") or "")

    for path in ("verzeichnis/", "leistungen/steuerberatung/"):
        page.goto(static.url + path)
        page.wait_for_selector("#pd-i18n[data-merged]", state="attached")
        # Cards out of view are not laid out (content-visibility), so their text is read.
        assert page.text_content("#p-steuerbuero-krause .pd-badge") == full
    assert watch.errors == []
    ours = (static.url, f"http://127.0.0.1:{port}/")
    assert [url for url in watch.requests if not url.startswith(ours)] == []


PAGES = ("partner/mueller-it/", "leistungen/it-support/", "verzeichnis/")


def test_without_the_service_the_pages_show_the_build(live_site: Site, page: Any) -> None:
    static, root, port = live_site
    availability_url = f"http://127.0.0.1:{port}/api/availability"
    today = utcnow().date()
    for path in PAGES:
        watch = Watch(page)
        with page.expect_event("requestfailed") as failed:
            page.goto(static.url + path)
        assert failed.value.url == availability_url
        page.wait_for_load_state("networkidle")
        assert page.text_content("#p-mueller-it .pd-badge, .pd-partner__status .pd-badge") == (
            built_badge(root, "mueller-it", today))
        assert page.get_attribute("#pd-i18n", "data-merged") is None
        # The browser notes the refused connection itself; the page's script says nothing.
        assert watch.errors in ([], [("Failed to load resource: net::ERR_CONNECTION_REFUSED",
                                      availability_url)])
    page.wait_for_selector("#pd-filters:not([hidden])")
    page.select_option("#pd-f-service", "netzwerk")
    assert page.locator("#pd-results .pd-card").count() == 3


@pytest.fixture
def silent(live_site: Site) -> Iterator[threading.Event]:
    """A service that takes connections and never answers, until the event is set."""
    _, _, port = live_site
    listener = socket.create_server(("127.0.0.1", port))
    release = threading.Event()
    held: list[socket.socket] = []

    def hold() -> None:
        listener.settimeout(0.1)
        while not release.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    yield release
    release.set()
    thread.join(timeout=5)
    for connection in held:
        connection.close()
    listener.close()


def test_a_silent_service_delays_nothing(
    live_site: Site, silent: threading.Event, page: Any
) -> None:
    static, root, port = live_site
    availability_url = f"http://127.0.0.1:{port}/api/availability"
    watch = Watch(page)
    page.goto(static.url + "partner/mueller-it/", wait_until="load")
    # Loaded and showing the build while the service has not answered.
    assert availability_url in watch.requests and availability_url not in watch.done
    assert page.inner_text(".pd-partner__status .pd-badge") == (
        built_badge(root, "mueller-it", utcnow().date()))
    # The page gives up after a few seconds, quietly.
    with page.expect_event("requestfailed", timeout=6000):
        pass
    assert watch.errors == []
    assert page.get_attribute("#pd-i18n", "data-merged") is None


SERVICES = ("it-support", "netzwerk", "steuerberatung", "buchhaltung", "fotografie",
            "uebersetzung", "rechtsberatung", "sanitaer", "elektro", "webdesign")
POSTAL_CODES = ("", "80331", "81245", "60311", "50667", "04229", "10115", "70173", "01067",
                "20095", "90402", "99999")
LANGUAGES = ("de", "en", "tr", "pl")


@pytest.fixture
def declined(said: FormService) -> str:
    """The member first offered an IT request in Stuttgart, after declining it as not their
    expertise (in the service after ``said``)."""
    backend = said.app.extensions["partnerdir"]
    now = utcnow()
    request_id, _ = request_at(backend, now, postal_code="70173", email="grid@kunde.example")
    offer, member = open_offer(backend, request_id)
    answer(backend, offer, "decline", now, Decline(DeclineReason.EXPERTISE))
    return member


def test_the_directory_shows_as_available_exactly_whom_the_router_may_ask(
    live_site: Site, said: FormService, declined: str, page: Any
) -> None:
    static, root, _ = live_site
    today = utcnow().date()
    frames = [(None, None), (today + 6 * D, None), (today + 5 * D, today + 6 * D),
              (today + 10 * D, today + 12 * D), (today + 30 * D, None),
              (dt.date(2026, 12, 21), dt.date(2027, 1, 6)), (dt.date(2027, 3, 20), None)]
    frames = [(start, end) for start, end in frames
              if (start is None or start >= today) and (end is None or end >= today)]
    cases = [case for case in product(SERVICES, POSTAL_CODES, (False, True), LANGUAGES, frames)
             if case[1] or case[2]]
    backend = said.app.extensions["partnerdir"]
    with backend.sessions() as session:
        statements = current_statements(session, today)
        unfit = {sid: unfit_for(session, sid, utcnow()) for sid in SERVICES}
    assert declined == "kaya-systemhaus"
    assert {sid: members for sid, members in unfit.items() if members} == {
        "it-support": {declined}}
    matcher = Matcher(load_network(root).partners)
    routed = [sorted(c.slug for c in matcher.rank(
        Criteria(sid, postal or None, remote, language, "DE", start, end, unfit=unfit[sid]),
        {}, today, statements))
        for sid, postal, remote, language, (start, end) in cases]
    # The pause decides cases: without it the member would be asked for the service it covers,
    # and for the member's other service it is asked still.
    stuttgart = Criteria("it-support", "70173", False, "de", "DE")
    assert declined in {c.slug for c in matcher.rank(stuttgart, {}, today, statements)}
    assert any(declined in slugs for case, slugs in zip(cases, routed, strict=True)
               if case[0] == "netzwerk")

    page.goto(static.url + "verzeichnis/")
    page.wait_for_selector("#pd-i18n[data-merged]", state="attached")
    page.wait_for_function("window.partnerdir !== undefined")
    filters = [{"service": sid, "postal": postal, "remote": remote, "language": language,
                "available": True, "from": start.isoformat() if start else "",
                "until": end.isoformat() if end else ""}
               for sid, postal, remote, language, (start, end) in cases]
    shown = page.evaluate("fs => fs.map(f => window.partnerdir.filter(f).sort())", filters)
    differing = [(case, js, py) for case, js, py in zip(cases, shown, routed, strict=True)
                 if js != py]
    assert differing == []
    assert len(cases) > 1000 and sum(map(bool, routed)) > 100  # the grid finds members


def test_a_client_sees_the_remote_member_only_when_remote_work_is_fine(
    live_site: Site, service: FormService, page: Any
) -> None:
    static, _, _ = live_site
    page.goto(static.url + "verzeichnis/")
    page.wait_for_selector("#pd-i18n[data-merged]", state="attached")
    page.wait_for_selector("#pd-filters:not([hidden])")
    page.select_option("#pd-f-service", "steuerberatung")
    page.fill("#pd-f-postal", "60311")
    page.check("#pd-f-available")
    shown = "cards => cards.map(c => c.dataset.slug)"
    assert "steuerbuero-krause" not in page.eval_on_selector_all("#pd-results .pd-card", shown)
    page.check("#pd-f-remote")
    assert "steuerbuero-krause" in page.eval_on_selector_all("#pd-results .pd-card", shown)
    assert "remote=1" in page.url
    # The request form starts from the same choices, and the router offers the request to the
    # member the directory showed.
    page.click("a.pd-ask >> nth=0")
    page.wait_for_selector("#pd-request")
    assert page.input_value("#pd-service") == "steuerberatung"
    assert page.input_value("#pd-postal_code") == "60311" and page.is_checked("#pd-remote")
    page.fill("#pd-message", "Wir brauchen Hilfe beim Jahresabschluss.")
    page.fill("#pd-name", "Erika Musterfrau")
    page.fill("#pd-email", "erika.remote@example.org")
    page.check("#pd-consent")
    page.click("button[type=submit]")
    page.wait_for_selector("#pd-received:not([hidden])")
    backend = service.app.extensions["partnerdir"]
    sweep(backend)
    with backend.sessions() as session:
        assert session.scalars(select(Assignment.partner)).all() == ["steuerbuero-krause"]
