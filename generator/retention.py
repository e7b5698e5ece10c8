"""When clients are asked for feedback and when their data is erased.

The form service applies these figures and the privacy page states them; both read them
here, from ``PARTNERDIR_FOLLOWUP_DAYS`` and ``PARTNERDIR_RETENTION_DAYS``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

FOLLOWUP_DAYS = 14
RETENTION_DAYS = 180


@dataclass(frozen=True)
class PrivacyFigures:
    """The periods the privacy page promises."""

    followup_days: int = FOLLOWUP_DAYS
    retention_days: int = RETENTION_DAYS


def days(environ: Mapping[str, str], name: str, default: int, least: int) -> int:
    """Return the whole number of days set as ``PARTNERDIR_<NAME>``, at least ``least``."""
    variable = f"PARTNERDIR_{name.upper()}"
    value = int(environ.get(variable, "") or default)
    if value < least:
        raise ValueError(f"{variable} must be at least {least}, not {value}")
    return value


def privacy_figures(environ: Mapping[str, str] = os.environ) -> PrivacyFigures:
    """Return the follow-up and retention periods as configured."""
    return PrivacyFigures(
        followup_days=days(environ, "followup_days", FOLLOWUP_DAYS, least=0),
        retention_days=days(environ, "retention_days", RETENTION_DAYS, least=1),
    )
