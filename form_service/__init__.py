"""Form service: takes clients' requests, stores them and routes them to a member."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from form_service.backend import Backend
from form_service.extensions import limiter
from form_service.settings import Settings
from form_service.strings import DE, EN


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the WSGI app; ``test_config`` overrides settings (lower-case names) for tests."""
    config = dict(test_config or {})
    immediate = bool(config.pop("immediate", False))
    with_queue = bool(config.pop("queue", True))
    settings = Settings.from_env(config)
    app = Flask(__name__, template_folder="templates/pages")
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_body_bytes,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        # X-RateLimit headers cost a storage round trip on every answer; a 429 still says
        # when to come back (Retry-After, set by the error handler).
        RATELIMIT_HEADERS_ENABLED=False,
        JSON_SORT_KEYS=False,
    )
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    backend = Backend.start(settings)
    app.extensions["partnerdir"] = backend
    if with_queue:
        from form_service.jobs import create_huey, register

        app.extensions["partnerdir.tasks"] = register(create_huey(settings, immediate), backend)
    app.jinja_env.globals.update(de=DE, en=EN)
    limiter.init_app(app)

    from form_service import api, feedback, member

    app.register_blueprint(api.bp)
    app.register_blueprint(member.bp)
    app.register_blueprint(feedback.bp)
    return app
