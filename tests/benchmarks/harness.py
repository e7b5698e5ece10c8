"""Start the real service under gunicorn on loopback for benchmarks, and load it."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from tests.servers import free_port, wait_for_port  # noqa: E402

WSGI = '''
from form_service import create_app

app = create_app()


@app.get("/bench/bare")
def bare():
    return "ok"
'''


PLAIN_WSGI = '''
from flask import Flask

app = Flask("plain")


@app.get("/bench/bare")
def bare():
    return "ok"


@app.get("/healthz")
def healthz():
    return "ok"
'''
"""A Flask app with nothing but one route (and the health check benchmarks wait for): the
barest baseline."""


def network_copy(folder: Path) -> Path:
    """Copy the sample network into ``folder`` with a benchmark WSGI module."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "network.yaml", folder / "network.yaml")
    shutil.copytree(REPO / "partners", folder / "partners", dirs_exist_ok=True)
    (folder / "bench_wsgi.py").write_text(WSGI, encoding="utf-8")
    (folder / "plain_wsgi.py").write_text(PLAIN_WSGI, encoding="utf-8")
    return folder


@contextmanager
def gunicorn(root: Path, env: dict[str, str], workers: int = 2, port: int | None = None,
             module: str = "bench_wsgi:app") -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Run the app under gunicorn on 127.0.0.1; yield the port and the master process.

    The master leads its own process group, so ``os.killpg(master.pid, …)`` reaches every worker.
    """
    port = port or free_port()
    full = {**os.environ, "PARTNERDIR_ROOT": str(root), **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--chdir", str(root), "--log-level", "warning", module],
        env=full, start_new_session=True,
    )
    try:
        wait_for_port(port, timeout=60)
        yield port, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def client_email(i: int) -> str:
    """Return the client address of request ``i``."""
    return f"kunde{i}@kunde.example"


def request_body(i: int) -> bytes:
    """Return a valid JSON request, unique by ``i`` (name and client address)."""
    return json.dumps({
        "service": "it-support", "postal_code": "80331", "remote": False, "language": "de",
        "message": "Bitte um Rückruf.", "name": f"Kunde {i}", "email": client_email(i),
        "consent": True,
    }).encode()


def load(port: int, make: Callable[[int], tuple[str, str, bytes | None]], seconds: float,
         threads: int = 8) -> tuple[int, dict[int, int], list[tuple[int, int, bytes]]]:
    """Send requests from ``threads`` keep-alive connections for ``seconds``.

    Return the number of requests, the count per status and (i, status, body) of each.
    """
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))
    lock = threading.Lock()
    results: list[tuple[int, int, bytes]] = []

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            with lock:
                i = next(counter)
            method, path, body = make(i)
            try:
                conn.request(method, path, body=body,
                             headers={"Content-Type": "application/json"} if body else {})
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status, data = 0, b""
            with lock:
                results.append((i, status, data))
        conn.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    statuses: dict[int, int] = {}
    for _, status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    if statuses.get(0, 0) > len(results) // 100:
        raise SystemExit(f"the service stopped answering: {statuses}")
    return len(results), statuses, results
