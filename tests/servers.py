"""Real servers for tests, on loopback only: SMTP (aiosmtpd), PostgreSQL and Redis.

Each starts from the Debian packages, is bounded in time and is stopped by its context manager.
Under ``CI=true`` a missing server is a failure; elsewhere the tests that need it are skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest


def missing(what: str) -> None:
    """Fail under CI, skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI but not installed", pytrace=False)
    pytest.skip(f"{what} not installed")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Wait until something listens on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


@dataclass
class Mailbox:
    """Messages received by the test SMTP server."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, data: bytes) -> None:
        with self.lock:
            self.messages.append(message_from_bytes(data, policy=policy.default))  # type: ignore[arg-type]

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages to ``address``."""
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def wait(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; return all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise TimeoutError(f"{len(self.messages)} of {count} messages after {timeout} s")


@dataclass
class Rules:
    """How the test server answers, changeable while it runs.

    ``refused`` addresses get a 550 (a permanent refusal); every recipient gets a 451 (try
    again later) until the monotonic time ``defer_until``; ``delay`` seconds pass before each
    recipient is answered; ``quit`` is the answer to QUIT (``"drop"``: the connection is cut).
    Once ``hang_after`` messages arrived, the next recipient waits ``hang`` seconds for its
    answer and ``hanging`` is set: a sender is then known to be between two messages.
    """

    refused: set[str] = field(default_factory=set)
    defer_until: float = 0.0
    delay: float = 0.0
    quit: str | None = None
    connections: set[Any] = field(default_factory=set)  # the peers that delivered a message
    hang_after: int | None = None
    hang: float = 30.0
    hanging: threading.Event = field(default_factory=threading.Event)


class _Handler:
    def __init__(self, mailbox: Mailbox, rules: Rules) -> None:
        self.mailbox = mailbox
        self.rules = rules

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        import asyncio

        if self.rules.delay:
            await asyncio.sleep(self.rules.delay)
        hang_after = self.rules.hang_after
        if hang_after is not None and len(self.mailbox.messages) >= hang_after:
            self.rules.hanging.set()
            await asyncio.sleep(self.rules.hang)
        if address in self.rules.refused:
            return "550 5.1.1 mailbox unavailable"
        if time.monotonic() < self.rules.defer_until:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.rules.connections.add(session.peer)
        self.mailbox.add(envelope.original_content or envelope.content)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> Any:
        from aiosmtpd.smtp import MISSING

        if self.rules.quit == "drop":
            server.transport.abort()
        return self.rules.quit if self.rules.quit not in (None, "drop") else MISSING


@dataclass
class SmtpServer:
    """A running aiosmtpd server that can be stopped and started again on the same port.

    ``options`` go to aiosmtpd's controller: ``ssl_context`` for smtps://, ``tls_context`` for
    STARTTLS, ``authenticator`` for logins.
    """

    port: int
    mailbox: Mailbox
    scheme: str = "smtp"
    options: dict[str, Any] = field(default_factory=dict)
    controller: Any = None
    rules: Rules = field(default_factory=Rules)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(_Handler(self.mailbox, self.rules), hostname="127.0.0.1", port=self.port,
                                     **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def smtp_server(scheme: str = "smtp", **options: Any) -> Iterator[SmtpServer]:
    """Run a real SMTP server on loopback that stores what it receives."""
    server = SmtpServer(free_port(), Mailbox(), scheme, options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_postgres() -> dict[str, Any]:
    # PostgreSQL refuses to run as root; run it as the package's postgres user then.
    if os.geteuid() != 0:
        return {}
    import pwd

    user = pwd.getpwnam("postgres")

    def demote() -> None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return {"preexec_fn": demote}


@dataclass
class PostgresServer:
    """A running PostgreSQL server; ``new_database`` gives each test its own database.

    ``stop`` and ``start`` take it down (as a crash would: no shutdown checkpoint) and bring it
    back on the same port, for outages.
    """

    port: int
    count: int = 0
    control: list[Any] = field(default_factory=list)  # pg_ctl's command line up to the action
    options: str = ""
    demote: dict[str, Any] = field(default_factory=dict)

    def stop(self) -> None:
        subprocess.run([*self.control, "-m", "immediate", "-w", "stop"], check=True,
                       capture_output=True, timeout=60, **self.demote)

    def start(self) -> None:
        subprocess.run([*self.control, "-o", self.options, "-w", "-t", "60", "-l",
                        Path(self.control[2]).parent / "log", "start"],
                       check=True, capture_output=True, timeout=90, **self.demote)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        self.count += 1
        name = f"test_{os.getpid()}_{self.count}"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throw-away PostgreSQL cluster on loopback."""
    bindir = _pg_bin()
    if bindir is None:
        missing("PostgreSQL (Debian package postgresql)")
        raise AssertionError  # unreachable: missing() fails or skips
    data = Path(tempfile.mkdtemp(prefix="pgtest-"))
    os.chmod(data, 0o777)
    demote = _as_postgres()
    port = free_port()
    subprocess.run([bindir / "initdb", "-D", data / "db", "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8"], check=True, capture_output=True, timeout=120,
                   **demote)
    options = f"-h 127.0.0.1 -p {port} -k {data} -F -c fsync=off -c full_page_writes=off"
    subprocess.run([bindir / "pg_ctl", "-D", data / "db", "-o", options, "-w", "-t", "60",
                    "-l", data / "log", "start"], check=True, capture_output=True, timeout=90,
                   **demote)
    try:
        yield PostgresServer(port, control=[bindir / "pg_ctl", "-D", data / "db"],
                             options=options, demote=demote)
    finally:
        subprocess.run([bindir / "pg_ctl", "-D", data / "db", "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, **demote)
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    """Start a throw-away Redis server on loopback; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("Redis (Debian package redis-server)")
        raise AssertionError
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)
