"""A member's decline: why, and until when to offer them nothing; what a decline means later.

The reason is used, not only counted: "not my expertise" keeps that service away from the member
for ``EXPERTISE_PAUSE`` (``pauses``: the router reads them through ``unfit_for``, the
availability document publishes them), "looks like spam" hands the request to the coordinator
(``assignments.answer``). No Flask here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import DateTime, func, select, type_coerce
from sqlalchemy.orm import Session

from form_service.intake import FormError
from form_service.models import Assignment, ClientRequest, DeclineReason
from form_service.statements import last_day, until_error
from form_service.strings import text

EXPERTISE_PAUSE = dt.timedelta(days=30)
"""How long a service stays away from a member who declined it as not their expertise."""


class DeclineError(FormError):
    """Raised with every field's messages when the decline form is incomplete or invalid."""


@dataclass(frozen=True)
class Decline:
    """A member's decline: the reason, and the last day to offer them nothing (optional)."""

    reason: DeclineReason
    until: dt.date | None = None


class DeclineForm(NamedTuple):
    """What the decline form offers on a day: the reasons, the days it accepts, the pause."""

    reasons: tuple[str, ...]
    first: dt.date
    last: dt.date
    pause_days: int


def form_for(today: dt.date) -> DeclineForm:
    """Return what the decline form offers on ``today``."""
    reasons = tuple(reason.value for reason in DeclineReason)
    return DeclineForm(reasons, today, last_day(today), EXPERTISE_PAUSE.days)


def parse_decline(data: Mapping[str, Any], today: dt.date, lang: str = "de") -> Decline:
    """Return the decline of a submitted form, or raise :class:`DeclineError`."""
    errors: dict[str, list[str]] = {}
    raw_reason = str(data.get("reason") or "")
    if raw_reason not in {reason.value for reason in DeclineReason}:
        errors["reason"] = [text("choose_one", lang)]
    raw_until = str(data.get("until") or "").strip()
    until = None
    if raw_until:
        try:
            until = dt.date.fromisoformat(raw_until)
        except ValueError:
            errors["until"] = [text("bad_date", lang)]
        else:
            problem = until_error(until, today, lang)
            if problem is not None:
                errors["until"] = [problem]
    if errors:
        raise DeclineError(errors)
    return Decline(DeclineReason(raw_reason), until)


@dataclass(frozen=True, order=True)
class Pause:
    """A service kept away from a member who declined it as not their expertise, until ``ends``."""

    partner: str
    service: str
    ends: dt.datetime
    """The first moment the member may be asked again: the newest such decline plus the pause."""

    @property
    def last_day(self) -> dt.date:
        """Return the last day the pause holds on (for part of the day, if it ends that day)."""
        return (self.ends - dt.timedelta(microseconds=1)).date()


def pauses(session: Session, now: dt.datetime, service: str | None = None) -> tuple[Pause, ...]:
    """Return the pauses that hold at ``now`` (of ``service`` only, if given), in order."""
    since = now - EXPERTISE_PAUSE
    query = (
        # Declined, so answered: the newest answer is never NULL.
        select(Assignment.partner, ClientRequest.service,
               type_coerce(func.max(Assignment.answered_at), DateTime))
        .join(ClientRequest, ClientRequest.id == Assignment.request_id)
        .where(Assignment.decline_reason == DeclineReason.EXPERTISE,
               Assignment.answered_at > since)
        .group_by(Assignment.partner, ClientRequest.service)
    )
    if service is not None:
        query = query.where(ClientRequest.service == service)
    return tuple(sorted(Pause(partner, paused, last + EXPERTISE_PAUSE)
                        for partner, paused, last in session.execute(query)))


def unfit_for(session: Session, service: str, now: dt.datetime) -> frozenset[str]:
    """Return the members who declined ``service`` as not their expertise in the pause before
    ``now``: none of them is asked to take it."""
    return frozenset(pause.partner for pause in pauses(session, now, service))
