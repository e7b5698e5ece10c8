"""The intake's fast lane answers exactly as the route would, and leaves everything else to it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

import form_service.api
from form_service.extensions import limiter
from form_service.fast_lane import FastLane
from form_service.models import ClientRequest
from tests.conftest import REQUEST, SITE, backend_of, make_app
from tests.servers import SmtpServer


class Passed:
    """Counts the requests the fast lane hands on to the app."""

    def __init__(self, lane: FastLane) -> None:
        self.count = 0
        self.app = lane.app
        lane.app = self

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.count += 1
        return self.app(environ, start_response)


def lane_of(app: Flask) -> FastLane:
    lane = app.wsgi_app
    assert isinstance(lane, FastLane)  # no trusted proxies here: the lane is outermost
    return lane


@pytest.fixture
def pair(network_root: Path, smtp: SmtpServer, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """The service with its fast lane, and the same service without (the route answers all)."""
    apps = []
    for name in ("lane", "route"):
        app = make_app(network_root, f"sqlite:///{tmp_path / name}.sqlite3", smtp.url,
                       rate_limit="2/minute", email_rate_limit="1000/minute",
                       refused_rate_limit="2/minute")
        apps.append(app)
    with_lane, without = apps
    without.wsgi_app = lane_of(without).app  # type: ignore[method-assign]
    yield with_lane, without
    for app in apps:
        backend_of(app).engine.dispose()


def stored(app: Flask) -> int:
    with backend_of(app).sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ClientRequest)) or 0)


def answers(app: Flask, posts: list[dict[str, Any]]) -> list[tuple[int, dict[str, str], Any]]:
    """Send ``posts`` (test client keyword arguments) from one address; return status, headers
    and body of each, with the ids made comparable."""
    limiter.reset()  # the counts of an address start afresh, as on a server of its own
    client = app.test_client()
    seen = []
    for post in posts:
        response = client.post("/api/requests", **post)
        headers = dict(response.headers)
        body: Any = response.get_json(silent=True) or response.get_data(as_text=True)
        if isinstance(body, dict) and "id" in body:
            body = {**body, "id": len(body["id"])}
        seen.append((response.status_code, headers, body))
    return seen


FLOOD: list[dict[str, Any]] = [
    {"json": REQUEST},
    {"json": {**REQUEST, "email": "zwei@kunde.example"}, "headers": {"Origin": SITE}},
    # Over the address's limit of 2 a minute: in German, in English, and to the site's pages.
    {"json": REQUEST},
    {"json": REQUEST, "headers": {"Accept-Language": "en-GB,en;q=0.8"}},
    {"json": REQUEST, "headers": {"Origin": SITE}},
]


def test_accepted_and_limited_requests_get_the_answers_of_the_route(
        pair: tuple[Flask, Flask]) -> None:
    with_lane, without = pair
    passed = Passed(lane_of(with_lane))
    ours, theirs = answers(with_lane, FLOOD), answers(without, FLOOD)
    assert ours == theirs
    assert [status for status, _, _ in ours] == [201, 201, 429, 429, 429]
    assert ours[1][1]["Access-Control-Allow-Origin"] == SITE and ours[1][1]["Vary"] == "Origin"
    assert "too many" in str(ours[3][2]).lower() or "Too many" in str(ours[3][2])
    assert ours[2][1]["Retry-After"].isdigit()
    assert passed.count == 0  # every one of them answered by the lane itself
    assert stored(with_lane) == stored(without) == 2


OTHERS: list[dict[str, Any]] = [
    {"json": {**REQUEST, "email": "kaputt"}},  # field errors: counted toward refused ones
    {"data": "{not json", "content_type": "application/json"},
    {"json": [1, 2]},
    {"json": REQUEST, "headers": {"Origin": "https://evil.example"}},
    {"json": {**REQUEST, "message": "x" * 40_000}},
    {"data": {**REQUEST, "remote": "", "consent": "on"}},  # a plain form: 303
    {"json": {**REQUEST, "email": "kaputt"}},
    {"json": {**REQUEST, "email": "kaputt"}},  # the third refused one a minute: 429
]


def test_everything_else_is_answered_by_the_route_alone(pair: tuple[Flask, Flask]) -> None:
    with_lane, without = pair
    passed = Passed(lane_of(with_lane))
    ours, theirs = answers(with_lane, OTHERS), answers(without, OTHERS)
    assert ours == theirs
    assert [status for status, _, _ in ours] == [422, 400, 400, 403, 413, 303, 422, 429]
    assert passed.count == len(OTHERS)


def test_a_repeated_idempotency_key_gets_the_same_id(pair: tuple[Flask, Flask]) -> None:
    with_lane, _ = pair
    client = with_lane.test_client()
    key = {"Idempotency-Key": "abc-123"}
    first = client.post("/api/requests", json=REQUEST, headers=key)
    again = client.post("/api/requests", json=REQUEST, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert stored(with_lane) == 1


def test_a_filled_honeypot_is_answered_alike_and_stores_nothing(
        pair: tuple[Flask, Flask]) -> None:
    with_lane, _ = pair
    response = with_lane.test_client().post("/api/requests",
                                            json={**REQUEST, "website": "http://spam.example"})
    assert response.status_code == 201 and len(response.get_json()["id"]) == 16
    assert stored(with_lane) == 0


def test_a_failure_while_storing_is_logged_and_answered_500(
        pair: tuple[Flask, Flask], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    with_lane, _ = pair

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("database gone")

    monkeypatch.setattr(form_service.api, "store_request", broken)
    with caplog.at_level(logging.ERROR, logger="form_service"):
        response = with_lane.test_client().post("/api/requests", json=REQUEST)
    assert response.status_code == 500
    assert "Exception on /api/requests [POST]" in caplog.text and "database gone" in caplog.text
