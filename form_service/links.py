"""Signed, expiring accept/decline links for members (itsdangerous)."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

ACTIONS = ("accept", "decline")


class LinkError(Exception):
    """Raised for a tampered, expired or malformed link."""


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
