"""Check a submitted request field by field (no Flask): per-field errors or clean values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError

from form_service.strings import language as text_language
from form_service.strings import text
from generator.emails import normal_email
from generator.loader import Network
from generator.vocabulary import COUNTRIES, LANGUAGES, is_postal_code

FIELDS = (
    "service",
    "postal_code",
    "country",
    "remote",
    "language",
    "needed_from",
    "needed_until",
    "message",
    "name",
    "email",
    "phone",
    "consent",
    "referred_by",
    "reason",
    "website",
    "idempotency_key",
    "altcha",  # the solved proof-of-work check, judged by ``form_service/challenges.py``
)
REASONS = ("capacity", "expertise", "absence")
LIMITS = {"message": 4000, "name": 100, "email": 254, "phone": 40, "idempotency_key": 100}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_PHONE = re.compile(r"\+?[0-9][0-9 ()/-]{4,30}")
_TRUE = {"1", "true", "on", "yes", "ja"}
_FALSE = {"", "0", "false", "off", "no", "nein"}


class FormError(Exception):
    """Raised with every field's messages when a submitted form is incomplete or invalid."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(errors)


class IntakeError(FormError):
    """Raised with every field's messages when a submission is invalid."""


@dataclass(frozen=True)
class Submission:
    """A valid request, ready to store."""

    service: str
    postal_code: str | None
    country: str
    remote: bool
    language: str
    needed_from: dt.date | None
    needed_until: dt.date | None
    message: str
    name: str
    email: str
    phone: str | None
    referred_by: str | None
    reason: str | None
    idempotency_key: str | None
    spam: bool


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value not in (None, "") else None


def parse_submission(data: Mapping[str, Any], network: Network, today: dt.date) -> Submission:
    """Return the cleaned submission or raise :class:`IntakeError` with all messages."""
    errors: dict[str, list[str]] = {}
    # Messages in the language the client chose on the form, which starts as the page's.
    lang = text_language(data.get("language"))

    def err(field: str, key: str, **values: object) -> None:
        errors.setdefault(field, []).append(text(key, lang, **values))

    def line(field: str, required: bool = True) -> str | None:
        raw = data.get(field)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                err(field, "required")
            return None
        if not isinstance(raw, str):
            err(field, "required")
            return None
        value = raw.strip()
        if (field != "message" and _CONTROL.search(value)) or (
            field == "message" and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value)
        ):
            err(field, "single_line")
        if len(value) > LIMITS.get(field, 100):
            err(field, "too_long", max=LIMITS.get(field, 100))
        return value

    service = line("service")
    if service and service not in network.settings.service_ids:
        err("service", "unknown_service")
    remote = _flag(data.get("remote"))
    if remote is None:
        err("remote", "bad_flag")
    postal_code = (line("postal_code", required=False) or "").upper() or None
    named = line("country", required=False)
    country = (named or network.home_country).upper()
    # The country places the postal code: without either there is nothing to check.
    if (named or postal_code) and country not in network.countries:
        err("country", "unknown_country", known=", ".join(network.countries))
    elif postal_code and not is_postal_code(country, postal_code):
        err("postal_code", "bad_postal_code", example=COUNTRIES[country].example)
    if not postal_code and not remote:
        err("postal_code", "postal_or_remote")
    language = (line("language", required=False) or "de").lower()
    if language not in LANGUAGES:
        err("language", "bad_language")
    dates: dict[str, dt.date | None] = {}
    for field in ("needed_from", "needed_until"):
        try:
            dates[field] = _date(data.get(field))
        except (ValueError, TypeError):
            err(field, "bad_date")
            dates[field] = None
    start, end = dates["needed_from"], dates["needed_until"]
    if end and end < today:
        err("needed_until", "date_past")
    elif start and end and end < start:
        err("needed_until", "date_order")
    message = line("message")
    name = line("name")
    email = line("email")
    if email and "email" not in errors:
        try:
            email = normal_email(email)
        except EmailNotValidError:
            err("email", "bad_email")
    phone = line("phone", required=False)
    if phone and not _PHONE.fullmatch(phone):
        err("phone", "bad_phone")
    if _flag(data.get("consent")) is not True:
        err("consent", "consent")
    referred_by = line("referred_by", required=False)
    if referred_by and referred_by not in network.partners:
        err("referred_by", "unknown_partner")
    reason = line("reason", required=False)
    if reason and reason not in REASONS:
        err("reason", "bad_reason")
    key = line("idempotency_key", required=False)
    spam = bool(str(data.get("website") or "").strip())
    if errors and not spam:
        raise IntakeError(errors)
    return Submission(
        service=service or "",
        postal_code=postal_code,
        country=country,
        remote=bool(remote),
        language=language,
        needed_from=start,
        needed_until=end,
        message=message or "",
        name=name or "",
        email=email or "",
        phone=phone,
        referred_by=referred_by,
        reason=reason,
        idempotency_key=key,
        spam=spam,
    )
