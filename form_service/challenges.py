"""The form's proof-of-work check (ALTCHA): issue a signed, expiring challenge and judge a
solution sent with a request. No third party: the service issues and checks it itself."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from altcha import Challenge, Payload, create_challenge, verify_solution

ALGORITHM = "PBKDF2/SHA-256"
COST = 1_000
"""PBKDF2 rounds per attempt: with the counters below a browser needs about a second at most."""
COUNTERS = (100, 400)
"""The range the server's secret counter is drawn from: how many attempts a solver makes."""
VALID_SECONDS = 3600
"""How long a challenge can be solved and sent: a client may take their time with the form."""


class Verdict(StrEnum):
    """What the check says about a submission; anything but SOLVED holds it."""

    SOLVED = "solved"
    MISSING = "unchecked"  # no solution at all: a plain form post, or a script
    FAILED = "failed"  # tampered, expired or wrong
    FAST = "fast"  # solved, but sent sooner after loading than a person fills in the form


@dataclass(frozen=True)
class Check:
    """The verdict, and the id of the challenge that can admit one request only."""

    verdict: Verdict
    proof: str | None = None


def _keys(secret_key: str) -> tuple[bytes, bytes]:
    """Return the keys that sign challenges and derived keys, both derived from the secret."""
    base = secret_key.encode()
    return (hmac.new(base, b"altcha-challenge", hashlib.sha256).digest(),
            hmac.new(base, b"altcha-key", hashlib.sha256).digest())


def issue(secret_key: str, now: float | None = None) -> dict[str, Any]:
    """Return a new challenge for the form, signed, expiring, stamped with its issue time."""
    issued = time.time() if now is None else now
    challenge_key, derived_key = _keys(secret_key)
    # The server solves its own challenge once, at a secret counter, and signs the key it
    # found: checking a solution is then one HMAC, whatever the cost of the search.
    challenge: Challenge = create_challenge(
        ALGORITHM, COST, counter=secrets.randbelow(COUNTERS[1] - COUNTERS[0]) + COUNTERS[0],
        expires_at=int(issued) + VALID_SECONDS, data={"issued": int(issued)},
        hmac_secret=challenge_key, hmac_key_secret=derived_key)
    result: dict[str, Any] = challenge.to_dict()
    return result


def judge(secret_key: str, solution: object, min_seconds: int, now: float | None = None
          ) -> Check:
    """Return what the ``solution`` sent with a request (base64 JSON) proves."""
    if not isinstance(solution, str) or not solution.strip():
        return Check(Verdict.MISSING)
    challenge_key, derived_key = _keys(secret_key)
    try:
        payload = Payload.from_base64(solution.strip())
    except (ValueError, KeyError, TypeError, RecursionError):
        return Check(Verdict.FAILED)
    result = verify_solution(payload, challenge_key, hmac_key_secret=derived_key)
    if not result.verified:
        return Check(Verdict.FAILED)
    parameters = payload.challenge.parameters
    issued = (parameters.data or {}).get("issued")
    proof = str(parameters.salt)[:64]
    if not isinstance(issued, int):
        return Check(Verdict.FAILED, proof)
    elapsed = (time.time() if now is None else now) - issued
    return Check(Verdict.SOLVED if elapsed >= min_seconds else Verdict.FAST, proof)
