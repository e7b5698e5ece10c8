"""A real ``partnerdir worker`` killed (SIGKILL) in the middle of sending a batch, then started
again: the mails it held go out within a minute, and none twice, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from form_service.jobs import advance
from form_service.models import MailStatus, OutboundMail, utcnow
from tests.conftest import REQUEST, SITE, backend_of, make_app
from tests.servers import SmtpServer

REQUESTS = 60  # a confirmation and an offer each
KILL_AFTER = 30  # messages received before the worker is killed
START = 60.0  # importing, migrating and starting may take this long on a busy machine
CATCH_UP = 60.0  # the promise in the operations guide


def start_worker(root: Path, settings: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``partnerdir worker`` and wait until it says it started."""
    env = {**os.environ, **{f"PARTNERDIR_{k.upper()}": v for k, v in settings.items()}}
    command = [sys.executable, "-m", "partnerdir", "--root", str(root), "worker"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START
    while b"Worker started" not in log.read_bytes():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def test_mails_held_by_a_killed_worker_go_out_after_a_restart_once(
    network_root: Path, database_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = {"database_url": database_url, "mail_url": smtp.url, "secret_key": "test-secret",
                "site_url": SITE + "/", "service_url": "https://service.example/"}
    app = make_app(network_root, **settings)
    backend = backend_of(app)
    log = tmp_path / "worker.log"
    try:
        for i in range(REQUESTS):
            client_request = {**REQUEST, "email": f"k{i}@kunde.example"}
            assert app.test_client().post("/api/requests", json=client_request).status_code == 201
        advance(backend, utcnow())  # the mails are in the outbox; the worker only sends
        # After KILL_AFTER messages the server keeps the next recipient waiting: the worker is
        # provably between two messages of its batch when it is killed.
        smtp.rules.hang_after = KILL_AFTER
        # One connection, so that no other message is half-way through when the worker dies: a
        # message whose "250" never reached its sender is the one case no sender can rule out.
        first = start_worker(network_root, {**settings, "mail_connections": "1"}, log)
        try:
            assert smtp.rules.hanging.wait(START), log.read_text()
        finally:
            first.kill()
            first.wait(timeout=20)
        with backend.sessions() as session:
            held = dict(session.execute(select(OutboundMail.status, func.count())
                                        .group_by(OutboundMail.status)).all())
        # The batch: the mails accepted (journaled, not yet recorded) and those not sent yet.
        assert held[MailStatus.SENDING] > KILL_AFTER, held
        assert len(smtp.mailbox.messages) == KILL_AFTER

        smtp.rules.hang_after = None
        restarted = time.monotonic()
        second = start_worker(network_root, settings, log)
        try:
            smtp.mailbox.wait(REQUESTS * 2, timeout=CATCH_UP)
            caught_up = time.monotonic() - restarted
            time.sleep(2)  # anything sent twice would arrive now
        finally:
            stop(second)
        with backend.sessions() as session:
            rows = session.execute(select(OutboundMail.status, func.count())
                                   .group_by(OutboundMail.status)).all()
    finally:
        backend.engine.dispose()
    received = Counter(str(m["Message-ID"]) for m in smtp.mailbox.messages)
    assert len(received) == REQUESTS * 2
    assert [mid for mid, n in received.items() if n > 1] == []
    assert dict(rows) == {MailStatus.SENT: REQUESTS * 2}
    assert caught_up < CATCH_UP
    print(f"held mails delivered {caught_up:.1f} s after the restart (worker start included)")
