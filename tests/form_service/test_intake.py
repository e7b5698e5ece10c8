"""Hostile and broken input: per-field errors, size and rate limits, CORS, header injection."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from form_service.models import ClientRequest
from tests.conftest import REQUEST, SITE, backend_of, make_app
from tests.servers import SmtpServer, redis_server


def count(app: Flask) -> int:
    with backend_of(app).sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ClientRequest)) or 0)


CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("missing-everything", {}, {"service", "message", "name", "email", "consent", "postal_code"}),
    ("unknown-service", {"service": "zauberei"}, {"service"}),
    ("bad-postal-code", {"postal_code": "8033"}, {"postal_code"}),
    ("no-place-not-remote", {"postal_code": ""}, {"postal_code"}),
    ("bad-email", {"email": "not-an-address"}, {"email"}),
    ("no-consent", {"consent": False}, {"consent"}),
    ("bad-language", {"language": "xx"}, {"language"}),
    ("bad-date", {"needed_from": "morgen"}, {"needed_from"}),
    ("reversed-dates", {"needed_from": "2099-02-01", "needed_until": "2099-01-01"}, {"needed_until"}),
    ("unknown-referrer", {"referred_by": "nobody-here"}, {"referred_by"}),
    ("bad-reason", {"reason": "boredom"}, {"reason"}),
    ("wrong-type", {"name": ["a", "b"], "remote": "maybe"}, {"name", "remote"}),
    ("message-too-long", {"message": "x" * 4001}, {"message"}),
    ("header-injection-name", {"name": "Eva\r\nBcc: victim@example.org"}, {"name"}),
    ("header-injection-email", {"email": "eva@kunde.example\nBcc: victim@example.org"}, {"email"}),
    ("bad-phone", {"phone": "call me"}, {"phone"}),
]


@pytest.mark.parametrize(("changes", "fields"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_fields_get_per_field_errors(
    app: Flask, client: FlaskClient, changes: dict[str, Any], fields: set[str]
) -> None:
    data = {} if not changes else {**REQUEST, **changes}
    response = client.post("/api/requests", json=data)
    assert response.status_code == 422
    assert response.json is not None
    assert set(response.json["errors"]) == fields
    for messages in response.json["errors"].values():
        assert all(" / " not in m for m in messages)  # one language: German, the form's
    assert count(app) == 0


def test_remote_work_needs_no_postal_code(app: Flask, client: FlaskClient) -> None:
    response = client.post("/api/requests", json={**REQUEST, "postal_code": "", "remote": True})
    assert response.status_code == 201 and count(app) == 1


def test_plain_form_post_redirects_to_the_thank_you_page(app: Flask, client: FlaskClient) -> None:
    form = {**REQUEST, "remote": "", "consent": "on"}
    response = client.post("/api/requests", data=form, headers={"Origin": SITE})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{SITE}/anfrage/danke/"
    assert count(app) == 1


def test_plain_form_errors_show_a_page_with_the_form(app: Flask, client: FlaskClient) -> None:
    form = {**REQUEST, "email": "kaputt", "consent": "on", "name": "<script>x</script>"}
    response = client.post("/api/requests", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Bitte eine gültige E-Mail-Adresse angeben." in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert 'value="kaputt"' in page and count(app) == 0


def test_malformed_json_and_unknown_types(app: Flask, client: FlaskClient) -> None:
    bad = client.post("/api/requests", data="{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json is not None and "_body" in bad.json["errors"]
    listed = client.post("/api/requests", json=[1, 2])
    assert listed.status_code == 400
    text = client.post("/api/requests", data="hello", content_type="text/plain")
    assert text.status_code == 415 and count(app) == 0


def test_oversized_body_gets_413(app: Flask, client: FlaskClient) -> None:
    response = client.post("/api/requests", json={**REQUEST, "message": "x" * 40_000})
    assert response.status_code == 413 and count(app) == 0
    assert response.json is not None and "zu groß" in response.json["errors"]["_body"][0]
    form = client.post("/api/requests", data={**REQUEST, "message": "x" * 40_000})
    assert form.status_code == 413 and "text/html" in form.content_type
    assert "zu groß" in form.get_data(as_text=True)


def test_cors_only_for_the_site(app: Flask, client: FlaskClient) -> None:
    preflight = client.options("/api/requests", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    ok = client.post("/api/requests", json=REQUEST, headers={"Origin": SITE})
    assert ok.status_code == 201 and ok.headers["Access-Control-Allow-Origin"] == SITE
    evil = client.post("/api/requests", json=REQUEST, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "Access-Control-Allow-Origin" not in evil.headers
    assert count(app) == 1


def test_health_and_openapi(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    spec = client.get("/api/openapi.json").json
    assert spec is not None and "/api/requests" in spec["paths"]


@pytest.fixture
def limited(network_root: Path, smtp: SmtpServer, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(network_root, f"sqlite:///{tmp_path / 'l.sqlite3'}", smtp.url,
                   rate_limit="3/minute")
    yield app
    backend_of(app).engine.dispose()


def test_flood_gets_429_with_retry_after(limited: Flask) -> None:
    client = limited.test_client()
    codes = [client.post("/api/requests", json=REQUEST).status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    response = client.post("/api/requests", json=REQUEST)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.json is not None
    seconds = re.search(r"in (\d+) Sekunden", response.json["errors"]["_body"][0])
    assert seconds is not None and 0 < int(seconds[1]) <= 60
    page = client.post("/api/requests", data=REQUEST)
    assert page.status_code == 429 and "Zu viele Anfragen" in page.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200
    assert count(limited) == 3


@pytest.mark.redis
def test_limits_are_shared_through_redis(network_root: Path, smtp: SmtpServer,
                                         tmp_path: Path) -> None:
    with redis_server() as url:
        apps = [make_app(network_root, f"sqlite:///{tmp_path / 'r.sqlite3'}", smtp.url,
                         rate_limit="2/minute", redis_url=url, queue=False) for _ in range(2)]
        codes = [apps[i % 2].test_client().post("/api/requests", json=REQUEST).status_code
                 for i in range(4)]
        for app in apps:
            backend_of(app).engine.dispose()
    assert codes == [201, 201, 429, 429]
