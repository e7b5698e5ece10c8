"""POST /hooks/git: only a push to the followed branch, signed with the webhook secret, hands a
round to the worker's queue; anything else fetches nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from form_service.hooks import REFUSED_LIMIT, signed
from tests.conftest import backend_of, make_app
from tests.servers import SmtpServer

SECRET = "hook-secret"
PUSH = {"ref": "refs/heads/main", "after": "0" * 40, "repository": {"full_name": "netz/verzeichnis"}}


def signature(body: bytes, secret: str = SECRET) -> str:
    """Sign ``body`` as GitHub does."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def hook_app(network_root: Path, tmp_path: Path, smtp: SmtpServer) -> Iterator[Flask]:
    """The service following a repository, with its job queue in instance/ as in production."""
    app = make_app(network_root, f"sqlite:///{tmp_path / 'db.sqlite3'}", smtp.url, queue=True,
                   network_git=str(tmp_path / "remote.git"), webhook_secret=SECRET)
    yield app
    backend_of(app).engine.dispose()


def post(client: FlaskClient, payload: Any = PUSH, *, event: str = "push",
         sign: str | None = SECRET, **headers: str) -> TestResponse:
    data = json.dumps(payload).encode()
    if sign is not None:
        headers["X-Hub-Signature-256"] = signature(data, sign)
    return client.post("/hooks/git", data=data, content_type="application/json",
                       headers={"X-GitHub-Event": event, **headers})


def queued(app: Flask) -> int:
    count: int = app.extensions["partnerdir.tasks"].huey.pending_count()
    return count


def test_the_signature_is_the_one_github_documents() -> None:
    # The example of GitHub's guide "Validating webhook deliveries".
    example = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signed("It's a Secret to Everybody", b"Hello, World!", example)
    assert not signed("It's a Secret to Everybody", b"Hello, World?", example)
    assert not signed("", b"Hello, World!", example)


def test_a_signed_push_to_the_branch_queues_one_round(hook_app: Flask) -> None:
    response = post(hook_app.test_client())
    assert (response.status_code, response.json) == (202, {"status": "queued"})
    assert queued(hook_app) == 1


def test_a_form_encoded_delivery_counts_too(hook_app: Flask) -> None:
    from urllib.parse import urlencode

    data = urlencode({"payload": json.dumps(PUSH)}).encode()
    response = hook_app.test_client().post(
        "/hooks/git", data=data, content_type="application/x-www-form-urlencoded",
        headers={"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(data)})
    assert response.status_code == 202 and queued(hook_app) == 1


@pytest.mark.parametrize(
    ("sign", "headers"),
    [(None, {}), ("wrong-secret", {}), (None, {"X-Hub-Signature-256": "sha256=" + "0" * 64}),
     (None, {"X-Hub-Signature-256": "sha1=" + "0" * 40}),
     (None, {"X-Hub-Signature-256": "sha256=ä"})],
    ids=["missing", "other-secret", "forged", "sha1", "not-ascii"],
)
def test_an_unsigned_or_forged_call_is_refused_and_fetches_nothing(
    hook_app: Flask, network_root: Path, sign: str | None, headers: dict[str, str]
) -> None:
    response = post(hook_app.test_client(), sign=sign, **headers)
    assert response.status_code == 401
    assert response.json == {"error": "missing or wrong X-Hub-Signature-256"}
    assert queued(hook_app) == 0
    assert not (network_root / "instance" / "network").exists()


def test_without_a_secret_every_call_is_refused(
    network_root: Path, tmp_path: Path, smtp: SmtpServer
) -> None:
    app = make_app(network_root, f"sqlite:///{tmp_path / 'db.sqlite3'}", smtp.url, queue=True,
                   network_git=str(tmp_path / "remote.git"))
    try:
        assert post(app.test_client(), sign="").status_code == 401
        assert queued(app) == 0
    finally:
        backend_of(app).engine.dispose()


@pytest.mark.parametrize(
    ("event", "payload", "status"),
    [("push", {**PUSH, "ref": "refs/heads/feature"}, 202),
     ("push", {**PUSH, "ref": "refs/tags/v1"}, 202),
     ("push", ["not", "a", "push"], 202),
     ("pull_request", PUSH, 202),
     ("ping", {"zen": "Keep it logically awesome."}, 200)],
    ids=["other-branch", "tag", "no-ref", "other-event", "ping"],
)
def test_signed_calls_that_are_no_push_to_the_branch_fetch_nothing(
    hook_app: Flask, event: str, payload: Any, status: int
) -> None:
    response = post(hook_app.test_client(), payload, event=event)
    assert response.status_code == status
    assert response.json == ({"status": "pong"} if event == "ping" else
                             {"status": "ignored", "reason": "not a push to refs/heads/main"})
    assert queued(hook_app) == 0


def test_refused_calls_are_rate_limited_but_signed_pushes_are_not(hook_app: Flask) -> None:
    client = hook_app.test_client()
    allowed = int(REFUSED_LIMIT.split("/")[0])
    for _ in range(2 * allowed):
        assert post(client).status_code == 202
    statuses = [post(client, sign="forged").status_code for _ in range(allowed + 1)]
    assert statuses == [401] * allowed + [429]


def test_the_hook_does_not_exist_while_no_repository_is_followed(client: FlaskClient) -> None:
    assert post(client).status_code == 404


def test_a_push_description_larger_than_a_mebibyte_is_refused(hook_app: Flask) -> None:
    payload = {**PUSH, "commits": ["x" * 1024] * 1100}
    assert post(hook_app.test_client(), payload).status_code == 413
    assert queued(hook_app) == 0
