"""Flask extensions, created once and bound to the app in the factory."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# The client's address is the peer's, or, behind trusted proxies, the one they forwarded
# (ProxyFix, set up in web.py).
limiter = Limiter(key_func=get_remote_address)
