"""The job queue on Redis: a real ``partnerdir worker`` process takes the work from a real Redis
server, and the mails a stored request causes reach a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from huey import RedisHuey

from tests.conftest import REQUEST, SITE, backend_of, make_app
from tests.servers import SmtpServer, redis_server

pytestmark = pytest.mark.redis

START_AND_SEND = 60.0  # the worker imports, migrates, polls, then sends
STOP = 20.0


@contextmanager
def worker(root: Path, settings: dict[str, str], log: Path) -> Iterator[None]:
    """Run ``partnerdir worker`` with ``settings`` until the block ends; its output to ``log``."""
    env = {**os.environ, **{f"PARTNERDIR_{k.upper()}": v for k, v in settings.items()}}
    command = [sys.executable, "-m", "partnerdir", "--root", str(root), "worker", "--workers", "1"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP)


def test_a_worker_on_redis_sends_the_confirmation_and_the_offer(
    network_root: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with redis_server() as redis_url:
        settings = {
            "database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}", "mail_url": smtp.url,
            "redis_url": redis_url, "secret_key": "test-secret", "site_url": SITE + "/",
            "service_url": "https://service.example/",
        }
        app = make_app(network_root, **settings, queue=True)
        tasks = app.extensions["partnerdir.tasks"]
        try:
            assert isinstance(tasks.huey, RedisHuey)
            assert app.test_client().post("/api/requests", json=REQUEST).status_code == 201
            tasks.process(0)  # what an answer in the app does: a task for the worker
            assert tasks.huey.pending_count() == 1  # waiting in Redis
            with worker(network_root, settings, log):
                try:
                    mails = smtp.mailbox.wait(2, timeout=START_AND_SEND)
                except TimeoutError:
                    pytest.fail(f"no mails from the worker; its output:\n{log.read_text()}")
                deadline = time.monotonic() + STOP
                while tasks.huey.pending_count() and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert tasks.huey.pending_count() == 0, log.read_text()
        finally:
            backend_of(app).engine.dispose()
    subjects = {m["To"]: m["Subject"] for m in mails}
    assert subjects.pop(REQUEST["email"]) == "Ihre Anfrage „IT-Betreuung“ ist angekommen"
    [offer] = subjects.values()
    assert offer.startswith("Neue Anfrage: IT-Betreuung – bitte bis "), subjects
