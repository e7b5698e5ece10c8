"""The intake's busiest answers without Flask's request machinery.

Nearly every POST /api/requests is a JSON request that is either accepted (201) or refused
because its address sent too many (429): a client's submission, or a flood. For these two the
fast lane, a WSGI layer in front of the app, does what the route does (``api.create_request``)
with the same functions, and answers with the same status, headers and body, but without
pushing contexts, matching routes and running every hook of the app, which cost a bare route
most of its time. Everything else — a form post, a body that is not valid JSON, a field that
is wrong, another site's origin, an oversized body — goes to the app unread and untouched, so
every error is still answered in one place.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import InternalServerError
from werkzeug.wrappers import Request, Response

from form_service.api import PATH, accepted_json, admit, fields
from form_service.extensions import quota
from form_service.intake import IntakeError, parse_submission
from form_service.models import utcnow
from form_service.web import add_cors, browser_language, origin_permitted, refusal_json

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from form_service.backend import Backend

log = logging.getLogger("form_service")  # the app's logger, where Flask logs it


class FastLane:
    """A WSGI layer answering accepted and address-limited JSON requests itself."""

    def __init__(self, app: WSGIApplication, backend: Backend) -> None:
        self.app, self.backend = app, backend

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        request = Request(environ)
        settings = self.backend.settings
        length = request.content_length
        origin = environ.get("HTTP_ORIGIN")  # read as the route reads them, only cheaper
        if (not request.is_json or length is None or length > settings.max_body_bytes
                or (origin is not None and not origin_permitted(origin, request.host_url,
                                                                settings.site_origin))):
            return self.app(environ, start_response)
        address = environ.get("REMOTE_ADDR") or "127.0.0.1"
        accepted = quota("accepted", settings.rate_limit)
        if not accepted.allows(address):
            return self._slow_down(request, accepted.retry_after(address), start_response)
        body = request.get_data()
        # The app reads the body again when it answers after all.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = True
        try:
            data = json.loads(body)
        except ValueError:
            return self.app(environ, start_response)
        if not isinstance(data, dict):
            return self.app(environ, start_response)
        data = fields(data, environ.get("HTTP_IDEMPOTENCY_KEY"))
        now = utcnow()
        try:
            submission = parse_submission(data, self.backend.network, now.date())
        except IntakeError:
            return self.app(environ, start_response)  # counted and answered there
        try:
            outcome = admit(self.backend, submission, data, address, now)
        except Exception:  # as Flask would: logged, and answered 500
            log.exception("Exception on %s [POST]", PATH)
            return InternalServerError()(environ, start_response)
        if isinstance(outcome, int):
            return self._slow_down(request, outcome, start_response)
        return self._answer(request, 201, accepted_json(outcome), {}, start_response)

    def _slow_down(self, request: Request, seconds: int, start_response: StartResponse
                   ) -> Iterable[bytes]:
        """Answer 429 as ``web.slow_down`` does for a JSON request."""
        body = refusal_json("too_many", browser_language(request.accept_languages),
                            seconds=seconds)
        return self._answer(request, 429, body, {"Retry-After": str(seconds)}, start_response)

    def _answer(self, request: Request, status: int, body: str, headers: dict[str, Any],
                start_response: StartResponse) -> Iterable[bytes]:
        response = Response(body, status, headers=headers, mimetype="application/json")
        add_cors(response, request.environ.get("HTTP_ORIGIN"), PATH,
                 self.backend.settings.site_origin)
        return response(request.environ, start_response)
