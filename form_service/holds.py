"""Doubtful requests are held: why, telling the coordinator with signed links, and the
coordinator's release (routed as any request) or discard (closed, erased, nobody told).

A held request is stored as HELD instead of NEW, so the router never sees it; the client gets
the same answer as anyone, and no mail until release: a script's made-up address gets nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update

from form_service import mails
from form_service.backend import Backend
from form_service.challenges import Check, Verdict
from form_service.links import LinkError
from form_service.models import ClientRequest, RequestStatus
from form_service.privacy import erase

ACTIONS = ("release", "discard")
_SALT = "partnerdir-hold"
# What makes a message carry a link: a scheme, a www. host, or markup that makes one.
_LINK = re.compile(r"https?://|\bwww\.|<a\s|\[url", re.IGNORECASE)


class Doubt(StrEnum):
    """Why a request was held; the coordinator's mail explains each."""

    UNCHECKED = "unchecked"  # sent without the check: no JavaScript, or a script
    FAILED = "failed"  # the check's solution was wrong, tampered with or expired
    FAST = "fast"  # sent sooner after loading the form than a person can fill it in
    REUSED = "reused"  # a solution already used for another request
    LINKS = "links"  # the message carries links
    ADDRESS = "address"  # many requests from one network address


_VERDICTS = {Verdict.MISSING: Doubt.UNCHECKED, Verdict.FAILED: Doubt.FAILED,
             Verdict.FAST: Doubt.FAST}


def doubts(check: Check, message: str, crowded: bool) -> list[Doubt]:
    """Return why a submission is doubtful (empty: it is not), from its check, its message and
    whether its network address sent many requests (``crowded``)."""
    found = [_VERDICTS[check.verdict]] if check.verdict in _VERDICTS else []
    if _LINK.search(message):
        found.append(Doubt.LINKS)
    if crowded:
        found.append(Doubt.ADDRESS)
    return found


def make_hold_token(secret_key: str, public_id: str, action: str) -> str:
    """Return a token that lets the coordinator ``action`` the held request ``public_id``."""
    if action not in ACTIONS:
        raise ValueError(action)
    return URLSafeTimedSerializer(secret_key, salt=_SALT).dumps({"q": public_id, "do": action})


def read_hold_token(secret_key: str, token: str, max_age_seconds: int) -> tuple[str, str]:
    """Return the public id and action a token allows, or raise LinkError."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=_SALT).loads(token, max_age=max_age_seconds)
    except BadSignature as exc:  # SignatureExpired is a BadSignature
        raise LinkError(str(exc)) from exc
    public_id, action = (data.get("q"), data.get("do")) if isinstance(data, dict) else (None, None)
    if not isinstance(public_id, str) or action not in ACTIONS:
        raise LinkError("malformed link")
    return public_id, str(action)


def find(backend: Backend, public_id: str) -> ClientRequest | None:
    """Return the request ``public_id`` (held or not), or None when there is none."""
    with backend.sessions() as session:
        return session.scalar(select(ClientRequest).where(ClientRequest.public_id == public_id))


def release(backend: Backend, public_id: str) -> bool:
    """Let the worker route a held request as if it had just arrived; return whether it was
    held. The client's confirmation goes out with the routing, as for any request."""
    with backend.sessions() as session:
        done = session.execute(
            update(ClientRequest)
            .where(ClientRequest.public_id == public_id,
                   ClientRequest.status == RequestStatus.HELD)
            .values(status=RequestStatus.NEW))
        session.commit()
        return bool(done.rowcount)  # type: ignore[attr-defined]


def discard(backend: Backend, public_id: str, now: dt.datetime) -> bool:
    """Close a held request as spam and erase what it says at once; return whether it was held.
    Nobody is told: a script learns nothing, and no mail goes to an address it made up."""
    with backend.sessions() as session:
        found = session.scalar(
            select(ClientRequest.id).where(ClientRequest.public_id == public_id,
                                           ClientRequest.status == RequestStatus.HELD))
        done = found is not None and session.execute(
            update(ClientRequest)
            .where(ClientRequest.id == found, ClientRequest.status == RequestStatus.HELD)
            .values(status=RequestStatus.DISCARDED, closed_at=now)
        ).rowcount == 1  # type: ignore[attr-defined]
        if found is None or not done:
            return False
        erase(session, [found], now)
        session.commit()
        return True


def links(backend: Backend, public_id: str) -> dict[str, str]:
    """Return the coordinator's signed links to release or discard a held request."""
    settings = backend.settings
    return {action: f"{settings.service_url}h/"
            f"{make_hold_token(settings.secret_key, public_id, action)}" for action in ACTIONS}


def notify_held(backend: Backend, now: dt.datetime) -> int:
    """Tell the coordinator about every held request not told yet, one mail each; return how
    many. Claimed with the mail in one transaction: two workers never tell twice."""
    with backend.sessions() as session:
        ids = session.scalars(select(ClientRequest.id).where(*unnotified())).all()
    for request_id in ids:
        with backend.sessions() as session:
            claimed = session.execute(
                update(ClientRequest)
                .where(ClientRequest.id == request_id, *unnotified())
                .values(held_notified_at=now))
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                req = session.get_one(ClientRequest, request_id)
                mails.held(backend, session, req, reasons(req), links(backend, req.public_id),
                           now)
            session.commit()
    return len(ids)


def unnotified() -> tuple[Any, ...]:
    """Return the conditions of a held request the coordinator has not been told about."""
    return (ClientRequest.status == RequestStatus.HELD, ClientRequest.held_notified_at.is_(None))


def reasons(req: ClientRequest) -> list[str]:
    """Return why ``req`` was held, as stored."""
    return [r for r in (req.held_reasons or "").split(",") if r]


def stored_reasons(found: Iterable[Doubt]) -> str | None:
    """Return the reasons as stored with a request (None: not held)."""
    return ",".join(found) or None
