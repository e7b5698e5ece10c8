"""Intake routes: POST /api/requests, the health check and the OpenAPI description."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request
from sqlalchemy import text as sql
from werkzeug.exceptions import BadRequest

from form_service.assignments import store_request
from form_service.extensions import limiter
from form_service.intake import FIELDS, IntakeError, parse_submission
from form_service.models import utcnow
from form_service.openapi import description
from form_service.strings import both
from form_service.web import backend, error_page, origin_allowed

bp = Blueprint("api", __name__)


def _rate_limit() -> str:
    return backend().settings.rate_limit


def _bad_body(status: int) -> Any:
    return jsonify(errors={"_body": [both("bad_body")]}), status


@bp.post("/api/requests")
@limiter.limit(_rate_limit)
def create_request() -> Any:
    """Validate and store a client's request, then answer (201, 303 or 422)."""
    as_json = request.is_json
    if not origin_allowed():
        return jsonify(errors={"_origin": ["origin not allowed"]}), 403
    if as_json:
        try:
            data = request.get_json()
        except BadRequest:
            return _bad_body(400)
        if not isinstance(data, dict):
            return _bad_body(400)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = {k: request.form.get(k) for k in FIELDS if k in request.form}
    else:
        return _bad_body(415)
    data = {k: v for k, v in data.items() if k in FIELDS}
    if not data.get("idempotency_key") and request.headers.get("Idempotency-Key"):
        data["idempotency_key"] = request.headers["Idempotency-Key"]
    now = utcnow()
    try:
        submission = parse_submission(data, backend().network, now.date())
    except IntakeError as exc:
        if as_json:
            return jsonify(errors=exc.errors), 422
        return error_page(exc.errors, data, 422)
    if submission.spam:
        public_id = secrets.token_urlsafe(12)
    else:
        # Routing and mail are the worker's: it polls the database, so the answer waits for
        # nothing but the commit, and nothing is lost if a queue is down.
        public_id = store_request(backend(), submission, now).public_id
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
    return jsonify(description(sorted(network.settings.service_ids), list(network.partners),
                               network.countries, network.home_country))
