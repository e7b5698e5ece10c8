"""Flask extensions, created once and bound to the app in the factory, and the intake's quotas."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import cache

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage


class LazyMemoryStorage(MemoryStorage):
    """The limits' memory storage without a timer thread: it starts one for every 10 ms in which
    a counter changed, which costs the intake more than the counting. Expired counters are
    forgotten when next read (as before) and swept once a minute by the call that comes by."""

    STORAGE_SCHEME = ["partnerdir-memory"]  # noqa: RUF012 - the registry reads it from the class
    SWEEP_SECONDS = 60.0

    _swept = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_SECONDS:
            self._swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


# The client's address is the peer's, or, behind trusted proxies, the one they forwarded
# (ProxyFix, set up in web.py).
limiter = Limiter(key_func=get_remote_address)

INTAKE = "api.create_request"
"""The route that counts its quotas by hand, by outcome (``form_service/api.py``)."""


@limiter.request_filter
def _counted_by_hand() -> bool:
    # Skipped before the limiter looks up any limit: the intake is the path users wait on.
    return request.endpoint == INTAKE


@dataclass(frozen=True)
class Quota:
    """Limits counted only when the route says so: accepted requests, refused ones, one client
    email address. Fixed windows kept in the limiter's storage (memory, or Redis shared by every
    worker), counted directly: the intake is the path users wait on."""

    scope: str
    items: tuple[RateLimitItem, ...]

    def _counters(self, key: str) -> list[tuple[str, RateLimitItem]]:
        return [(f"quota/{self.scope}/{key}/{item.amount}/{item.multiples}/"
                 f"{item.GRANULARITY.name}", item) for item in self.items]

    def allows(self, key: str) -> bool:
        """Return whether ``key`` has room for one more, without counting it."""
        storage = limiter.limiter.storage
        return all(storage.get(counter) < item.amount for counter, item in self._counters(key))

    def take(self, key: str) -> bool:
        """Count one for ``key``; return whether it was within every limit."""
        storage = limiter.limiter.storage
        # Every limit counts, also after one is full: all() would stop at the first.
        return all([storage.incr(counter, item.get_expiry()) <= item.amount
                    for counter, item in self._counters(key)])

    def retry_after(self, key: str) -> int:
        """Return the seconds until ``key`` has room again, at least one."""
        storage, now = limiter.limiter.storage, time.time()
        waits = [storage.get_expiry(counter) - now for counter, item in self._counters(key)
                 if storage.get(counter) >= item.amount]
        return max(1, math.ceil(max(waits, default=1)))


@cache
def quota(scope: str, limits: str) -> Quota:
    """Return the quota of ``scope`` for ``limits`` (``5/minute;50/day``), parsed once."""
    return Quota(scope, tuple(parse_many(limits)))
