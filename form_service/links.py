"""Signed, expiring links: accept/decline and the member page for members, feedback and the
status page for clients (itsdangerous)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ACTIONS = ("accept", "decline")


class LinkError(Exception):
    """Raised for a tampered, expired or malformed link."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class LinkAction:
    """What a valid link allows: one action on one assignment."""

    assignment_id: int
    action: str


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="partnerdir-assignment")


def make_token(secret_key: str, assignment_id: int, action: str) -> str:
    """Return a token that allows ``action`` on the assignment."""
    if action not in ACTIONS:
        raise ValueError(action)
    return _serializer(secret_key).dumps({"a": assignment_id, "do": action})


def read_token(secret_key: str, token: str, max_age_seconds: int) -> LinkAction:
    """Return the action a token allows, or raise :class:`LinkError`."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age_seconds)
    except BadSignature as exc:  # SignatureExpired is a BadSignature
        raise LinkError(str(exc)) from exc
    if not isinstance(data, dict) or data.get("do") not in ACTIONS or not isinstance(
        data.get("a"), int
    ):
        raise LinkError("malformed link")
    return LinkAction(data["a"], data["do"])


def _load(salt: str, secret_key: str, token: str, max_age_seconds: int) -> dict[str, Any]:
    """Return the data a token signed with ``salt`` carries, or raise LinkError."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=salt).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise LinkError(str(exc), expired=True) from exc
    except BadSignature as exc:
        raise LinkError(str(exc)) from exc
    if not isinstance(data, dict):
        raise LinkError("malformed link")
    return data


def make_feedback_token(secret_key: str, public_id: str) -> str:
    """Return a token that lets the client of request ``public_id`` give feedback."""
    return URLSafeTimedSerializer(secret_key, salt="partnerdir-feedback").dumps({"q": public_id})


def read_feedback_token(secret_key: str, token: str, max_age_seconds: int) -> str:
    """Return the public id of the request a feedback token is for, or raise LinkError."""
    return _public_id("partnerdir-feedback", "q", secret_key, token, max_age_seconds)


def _public_id(salt: str, key: str, secret_key: str, token: str, max_age_seconds: int) -> str:
    """Return the request's public id a token signed with ``salt`` carries under ``key``."""
    public_id = _load(salt, secret_key, token, max_age_seconds).get(key)
    if not isinstance(public_id, str):
        raise LinkError("malformed link")
    return public_id


@dataclass(frozen=True)
class MemberLink:
    """Whose member page a valid link opens, and which link it was (kept with statements)."""

    slug: str
    link_id: str


def make_member_token(secret_key: str, slug: str) -> str:
    """Return a token for the member page of ``slug``, with an id of its own."""
    # Every mail carries a new id, so a statement tells which mail's link it was made through.
    payload = {"m": slug, "l": secrets.token_urlsafe(6)}
    return URLSafeTimedSerializer(secret_key, salt="partnerdir-member").dumps(payload)


def read_member_token(secret_key: str, token: str, max_age_seconds: int) -> MemberLink:
    """Return the member page a token opens, or raise LinkError."""
    data = _load("partnerdir-member", secret_key, token, max_age_seconds)
    slug, link_id = data.get("m"), data.get("l")
    if not isinstance(slug, str) or not isinstance(link_id, str):
        raise LinkError("malformed link")
    return MemberLink(slug, link_id)


def make_status_token(secret_key: str, public_id: str) -> str:
    """Return a token that opens the status page of request ``public_id`` for its client."""
    return URLSafeTimedSerializer(secret_key, salt="partnerdir-status").dumps({"s": public_id})


def read_status_token(secret_key: str, token: str, max_age_seconds: int) -> str:
    """Return the public id of the request a status token opens, or raise LinkError."""
    return _public_id("partnerdir-status", "s", secret_key, token, max_age_seconds)
