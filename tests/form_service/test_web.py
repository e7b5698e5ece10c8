"""App-wide web glue: client addresses behind trusted proxies, and answers to unknown addresses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import REQUEST, backend_of, make_app
from tests.servers import SmtpServer

Post = Callable[[str], int]


@pytest.fixture
def behind(network_root: Path, smtp: SmtpServer, tmp_path: Path) -> Iterator[Callable[[int], Post]]:
    """Return a function that starts the service behind ``n`` trusted proxies, 2 requests a
    minute per client, and returns how to post a request with an X-Forwarded-For header."""
    apps: list[Flask] = []

    def start(proxies: int) -> Post:
        app = make_app(network_root, f"sqlite:///{tmp_path / 'db.sqlite3'}", smtp.url,
                       rate_limit="2/minute", trusted_proxies=proxies)
        apps.append(app)
        client = app.test_client()  # connects from 127.0.0.1, the proxy

        def post(forwarded_for: str) -> int:
            headers = {"X-Forwarded-For": forwarded_for}
            return client.post("/api/requests", json=REQUEST, headers=headers).status_code

        return post

    yield start
    for app in apps:
        backend_of(app).engine.dispose()


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
    behind: Callable[[int], Post],
) -> None:
    post = behind(1)
    assert [post("203.0.113.1") for _ in range(3)] == [201, 201, 429]
    assert post("203.0.113.2") == 201
    # What a client writes in front of the proxy's entry does not make it someone else.
    assert post("198.51.100.7, 203.0.113.1") == 429


def test_without_trusted_proxies_the_header_is_ignored(behind: Callable[[int], Post]) -> None:
    post = behind(0)
    assert [post(f"203.0.113.{n}") for n in range(1, 5)] == [201, 201, 429, 429]


def test_unknown_addresses_get_json_and_broken_links_a_page(client: FlaskClient) -> None:
    unknown = client.get("/nirgendwo")
    assert (unknown.status_code, unknown.json) == (404, {"error": "not found"})
    for path in ("/r/kaputt", "/r/abgeschnitten/rest"):
        page = client.get(path)
        assert page.status_code == 404 and page.mimetype == "text/html"
        assert "ungültig" in page.get_data(as_text=True), path
