"""Email addresses: the everyday ones checked and normalized without the full validator.

Checking every address with email_validator costs more than reading a profile's YAML or
storing a request. An everyday address (letters, digits and ``._%+-`` before the @, a plain
domain after it) is normalized here exactly as the library would; everything else
(international, quoted, reserved domains, mistakes) goes to the library, which also words
every refusal.
"""

from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, validate_email

_PLAIN = re.compile(r"[A-Za-z0-9_%+-]{1,64}(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9]"
                    r"(?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}", re.ASCII)


def plain_email(value: str) -> str | None:
    """Return an everyday address as email_validator normalizes it, or None for any other."""
    if len(value) > 254 or not _PLAIN.fullmatch(value):
        return None
    local, _, domain = value.rpartition("@")
    domain = domain.lower()
    if len(local) > 64 or "--" in domain or any(
            domain == name or domain.endswith("." + name) for name in SPECIAL_USE_DOMAIN_NAMES):
        return None
    return f"{local}@{domain}"


def normal_email(value: str) -> str:
    """Return ``value`` as email_validator normalizes it, or raise EmailNotValidError."""
    return plain_email(value) or validate_email(value, check_deliverability=False).normalized
