"""The coordinator's signed links for a held request: GET shows what it is, only POST releases
or discards it (mail scanners follow links with GET and HEAD, and must change nothing)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from form_service.extensions import limiter
from form_service.holds import discard, find, read_hold_token, reasons, release
from form_service.links import LinkError
from form_service.models import RequestStatus, utcnow
from form_service.web import backend, nudge_worker, render_page

bp = Blueprint("review", __name__)


@bp.route("/h/<path:token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
def review(token: str) -> Any:
    """Show a held request with the button to release or discard it (GET), or do it (POST)."""
    settings = backend().settings
    try:
        public_id, action = read_hold_token(settings.secret_key, token,
                                            settings.link_max_age_days * 86400)
    except LinkError:
        return render_page("hold.html", "de", state="invalid"), 404
    req = find(backend(), public_id)
    if req is None:
        return render_page("hold.html", "de", state="invalid"), 404
    if req.status is not RequestStatus.HELD:
        return render_page("hold.html", "de", state="decided")
    if request.method != "POST":  # GET, and HEAD, which Flask answers with the GET view
        return render_page("hold.html", "de", state="ask", action=action, req=req,
                           reasons=reasons(req))
    done = release(backend(), public_id) if action == "release" else discard(
        backend(), public_id, utcnow())
    if done and action == "release":
        nudge_worker()
    return render_page("hold.html", "de", state="done" if done else "decided", action=action)
