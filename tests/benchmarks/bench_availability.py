"""The availability document at 10,000 members: its size, and its answer time against a bare
Flask route answering the same document, in the same run.

Run: python tests/benchmarks/bench_availability.py [MEMBERS]   (default 10,000)
Goals: an answer in under 50 ms on this machine, under 100 KB gzipped.

The service runs under gunicorn with one worker, so every answer comes from the same process;
5 % of the members have said they are full or away. Timed per request on one keep-alive
connection: GET /api/availability gzipped (as browsers ask), plain, and revalidated with its
ETag (304), and the baseline: a bare route returning the same document with ``jsonify``.
Then the first answer after a new statement, which renders the document again, and, in this
process, the two renderings apart: from the profiles (once per network and day) and with the
statements (after each new one).

The database also holds 10 offers per member over 200 days (every 50th declined as not my
expertise, 20 still open). Timed in this process: the check made every few seconds (``Marks``:
newest statement, newest offer, open offers) against the newest statement's id alone, and the
pauses after "not my expertise", read only when the marks changed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from form_service.availability import CHECK_SECONDS, Document, Marks, Profiles
from form_service.db import make_engine, session_factory, upgrade
from form_service.declines import pauses
from form_service.models import Assignment, ClientRequest, MemberState, MemberStatus, utcnow
from form_service.statements import current_statements, record
from generator.loader import load_network
from tests.benchmarks.harness import gunicorn
from tests.benchmarks.synthetic import write_network

WSGI = '''
from flask import jsonify

from form_service import create_app
from form_service.availability import members
from form_service.models import utcnow
from form_service.statements import current_statements

app = create_app({"queue": False})
_backend = app.extensions["partnerdir"]
with _backend.sessions() as _session:
    _today = utcnow().date()
    _members = members(_backend.network.partners, current_statements(_session, _today), _today)


@app.get("/bench/document")
def document():
    return jsonify(generated=utcnow().isoformat() + "Z", members=_members)
'''
ROUNDS = 300


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(port: int, path: str, headers: dict[str, str], rounds: int = ROUNDS,
          check: Callable[[int, bytes], None] | None = None) -> list[float]:
    """Return the milliseconds of ``rounds`` sequential answers on one connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        times.append((time.perf_counter() - start) * 1000)
        if check:
            check(response.status, body)
    conn.close()
    return times


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


def state(count: int, database_url: str) -> None:
    """Let every 20th member say it is full or away, starting today."""
    engine = make_engine(database_url)
    upgrade(engine)
    now, today = utcnow(), utcnow().date()
    with session_factory(engine)() as session:
        for i in range(0, count, 20):
            away = i % 40 == 0
            record(session, f"betrieb-{i}", MemberState.AWAY if away else MemberState.FULL,
                   until=today + dt.timedelta(days=1 + i % 30), source="page", link="bench",
                   absence_reason="ill" if away else None, now=now)
        session.commit()
        offers(session, count)
    engine.dispose()


def offers(session: Session, count: int) -> None:
    """Store 10 offers per member over the last 200 days, as routing leaves them."""
    now, total = utcnow(), 10 * count
    at = [now - dt.timedelta(days=200) * (total - i) / total for i in range(total)]
    session.execute(insert(ClientRequest), [
        {"id": i + 1, "public_id": f"r{i}", "created_at": at[i], "status": "accepted",
         "service": "it-support", "language": "de", "email": f"k{i}@kunde.example",
         "name": "Kunde", "message": "…", "consent_version": "1"} for i in range(total)])
    session.execute(insert(Assignment), [
        {"request_id": i + 1, "partner": f"betrieb-{i * 7 % count}", "reason": "bench",
         "state": "offered" if i >= total - 20 else "declined" if i % 5 == 0 else "accepted",
         "offered_at": at[i], "deadline": at[i] + dt.timedelta(hours=48),
         "answered_at": None if i >= total - 20 else at[i] + dt.timedelta(hours=1),
         "decline_reason": ("expertise" if i % 50 == 0 else "capacity") if i % 5 == 0
         and i < total - 20 else None} for i in range(total)])
    session.commit()


def check_times(database_url: str) -> dict[str, list[float]]:
    """Return the milliseconds of the document's check and of reading the pauses."""
    engine = make_engine(database_url)
    times: dict[str, list[float]] = {}
    with session_factory(engine)() as session:
        for label, read in (
            ("newest statement id (baseline)",
             lambda: session.scalar(select(func.max(MemberStatus.id)))),
            ("marks (the check)", lambda: Marks.read(session)),
            ("pauses (after a change)", lambda: pauses(session, utcnow())),
        ):
            read()
            for _ in range(50):
                start = time.perf_counter()
                read()
                times.setdefault(label, []).append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return times


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = write_network(Path(tmp) / "net", count)
        (root / "bench_wsgi.py").write_text(WSGI, encoding="utf-8")
        database_url = f"sqlite:///{root / 'instance' / 'bench.sqlite3'}"
        state(count, database_url)
        env = {"PARTNERDIR_DATABASE_URL": database_url,
               "PARTNERDIR_MAIL_URL": f"maildir://{root / 'instance' / 'mail'}"}
        with gunicorn(root, env, workers=1) as (port, _):
            _, headers, zipped = fetch(port, "/api/availability", {"Accept-Encoding": "gzip"})
            _, _, plain = fetch(port, "/api/availability", {})
            assert gzip.decompress(zipped) == plain and len(plain) > 40 * count
            etag = headers["ETag"]

            def ok(status: int, body: bytes) -> None:
                assert status == 200 and body

            def unchanged(status: int, body: bytes) -> None:
                assert status == 304

            timed(port, "/bench/document", {}, 20)  # warm up both
            timed(port, "/api/availability", {}, 20)
            rows = [
                ("bare jsonify route (baseline)", timed(port, "/bench/document", {}, check=ok)),
                ("/api/availability, gzip", timed(
                    port, "/api/availability", {"Accept-Encoding": "gzip"}, check=ok)),
                ("/api/availability, plain", timed(port, "/api/availability", {}, check=ok)),
                ("/api/availability, 304", timed(
                    port, "/api/availability", {"If-None-Match": etag}, check=unchanged)),
            ]
            # After a statement, the first answer past the check interval renders anew.
            engine = make_engine(database_url)
            fresh = []
            for i in range(5):
                with session_factory(engine)() as session:
                    record(session, f"betrieb-{2 * i + 1}", MemberState.FULL,
                           until=utcnow().date() + dt.timedelta(days=3), source="page",
                           link="bench", now=utcnow())
                    session.commit()
                time.sleep(CHECK_SECONDS + 0.2)
                fresh += timed(port, "/api/availability", {"Accept-Encoding": "gzip"}, 1)
            with session_factory(engine)() as session:
                statements = current_statements(session, utcnow().date())
                paused = pauses(session, utcnow())
            engine.dispose()
        network = load_network(root)
        profiles_ms, document_ms = [], []
        for _ in range(5):
            start = time.perf_counter()
            profiles = Profiles.of(network, utcnow().date())
            middle = time.perf_counter()
            Document.render(profiles, statements, paused, Marks(0, 0, frozenset()), utcnow())
            profiles_ms.append((middle - start) * 1000)
            document_ms.append((time.perf_counter() - middle) * 1000)
        checks = check_times(database_url)
    print(f"members: {count}   document: {len(plain) / 1000:.0f} KB plain, "
          f"{len(zipped) / 1000:.1f} KB gzipped (goal < 100 KB)")
    print(f"{'':32} {'median':>9} {'p95':>9}   ({ROUNDS} sequential answers each)")
    for label, times in rows:
        print(f"{label:32} {statistics.median(times):7.2f}ms {percentile(times, 0.95):7.2f}ms")
    print(f"{'first answer after a statement':32} {statistics.median(fresh):7.2f}ms "
          f"{max(fresh):7.2f}ms (max of 5; renders the document again)")
    print(f"  of which rendering, in process: {statistics.median(document_ms):.1f} ms with "
          f"{len(statements)} statements; from the profiles (once per network and day): "
          f"{statistics.median(profiles_ms):.0f} ms; {len(paused)} pauses")
    print(f"{'in process, 10 offers per member':32} {'median':>9} {'p95':>9}   (50 reads each)")
    for label, times in checks.items():
        print(f"{label:32} {statistics.median(times):7.2f}ms {percentile(times, 0.95):7.2f}ms")
    ratio = statistics.median(checks["marks (the check)"]) / statistics.median(
        checks["newest statement id (baseline)"])
    print(f"check / newest statement id: {ratio:.2f}")
    base = statistics.median(rows[0][1])
    gz = statistics.median(rows[1][1])
    print(f"gzip answer / bare route: {gz / base:.2f}   (goal: answer < 50 ms)")


if __name__ == "__main__":
    main()
