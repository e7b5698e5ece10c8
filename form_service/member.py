"""Members answer an offer through signed links: GET shows a page, only POST acts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select

from form_service.api import backend
from form_service.extensions import limiter
from form_service.links import LinkError, read_token
from form_service.models import Assignment, utcnow
from form_service.routing import answer

bp = Blueprint("member", __name__)


def _action(token: str) -> tuple[int, str]:
    settings = backend().settings
    try:
        link = read_token(settings.secret_key, token, settings.link_max_age_days * 86400)
    except LinkError:
        abort(404)
    return link.assignment_id, link.action


@bp.route("/r/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
def respond(token: str) -> Any:
    """Show the accept/decline confirmation page (GET) or apply the answer (POST)."""
    assignment_id, action = _action(token)
    with backend().sessions() as session:
        assignment = session.scalar(select(Assignment).where(Assignment.id == assignment_id))
        if assignment is None:
            abort(404)
        state = assignment.state
    if request.method == "GET":
        return render_template("answer.html", action=action, token=token, open=state == "offered")
    done = answer(backend(), assignment_id, action, utcnow())
    tasks = current_app.extensions.get("partnerdir.tasks")
    if done and tasks is not None:
        tasks.process(0)
    return render_template("answered.html", action=action, done=done)


@bp.app_errorhandler(404)
def not_found(error: Exception) -> Any:
    """Answer unknown pages and invalid links alike."""
    if request.path.startswith("/r/"):
        return render_template("answered.html", action="invalid", done=False), 404
    return {"error": "not found"}, 404
