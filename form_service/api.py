"""Intake routes: POST /api/requests, the health check and the OpenAPI description."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import text as sql
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from form_service.backend import Backend
from form_service.extensions import limiter
from form_service.intake import FIELDS, IntakeError, parse_submission
from form_service.models import utcnow
from form_service.openapi import description
from form_service.routing import store_request
from form_service.strings import both

bp = Blueprint("api", __name__)


def backend() -> Backend:
    """Return the app's backend."""
    result: Backend = current_app.extensions["partnerdir"]
    return result


def _rate_limit() -> str:
    return backend().settings.rate_limit


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _origin_allowed() -> bool:
    origin = request.headers.get("Origin")
    if origin is None:  # not a browser, or a same-origin request of an older browser
        return True
    own = request.host_url.rstrip("/")
    return origin in (backend().settings.site_origin, own)


def _refusal(key: str, status: int, **values: object) -> Any:
    """Answer a refused submission in JSON or, for a plain form post, as a page."""
    message = both(key, **values)
    if _wants_json():
        return jsonify(errors={"_body": [message]}), status
    body = render_template("errors.html", errors={"_body": [message]}, values={},
                           form_url=backend().settings.site_url + "anfrage/")
    return body, status


@bp.app_errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded) -> Any:
    """Answer a flooding client 429 with the seconds until its window ends at the latest."""
    seconds = max(1, int(error.limit.limit.get_expiry()))
    body, status = _refusal("too_many", 429, seconds=seconds)
    return body, status, {"Retry-After": str(seconds)}


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Any:
    """Answer an oversized body 413 without reading it."""
    return _refusal("too_large", 413)


@bp.post("/api/requests")
@limiter.limit(_rate_limit)
def create_request() -> Any:
    """Validate and store a client's request, then answer (201, 303 or 422)."""
    as_json = request.is_json
    if not _origin_allowed():
        return jsonify(errors={"_origin": ["origin not allowed"]}), 403
    if as_json:
        try:
            data = request.get_json()
        except BadRequest:
            return jsonify(errors={"_body": [both("bad_body")]}), 400
        if not isinstance(data, dict):
            return jsonify(errors={"_body": [both("bad_body")]}), 400
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = {k: request.form.get(k) for k in FIELDS if k in request.form}
    else:
        return jsonify(errors={"_body": [both("bad_body")]}), 415
    data = {k: v for k, v in data.items() if k in FIELDS}
    if not data.get("idempotency_key") and request.headers.get("Idempotency-Key"):
        data["idempotency_key"] = request.headers["Idempotency-Key"]
    now = utcnow()
    try:
        submission = parse_submission(data, backend().network, now.date())
    except IntakeError as exc:
        if as_json:
            return jsonify(errors=exc.errors), 422
        body = render_template(
            "errors.html",
            errors=exc.errors,
            values=data,
            form_url=backend().settings.site_url + "anfrage/",
        )
        return body, 422
    if submission.spam:
        public_id = secrets.token_urlsafe(12)
    else:
        stored = store_request(backend(), submission, now)
        public_id = stored.public_id
        # Routing and mail are the worker's: it polls the database, so the answer waits for
        # nothing but the commit, and nothing is lost if a queue is down.
        tasks = current_app.extensions.get("partnerdir.tasks")
        if tasks is not None and tasks.immediate:
            tasks.process(stored.id)
    if as_json:
        return jsonify(id=public_id, status="received"), 201
    return redirect(backend().settings.site_url + "anfrage/danke/", code=303)


@bp.route("/api/requests", methods=["OPTIONS"])
@limiter.exempt
def preflight() -> Response:
    """Answer CORS preflight requests from the site."""
    return Response(status=204)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Any:
    """Report whether the service can reach its database."""
    try:
        with backend().engine.connect() as connection:
            connection.execute(sql("SELECT 1"))
    except Exception as exc:  # any database failure means unhealthy
        return jsonify(status="unavailable", error=type(exc).__name__), 503
    return jsonify(status="ok")


@bp.get("/api/openapi.json")
@limiter.exempt
def openapi() -> Any:
    """Return the OpenAPI description."""
    network = backend().network
    return jsonify(description(sorted(network.settings.service_ids), list(network.partners)))


@bp.after_app_request
def cors(response: Response) -> Response:
    """Allow the site's origin, and nobody else, to call the API from a browser."""
    origin = request.headers.get("Origin")
    if origin and origin == backend().settings.site_origin and request.path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
    return response
