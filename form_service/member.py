"""Members answer an offer through signed links: GET shows a page, only POST acts.

Declining asks why (and, if the member likes, until when to offer them nothing); a form with
mistakes is shown again with its messages, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, request
from sqlalchemy import select

from form_service.assignments import AnswerResult, answer
from form_service.declines import DeclineError, form_for, parse_decline
from form_service.extensions import limiter
from form_service.links import LinkError, read_token
from form_service.mails import member_language
from form_service.models import Assignment, AssignmentState, utcnow
from form_service.web import backend, nudge_worker, render_page

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
        offer = _offer(assignment)
    now = utcnow()
    lang = offer["lang"]
    if request.method != "POST":  # GET, and HEAD, which Flask answers with the GET view
        return _page(action, offered, now, offer)
    decline = None
    if action == "decline" and offered:
        try:
            decline = parse_decline(request.form, now.date(), lang)
        except DeclineError as exc:
            return _page(action, offered, now, offer, exc.errors, request.form), 422
    done = answer(backend(), assignment_id, action, now, decline) is not AnswerResult.ALREADY
    if done:
        nudge_worker()
    return render_page("answered.html", lang, action=action, done=done, decline=decline)


def _offer(assignment: Assignment) -> dict[str, Any]:
    """Return what the answer page shows of an offer, in the language of the member's mails."""
    partner = backend().network.partners.get(assignment.partner)
    lang = member_language(partner) if partner else "de"
    entry = backend().network.settings.service(assignment.request.service)
    service = (entry.de if lang == "de" else entry.en) if entry else assignment.request.service
    return {"lang": lang, "service": service, "deadline": assignment.deadline,
            "place": assignment.request.postal_code, "remote": assignment.request.remote}


def _page(
    action: str, offered: bool, now: dt.datetime, offer: dict[str, Any],
    errors: Mapping[str, list[str]] | None = None, values: Mapping[str, Any] | None = None,
) -> str:
    """Render the page that asks to confirm an accept, or asks why for a decline."""
    return render_page("answer.html", offer["lang"], action=action, open=offered, offer=offer,
                       form=form_for(now.date()), errors=errors or {}, values=values or {})


@bp.errorhandler(404)
def invalid_link(error: Exception) -> Any:
    """Answer an invalid, expired or unknown link with a page (German: from a German mail)."""
    return render_page("answered.html", "de", action="invalid", done=False), 404
