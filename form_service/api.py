"""Intake routes: the form's check (GET /api/challenge), POST /api/requests with its quotas,
the health check and the OpenAPI description."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request
from flask_limiter.util import get_remote_address
from sqlalchemy import text as sql
from werkzeug.exceptions import BadRequest

from form_service.assignments import store_request
from form_service.backend import Backend
from form_service.challenges import issue, judge
from form_service.extensions import limiter, quota
from form_service.form_page import form_page
from form_service.holds import doubts, stored_reasons
from form_service.intake import FIELDS, IntakeError, Submission, parse_submission
from form_service.models import utcnow
from form_service.openapi import description
from form_service.strings import text
from form_service.web import backend, browser_language, origin_allowed, slow_down

bp = Blueprint("api", __name__)

PATH = "/api/requests"
"""Where clients' requests are posted (also answered before Flask: ``fast_lane.py``)."""


def _bad_body(status: int) -> Any:
    return jsonify(errors={"_body": [text("bad_body", browser_language())]}), status


@bp.get("/api/challenge")
@limiter.limit("30/minute")
def challenge() -> Any:
    """Return a new proof-of-work challenge for the form, signed and expiring."""
    response = jsonify(issue(backend().settings.secret_key))
    response.headers["Cache-Control"] = "no-store"
    return response


def _body() -> dict[str, Any] | Any:
    """Return the submitted fields (JSON or a plain form), or the answer to a body unread."""
    if request.is_json:
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
    return fields(data, request.headers.get("Idempotency-Key"))


def fields(data: dict[str, Any], idempotency_key: str | None) -> dict[str, Any]:
    """Return the request's fields of a submitted body (the header's key when it has none)."""
    data = {k: v for k, v in data.items() if k in FIELDS}
    if not data.get("idempotency_key") and idempotency_key:
        data["idempotency_key"] = idempotency_key
    return data


def accepted_json(public_id: str) -> str:
    """Return the body of the answer to an accepted JSON request."""
    # Built by hand: the busiest answer of the service, and always the same shape.
    return f'{{"id":"{public_id}","status":"received"}}\n'


def admit(service: Backend, submission: Submission, data: dict[str, Any], address: str,
          now: dt.datetime) -> str | int:
    """Count a valid submission and store it; return its public id, or the seconds to wait
    when its client's email is over its limit.

    Everything a valid request does before its answer, for the route and the fast lane alike
    (``form_service/fast_lane.py``).
    """
    settings = service.settings
    # Counted at once: past its limit an address stays refused until its window ends anyway.
    client = quota("email", settings.email_rate_limit)
    if not client.take(submission.email.lower()):
        return client.retry_after(submission.email.lower())
    if submission.spam:
        public_id = secrets.token_urlsafe(12)
    else:
        check = judge(settings.secret_key, data.get("altcha"), settings.form_min_seconds)
        crowded = not quota("crowded", settings.hold_rate_limit).take(address)
        held = doubts(check, submission.message, crowded) if settings.hold_doubtful else []
        # Routing and mail are the worker's: it polls the database, so the answer waits for
        # nothing but the commit, and nothing is lost if a queue is down. A held request
        # gets the very same answer.
        public_id = store_request(service, submission, now, held=stored_reasons(held),
                                  proof=check.proof).public_id
    quota("accepted", settings.rate_limit).take(address)
    return public_id


# Limited by hand rather than by a decorator: only accepted requests count toward the
# client's address and email quotas, refused ones (422) toward their own, larger one.
@bp.post(PATH)
def create_request() -> Any:
    """Validate and store a client's request, then answer (201, 303 or 422)."""
    if not origin_allowed():
        return jsonify(errors={"_origin": ["origin not allowed"]}), 403
    service = backend()
    settings = service.settings
    address = get_remote_address()
    accepted = quota("accepted", settings.rate_limit)
    if not accepted.allows(address):
        return slow_down(accepted.retry_after(address))
    data = _body()
    if not isinstance(data, dict):
        return data
    now = utcnow()
    try:
        submission = parse_submission(data, service.network, now.date())
    except IntakeError as exc:
        refused = quota("refused", settings.refused_rate_limit)
        if not refused.take(address):
            return slow_down(refused.retry_after(address))
        if request.is_json:
            return jsonify(errors=exc.errors), 422
        return form_page(exc.errors, data), 422
    public_id = admit(service, submission, data, address, now)
    if isinstance(public_id, int):
        return slow_down(public_id)
    if request.is_json:
        return Response(accepted_json(public_id), 201, mimetype="application/json")
    # The thank-you page in the language of the form: the English form chooses English.
    thanks = "en/request/thanks/" if submission.language == "en" else "anfrage/danke/"
    return redirect(settings.site_url + thanks, code=303)


@bp.route(PATH, methods=["OPTIONS"])
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
