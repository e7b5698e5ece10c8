"""Smoke test of ``partnerdir serve``: site, form service and worker together, then Ctrl-C.

Runs the real command in a copy of the network on free loopback ports, submits a request and
waits for the client's confirmation in the local mail folder. Every step is bounded in time and
the whole process group is killed at the end, whatever happened.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import REPO, REQUEST
from tests.servers import free_port

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

START_TIMEOUT = 90.0
MAIL_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


class Output:
    """Collects a process's output in a thread so that the pipe never fills up."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace"))

    @property
    def text(self) -> str:
        with self.lock:
            return "".join(self.lines)

    def tail(self, count: int = 60) -> str:
        with self.lock:
            return "".join(self.lines[-count:])


def wait_until(condition: Callable[[], Any], timeout: float, what: str, output: Output) -> Any:
    """Return the first true value of ``condition()``; fail with the output after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} not within {timeout} s; output:\n{output.tail()}")


def descendants(pid: int) -> set[int]:
    """Return the ids of all processes below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Return whether ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def http(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


def mails_to(folder: Path, address: str) -> list[str]:
    """Return the subjects of the mails to ``address`` in the maildir ``folder``."""
    subjects = []
    for path in sorted((folder / "new").glob("*")) + sorted((folder / "cur").glob("*")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(message["To"]):
            subjects.append(str(message["Subject"]))
    return subjects


@pytest.fixture
def network_copy(tmp_path: Path) -> Path:
    """A copy of the network with the site's sources, as a coordinator has it."""
    root = tmp_path / "network"
    root.mkdir()
    for name in ("network.yaml", "mkdocs.yml"):
        shutil.copy(REPO / name, root / name)
    for name in ("content", "partners", "overrides"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    return root


@pytest.mark.parametrize("interrupt", ["serve", "group"])
def test_serve_runs_everything_and_stops_cleanly_on_ctrl_c(
    network_copy: Path, interrupt: str
) -> None:
    """``interrupt``: SIGINT to serve alone, or to its whole group as Ctrl-C in a terminal does."""
    site_port, service_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERDIR_")}
    env.update(PYTHONUNBUFFERED="1", NO_MKDOCS_2_WARNING="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "partnerdir", "serve", "--host", "127.0.0.1",
         "--port", str(site_port), "--service-port", str(service_port)],
        cwd=network_copy, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    assert process.stdout is not None
    output = Output(process.stdout)
    children: set[int] = set()
    try:
        def addresses() -> re.Match[str] | None:
            assert process.poll() is None, f"serve exited early:\n{output.tail()}"
            return re.search(r"Site: +(\S+)\n +Form service: +(\S+)\n +Mail folder: +(.+)\n",
                             output.text)

        found = wait_until(addresses, START_TIMEOUT, "the addresses", output)
        site, health, mail = found.group(1), found.group(2), Path(found.group(3).strip())
        assert site == f"http://127.0.0.1:{site_port}/"
        assert health == f"http://127.0.0.1:{service_port}/healthz"
        assert mail == network_copy / "instance" / "mail"
        children = descendants(process.pid)
        assert len(children) >= 3, children  # site, form service, worker

        status, page = http("GET", site)
        assert status == 200 and b"<html" in page.lower()
        status, body = http("GET", health)
        assert status == 200, body

        service = f"http://127.0.0.1:{service_port}/api/requests"
        status, body = http("POST", service, REQUEST)
        assert status == 201, body
        assert json.loads(body)["id"]

        # A scripted request, without the form's check: the worker holds it for the coordinator.
        subjects = wait_until(lambda: mails_to(mail, "koordination@empfehlungsnetz.example"),
                              MAIL_TIMEOUT, "the coordinator's mail about a held request", output)
        assert len(subjects) == 1 and subjects[0].startswith("Zurückgehalten"), subjects
        assert mails_to(mail, REQUEST["email"]) == []

        children |= descendants(process.pid)
        if interrupt == "group":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        try:
            code = process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"serve did not stop within {STOP_TIMEOUT} s:\n{output.tail()}")
        output.thread.join(5)
        assert code == 0, output.tail()
        assert "Stopped." in output.text
        assert "Traceback" not in output.text, output.text
        left = {pid for pid in children if alive(pid)}
        assert not left, f"still running after serve stopped: {left}"
        assert not group_exists(process.pid), "processes of serve's group are still running"
    finally:
        if group_exists(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(10)
        output.thread.join(5)
        process.stdout.close()


def test_serve_refuses_a_port_in_use(network_copy: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "partnerdir", "serve", "--port", str(port),
             "--service-port", str(free_port())],
            cwd=network_copy, capture_output=True, text=True, timeout=60,
            env={k: v for k, v in os.environ.items() if not k.startswith("PARTNERDIR_")},
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert "--port" in result.stderr
