"""Members in several countries: the forms ask for the country, and prefixes stay in theirs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from form_service.models import Assignment, ClientRequest
from generator.loader import Network, load_network
from generator.model import Partner
from generator.pages import SiteOptions, render_site
from tests.conftest import partner_data, run_sweep
from tests.generator.conftest import FormService, StaticServer, build_site, copy_network
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]
TIROL: dict[str, Any] = {
    "name": "Installateur Tirol", "services": ["sanitaer"],
    "location": {"postal_code": "6020", "city": "Innsbruck", "country": "AT"},
    "service_area": {"postal_prefixes": ["60"], "remote": False},
    "contact": {"email": "info@installateur-tirol.example"},
}
AMSTERDAM: dict[str, Any] = {
    "location": {"postal_code": "1012 AB", "city": "Amsterdam", "country": "NL"},
    "service_area": {"postal_prefixes": ["10"], "remote": False},
}


def pages_with(*members: dict[str, Any]) -> dict[str, str]:
    """Render the sample network's site with ``members`` added."""
    network = load_network(REPO)
    partners = dict(network.partners)
    for i, data in enumerate(members):
        partner = Partner.model_validate(partner_data(**data))
        partner._slug = f"member-{i}"
        partners[partner.slug] = partner
    site = render_site(Network(REPO, network.settings, partners), SiteOptions())
    return {page.path: page.body for page in site}


def test_members_in_one_country_are_asked_no_country() -> None:
    pages = pages_with()
    assert 'name="country"' not in pages["anfrage/index.md"]
    assert "pd-hint" not in pages["anfrage/index.md"]
    assert 'name="country"' not in pages["verzeichnis/index.md"]
    assert re.search(r'<input id="pd-postal_code" name="postal_code" [^>]*pattern="\\d\{5\}"'
                     r'[^>]* inputmode="numeric"', pages["anfrage/index.md"])


def test_members_in_two_countries_are_asked_the_country() -> None:
    pages = pages_with(TIROL)
    form, directory = pages["anfrage/index.md"], pages["verzeichnis/index.md"]
    assert (
        '<select id="pd-country" name="country" aria-describedby="pd-err-country">\n'
        '<option value="AT" data-example="6020" data-pattern="\\d{4}">Österreich</option>\n'
        '<option value="DE" data-example="80331" data-pattern="\\d{5}" selected>Deutschland'
        '</option>\n</select>\n'
    ) in form
    # Without JavaScript the postal code field takes a code of either country.
    assert 'pattern="(?:\\d{4})|(?:\\d{5})"' in form
    assert (
        '<p class="pd-hint" id="pd-hint-postal_code" data-format="Zum Beispiel {example}">'
        'Zum Beispiel 6020 (Österreich), 80331 (Deutschland)</p>'
    ) in form
    assert 'aria-describedby="pd-err-postal_code pd-hint-postal_code"' in form
    assert (
        '<select id="pd-f-country" name="country">\n'
        '<option value="AT">Österreich</option>\n'
        '<option value="DE" selected>Deutschland</option>\n'
        '</select>\n'
    ) in directory


def test_postal_codes_with_letters_get_the_full_keyboard() -> None:
    form = pages_with(AMSTERDAM)["anfrage/index.md"]
    field = re.search(r'<input id="pd-postal_code" [^>]*>', form)
    assert field and "inputmode" not in field[0] and 'autocomplete="postal-code"' in field[0]
    assert "1012 AB (Niederlande)" in form


@pytest.fixture(scope="module")
def two_countries(tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[tuple[StaticServer, FormService]]:
    """The sample network and a plumber in Innsbruck: the site and its form service."""
    root = copy_network(tmp_path_factory.mktemp("countries"))
    (root / "partners" / "installateur-tirol.yaml").write_text(
        yaml.safe_dump(partner_data(**TIROL), allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    service_port = free_port()
    with StaticServer(root / "site") as static:
        build_site(root, f"http://127.0.0.1:{service_port}/")
        # Routing by country is the point here, not the spam check: nothing is held.
        with FormService(root, service_port, static.url,
                         tmp_path_factory.mktemp("instance"), hold_doubtful=0) as service:
            yield static, service


def stored(service: FormService, email: str) -> tuple[str, str | None, list[str]]:
    """Return the country, postal code and offered members of the request of ``email``."""
    backend = service.app.extensions["partnerdir"]
    with backend.sessions() as session:
        request = session.scalars(select(ClientRequest).where(ClientRequest.email == email)).one()
        offered = session.scalars(
            select(Assignment.partner).where(Assignment.request_id == request.id)).all()
        return request.country, request.postal_code, list(offered)


def fill_request(page: Any, email: str) -> None:
    """Ask for a plumber in Innsbruck, as a client would."""
    page.select_option("#pd-service", "sanitaer")
    page.select_option("#pd-country", "AT")
    page.fill("#pd-postal_code", "6020")
    page.fill("#pd-message", "Die Heizung ist ausgefallen.")
    page.fill("#pd-name", "Erika Musterfrau")
    page.fill("#pd-email", email)
    page.check("#pd-consent")


@pytest.mark.parametrize("javascript", [True, False], ids=["json", "plain-form"])
def test_a_request_from_austria_reaches_the_austrian_member(
    two_countries: tuple[StaticServer, FormService], browser: Any, javascript: bool
) -> None:
    static, service = two_countries
    context = browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(static.url + "anfrage/")
    email = f"erika.{javascript}@example.org"
    fill_request(page, email)
    if javascript:
        assert page.inner_text("#pd-hint-postal_code") == "Zum Beispiel 6020"
    page.click("button[type=submit]")
    if javascript:
        page.wait_for_selector("#pd-received:not([hidden])")
    else:
        page.wait_for_url(static.url + "anfrage/danke/")
    context.close()
    run_sweep(service.app)
    assert stored(service, email) == ("AT", "6020", ["installateur-tirol"])


def test_the_directory_compares_prefixes_in_the_chosen_country(
    two_countries: tuple[StaticServer, FormService], browser: Any
) -> None:
    static, _ = two_countries
    page = browser.new_page()
    page.goto(static.url + "verzeichnis/")
    page.wait_for_selector("#pd-filters:not([hidden])")
    page.select_option("#pd-f-service", "sanitaer")
    page.fill("#pd-f-postal", "60311")
    shown = "#pd-results:not([hidden]) .pd-card"
    page.wait_for_selector(shown)
    assert page.eval_on_selector_all(shown, "cards => cards.map(c => c.dataset.slug)") == [
        "wasserwerk-koch"]
    page.select_option("#pd-f-country", "AT")
    page.fill("#pd-f-postal", "6020")
    assert page.eval_on_selector_all(shown, "cards => cards.map(c => c.dataset.slug)") == [
        "installateur-tirol"]
    assert "postal_code=6020&country=AT" in page.url
    page.close()
