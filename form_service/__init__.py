"""Form service: takes clients' requests, stores them and routes them to a member."""

from __future__ import annotations

from typing import Any

from flask import Flask

from form_service import web
from form_service.backend import Backend
from form_service.extensions import limiter
from partnerdir.settings import Settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the WSGI app; ``test_config`` overrides settings (lower-case names) for tests."""
    config = dict(test_config or {})
    with_queue = bool(config.pop("queue", True))
    settings = Settings.from_env(config)
    app = Flask(__name__, template_folder="templates/pages")
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_body_bytes,
        RATELIMIT_STORAGE_URI=settings.redis_url or "partnerdir-memory://",
        # X-RateLimit headers cost a storage round trip on every answer; a 429 still says
        # when to come back (Retry-After, set by the error handler).
        RATELIMIT_HEADERS_ENABLED=False,
        JSON_SORT_KEYS=False,
    )
    backend = Backend.start(settings)
    web.init_app(app, backend)
    if with_queue:
        from form_service.jobs import create_huey, register

        app.extensions[web.TASKS] = register(create_huey(settings), backend)
    limiter.init_app(app)

    from form_service import api, availability, feedback, hooks, member, member_page

    app.register_blueprint(api.bp)
    app.register_blueprint(availability.bp)
    app.register_blueprint(member.bp)
    app.register_blueprint(member_page.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(hooks.bp)
    from form_service import client_page

    app.register_blueprint(client_page.bp)
    from form_service import review

    app.register_blueprint(review.bp)
    return app
