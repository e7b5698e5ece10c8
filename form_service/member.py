"""Members answer an offer through signed links: GET shows a page, only POST acts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from form_service.assignments import AnswerResult, answer
from form_service.extensions import limiter
from form_service.links import LinkError, read_token
from form_service.models import Assignment, AssignmentState, utcnow
from form_service.web import backend, nudge_worker

bp = Blueprint("member", __name__)


def _action(token: str) -> tuple[int, str]:
    settings = backend().settings
    try:
        link = read_token(settings.secret_key, token, settings.link_max_age_days * 86400)
    except LinkError:
        abort(404)
    return link.assignment_id, link.action


# Everything under /r/ is a link from an offer mail, so a cut-off one gets this page too.
@bp.route("/r/<path:token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
def respond(token: str) -> Any:
    """Show the accept/decline confirmation page (GET) or apply the answer (POST)."""
    assignment_id, action = _action(token)
    with backend().sessions() as session:
        assignment = session.scalar(select(Assignment).where(Assignment.id == assignment_id))
        if assignment is None:
            abort(404)
        offered = assignment.state is AssignmentState.OFFERED
    if request.method == "GET":
        return render_template("answer.html", action=action, token=token, open=offered)
    done = answer(backend(), assignment_id, action, utcnow()) is not AnswerResult.ALREADY
    if done:
        nudge_worker()
    return render_template("answered.html", action=action, done=done)


@bp.errorhandler(404)
def invalid_link(error: Exception) -> Any:
    """Answer an invalid, expired or unknown link with a page."""
    return render_template("answered.html", action="invalid", done=False), 404
