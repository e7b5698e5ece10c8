"""Mail throughput: the outbox's batches on one connection against baselines, same run.

Run: python tests/benchmarks/bench_mail_throughput.py [--mails N] [--backlog N]

The SMTP server (aiosmtpd) runs in a process of its own on 127.0.0.1 and notes each Message-ID.
1. Baseline, one connection per mail (how the outbox sent before): ``send_email`` per mail.
2. Baseline, raw smtplib: prepared messages on one connection, nothing else (the ceiling of
   one connection).
3. The outbox: ``deliver_due`` on N queued mails in a SQLite database (claims, journal, records).
4. A backlog of 10,000 mails drained by a real ``partnerdir worker``, timed from its start.
Goals: the outbox >= 300 mails/s; the backlog drained in under a minute; no mail twice.
Exit code 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import REPO, network_copy
from sqlalchemy import func, insert, select

from form_service.backend import Backend
from form_service.db import make_engine, upgrade
from form_service.models import MailStatus, OutboundMail, utcnow
from form_service.outbox import deliver_due, message_id
from form_service.transport import Message, build_message, send_email
from partnerdir.settings import Settings
from tests.servers import free_port, wait_for_port

SERVER = '''
import signal, sys, threading
from aiosmtpd.controller import Controller

port, out = int(sys.argv[1]), open(sys.argv[2], "w")
class Handler:
    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\\r\\n"):
            if line[:11].lower() == b"message-id:":
                out.write(line[11:].strip().decode() + "\\n")
                break
        return "250 OK"
controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
stop.wait()
controller.stop()
out.close()
'''

TEXT = ("Guten Tag,\n\nIhre Anfrage ist angekommen. Wir melden uns, sobald ein Mitglied sie "
        "übernommen hat.\n\n" * 8)
HTML = "<p>" + TEXT.replace("\n\n", "</p><p>") + "</p>"


def cpu_seconds(pid: int) -> float:
    """Return the processor time process ``pid`` has used so far (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def smtp_process(folder: Path) -> Iterator[tuple[str, Path, int]]:
    """Run the counting SMTP server in its own process; yield its URL, its Message-ID file and
    its process id."""
    port, ids = free_port(), folder / f"ids-{time.monotonic_ns()}.txt"
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(ids)])
    try:
        wait_for_port(port)
        yield f"smtp://127.0.0.1:{port}", ids, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def received(ids: Path) -> Counter[str]:
    return Counter(ids.read_text().split())


def messages(count: int, prefix: str) -> list[Message]:
    return [build_message("Netz <netz@example.org>", f"k{i}@kunde.example", "Ihre Anfrage",
                          TEXT, HTML, f"<{prefix}.{i}@partnerdir.invalid>") for i in range(count)]


def per_mail(url: str, count: int) -> float:
    """Send ``count`` mails, one connection each; return mails per second."""
    prepared = messages(count, "single")
    started = time.perf_counter()
    for message in prepared:
        send_email(url, message)
    return count / (time.perf_counter() - started)


def raw(url: str, count: int) -> float:
    """Send ``count`` prepared mails on one smtplib connection; return mails per second."""
    prepared = messages(count, "raw")
    port = int(url.rsplit(":", 1)[1])
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for message in prepared:
            smtp.sendmail(message.sender, list(message.recipients), message.data)
    return count / (time.perf_counter() - started)


def queue_backlog(root: Path, count: int, kind: str) -> str:
    """Create the database under ``root`` with ``count`` mails of ``kind`` due; return its URL."""
    database = f"sqlite:///{root / 'instance' / 'partnerdir.sqlite3'}"
    engine = make_engine(database)
    upgrade(engine)
    now = utcnow()
    rows = [{"dedup_key": f"{kind}:{i}", "kind": kind, "recipient": f"k{i}@kunde.example",
             "subject": "Ihre Anfrage ist angekommen", "body_text": TEXT, "body_html": HTML,
             "status": MailStatus.PENDING.value, "attempts": 0, "created_at": now,
             "next_attempt_at": now} for i in range(count)]
    with engine.begin() as connection:
        connection.execute(insert(OutboundMail), rows)
    engine.dispose()
    return database


def sent(database: str) -> int:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(OutboundMail)
                                         .where(OutboundMail.status == MailStatus.SENT)) or 0)
    finally:
        engine.dispose()


def outbox(root: Path, url: str, count: int, connections: int) -> float:
    """Send ``count`` queued mails through the outbox in this process; return mails/s."""
    database = queue_backlog(root, count, "outbox")
    settings = Settings.from_env({"root": str(root), "database_url": database, "mail_url": url,
                                  "secret_key": "bench"})
    backend = Backend.start(settings)
    started = time.perf_counter()
    done = deliver_due(backend, connections=connections)
    elapsed = time.perf_counter() - started
    backend.engine.dispose()
    assert done == count, (done, count)
    return count / elapsed


def worker_drain(root: Path, url: str, count: int, connections: int) -> tuple[float, float]:
    """Drain ``count`` queued mails with ``partnerdir worker``; return seconds from the worker's
    "started" line and from the process start."""
    database = queue_backlog(root, count, "backlog")
    env = {**os.environ, "PARTNERDIR_DATABASE_URL": database, "PARTNERDIR_MAIL_URL": url,
           "PARTNERDIR_SECRET_KEY": "bench", "PARTNERDIR_MAIL_CONNECTIONS": str(connections)}
    log = root / "worker.log"
    with log.open("wb") as out:
        launched = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "partnerdir", "--root", str(root), "worker"],
            env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT)
    try:
        while b"Worker started" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() - launched > 120:
                raise SystemExit(f"the worker did not start:\n{log.read_text()}")
            time.sleep(0.02)
        started = time.monotonic()
        while sent(database) < count:
            if time.monotonic() - started > 600:
                raise SystemExit(f"not drained after 600 s: {sent(database)} of {count}")
            time.sleep(0.2)
        done = time.monotonic()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    return done - started, done - launched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mails", type=int, default=3000, help="mails for the outbox run")
    parser.add_argument("--backlog", type=int, default=10_000, help="mails the worker drains")
    parser.add_argument("--single", type=int, default=500,
                        help="mails for the one-connection-per-mail baseline")
    parser.add_argument("--connections", type=int,
                        default=int(Settings.from_env({}).mail_connections),
                        help="SMTP connections at once (PARTNERDIR_MAIL_CONNECTIONS)")
    args = parser.parse_args()
    connections = args.connections
    os.chdir(REPO)
    failures = []
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as folder:
        tmp = Path(folder)
        with smtp_process(tmp) as (url, ids, server):
            single = per_mail(url, args.single)
            ceiling = raw(url, args.mails)
            mine, theirs = time.process_time(), cpu_seconds(server)
            ours = outbox(network_copy(tmp / "outbox"), url, args.mails, connections)
            mine, theirs = time.process_time() - mine, cpu_seconds(server) - theirs
            drained, launched = worker_drain(network_copy(tmp / "worker"), url, args.backlog,
                                             connections)
        counts = received(ids)
    expected = {message_id(i + 1, f"outbox:{i}") for i in range(args.mails)} | {
        message_id(i + 1, f"backlog:{i}") for i in range(args.backlog)}
    twice = sum(n - 1 for n in counts.values() if n > 1)
    print(f"one connection per mail (old way):  {single:8.0f} mails/s   ({args.single} mails)")
    print(f"raw smtplib, one connection:        {ceiling:8.0f} mails/s   ({args.mails} mails)")
    print(f"outbox, batches, {connections} connections:  {ours:8.0f} mails/s   ({args.mails} mails)")
    print(f"  ratio to one connection per mail: {ours / single:8.2f}x")
    print(f"  ratio to raw smtplib:             {ours / ceiling:8.1%}")
    print(f"  processor time per mail: sender {mine / args.mails * 1000:.2f} ms (database, "
          f"journal and all), SMTP server {theirs / args.mails * 1000:.2f} ms "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"backlog of {args.backlog} drained by the worker in {drained:.1f} s from its start "
          f"({launched:.1f} s from launching it), {args.backlog / drained:.0f} mails/s")
    print(f"received twice: {twice}   expected Message-IDs missing: "
          f"{len(expected - set(counts))}")
    if ours < 300:
        failures.append(f"outbox: {ours:.0f} mails/s < 300")
    if drained >= 60:
        failures.append(f"backlog: {drained:.1f} s >= 60 s")
    if twice > 0 or expected - set(counts):
        failures.append("mails missing or sent twice")
    for failure in failures:
        print(f"FAILED: {failure}")
    if failures:
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
