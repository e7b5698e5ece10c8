"""App-wide web glue: the backend of a request, trusted proxies, refusals in JSON or as a page,
CORS for the site, and nudging the worker after an answer. Blueprints keep only their routes."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, current_app, render_template, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from form_service.backend import Backend
from form_service.strings import DE, EN, TABLES, language, text
from generator.dates import day, moment

BACKEND = "partnerdir"
TASKS = "partnerdir.tasks"


def init_app(app: Flask, backend: Backend) -> None:
    """Bind ``backend`` to ``app`` and register the handlers that apply to every route."""
    app.extensions[BACKEND] = backend
    from form_service.fast_lane import FastLane  # it answers with this module's helpers

    # Inside the proxy fix below, so that it sees the client's address as the app does.
    app.wsgi_app = FastLane(app.wsgi_app, backend)  # type: ignore[method-assign]
    proxies = backend.settings.trusted_proxies
    if proxies:
        # Only as many X-Forwarded-For hops as there are proxies of ours count; anything a
        # client adds in front of them is ignored, so nobody dodges the rate limit by lying.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )
    app.jinja_env.globals.update(de=DE, en=EN)
    app.register_error_handler(RateLimitExceeded, too_many)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(NotFound, not_found)
    app.after_request(cors)


def backend() -> Backend:
    """Return the backend of the current app."""
    result: Backend = current_app.extensions[BACKEND]
    return result


def nudge_worker() -> None:
    """Ask the worker to do due work now rather than at its next poll, when a queue is bound."""
    tasks = current_app.extensions.get(TASKS)
    if tasks is not None:
        tasks.process(0)


def wants_json() -> bool:
    """Return whether the client sent or asks for JSON rather than a page."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def client_language() -> str:
    """Return the language a client reads: the form's choice, else their browser's, else German."""
    if request.mimetype == "application/x-www-form-urlencoded" and not request.is_json:
        chosen = request.form.get("language")
        if chosen:
            return language(chosen)
    return browser_language()


def browser_language(asked: LanguageAccept | None = None) -> str:
    """Return the first language of the browser's (of this request's, unless ``asked``) that
    has texts, else German."""
    accepted = request.accept_languages if asked is None else asked
    return accepted.best_match(list(TABLES), default="de") or "de"


def render_page(template: str, lang: str, **context: Any) -> str:
    """Render a page of the service in one language: texts as ``t``, dates in the network's zone."""
    lang = language(lang)
    zone = backend().settings.time_zone
    return render_template(
        template, t=TABLES[lang], lang=lang, day=lambda value: day(value, lang),
        moment=lambda value: moment(value, lang, zone),
        network_name=backend().network.settings.name, **context,
    )


def refusal_json(key: str, lang: str, **values: object) -> str:
    """Return the JSON body of a refused submission: the text ``key`` under ``_body``."""
    # Built by hand: a flood's answer, sent far more often than anything else refused.
    return json.dumps({"errors": {"_body": [text(key, lang, **values)]}}, ensure_ascii=False)


def refusal(key: str, status: int, **values: object) -> Any:
    """Answer a refused submission in JSON or, for a plain form post, as a page."""
    # A body too large is never read: only the browser's languages tell which to answer in.
    lang = client_language() if status != 413 else browser_language()
    if wants_json():
        return Response(refusal_json(key, lang, **values), mimetype="application/json"), status
    message = text(key, lang, **values)
    form = "en/request/" if lang == "en" else "anfrage/"
    page = render_page("errors.html", lang, message=message,
                       form_url=backend().settings.site_url + form)
    return page, status


def too_many(error: RateLimitExceeded) -> Any:
    """Answer a flooding client 429 with the seconds until its window ends at the latest."""
    return slow_down(max(1, int(error.limit.limit.get_expiry())))


def slow_down(seconds: int) -> Any:
    """Answer 429: come back in ``seconds`` (also in Retry-After)."""
    body, status = refusal("too_many", 429, seconds=seconds)
    return body, status, {"Retry-After": str(seconds)}


def too_large(error: RequestEntityTooLarge) -> Any:
    """Answer an oversized body 413 without reading it."""
    return refusal("too_large", 413)


def not_found(error: NotFound) -> Any:
    """Answer unknown addresses in JSON; a blueprint may answer its own with a page."""
    return {"error": "not found"}, 404


def origin_permitted(origin: str | None, host_url: str, site_origin: str) -> bool:
    """Return whether a browser may post from ``origin``: the site's or our own."""
    if origin is None:  # not a browser, or a same-origin request of an older browser
        return True
    return origin in (site_origin, host_url.rstrip("/"))


def origin_allowed() -> bool:
    """Return whether a browser may post from the request's origin."""
    return origin_permitted(request.headers.get("Origin"), request.host_url,
                            backend().settings.site_origin)


def add_cors(response: BaseResponse, origin: str | None, path: str, site_origin: str) -> None:
    """Allow ``origin`` to read ``response`` when it is the site's and the path is the API's
    (other sites' pages get no CORS headers, so their browsers keep the answers from them)."""
    if origin and origin == site_origin and path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response.headers["Access-Control-Max-Age"] = "600"
        response.vary.add("Origin")  # added to a route's own Vary, not in place of it


def cors(response: Response) -> Response:
    """Allow the site's origin, and nobody else, to call the API from a browser.

    The site posts requests and reads the availability document (a GET that needs no
    preflight).
    """
    add_cors(response, request.headers.get("Origin"), request.path,
             backend().settings.site_origin)
    return response
