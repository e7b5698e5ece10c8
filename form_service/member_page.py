"""The member page: through the signed link of any mail, a member says "fully booked / away until"
or "available again" and answers open offers; GET only shows, POST acts. And the page where a
member without a mail at hand asks for that link, which is mailed, never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from form_service import mails
from form_service.declines import form_for
from form_service.extensions import limiter
from form_service.links import LinkError, MemberLink, make_token, read_member_token
from form_service.models import Assignment, AssignmentState, MemberState, utcnow
from form_service.statements import StatementError, current_statements, last_day, record
from form_service.strings import text
from form_service.web import backend, browser_language, nudge_worker, render_page
from generator.absence_text import absence_texts
from generator.availability import availability
from generator.embed import snippet
from generator.model import Partner

bp = Blueprint("member_page", __name__)


def _member(token: str) -> tuple[Partner, MemberLink]:
    settings = backend().settings
    try:
        link = read_member_token(settings.secret_key, token, settings.member_link_days * 86400)
    except LinkError as exc:
        abort(410 if exc.expired else 404)
    partner = backend().network.partners.get(link.slug)
    if partner is None:  # the member has left the network
        abort(404)
    return partner, link


def _parse(form: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Return the statement a submitted form asks for, as arguments of ``record``."""
    try:
        state = MemberState(str(form.get("state") or ""))
    except ValueError:
        raise StatementError({"state": [text("choose_one", lang)]}) from None
    raw = str(form.get("until") or "").strip()
    try:
        until = dt.date.fromisoformat(raw) if raw and state is not MemberState.AVAILABLE else None
    except ValueError:
        raise StatementError({"until": [text("bad_date", lang)]}) from None
    away = state is MemberState.AWAY
    return {
        "state": state,
        "until": until,
        "absence_reason": (str(form.get("absence_reason") or "") or None) if away else None,
        "deputy": (str(form.get("deputy") or "") or None) if away else None,
    }


def _page(partner: Partner, now: dt.datetime, errors: Mapping[str, list[str]],
          values: Mapping[str, Any], saved: bool = False) -> str:
    """Render the member page: the state today, the form to report one, the open offers."""
    today = now.date()
    network, settings = backend().network, backend().settings
    with backend().sessions() as session:
        statement = current_statements(session, today).get(partner.slug)
        offers = session.scalars(
            select(Assignment)
            .where(Assignment.partner == partner.slug,
                   Assignment.state == AssignmentState.OFFERED)
            .order_by(Assignment.deadline)
        ).all()
        requests = {offer.id: offer.request for offer in offers}
    links = {
        offer.id: {action: url_for("member.respond",
                                   token=make_token(settings.secret_key, offer.id, action))
                   for action in ("accept", "decline")}
        for offer in offers
    }
    deputies = sorted((p for p in network.partners.values() if p.slug != partner.slug),
                      key=lambda p: p.name.casefold())
    return render_page(
        "member_page.html", mails.member_language(partner), partner=partner,
        current=availability(partner, today, statement),
        stated=statement is not None and statement.covers(today), offers=offers,
        requests=requests, links=links, services=network.settings, deputies=deputies,
        names={p.slug: p.name for p in deputies}, decline=form_for(today),
        errors=errors, values=values, saved=saved,
        last=last_day(today), today=today,
        # Out-of-office texts and the embed for the member's own website, ready to copy.
        absence_texts=absence_texts(network, partner, today),
        embed=snippet(network, partner, str(network.settings.site_url or settings.site_url)),
    )


# Everything under /m/ is a member page link from a mail, so a cut-off one gets this page too.
@bp.route("/m/<path:token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
def page(token: str) -> Any:
    """Show the member's page (GET) or record what they say about their availability (POST)."""
    partner, link = _member(token)
    now = utcnow()
    if request.method != "POST":  # GET, and HEAD, which Flask answers with the GET view
        return _page(partner, now, {}, {}, saved="saved" in request.args)
    try:
        with backend().sessions() as session:
            lang = mails.member_language(partner)
            record(session, partner.slug, **_parse(request.form, lang), source="page",
                   link=link.link_id, now=now, members=backend().network.partners, lang=lang)
            session.commit()
    except StatementError as exc:
        return _page(partner, now, exc.errors, request.form), 422
    # The answer after a post is a fresh GET, so reloading the page does not send it again.
    return redirect(url_for("member_page.page", token=token, saved=1), 303)


@bp.route("/m/", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def request_link() -> Any:
    """Show the form to ask for the member page link (GET) or mail it to a member (POST)."""
    if request.method != "POST":
        return render_page("member_link_request.html", browser_language(), sent=False)
    address = str(request.form.get("email") or "").strip().casefold()
    if address and len(address) <= 254:
        _mail_link(address, utcnow())
    # The same answer whether the address is a member's or not: it tells nobody who is one.
    return render_page("member_link_request.html", browser_language(), sent=True)


def _mail_link(address: str, now: dt.datetime) -> None:
    """Queue the link to their page to every member whose referral or contact address it is."""
    found = [
        (partner, to)
        for partner in backend().network.partners.values()
        for to in {partner.referral_email, partner.contact.email}
        if to.casefold() == address
    ]
    if not found:
        return
    try:
        with backend().sessions() as session:
            for partner, to in found:
                mails.member_link(backend(), session, partner, to, now)
            session.commit()
    except IntegrityError:
        return  # the same member asked twice at once: the other request queued the mail
    nudge_worker()


@bp.after_request
def private(response: Response) -> Response:
    """Keep a member's page out of every cache: it shows their offers and acts for them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded) -> Any:
    """Answer a flood of link requests 429 with the form page, not the request form."""
    seconds = max(1, int(error.limit.limit.get_expiry()))
    lang = browser_language()
    page = render_page("member_link_request.html", lang, sent=False,
                       refused=text("too_many", lang, seconds=seconds))
    return page, 429, {"Retry-After": str(seconds)}


@bp.errorhandler(404)
@bp.errorhandler(410)
def invalid_link(error: Exception) -> Any:
    """Answer an invalid, expired or unknown member link with a page pointing to a new one."""
    status = 410 if getattr(error, "code", 404) == 410 else 404
    page = render_page("answered.html", "de", action="invalid", done=False,
                       new_link=url_for("member_page.request_link"))
    return page, status
