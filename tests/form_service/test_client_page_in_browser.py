"""The status page in Chromium: fits a phone and a desktop, passes axe-core, and a client
without JavaScript corrects their phone number and withdraws the request with plain forms."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from form_service.models import ClientRequest
from form_service.strings import DE
from tests.conftest import backend_of, body, link_path, make_app, run_sweep
from tests.form_service.test_client_page import offers, received
from tests.servers import SmtpServer, free_port

pytestmark = pytest.mark.browser
AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"


@pytest.fixture
def live(network_root: Path, tmp_path: Path, smtp: SmtpServer) -> Iterator[tuple[Flask, str]]:
    """The form service on SQLite, served on loopback; yield the app and its address."""
    app = make_app(network_root, f"sqlite:///{tmp_path / 'db.sqlite3'}", smtp.url)
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    backend_of(app).engine.dispose()


def open_page(browser: Any, url: str, width: int, *, script: bool) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE",
                                  java_script_enabled=script)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    return page


def fits(page: Any) -> bool:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return bool(scroll <= inner)


def test_a_client_without_javascript_corrects_and_withdraws_on_a_phone(
    live: tuple[Flask, str], browser: Any, smtp: SmtpServer, tmp_path: Path
) -> None:
    app, origin = live
    url = origin + received(app, app.test_client(), smtp)

    for width in (390, 1280):
        page = open_page(browser, url, width, script=True)
        assert fits(page), f"the page scrolls sideways at {width} px"
        page.screenshot(path=str(tmp_path / f"status-{width}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run()")
        serious = [v["id"] for v in result["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == []
        page.context.close()

    page = open_page(browser, url, 390, script=False)
    page.fill("#f-phone", "0171 1234")
    page.click("text=" + DE["status_correct_button"])
    assert page.locator("[role=status]").inner_text() == DE["status_corrected_done"]
    with backend_of(app).sessions() as session:
        assert session.scalar(select(ClientRequest.phone)) == "0171 1234"

    page.check("input[name=confirm]")
    withdraw = DE["status_withdraw_button"]
    page.click(f"button:has-text('{withdraw}')")
    assert page.locator("[role=status]").inner_text() == DE["status_withdrawn_done"]
    assert page.locator("text=" + DE["step_withdrawn"]).count() == 1
    page.screenshot(path=str(tmp_path / "withdrawn-390.png"), full_page=True)
    page.context.close()
    run_sweep(app)
    member = offers(smtp)[0]["To"]
    assert smtp.mailbox.to(member)[-1]["Subject"] == "Anfrage zurückgezogen: IT-Betreuung"


def test_the_accepting_member_s_contact_fits_a_phone(
    live: tuple[Flask, str], browser: Any, smtp: SmtpServer, tmp_path: Path
) -> None:
    app, origin = live
    url = origin + received(app, app.test_client(), smtp)
    app.test_client().post(link_path(body(offers(smtp)[0]), "accept"))
    run_sweep(app)
    page = open_page(browser, url, 390, script=False)
    assert page.locator("a[href^='mailto:']").count() == 1
    assert page.locator("#f-phone").count() == 0
    page.screenshot(path=str(tmp_path / "accepted-390.png"), full_page=True)
    page.context.close()
    page = open_page(browser, url, 390, script=True)
    assert fits(page)
    page.context.close()
