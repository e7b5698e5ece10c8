"""Signed, expiring links: accept/decline for members, feedback for clients (itsdangerous)."""

from __future__ import annotations

from dataclasses import dataclass

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


def _feedback_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="partnerdir-feedback")


def make_feedback_token(secret_key: str, public_id: str) -> str:
    """Return a token that lets the client of request ``public_id`` give feedback."""
    return _feedback_serializer(secret_key).dumps({"q": public_id})


def read_feedback_token(secret_key: str, token: str, max_age_seconds: int) -> str:
    """Return the public id of the request a feedback token is for, or raise LinkError."""
    try:
        data = _feedback_serializer(secret_key).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise LinkError(str(exc), expired=True) from exc
    except BadSignature as exc:
        raise LinkError(str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("q"), str):
        raise LinkError("malformed link")
    public_id: str = data["q"]
    return public_id
