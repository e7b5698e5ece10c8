"""The availability document, GET /api/availability: every member's state today, for the site.

Computed with the one rule (``generator.availability``) from the profiles and the members'
statements, the same inputs routing uses, plus the services routing keeps away from a member
after "not my expertise" (``declines.pauses``). It names states, dates, deputies (members' slugs)
and services, never a person, a request or why someone is away. Rendered once per change and
kept in memory, so an answer costs a dictionary lookup however many members there are.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from flask import Blueprint, Response, current_app, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from form_service.backend import Backend
from form_service.declines import Pause, pauses
from form_service.extensions import limiter
from form_service.models import Assignment, AssignmentState, MemberStatus, utcnow
from form_service.statements import current_statements
from form_service.web import backend
from generator.availability import Statement, availability
from generator.loader import Network
from generator.model import Partner

bp = Blueprint("availability", __name__)

CHECK_SECONDS = 5.0
"""How long a rendered document is answered without asking the database for new statements
and pauses."""
MAX_AGE = 60 - int(CHECK_SECONDS)
"""How long browsers and proxies may keep it: together with the check, the site follows
routing within a minute."""
_CACHE = "partnerdir.availability"
MAX_ASKED = 20
"""Members one request may ask about by name."""


def entry(partner: Partner, today: dt.date, said: Statement | None,
          paused: Mapping[str, dt.date] | None = None) -> dict[str, Any]:
    """Return what the document says of ``partner`` on ``today``, given its statement ``said``
    and the last day of each service ``paused`` for it.

    A statement that starts later is given as ``planned`` (state, first and last day): routing
    already keeps requests for that time away, and so does the directory's filter.
    """
    now = availability(partner, today, said)
    until = now.until.isoformat() if now.until else None
    result: dict[str, Any] = {"state": now.state.value, "until": until, "deputy": now.deputy}
    if said is not None and said.starts_on > today:
        result["planned"] = {"state": said.state.value, "from": said.starts_on.isoformat(),
                             "until": said.until.isoformat()}
    if paused:
        result["paused"] = {service: day.isoformat() for service, day in sorted(paused.items())}
    return result


def members(
    partners: Mapping[str, Partner], statements: Mapping[str, Statement], today: dt.date
) -> dict[str, dict[str, Any]]:
    """Return per member slug the state on ``today``, until when it lasts, and the deputy."""
    return {slug: entry(p, today, statements.get(slug)) for slug, p in partners.items()}


def _member_json(slug: str, value: dict[str, Any]) -> bytes:
    return json.dumps({slug: value}, ensure_ascii=False, separators=(",", ":"))[1:-1].encode()


@dataclass(frozen=True)
class Profiles:
    """Every member's part of the document as the profiles alone give it, for one day."""

    network: Network
    day: dt.date
    parts: dict[str, bytes]

    @classmethod
    def of(cls, network: Network, day: dt.date) -> Profiles:
        """Render every member's part from its profile alone."""
        parts = {slug: _member_json(slug, entry(p, day, None))
                 for slug, p in network.partners.items()}
        return cls(network, day, parts)

    def holds(self, network: Network, day: dt.date) -> bool:
        """Return whether the parts were rendered from ``network`` for ``day``."""
        return self.network is network and self.day == day


class Marks(NamedTuple):
    """What tells, from indexes alone, whether a statement or a decline was made since."""

    statement: int | None
    """The newest statement's id: statements are only ever added."""
    offer: int | None
    """The newest offer's id. Only an open offer can be declined: one made since this changes
    ``offer``, one open before leaves ``open``."""
    open: frozenset[int]
    """The open offers' ids."""

    @classmethod
    def read(cls, session: Session) -> Marks:
        """Read the marks of the database as it is."""
        return cls(session.scalar(select(func.max(MemberStatus.id))),
                   session.scalar(select(func.max(Assignment.id))),
                   frozenset(session.scalars(
                       select(Assignment.id).where(Assignment.state == AssignmentState.OFFERED))))


@dataclass(frozen=True)
class Document:
    """One rendering of the document, plain and gzipped, and what it was rendered from."""

    profiles: Profiles
    statements: Mapping[str, Statement]
    pauses: tuple[Pause, ...]
    marks: Marks
    body: bytes
    gzipped: bytes
    etag: str
    parts: Mapping[str, bytes] = field(default_factory=dict)
    """Each member's part of ``body``, for answers about a few members (the embed's)."""

    @classmethod
    def render(cls, profiles: Profiles, statements: Mapping[str, Statement],
               paused: tuple[Pause, ...], marks: Marks, now: dt.datetime) -> Document:
        """Render the document: the profiles' parts, anew for members who said something or
        have a service paused."""
        partners, day = profiles.network.partners, profiles.day
        services: dict[str, dict[str, dt.date]] = {}
        for pause in paused:
            services.setdefault(pause.partner, {})[pause.service] = pause.last_day
        parts = {slug: _member_json(slug, entry(partners[slug], day, statements.get(slug),
                                                services.get(slug)))
                 if slug in statements or slug in services else part
                 for slug, part in profiles.parts.items()}
        generated = now.replace(microsecond=0).isoformat() + "Z"
        body = b'{"generated":"%s","members":{%s}}' % (generated.encode(),
                                                      b",".join(parts.values()))
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        # mtime=0: the same document gives the same bytes, whichever process renders it.
        gzipped = gzip.compress(body, 6, mtime=0)
        return cls(profiles, statements, paused, marks, body, gzipped, etag, parts)

    def holds(self, network: Network, now: dt.datetime) -> bool:
        """Return whether the document was rendered from ``network`` for the day of ``now``
        and none of its pauses has ended by then."""
        return (self.profiles.holds(network, now.date())
                and all(now < pause.ends for pause in self.pauses))


class Published:
    """The current document of one process, rendered again when what it says changes.

    With thousands of members, rendering from the profiles is the slow part; it is done once
    per network and day, and a new statement or pause only renders the parts of members who
    said something or have a service paused, and joins them with the others.
    """

    def __init__(self) -> None:
        self.document: Document | None = None
        self.checked = 0.0
        self.lock = threading.Lock()

    def current(self, backend: Backend) -> Document:
        """Return the document for the current network, statements, pauses and day."""
        network, now = backend.network, utcnow()
        doc = self.document
        if (doc is not None and doc.holds(network, now)
                and time.monotonic() - self.checked < CHECK_SECONDS):
            return doc
        with self.lock:
            with backend.sessions() as session:
                marks = Marks.read(session)
                doc = self.document
                held = doc if doc is not None and doc.holds(network, now) else None
                if held is not None and held.marks == marks:
                    doc = held
                else:
                    statements = current_statements(session, now.date())
                    paused = pauses(session, now)
                    if held is not None and (held.statements, held.pauses) == (statements, paused):
                        # Most offers are made or answered without a pause: the document, and
                        # so its ETag, stays.
                        doc = replace(held, marks=marks)
                    else:
                        profiles = (doc.profiles if doc is not None
                                    and doc.profiles.holds(network, now.date())
                                    else Profiles.of(network, now.date()))
                        doc = Document.render(profiles, statements, paused, marks, now)
                    self.document = doc
            self.checked = time.monotonic()
            return doc


def published() -> Published:
    """Return the current app's document cache."""
    cache: Published = current_app.extensions.setdefault(_CACHE, Published())
    return cache


@bp.get("/api/availability")
@limiter.exempt
def availability_document() -> Response:
    """Return every member's availability today (JSON, cacheable for under a minute)."""
    doc = published().current(backend())
    # ?members=a,b,c: those members only, so that an embed on a member's website stays small
    # however large the network is.
    only = [slug for slug in request.args.get("members", "").split(",")[:MAX_ASKED] if slug]
    zipped = request.accept_encodings["gzip"] > 0 and not only
    if request.if_none_match.contains_weak(doc.etag):
        response = Response(status=304)
    elif only:
        head = doc.body.split(b',"members":', 1)[0]
        found = b",".join(doc.parts[slug] for slug in dict.fromkeys(only) if slug in doc.parts)
        response = Response(b'%s,"members":{%s}}' % (head, found), mimetype="application/json")
    else:
        response = Response(doc.gzipped if zipped else doc.body, mimetype="application/json")
        if zipped:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(doc.etag, weak=True)  # weak: the plain and the gzipped bytes alike
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    # Shared caches must keep one copy per encoding and per origin (CORS headers differ).
    response.vary.update(("Accept-Encoding", "Origin"))
    return response

