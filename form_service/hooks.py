"""The push webhook: POST /hooks/git, signed as GitHub signs (``X-Hub-Signature-256``), hands a
round of following the repository to the worker."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, jsonify, request

from form_service.extensions import limiter
from form_service.web import TASKS, backend

bp = Blueprint("hooks", __name__)

MAX_BYTES = 1024 * 1024
"""The largest push description accepted; GitHub's stay far below this for pushes of profiles."""
REFUSED_LIMIT = "10/minute"
"""Refused calls per address; signed calls are never counted, so pushes are never held back."""


def signed(secret: str, body: bytes, signature: str) -> bool:
    """Return whether ``signature`` is the HMAC-SHA256 of ``body`` under ``secret``."""
    if not secret:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace"))


def pushed_ref(body: bytes, mimetype: str) -> str | None:
    """Return the ref a push event names, from a JSON or a form-encoded delivery."""
    try:
        if mimetype == "application/x-www-form-urlencoded":
            body = parse_qs(body.decode("utf-8")).get("payload", [""])[0].encode("utf-8")
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    ref = payload.get("ref") if isinstance(payload, dict) else None
    return ref if isinstance(ref, str) else None


def _refused(response: Response) -> bool:
    return response.status_code == 401


@bp.post("/hooks/git")
@limiter.limit(REFUSED_LIMIT, deduct_when=_refused)
def git_push() -> Any:
    """Take a signed push to the followed branch and let the worker fetch it at once."""
    settings = backend().settings
    if not settings.network_git:
        return jsonify(error="not found"), 404  # not following a repository: as if absent
    request.max_content_length = MAX_BYTES
    body = request.get_data(cache=True)
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not signed(settings.webhook_secret, body, signature):
        return jsonify(error="missing or wrong X-Hub-Signature-256"), 401
    event = request.headers.get("X-GitHub-Event", "push")
    if event == "ping":
        return jsonify(status="pong")
    wanted = f"refs/heads/{settings.network_branch}"
    ref = pushed_ref(body, request.mimetype)
    if event != "push" or ref != wanted:
        return jsonify(status="ignored", reason=f"not a push to {wanted}"), 202
    tasks = current_app.extensions.get(TASKS)
    if tasks is None:
        return jsonify(error="no job queue; the worker fetches at its next interval"), 503
    tasks.sync()
    return jsonify(status="queued"), 202
