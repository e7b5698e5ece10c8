"""Forms that help: only accepted requests count toward the limits, refused ones have their own,
one client address is limited whatever network it comes from, and a plain form post with
mistakes gets the real form back, filled in, each message at its field."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from flask import Flask

from generator.emails import normal_email
from tests.conftest import REQUEST, backend_of, make_app
from tests.servers import SmtpServer


@pytest.fixture
def strict(network_root: Path, tmp_path: Path, smtp: SmtpServer) -> Iterator[Flask]:
    app = make_app(network_root, f"sqlite:///{tmp_path / 'limits.sqlite3'}", smtp.url,
                   rate_limit="2/minute", refused_rate_limit="4/minute",
                   email_rate_limit="1000/minute")
    yield app
    backend_of(app).engine.dispose()


def test_refused_submissions_do_not_use_up_the_limit(strict: Flask) -> None:
    client = strict.test_client()
    typos = [client.post("/api/requests", json={**REQUEST, "email": "eva@"}).status_code
             for _ in range(3)]
    fixed = [client.post("/api/requests", json=REQUEST).status_code for _ in range(3)]
    assert typos == [422, 422, 422] and fixed == [201, 201, 429]


def test_refused_submissions_have_their_own_limit(strict: Flask) -> None:
    client = strict.test_client()
    codes = [client.post("/api/requests", json={**REQUEST, "postal_code": "1"}).status_code
             for _ in range(6)]
    assert codes == [422, 422, 422, 422, 429, 429]
    assert client.post("/api/requests", json=REQUEST).status_code == 201


def test_one_client_address_is_limited_from_any_network(
    network_root: Path, tmp_path: Path, smtp: SmtpServer
) -> None:
    app = make_app(network_root, f"sqlite:///{tmp_path / 'email.sqlite3'}", smtp.url,
                   email_rate_limit="2/hour", trusted_proxies=1)
    client = app.test_client()

    def send(email: str, address: str) -> int:
        return client.post("/api/requests", json={**REQUEST, "email": email},
                           headers={"X-Forwarded-For": address}).status_code

    codes = [send("Eva@Kunde.example", f"198.51.100.{i}") for i in range(3)]
    assert codes == [201, 201, 429]
    response = client.post("/api/requests", json=REQUEST, headers={"X-Forwarded-For": "1.2.3.4"})
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert send("someone@else.example", "198.51.100.9") == 201
    backend_of(app).engine.dispose()


def field_error(page: str, name: str) -> str:
    """Return the message shown right after the field ``name``."""
    found = re.search(rf'id="pd-err-{name}">([^<]*)</p>', page)
    assert found is not None, name
    return found[1]


def test_the_page_after_a_plain_post_is_the_form_with_its_values(strict: Flask) -> None:
    client = strict.test_client()
    form = {**REQUEST, "consent": "on", "remote": "", "postal_code": "8033",
            "email": "eva@kunde", "needed_from": "2099-02-01", "needed_until": "2099-01-01"}
    response = client.post("/api/requests", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<html lang="de">' in page
    assert field_error(page, "postal_code") == "Bitte eine Postleitzahl wie 80331 angeben."
    assert field_error(page, "email") == "Bitte eine gültige E-Mail-Adresse angeben."
    assert "Ende" in field_error(page, "needed_until")
    assert 'id="pd-err-name" hidden>' in page
    assert 'value="8033" aria-invalid="true"' in page and 'value="2099-02-01"' in page
    assert ">Unser Server startet nicht mehr.</textarea>" in page
    assert '<option value="it-support" selected>' in page
    assert 'name="consent" value="true" checked' in page
    assert "postal_code" not in re.sub(r'(id|for|name|aria-describedby)="[^"]*"', "", page)
    assert "_body" not in page and " / " not in page


def test_the_english_form_comes_back_in_english(strict: Flask) -> None:
    form = {**REQUEST, "consent": "", "remote": "", "language": "en"}
    page = strict.test_client().post("/api/requests", data=form).get_data(as_text=True)
    assert '<html lang="en">' in page and "Please check your details" in page
    assert "Bitte" not in page


def test_everyday_addresses_are_normalized_as_the_library_does() -> None:
    rng = random.Random(7)
    letters = string.ascii_letters + string.digits
    addresses = ["Eva.Kunde@Kunde.Example", "a@xn--bcher-kva.de", "a@x.local", "a..b@x.de",
                 "a@x.123", "a@-x.de", "ä@x.de", "a@qu--k.de", "a@home.arpa", "a" * 65 + "@x.de"]
    for _ in range(3000):
        local = "".join(rng.choice(letters + "._%+-") for _ in range(rng.randint(1, 10)))
        domain = ".".join("".join(rng.choice(letters + "-") for _ in range(rng.randint(1, 5)))
                          for _ in range(rng.randint(1, 3)))
        addresses.append(f"{local}@{domain}")
    for address in addresses:
        try:
            expected: str | None = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            expected = None
        try:
            found: str | None = normal_email(address)
        except EmailNotValidError:
            found = None
        assert found == expected, address
