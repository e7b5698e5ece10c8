"""What members say about their availability without a pull request: record it, read what holds.

A statement is kept as a row of ``member_status`` and never edited. A member's newest statement
replaces every earlier one; FULL and AWAY then hold until their last day and end by themselves,
AVAILABLE ends them at once. No Flask here: the member page and the decline page call ``record``,
routing and the availability document call ``current_statements``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from form_service.intake import FormError
from form_service.models import MemberState, MemberStatus
from form_service.strings import text
from generator.availability import State, Statement
from generator.dates import day

MAX_DAYS = 60
"""How far ahead a statement may end: longer absences belong in the profile."""

ABSENCE_REASONS = ("ill", "vacation")
SOURCES = ("page", "decline")


class StatementError(FormError):
    """Raised with every field's messages when a statement cannot be recorded."""


def last_day(today: dt.date) -> dt.date:
    """Return the latest day a statement made on ``today`` may hold until."""
    return today + dt.timedelta(days=MAX_DAYS)


def until_error(until: dt.date, today: dt.date, lang: str = "de") -> str | None:
    """Return the message for a last day outside ``today`` … ``last_day(today)``, else None."""
    if until < today:
        return text("date_past", lang)
    if until > last_day(today):
        return text("statement_too_far", lang, days=MAX_DAYS, last=day(last_day(today), lang))
    return None


def current_statements(session: Session, today: dt.date) -> dict[str, Statement]:
    """Return per member the statement that holds on ``today`` or later (none once ended)."""
    # A statement ends at most MAX_DAYS after it was made, so older rows can neither hold nor
    # replace one that holds: the query stays small however long the history grows.
    since = today - dt.timedelta(days=MAX_DAYS + 1)
    rows = session.execute(
        select(
            MemberStatus.partner,
            MemberStatus.state,
            MemberStatus.starts_on,
            MemberStatus.until,
            MemberStatus.deputy,
            MemberStatus.absence_reason,
        )
        .where(
            or_(
                MemberStatus.until >= since,
                and_(
                    MemberStatus.until.is_(None),
                    MemberStatus.created_at >= dt.datetime.combine(since, dt.time()),
                ),
            )
        )
        .order_by(MemberStatus.created_at, MemberStatus.id)
    ).all()
    newest = {row.partner: row for row in rows}
    return {
        slug: Statement(State(row.state.value), row.starts_on, row.until, row.deputy,
                        row.absence_reason)
        for slug, row in newest.items()
        if row.state is not MemberState.AVAILABLE and row.until is not None and row.until >= today
    }


def record(
    session: Session,
    partner: str,
    state: MemberState,
    *,
    until: dt.date | None,
    source: str,
    link: str,
    now: dt.datetime,
    starts_on: dt.date | None = None,
    deputy: str | None = None,
    absence_reason: str | None = None,
    members: Collection[str] = (),
    lang: str = "de",
) -> MemberStatus:
    """Check a statement of ``partner`` and add it to the session; raise StatementError.

    ``members`` are the slugs of the network, against which a deputy is checked; the statement
    starts today unless ``starts_on`` says otherwise. The caller commits.
    """
    errors: dict[str, list[str]] = {}

    def err(field: str, key: str, **values: object) -> None:
        errors.setdefault(field, []).append(text(key, lang, **values))

    today = now.date()
    start = starts_on or today
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    if state is MemberState.AVAILABLE:
        until, deputy, absence_reason = None, None, None
    elif until is None:
        err("until", "statement_until_required")
    elif (problem := until_error(until, today, lang)) is not None:
        errors["until"] = [problem]
    elif start > until:
        err("starts_on", "date_order")
    elif start < today:
        err("starts_on", "date_past")
    if state is MemberState.FULL:
        for field, value in (("absence_reason", absence_reason), ("deputy", deputy)):
            if value is not None:
                err(field, "statement_away_only")
    elif state is MemberState.AWAY:
        if absence_reason not in ABSENCE_REASONS:
            err("absence_reason", "choose_one")
        if deputy == partner:
            err("deputy", "statement_self_deputy")
        elif deputy is not None and deputy not in members:
            err("deputy", "statement_unknown_deputy")
    if errors:
        raise StatementError(errors)
    row = MemberStatus(
        partner=partner,
        state=state,
        starts_on=start,
        until=until,
        absence_reason=absence_reason,
        deputy=deputy,
        created_at=now,
        source=source,
        link=link,
    )
    session.add(row)
    return row
