"""Flask extensions, created once and bound to the app in the factory."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def client_address() -> str:
    """Return the client's address (after ProxyFix when proxies are trusted)."""
    return request.remote_addr or "unknown"
