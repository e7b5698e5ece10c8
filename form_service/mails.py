"""Every mail the service writes: one function per kind, naming recipient, language, subject and
template pair.

The words are in ``strings.py`` (the subject under the key named here, the body texts under
the keys the templates use); the templates are ``templates/mail/<kind>.txt`` and ``.html``.
Each mail is rendered at once and added to the outbox in the caller's transaction; the outbox
sends it later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from form_service import outbox
from form_service.links import ACTIONS, make_feedback_token, make_token
from form_service.models import Assignment, ClientRequest, Feedback, OutboundMail
from form_service.strings import TABLES, text

if TYPE_CHECKING:
    from form_service.backend import Backend
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


def confirmation(backend: Backend, session: Session, req: ClientRequest, now: dt.datetime) -> None:
    """Confirm to the client that their request arrived."""
    _queue(backend, session, req, now, key=f"confirmation:{req.id}",
           to=req.email, lang=req.language,
           subject="subject_confirmation", template="confirmation")


def offer(
    backend: Backend, session: Session, req: ClientRequest, assignment: Assignment,
    partner: Partner, now: dt.datetime,
) -> None:
    """Offer the request to a member, with signed links to accept or decline it."""
    settings = backend.settings
    links = {
        action: settings.service_url + "r/" + make_token(settings.secret_key, assignment.id, action)
        for action in ACTIONS
    }
    _queue(backend, session, req, now, key=f"offer:{assignment.id}",
           to=partner.referral_email, lang=member_language(partner),
           subject="subject_offer", template="offer",
           assignment=assignment, partner=partner, links=links)


def contact_member(
    backend: Backend, session: Session, req: ClientRequest, assignment: Assignment,
    partner: Partner, now: dt.datetime,
) -> None:
    """Give the member who accepted the client's contact details."""
    _queue(backend, session, req, now, key=f"contact-member:{assignment.id}",
           to=partner.referral_email, lang=member_language(partner),
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
    _queue(backend, session, req, now, key=f"referrer:{req.id}",
           to=referrer.referral_email, lang=member_language(referrer),
           subject="subject_referrer", template="referrer",
           partner=partner, referrer=referrer)


def coordinator(
    backend: Backend, session: Session, req: ClientRequest, asked: Iterable[str],
    now: dt.datetime,
) -> None:
    """Hand a request nobody took to the coordinator, naming the members asked before."""
    # The coordination works in German, the network's language.
    _queue(backend, session, req, now, key=f"coordinator:{req.id}",
           to=backend.network.settings.coordinator.email, lang="de",
           subject="subject_coordinator", template="coordinator",
           asked=sorted(asked))


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
    _queue(backend, session, req, now, key=f"outcome:{req.id}",
           to=referrer.referral_email, lang=member_language(referrer),
           subject="subject_outcome", template="outcome",
           referrer=referrer, member=member, feedback=feedback)


def _queue(
    backend: Backend, session: Session, req: ClientRequest, now: dt.datetime, *,
    key: str, to: str, lang: str, subject: str, template: str, **context: Any,
) -> None:
    """Render a mail in ``lang`` (English when there is no table for it) and queue it."""
    lang = lang if lang in TABLES else "en"
    catalogue = backend.network.settings.service(req.service)
    service = (catalogue.de if lang == "de" else catalogue.en) if catalogue else req.service
    partner = context.get("partner")
    context |= {
        "req": req, "service": service, "network": backend.network.settings,
        "site_url": backend.settings.site_url, "t": TABLES[lang], "lang": lang,
    }
    mail = OutboundMail(
        dedup_key=key,
        request_id=req.id,
        kind=template,
        recipient=to,
        subject=text(subject, lang, service=service, partner=partner.name if partner else ""),
        body_text=_env.get_template(f"{template}.txt").render(context),
        body_html=_env.get_template(f"{template}.html").render(context),
    )
    outbox.queue(session, mail, now)
