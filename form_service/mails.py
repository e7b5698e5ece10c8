"""Every mail the service writes: one function per kind, naming recipient, language, subject and
template pair.

The words are in ``strings.py`` (the subject under the key named here, the body texts under
the keys the templates use); the templates are ``templates/mail/<kind>.txt`` and ``.html``.
Each mail is rendered at once and added to the outbox in the caller's transaction; the outbox
sends it later. Every mail to a member goes through ``_to_member``, which appends the link to the
member's page (``_member.txt`` and ``.html``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from form_service import outbox
from form_service.explanations import why_offered
from form_service.links import (
    ACTIONS,
    make_feedback_token,
    make_member_token,
    make_status_token,
    make_token,
)
from form_service.models import Assignment, ClientRequest, Feedback, OutboundMail
from form_service.strings import TABLES, text
from generator.dates import day, moment
from generator.vocabulary import language_name

if TYPE_CHECKING:
    from form_service.backend import Backend
    from form_service.sync import Outcome
    from generator.model import Partner

_env = Environment(
    loader=PackageLoader("form_service", "templates/mail"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def member_language(partner: Partner) -> str:
    """Return the language to write to a member in: German if they speak it, else English."""
    return "de" if "de" in partner.languages else "en"


def confirmation(
    backend: Backend, session: Session, req: ClientRequest, now: dt.datetime, *, found: bool
) -> None:
    """Confirm to the client that their request arrived, and who takes care of it: a member
    when one was ``found``, else the coordinator in person."""
    _queue(backend, session, req, now, key=f"confirmation:{req.id}",
           to=req.email, lang=req.language,
           subject="subject_confirmation", template="confirmation",
           body="confirmation_body" if found else "confirmation_coordinator",
           status=_status_link(backend, req))


def offer(
    backend: Backend, session: Session, req: ClientRequest, assignment: Assignment,
    partner: Partner, now: dt.datetime,
) -> None:
    """Offer the request to a member, with signed links to accept or decline it."""
    _to_member(backend, session, req, now, partner, key=f"offer:{assignment.id}",
               subject="subject_offer", template="offer",
               assignment=assignment, partner=partner, links=_answer_links(backend, assignment),
               why=_why(backend, req, assignment, partner))


def reminder(
    backend: Backend, session: Session, req: ClientRequest, assignment: Assignment,
    partner: Partner, now: dt.datetime,
) -> None:
    """Remind a member of an offer they have not answered, with the offer's links."""
    _to_member(backend, session, req, now, partner, key=f"reminder:{assignment.id}",
               subject="subject_reminder", template="reminder",
               assignment=assignment, partner=partner, links=_answer_links(backend, assignment),
               why=_why(backend, req, assignment, partner))


def _why(backend: Backend, req: ClientRequest, assignment: Assignment, partner: Partner) -> str:
    """Return why ``partner`` is offered ``req``, in plain words in the member's language."""
    lang = member_language(partner)
    referrer = backend.network.partners.get(req.referred_by or "")
    return why_offered(req, partner, assignment.reason, _service_label(backend, req, lang), lang,
                       referrer.name if referrer else None)


def _service_label(backend: Backend, req: ClientRequest | None, lang: str) -> str:
    """Return the catalogue name of the service ``req`` asks for, in ``lang``."""
    if req is None:
        return ""
    catalogue = backend.network.settings.service(req.service)
    if catalogue is None:
        return req.service
    return catalogue.de if lang == "de" else catalogue.en


def _answer_links(backend: Backend, assignment: Assignment) -> dict[str, str]:
    """Return the signed links to accept or decline ``assignment``, by action."""
    settings = backend.settings
    return {
        action: settings.service_url + "r/" + make_token(settings.secret_key, assignment.id, action)
        for action in ACTIONS
    }


def contact_member(
    backend: Backend, session: Session, req: ClientRequest, assignment: Assignment,
    partner: Partner, now: dt.datetime,
) -> None:
    """Give the member who accepted the client's contact details."""
    _to_member(backend, session, req, now, partner, key=f"contact-member:{assignment.id}",
               subject="subject_contact_member", template="contact_member",
               partner=partner)


def contact_client(
    backend: Backend, session: Session, req: ClientRequest, assignment: Assignment,
    partner: Partner, now: dt.datetime,
) -> None:
    """Give the client the contact details of the member who accepted."""
    _queue(backend, session, req, now, key=f"contact-client:{assignment.id}",
           to=req.email, lang=req.language,
           subject="subject_contact_client", template="contact_client",
           partner=partner)


def referrer(
    backend: Backend, session: Session, req: ClientRequest, partner: Partner,
    referrer: Partner, now: dt.datetime,
) -> None:
    """Tell the referring member which member took the request they passed on."""
    _to_member(backend, session, req, now, referrer, key=f"referrer:{req.id}",
               subject="subject_referrer", template="referrer",
               partner=partner, referrer=referrer)


def coordinator(
    backend: Backend, session: Session, req: ClientRequest, asked: Iterable[str],
    now: dt.datetime, flagged_by: str | None = None,
) -> None:
    """Hand the coordinator a request nobody took or a member flagged as spam (``flagged_by``)."""
    _to_coordinator(backend, session, req, now, key=f"coordinator:{req.id}",
                    subject="subject_spam" if flagged_by else "subject_coordinator",
                    template="coordinator", asked=sorted(asked), flagged_by=flagged_by)


def followup(
    backend: Backend, session: Session, req: ClientRequest, member: str, now: dt.datetime
) -> None:
    """Ask the client how it went with ``member``, with a signed link to the feedback form."""
    settings = backend.settings
    token = make_feedback_token(settings.secret_key, req.public_id)
    _queue(backend, session, req, now, key=f"followup:{req.id}",
           to=req.email, lang=req.language,
           subject="subject_followup", template="followup",
           member=member, feedback_url=f"{settings.service_url}f/{token}",
           link_days=settings.feedback_link_days)


def outcome(
    backend: Backend, session: Session, req: ClientRequest, feedback: Feedback, member: str,
    referrer: Partner, now: dt.datetime,
) -> None:
    """Tell the referring member what their client said about ``member``."""
    _to_member(backend, session, req, now, referrer, key=f"outcome:{req.id}",
               subject="subject_outcome", template="outcome",
               referrer=referrer, member=member, feedback=feedback)


def member_link(
    backend: Backend, session: Session, partner: Partner, to: str, now: dt.datetime
) -> None:
    """Send a member who asked for it the link to their page, to their address ``to``."""
    # One mail per member and hour, however often the form is sent: asking again later works.
    _to_member(backend, session, None, now, partner, to=to,
               key=f"member-link:{partner.slug}:{now:%Y-%m-%dT%H}",
               subject="subject_member_link", template="member_link", partner=partner)


MAX_PROBLEMS = 50
"""The most validation messages one mail lists; the rest are counted."""


def refused_commit(
    backend: Backend, session: Session, outcome: Outcome, now: dt.datetime
) -> None:
    """Tell the coordinator that the newest commit of the followed branch is invalid and unused."""
    problems = [str(problem) for problem in outcome.problems]
    _to_coordinator(backend, session, None, now, key=f"refused-commit:{outcome.commit.sha}",
                    subject="subject_refused_commit", template="refused_commit",
                    commit=outcome.commit, in_use=outcome.in_use,
                    branch=backend.settings.network_branch,
                    problems=problems[:MAX_PROBLEMS], more=max(len(problems) - MAX_PROBLEMS, 0))


def _to_member(
    backend: Backend, session: Session, req: ClientRequest | None, now: dt.datetime,
    recipient: Partner, *, key: str, subject: str, template: str, to: str | None = None,
    **context: Any,
) -> None:
    """Queue a mail to a member (their referral address) that carries their page's link."""
    settings = backend.settings
    token = make_member_token(settings.secret_key, recipient.slug)
    page = {"url": f"{settings.service_url}m/{token}", "days": settings.member_link_days}
    _queue(backend, session, req, now, key=key, to=to or recipient.referral_email,
           lang=member_language(recipient), subject=subject, template=template,
           member_page=page, **context)


def _to_coordinator(
    backend: Backend, session: Session, req: ClientRequest | None, now: dt.datetime, *,
    key: str, subject: str, template: str, **context: Any,
) -> None:
    """Queue a mail to the network's coordinator, in German: the coordination works in the
    network's language."""
    _queue(backend, session, req, now, key=key, to=backend.network.settings.coordinator.email,
           lang="de", subject=subject, template=template, **context)


def _queue(
    backend: Backend, session: Session, req: ClientRequest | None, now: dt.datetime, *,
    key: str, to: str, lang: str, subject: str, template: str, **context: Any,
) -> None:
    """Render a mail in ``lang`` (English when there is no table for it) and queue it.

    A mail about a client's request (``req``) names its service; other mails have none.
    """
    lang = lang if lang in TABLES else "en"
    service = _service_label(backend, req, lang)
    partner = context.get("partner")
    assignment = context.get("assignment")
    zone = backend.settings.time_zone
    context |= {
        "req": req, "service": service, "network": backend.network.settings,
        "site_url": backend.settings.site_url, "t": TABLES[lang], "lang": lang,
        # Dates as the reader writes them, times in the network's zone: never ISO or UTC.
        "day": lambda value: day(value, lang),
        "moment": lambda value: moment(value, lang, zone),
        "language_label": lambda code: language_name(code, lang),
        "member_name": lambda slug: getattr(backend.network.partners.get(slug), "name", slug),
        "promise_hours": backend.settings.accept_deadline_hours,
    }
    # The subject says by when an offer needs an answer, short: the year goes without saying.
    deadline = moment(assignment.deadline, lang, zone, year=False) if assignment else ""
    parts = (template, "_member") if "member_page" in context else (template,)
    mail = OutboundMail(
        dedup_key=key,
        request_id=req.id if req else None,
        kind=template,
        recipient=to,
        subject=text(subject, lang, service=service, partner=partner.name if partner else "",
                     deadline=deadline),
        body_text="\n\n".join(_env.get_template(f"{p}.txt").render(context) for p in parts),
        body_html="\n".join(_env.get_template(f"{p}.html").render(context) for p in parts),
    )
    outbox.queue(session, mail, now)


def client_address_refused(
    backend: Backend, session: Session, req: ClientRequest, assignment: Assignment,
    partner: Partner, now: dt.datetime,
) -> None:
    """Tell the member who accepted that the client's address is refused: phone instead."""
    _to_member(backend, session, req, now, partner, key=f"client-refused:{req.id}",
               subject="subject_client_address_refused", template="client_address_refused",
               partner=partner, assignment=assignment)


def member_address_refused(
    backend: Backend, session: Session, mail: OutboundMail, member: Partner,
    req: ClientRequest | None, now: dt.datetime, *, passed_on: bool,
) -> None:
    """Tell the coordinator that a member's mail server refused ``mail`` for good, and whether
    the offer in it was ``passed_on`` to the next member."""
    _to_coordinator(backend, session, req, now, key=f"member-refused:{mail.id}",
                    subject="subject_member_address_refused", template="member_address_refused",
                    member=member, refused=mail, passed_on=passed_on)


def held(
    backend: Backend, session: Session, req: ClientRequest, reasons: list[str],
    links: dict[str, str], now: dt.datetime,
) -> None:
    """Ask the coordinator to release or discard a request held as doubtful (``reasons``)."""
    _to_coordinator(backend, session, req, now, key=f"held:{req.id}",
                    subject="subject_held", template="held", reasons=reasons, links=links,
                    link_days=backend.settings.link_max_age_days)


def _status_link(backend: Backend, req: ClientRequest) -> dict[str, Any]:
    """Return the client's signed link to their request's status page and its last day."""
    settings = backend.settings
    token = make_status_token(settings.secret_key, req.public_id)
    # It opens the page as long as the data is kept: the retention period from now.
    until = req.created_at + dt.timedelta(days=settings.retention_days)
    return {"url": f"{settings.service_url}s/{token}", "until": until.date()}


def withdrawn(
    backend: Backend, session: Session, req: ClientRequest, now: dt.datetime,
    partner: Partner | None, *, accepted: bool,
) -> None:
    """Tell the member who has the request open or ``accepted`` (the coordinator when
    ``partner`` is None) that its client withdrew it."""
    if partner is None:
        _to_coordinator(backend, session, req, now, key=f"withdrawn:{req.id}:coordinator",
                        subject="subject_withdrawn", template="withdrawn", partner=None,
                        accepted=False)
        return
    _to_member(backend, session, req, now, partner, key=f"withdrawn:{req.id}:{partner.slug}",
               subject="subject_withdrawn", template="withdrawn", partner=partner,
               accepted=accepted)


def contact_changed(
    backend: Backend, session: Session, req: ClientRequest, now: dt.datetime
) -> None:
    """Send the client, at the address they just gave on their status page, the page's link."""
    _queue(backend, session, req, now, key=f"contact-changed:{req.id}:{now:%Y%m%d%H%M%S%f}",
           to=req.email, lang=req.language, subject="subject_contact_changed",
           template="contact_changed", status=_status_link(backend, req))
