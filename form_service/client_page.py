"""The client's status page, reached by the signed link in the confirmation: GET shows the
request's steps, only POST acts (withdraw it; correct phone and email before a member accepts).

No account and no JavaScript: plain forms, answered by a redirect to the page (or, with mistakes,
the page again with its messages). The page is in the request's language.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, request, url_for

from form_service.assignments import withdraw_by_client
from form_service.extensions import limiter
from form_service.links import LinkError, read_status_token
from form_service.models import utcnow
from form_service.progress import (
    CorrectionError,
    Progress,
    check_contact,
    correct_contact,
    progress,
)
from form_service.strings import TABLES
from form_service.web import backend, browser_language, nudge_worker, render_page

bp = Blueprint("client_page", __name__)


def _language(found: Progress | None) -> str:
    """Return the request's language when there are texts for it; English for the others."""
    if found is None:
        return "de"
    return found.req.language if found.req.language in TABLES else "en"


def _gone(state: str, status: int) -> Any:
    """Answer an invalid or expired link, or a request whose data is erased, with a page in
    the browser's language (the link no longer tells the request's)."""
    coordinator = backend().network.settings.coordinator
    return render_page("client_status_gone.html", browser_language(), state=state,
                       coordinator=coordinator), status


def _show(found: Progress, status: int = 200, **context: Any) -> Any:
    """Render the status page of ``found``."""
    settings = backend().settings
    context = {"errors": {}, "values": {}, "done": request.args.get("done"), **context}
    refused = found.req.client_email_refused_at
    lang = _language(found)
    network = backend().network.settings
    catalogue = network.service(found.req.service)
    service = (catalogue.de if lang == "de" else catalogue.en) if catalogue else found.req.service
    return render_page("client_status.html", lang, p=found, req=found.req, service=service,
                       refused=refused, coordinator=network.coordinator,
                       retention_days=settings.retention_days, **context), status


# Everything under /s/ is a status link from a mail, so a cut-off one gets this page too.
@bp.route("/s/<path:token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
def status(token: str) -> Any:
    """Show the request's status page (GET, HEAD) or withdraw or correct it (POST)."""
    settings = backend().settings
    try:
        public_id = read_status_token(settings.secret_key, token,
                                      settings.retention_days * 86400)
    except LinkError as exc:
        return _gone("expired" if exc.expired else "invalid", 410 if exc.expired else 404)
    found = progress(backend(), public_id)
    if found is None:
        return _gone("erased", 410)
    if request.method != "POST":  # GET, and HEAD, which Flask answers with the GET view
        return _show(found)
    action = request.form.get("action")
    now = utcnow()
    if action == "withdraw":
        if not found.can_withdraw:
            return _show(found, 409, refused_action="withdraw")
        if not request.form.get("confirm"):
            return _show(found, 422, errors={"confirm": [TABLES[_language(found)]
                                                         ["withdraw_confirm_missing"]]})
        if not withdraw_by_client(backend(), found.req.id, now):
            return _show(found, 409, refused_action="withdraw")
        nudge_worker()
        return redirect(url_for("client_page.status", token=token, done="withdrawn"), 303)
    if action == "correct":
        if not found.can_correct:  # a member accepted: their mail has the details already
            return _show(found, 409, refused_action="correct")
        lang = _language(found)
        try:
            email, phone = check_contact(request.form, backend().network, lang, now.date())
        except CorrectionError as exc:
            return _show(found, 422, errors=exc.errors, values=request.form)
        if not correct_contact(backend(), found.req.id, email, phone, now):
            return _show(found, 409, refused_action="correct")
        nudge_worker()
        return redirect(url_for("client_page.status", token=token, done="corrected"), 303)
    return _show(found, 400)


@bp.after_request
def private(response: Response) -> Response:
    """Keep the page out of caches and search engines; send no link of it to other sites."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
