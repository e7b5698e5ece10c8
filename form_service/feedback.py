"""Clients answer the follow-up through a signed link: GET shows the form, only POST records."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from form_service.extensions import limiter
from form_service.followup import (
    FeedbackError,
    FeedbackResult,
    FeedbackState,
    feedback_state,
    parse_feedback,
    record_feedback,
    request_language,
)
from form_service.links import LinkError, read_feedback_token
from form_service.models import utcnow
from form_service.web import backend, nudge_worker, render_page

bp = Blueprint("feedback", __name__)


def _closed(state: str, status: int = 200, lang: str = "de") -> tuple[str, int]:
    """Render the page that ends the form: thanks, answered before, gone, expired or invalid."""
    contact = backend().network.settings.coordinator.email
    return render_page("feedback_done.html", lang, state=state, contact=contact), status


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
    lang = request_language(backend(), public_id)  # the client's, as in the follow-up mail
    if state is FeedbackState.GONE:
        return _closed(state, 410, lang)
    if state is FeedbackState.RECORDED:
        return _closed(state, lang=lang)
    if request.method != "POST":  # GET, and HEAD, which Flask answers with the GET view
        return render_page("feedback.html", lang, member=member, errors={}, values={})
    try:
        answers = parse_feedback(request.form, lang)
    except FeedbackError as exc:
        page = render_page("feedback.html", lang, member=member, errors=exc.errors,
                           values=request.form)
        return page, 422
    result = record_feedback(backend(), public_id, answers, utcnow())
    if result is FeedbackResult.RECORDED:
        nudge_worker()
        return _closed("thanks", lang=lang)
    return _closed(result, 410 if result is FeedbackResult.GONE else 200, lang)
