"""Clients answer the follow-up through a signed link: GET shows the form, only POST records."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from form_service.extensions import limiter
from form_service.followup import (
    FeedbackError,
    FeedbackResult,
    FeedbackState,
    feedback_state,
    parse_feedback,
    record_feedback,
)
from form_service.links import LinkError, read_feedback_token
from form_service.models import utcnow
from form_service.web import backend, nudge_worker

bp = Blueprint("feedback", __name__)


def _closed(state: str, status: int = 200) -> tuple[str, int]:
    """Render the page that ends the form: thanks, answered before, gone, expired or invalid."""
    contact = backend().network.settings.coordinator.email
    return render_template("feedback_done.html", state=state, contact=contact), status


@bp.route("/f/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
def give_feedback(token: str) -> Any:
    """Show the feedback form (GET) or record the client's answers (POST)."""
    settings = backend().settings
    try:
        public_id = read_feedback_token(
            settings.secret_key, token, settings.feedback_link_days * 86400
        )
    except LinkError as exc:
        return _closed("expired", 410) if exc.expired else _closed("invalid", 404)
    state, member = feedback_state(backend(), public_id)
    if state is FeedbackState.GONE:
        return _closed(state, 410)
    if state is FeedbackState.RECORDED:
        return _closed(state)
    if request.method != "POST":  # GET, and HEAD, which Flask answers with the GET view
        return render_template("feedback.html", member=member, errors={}, values={})
    try:
        answers = parse_feedback(request.form)
    except FeedbackError as exc:
        page = render_template("feedback.html", member=member, errors=exc.errors,
                               values=request.form)
        return page, 422
    result = record_feedback(backend(), public_id, answers, utcnow())
    if result is FeedbackResult.RECORDED:
        nudge_worker()
        return _closed("thanks")
    return _closed(result, 410 if result is FeedbackResult.GONE else 200)
