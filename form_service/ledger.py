"""The referral ledger: what each member gave, received and made of it, counted from the database.

One query serves the coordinator (``partnerdir ledger``) and matching's fairness (``standings``),
so the numbers a member sees are the numbers that rank them. It reads only columns that erasure
keeps, so the counts survive when clients' personal data is gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session

from form_service.db import seconds_between
from form_service.matching import Standing
from form_service.models import Assignment, AssignmentState, ClientRequest, DeclineReason, Feedback

REASONS = ("capacity", "expertise", "absence")
FAIRNESS_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class Period:
    """A half-open span of time, ``since`` included and ``until`` excluded; None is open."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def holds(self, column: Any) -> ColumnElement[bool]:
        """Return the condition that ``column`` lies in the period."""
        conditions = []
        if self.since is not None:
            conditions.append(column >= self.since)
        if self.until is not None:
            conditions.append(column < self.until)
        return and_(true(), *conditions)


@dataclass
class LedgerRow:
    """One member's referrals in a period.

    Given: requests passed on by the member (received by the network in the period), by reason.
    Received: offers made to the member in the period, and what became of them: accepted,
    declined (by the reason the member gave), timed out, still open, or withdrawn (the client
    withdrew the request on their status page, before or after an accept, or their data was
    erased before an answer): a withdrawn offer counts neither as accepted nor as load.
    Response hours: the mean time from offer to accept or decline. Feedback: the clients' answers
    to the follow-up on accepted referrals (contact made, job done, mean satisfaction 1–5).
    """

    partner: str
    given: int = 0
    given_by_reason: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    received: int = 0
    accepted: int = 0
    declined: int = 0
    declined_by_reason: dict[str, int] = field(
        default_factory=lambda: {reason.value: 0 for reason in DeclineReason})
    timed_out: int = 0
    open: int = 0
    withdrawn: int = 0
    response_hours: float | None = None
    feedback: int = 0
    contact: int = 0
    done: int = 0
    satisfaction: float | None = None

    @property
    def balance(self) -> int:
        """Accepted referrals minus referrals given: positive means the member gained."""
        return self.accepted - self.given

    def as_dict(self) -> dict[str, Any]:
        """Return the row as plain data, reasons flattened into ``given_*`` and ``declined_*``."""
        data = asdict(self)
        data.update({f"given_{r}": n for r, n in data.pop("given_by_reason").items()})
        data.update({f"declined_{r}": n for r, n in data.pop("declined_by_reason").items()})
        data["balance"] = self.balance
        return data


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def ledger(
    session: Session, period: Period = Period(), members: Iterable[str] = ()
) -> dict[str, LedgerRow]:
    """Return every member's ledger row for ``period``; ``members`` get a row even without one."""
    rows = {slug: LedgerRow(slug) for slug in members}
    given = (
        select(ClientRequest.referred_by, ClientRequest.reason, func.count())
        .where(ClientRequest.referred_by.is_not(None), period.holds(ClientRequest.created_at))
        .group_by(ClientRequest.referred_by, ClientRequest.reason)
    )
    for slug, reason, count in session.execute(given):
        row = rows.setdefault(str(slug), LedgerRow(str(slug)))
        row.given += int(count)
        if reason in row.given_by_reason:
            row.given_by_reason[str(reason)] += int(count)
    state = Assignment.state
    answered = state.in_((AssignmentState.ACCEPTED, AssignmentState.DECLINED))
    received = (
        select(
            Assignment.partner,
            func.count(Assignment.id),
            _count(state == AssignmentState.ACCEPTED),
            _count(state == AssignmentState.DECLINED),
            _count(state == AssignmentState.EXPIRED),
            _count(state == AssignmentState.OFFERED),
            _count(state == AssignmentState.WITHDRAWN),
            func.avg(case((answered, seconds_between(session.get_bind().dialect.name,
                                                     Assignment.offered_at,
                                                     Assignment.answered_at)))),
            func.count(Feedback.id),
            _count(Feedback.contact.is_(True)),
            _count(Feedback.done == "yes"),
            func.avg(Feedback.satisfaction),
            *(_count(Assignment.decline_reason == reason) for reason in DeclineReason),
        )
        .outerjoin(Feedback, Feedback.assignment_id == Assignment.id)
        .where(period.holds(Assignment.offered_at))
        .group_by(Assignment.partner)
    )
    for (slug, total, acc, dec, exp, opn, wdr, seconds, fb, contact, done, sat,
         *reasons) in session.execute(received):
        row = rows.setdefault(str(slug), LedgerRow(str(slug)))
        row.received, row.accepted, row.declined = int(total), int(acc), int(dec)
        row.timed_out, row.open, row.withdrawn = int(exp), int(opn), int(wdr)
        row.response_hours = None if seconds is None else round(float(seconds) / 3600, 2)
        row.feedback, row.contact, row.done = int(fb), int(contact), int(done)
        row.satisfaction = None if sat is None else round(float(sat), 2)
        # Declines from before reasons were asked count as declined, under no reason.
        row.declined_by_reason = {r.value: int(n) for r, n in
                                  zip(DeclineReason, reasons, strict=True)}
    return dict(sorted(rows.items()))


def standings(session: Session, now: dt.datetime) -> dict[str, Standing]:
    """Return each member's recent load and referral balance from the ledger, for fair ranking.

    Load: offers of the last 30 days that are open or accepted. Given and received: all time,
    received counting accepted referrals.
    """
    recent = ledger(session, Period(since=now - FAIRNESS_WINDOW))
    overall = ledger(session)
    result = {}
    for slug, row in overall.items():
        current = recent.get(slug)
        load = current.open + current.accepted if current else 0
        result[slug] = Standing(load, row.given, row.accepted)
    return result
