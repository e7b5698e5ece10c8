"""Reliability of the form service under gunicorn: a crash mid-burst and a mail server outage.

Run: python tests/benchmarks/bench_reliability.py [--burst SECONDS] [--outage SECONDS]

1. Crash: a burst of POST /api/requests from several threads; every gunicorn process gets SIGKILL
   in the middle of it; gunicorn starts again on the same port and the burst goes on; then the
   worker (``partnerdir worker``) runs until the outbox is empty.
   Goal: every request answered 201 is in the database and its client got exactly one
   confirmation at the SMTP server; no mail arrived twice.
2. Mail outage: with the worker running, a paced burst; the SMTP server stops for some seconds in
   the middle and starts again on the same port.
   Goal: every request is answered 201; once the server is back, every mail of the outbox arrives
   exactly once (counted by Message-ID), none twice.
3. Database outage: on PostgreSQL, with the worker sending, a paced burst; PostgreSQL is killed
   (immediate stop) for some seconds in the middle and started again, while mails are on their
   way to a slow SMTP server.
   Goal: every request answered 201 is stored and its client got exactly one confirmation; every
   mail of the outbox arrives exactly once, none twice (the mails the server accepted while the
   database was down are recorded from the worker's journal, not sent again).

Everything listens on 127.0.0.1 only; the database is the default SQLite file (PostgreSQL for the
third). Exit code 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import REPO, client_email, gunicorn, network_copy, request_body
from sqlalchemy import Engine, func, select

from form_service.db import make_engine
from form_service.models import ClientRequest, MailStatus, OutboundMail, RequestStatus
from form_service.outbox import backoff, message_id
from tests.servers import SmtpServer, postgres_server, smtp_server, wait_for_port

DRAIN_TIMEOUT = 300.0  # seconds the worker gets to empty the outbox
# The scripted load posts without the form's check, from one address: held for review by
# default. Here every request is meant to be routed at once.
SCRIPTED = {"PARTNERDIR_HOLD_DOUBTFUL": "0", "PARTNERDIR_EMAIL_RATE_LIMIT": "100000/minute",
            "PARTNERDIR_HOLD_RATE_LIMIT": "100000/day"}


# --- load -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """The answer to one request: HTTP status (0: no answer) and the returned id."""

    i: int
    status: int
    public_id: str | None


@dataclass
class Burst:
    """Threads posting requests to ``port`` until stopped; the port may change between posts."""

    port: int
    threads: int = 8
    interval: float = 0.0  # pause of each thread between requests (0: as fast as possible)
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0
    _workers: list[threading.Thread] = field(default_factory=list)

    def _number(self) -> int:
        with self._lock:
            self._next += 1
            return self._next

    def _run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        while not self._stop.is_set():
            i = self._number()
            status, public_id = 0, None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("POST", "/api/requests", body=request_body(i),
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                status = response.status
                if status == 201:
                    public_id = json.loads(data)["id"]
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                if conn is not None:
                    conn.close()
                conn = None
            with self._lock:
                self.outcomes.append(Outcome(i, status, public_id))
            if status == 0:
                self._stop.wait(0.02)  # the server is down: do not spin
            elif self.interval:
                self._stop.wait(self.interval)
        if conn is not None:
            conn.close()

    def start(self) -> None:
        self._workers = [threading.Thread(target=self._run, daemon=True)
                         for _ in range(self.threads)]
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def statuses(self) -> dict[int, int]:
        with self._lock:
            return dict(sorted(Counter(o.status for o in self.outcomes).items()))

    def accepted(self) -> dict[str, int]:
        """Return public id -> request number of every request answered 201."""
        with self._lock:
            return {o.public_id: o.i for o in self.outcomes if o.public_id is not None}


# --- processes ------------------------------------------------------------------------------


@contextmanager
def worker(root: Path, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``partnerdir worker`` with ``env``; stop its process group at the end."""
    full = {**os.environ, "PARTNERDIR_ROOT": str(root), **env}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "partnerdir", "--root", str(root), "worker"],
            env=full, cwd=root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while b"Worker started" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def wait_healthy(port: int, timeout: float = 60.0) -> None:
    """Wait until the service answers GET /healthz with 200 (its workers have booted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.05)
    raise SystemExit(f"the service on port {port} is not healthy after {timeout:.0f} s")


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the master and every worker of a gunicorn started by the harness."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


# --- database and mailbox -------------------------------------------------------------------


def database(root: Path) -> Engine:
    """Connect to the service's default SQLite database under ``root``."""
    return make_engine(f"sqlite:///{root / 'instance' / 'partnerdir.sqlite3'}")


def backlog(engine: Engine) -> tuple[int, int]:
    """Return (requests not routed yet, mails not sent yet)."""
    waiting = (RequestStatus.NEW, RequestStatus.ROUTING)
    with engine.connect() as conn:
        unrouted = conn.scalar(select(func.count()).select_from(ClientRequest)
                               .where(ClientRequest.status.in_(waiting)))
        unsent = conn.scalar(select(func.count()).select_from(OutboundMail)
                             .where(OutboundMail.status != MailStatus.SENT))
    return int(unrouted or 0), int(unsent or 0)


def wait_drained(engine: Engine, timeout: float = DRAIN_TIMEOUT) -> float:
    """Wait until every request is routed and every mail sent; return the monotonic time."""
    deadline = time.monotonic() + timeout
    while True:
        unrouted, unsent = backlog(engine)
        if unrouted == 0 and unsent == 0:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise SystemExit(f"not drained after {timeout:.0f} s: {unrouted} requests not routed, "
                             f"{unsent} mails not sent")
        time.sleep(0.2)


@dataclass
class MailCheck:
    """Outbox rows compared with what the SMTP server received."""

    expected: int
    delivered: int
    missing: int
    duplicates: int
    strangers: int  # received, but no outbox row has that Message-ID
    retried: int  # rows that needed more than one attempt


def check_mail(engine: Engine, smtp: SmtpServer) -> MailCheck:
    with engine.connect() as conn:
        rows = conn.execute(select(OutboundMail.id, OutboundMail.dedup_key,
                                   OutboundMail.attempts)).all()
    expected = {message_id(row.id, row.dedup_key) for row in rows}
    with smtp.mailbox.lock:
        received = Counter(str(m["Message-ID"]) for m in smtp.mailbox.messages)
    return MailCheck(
        expected=len(expected),
        delivered=len(expected & set(received)),
        missing=len(expected - set(received)),
        duplicates=sum(n - 1 for n in received.values() if n > 1),
        strangers=len(set(received) - expected),
        retried=sum(1 for row in rows if row.attempts > 1),
    )


def confirmations(smtp: SmtpServer) -> Counter[str]:
    """Return the number of confirmation mails per recipient."""
    with smtp.mailbox.lock:
        return Counter(str(m["To"]) for m in smtp.mailbox.messages
                       if str(m["Message-ID"]).startswith("<confirmation."))


def stored_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(ClientRequest.public_id)).all())


# --- scenarios ------------------------------------------------------------------------------


def crash(tmp: Path, burst_seconds: float, failures: list[str]) -> None:
    print("== crash: SIGKILL of every gunicorn process mid-burst, restart, worker drains ==")
    root = network_copy(tmp / "crash")
    with smtp_server() as smtp:
        env = {"PARTNERDIR_MAIL_URL": smtp.url, "PARTNERDIR_RATE_LIMIT": "100000/minute",
               "PARTNERDIR_SECRET_KEY": "bench-secret", **SCRIPTED}
        engine = database(root)
        with gunicorn(root, env, workers=4) as (port, master):
            wait_healthy(port)
            burst = Burst(port, threads=8)
            burst.start()
            try:
                time.sleep(burst_seconds / 2)
                kill_group(master)
                killed_at = time.monotonic()
                before_kill = burst.statuses()
                time.sleep(0.5)  # the clients meet a dead port for a while
                with gunicorn(root, env, workers=4, port=port):
                    wait_healthy(port)
                    restarted = time.monotonic() - killed_at
                    time.sleep(burst_seconds / 2)
                    burst.stop()
            finally:
                burst.stop()
        accepted = burst.accepted()
        print(f"statuses at the kill: {before_kill}; healthy again {restarted:.2f} s after the "
              "kill (0.5 s of it down on purpose)")
        started = time.monotonic()
        with worker(root, env, tmp / "crash-worker.log"):
            wait_drained(engine)
            drain = time.monotonic() - started
        stored = stored_ids(engine)
        confirmed = confirmations(smtp)
        mails = check_mail(engine, smtp)
        engine.dispose()
    got = [confirmed[client_email(i)] for i in accepted.values()]
    lost = sorted(set(accepted) - stored)
    unanswered = len(stored) - len(set(accepted) & stored)
    statuses = burst.statuses()
    print(f"sent:                {len(burst.outcomes)}   statuses {statuses}   "
          "(0: refused or cut off by the kill)")
    print(f"201s:                {len(accepted)}")
    print(f"stored (of the 201s): {len(set(accepted) & stored)}   lost: {len(lost)}")
    print(f"stored without answer (in flight at the kill): {unanswered}")
    print(f"confirmations:       {sum(1 for n in got if n == 1)} exactly once, "
          f"{sum(1 for n in got if n == 0)} none, {sum(1 for n in got if n > 1)} more than once")
    print(f"mails:               {mails.expected} in the outbox, {mails.delivered} delivered, "
          f"{mails.duplicates} duplicates, {mails.strangers} unknown")
    print(f"worker drained the backlog in {drain:.1f} s (from its start)")
    if lost:
        failures.append(f"crash: {len(lost)} requests answered 201 are not in the database")
    if any(n != 1 for n in got):
        failures.append("crash: some clients answered 201 did not get exactly one confirmation")
    if mails.missing or mails.duplicates or mails.strangers:
        failures.append(f"crash: mails missing {mails.missing}, duplicated {mails.duplicates}, "
                        f"unknown {mails.strangers}")
    if set(statuses) - {0, 201}:
        failures.append(f"crash: unexpected statuses {statuses}")


def outage(tmp: Path, burst_seconds: float, outage_seconds: float, failures: list[str]) -> None:
    print(f"== mail outage: SMTP server down for {outage_seconds:.0f} s during a burst, "
          "worker running ==")
    root = network_copy(tmp / "outage")
    with smtp_server() as smtp:
        env = {"PARTNERDIR_MAIL_URL": smtp.url, "PARTNERDIR_RATE_LIMIT": "100000/minute",
               "PARTNERDIR_SECRET_KEY": "bench-secret", **SCRIPTED}
        engine = database(root)
        with gunicorn(root, env, workers=2) as (port, _), \
                worker(root, env, tmp / "outage-worker.log"):
            wait_healthy(port)
            burst = Burst(port, threads=4, interval=0.05)
            lead = burst_seconds / 2
            burst.start()
            try:
                time.sleep(lead)
                smtp.stop()
                down_at = time.monotonic()
                sent_up = len(burst.outcomes)
                time.sleep(outage_seconds)
                smtp.start()
                wait_for_port(smtp.port)
                back_at = time.monotonic()
                sent_down = len(burst.outcomes)
                time.sleep(lead)
            finally:
                burst.stop()
            burst_end = time.monotonic()
            drained_at = wait_drained(engine)
        stored = stored_ids(engine)
        confirmed = confirmations(smtp)
        mails = check_mail(engine, smtp)
        engine.dispose()
    accepted = burst.accepted()
    statuses = burst.statuses()
    got = [confirmed[client_email(i)] for i in accepted.values()]
    print(f"sent:                {len(burst.outcomes)}   statuses {statuses}   "
          f"({sent_down - sent_up} of them while SMTP was down)")
    print(f"201s:                {len(accepted)}   stored: {len(set(accepted) & stored)}")
    print(f"SMTP down for:       {back_at - down_at:.1f} s")
    print(f"mails expected:      {mails.expected}   delivered: {mails.delivered}   "
          f"missing: {mails.missing}   duplicates: {mails.duplicates}   unknown: {mails.strangers}")
    print(f"mails retried:       {mails.retried}   (first retry waits {backoff(1).seconds} s)")
    print(f"confirmations:       {sum(1 for n in got if n == 1)} of {len(got)} exactly once")
    print(f"drained {drained_at - back_at:.1f} s after SMTP came back "
          f"({drained_at - burst_end:.1f} s after the last request)")
    if set(statuses) != {201}:
        failures.append(f"outage: not every request got 201: {statuses}")
    if set(accepted) - stored:
        failures.append("outage: requests answered 201 are missing from the database")
    if any(n != 1 for n in got):
        failures.append("outage: some clients did not get exactly one confirmation")
    if mails.missing or mails.duplicates or mails.strangers:
        failures.append(f"outage: mails missing {mails.missing}, duplicated {mails.duplicates}, "
                        f"unknown {mails.strangers}")
    if mails.retried == 0:
        failures.append("outage: no mail was retried, so the outage was not exercised")


def db_outage(tmp: Path, burst_seconds: float, outage_seconds: float,
              failures: list[str]) -> None:
    print(f"== database outage: PostgreSQL killed for {outage_seconds:.0f} s during a burst, "
          "worker sending ==")
    root = network_copy(tmp / "db-outage")
    with postgres_server() as postgres, smtp_server() as smtp:
        url = postgres.new_database()
        smtp.rules.delay = 0.02  # a slow server: batches are on their way when the database dies
        env = {"PARTNERDIR_MAIL_URL": smtp.url, "PARTNERDIR_RATE_LIMIT": "100000/minute",
               "PARTNERDIR_SECRET_KEY": "bench-secret", "PARTNERDIR_DATABASE_URL": url,
               **SCRIPTED}
        engine = make_engine(url)
        with gunicorn(root, env, workers=2) as (port, _), \
                worker(root, env, tmp / "db-outage-worker.log"):
            wait_healthy(port)
            burst = Burst(port, threads=4, interval=0.05)
            burst.start()
            try:
                time.sleep(burst_seconds / 2)
                postgres.stop()
                time.sleep(outage_seconds)
                postgres.start()
                time.sleep(burst_seconds / 2)
            finally:
                burst.stop()
            engine.dispose()  # its connections died with the server
            wait_drained(engine)
            time.sleep(2)  # a mail sent twice would arrive now
        stored = stored_ids(engine)
        confirmed = confirmations(smtp)
        mails = check_mail(engine, smtp)
        engine.dispose()
    log = (tmp / "db-outage-worker.log").read_text(errors="replace")
    from_journal = sum(int(n) for n in re.findall(r"recorded (\d+) mails as sent from the journal",
                                                 log))
    accepted = burst.accepted()
    statuses = burst.statuses()
    got = [confirmed[client_email(i)] for i in accepted.values()]
    print(f"sent:                {len(burst.outcomes)}   statuses {statuses}   "
          "(503 or 0: while the database was down)")
    print(f"201s:                {len(accepted)}   stored: {len(set(accepted) & stored)}")
    print(f"mails expected:      {mails.expected}   delivered: {mails.delivered}   "
          f"missing: {mails.missing}   duplicates: {mails.duplicates}   unknown: {mails.strangers}")
    print(f"confirmations:       {sum(1 for n in got if n == 1)} of {len(got)} exactly once")
    print(f"worker saw the outage: {'OperationalError' in log}; mails recorded from its journal "
          f"(accepted by SMTP, not yet in the database): {from_journal}")
    if set(accepted) - stored:
        failures.append("db outage: requests answered 201 are missing from the database")
    if any(n != 1 for n in got):
        failures.append("db outage: some clients did not get exactly one confirmation")
    if mails.missing or mails.duplicates or mails.strangers:
        failures.append(f"db outage: mails missing {mails.missing}, duplicated "
                        f"{mails.duplicates}, unknown {mails.strangers}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--burst", type=float, default=6.0, help="seconds of load around the crash or outage")
    parser.add_argument("--outage", type=float, default=4.0, help="seconds the SMTP server is down")
    parser.add_argument("--db-outage", type=float, default=5.0,
                        help="seconds PostgreSQL is down")
    args = parser.parse_args()
    failures: list[str] = []
    os.chdir(REPO)
    with tempfile.TemporaryDirectory(prefix="bench-reliability-") as folder:
        tmp = Path(folder)
        crash(tmp, args.burst, failures)
        outage(tmp, args.burst, args.outage, failures)
        db_outage(tmp, args.burst, args.db_outage, failures)
    for failure in failures:
        print(f"FAILED: {failure}")
    if failures:
        sys.exit(1)
    print("OK: nothing lost, nothing sent twice")


if __name__ == "__main__":
    main()
