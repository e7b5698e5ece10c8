"""A real ``partnerdir worker`` follows a real repository: a pushed profile change reaches routing
within seconds after a signed webhook, and within the interval without one; a broken push keeps
the last good network and the coordinator hears once per bad commit, not once per round."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from form_service.sync import CURRENT, REPOSITORY
from tests.conftest import REQUEST, SITE, backend_of, make_app
from tests.form_service.test_hooks import SECRET, signature
from tests.form_service.test_jobs import worker
from tests.gitremote import GitRemote
from tests.servers import SmtpServer

COORDINATOR = "koordination@empfehlungsnetz.example"
NEW_EMAIL = "anfragen@neu-it.example"
REFUSED = "Profiländerung nicht übernommen: Fehler im Repository"
START = 60.0  # the worker imports, migrates and fetches for the first time
SOON = 20.0  # the longest wait for one effect; it normally takes about a second


def wait_until(condition: Callable[[], bool], what: str, log: Path, timeout: float = SOON) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s; worker:\n{log.read_text()}")
        time.sleep(0.05)


@dataclass
class Service:
    """The app and a real worker following the repository, seen from outside."""

    app: Flask
    root: Path
    smtp: SmtpServer
    log: Path
    count: int = 0

    def in_use(self) -> str:
        """Return the commit whose checkout the service reads."""
        return os.readlink(self.root / "instance" / "network" / CURRENT)

    def swapped(self, sha: str, what: str) -> None:
        """Wait until the service reads commit ``sha``."""
        wait_until(lambda: self.in_use() == sha, what, self.log)

    def offered_to(self) -> str:
        """Submit a request for 99084, where only the member a push adds works; return who is
        asked to take it: that member or the coordinator."""
        self.count += 1
        email = f"kunde{self.count}@kunde.example"
        before = len(self.smtp.mailbox.messages)
        response = self.app.test_client().post(
            "/api/requests", json={**REQUEST, "postal_code": "99084", "email": email})
        assert response.status_code == 201

        def routed() -> list[str]:  # the confirmation and the offer (or the handover)
            return [m["To"] for m in self.smtp.mailbox.messages[before:]
                    if m["Subject"] != REFUSED]

        wait_until(lambda: len(routed()) == 2, "routing", self.log)
        [member] = set(routed()) - {email}
        return member


@contextmanager
def following_service(network_root: Path, tmp_path: Path, smtp: SmtpServer, remote: GitRemote,
                      sync_seconds: int) -> Iterator[Service]:
    """Run the app and a real worker that follow ``remote``, fetching every ``sync_seconds``."""
    settings = {
        "database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}", "mail_url": smtp.url,
        "secret_key": "test-secret", "site_url": SITE + "/",
        "service_url": "https://service.example/", "network_git": str(remote.url),
        "network_sync_seconds": str(sync_seconds), "webhook_secret": SECRET,
    }
    app = make_app(network_root, **settings, queue=True)
    log = tmp_path / "worker.log"
    try:
        with worker(network_root, settings, log):
            wait_until(lambda: (network_root / "instance" / "network" / CURRENT).exists(),
                       "the first fetch", log, START)
            yield Service(app, network_root, smtp, log)
    finally:
        backend_of(app).engine.dispose()


def add_member(remote: GitRemote, **referrals: Any) -> str:
    remote.put_partner("neu-it", name="Neu IT", contact={"email": NEW_EMAIL},
                       service_area={"postal_prefixes": ["99"], "remote": False},
                       referrals={"accepts": True, "capacity": "available", **referrals})
    return remote.push("Add Neu IT")


@pytest.fixture
def remote(tmp_path: Path) -> GitRemote:
    return GitRemote.create(tmp_path / "git")


def test_a_push_reaches_routing_within_seconds_after_a_signed_webhook(
    network_root: Path, tmp_path: Path, smtp: SmtpServer, remote: GitRemote
) -> None:
    # An hour between rounds: only the webhook can bring the push in during this test.
    with following_service(network_root, tmp_path, smtp, remote, 3600) as service:
        assert service.offered_to() == COORDINATOR  # nobody works in 99 yet
        pushed = add_member(remote)
        data = json.dumps({"ref": "refs/heads/main", "after": pushed}).encode()
        response = service.app.test_client().post(
            "/hooks/git", data=data, content_type="application/json",
            headers={"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(data)})
        assert response.status_code == 202
        service.swapped(pushed, "the swap after the webhook")
        assert service.offered_to() == NEW_EMAIL


def test_a_push_reaches_routing_within_the_interval_without_a_webhook(
    network_root: Path, tmp_path: Path, smtp: SmtpServer, remote: GitRemote
) -> None:
    with following_service(network_root, tmp_path, smtp, remote, 1) as service:
        assert service.offered_to() == COORDINATOR
        service.swapped(add_member(remote), "the swap at the interval")
        assert service.offered_to() == NEW_EMAIL
        service.swapped(add_member(remote, capacity="full"), "the second swap")
        assert service.offered_to() == COORDINATOR


def test_a_broken_push_keeps_the_last_good_network_and_mails_once_per_commit(
    network_root: Path, tmp_path: Path, smtp: SmtpServer, remote: GitRemote
) -> None:
    with following_service(network_root, tmp_path, smtp, remote, 1) as service:
        good = add_member(remote)
        service.swapped(good, "the swap")

        def refused() -> list[str]:
            return [m["Subject"] for m in smtp.mailbox.to(COORDINATOR) if m["Subject"] == REFUSED]

        remote.write("partners/mueller-it.yaml", "name: [nicht geschlossen\n")
        remote.push("Break a profile")
        wait_until(lambda: len(refused()) == 1, "the coordinator's mail", service.log)
        fetched = network_root / "instance" / "network" / REPOSITORY / "FETCH_HEAD"
        for _ in range(3):  # three more rounds find the same broken commit
            before = fetched.stat().st_mtime_ns
            wait_until(lambda before=before: fetched.stat().st_mtime_ns != before,  # type: ignore[misc]
                       "another round", service.log)
        assert service.in_use() == good
        assert service.offered_to() == NEW_EMAIL  # routing still uses the last good network
        assert len(refused()) == 1

        remote.write("partners/mueller-it.yaml", "name: [anders kaputt\n")
        remote.push("Break it differently")
        wait_until(lambda: len(refused()) == 2, "the mail about the second commit", service.log)
        assert service.in_use() == good
