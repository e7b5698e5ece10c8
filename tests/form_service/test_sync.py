"""Following the network's repository in-process: a valid commit is swapped in for every reader,
a broken one is refused, the last good network stays and the coordinator hears once per commit."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from form_service.backend import Backend, profiles_folder
from form_service.checkouts import SyncError
from form_service.models import utcnow
from form_service.outbox import deliver_due
from form_service.sync import CURRENT, REPOSITORY, Result, follow, home, sync
from generator.model import Partner
from partnerdir.settings import Settings
from tests.conftest import body
from tests.gitremote import GitRemote
from tests.servers import SmtpServer

COORDINATOR = "koordination@empfehlungsnetz.example"
BROKEN = "name: [nicht geschlossen\n"


@pytest.fixture
def remote(tmp_path: Path) -> GitRemote:
    """The network's repository: the sample network pushed to ``main`` of a bare repository."""
    return GitRemote.create(tmp_path / "git")


def following(network_root: Path, database_url: str, mail_url: str, remote: GitRemote,
              **overrides: str) -> Settings:
    """Return the settings of a service in ``network_root`` that follows ``remote``."""
    return Settings.from_env({
        "root": str(network_root), "database_url": database_url, "mail_url": mail_url,
        "secret_key": "test-secret", "network_git": str(remote.url), **overrides,
    })


@pytest.fixture
def backend(network_root: Path, database_url: str, smtp: SmtpServer,
            remote: GitRemote) -> Iterator[Backend]:
    """A backend that follows ``remote``; before the first round it reads its own folder."""
    backend = Backend.start(following(network_root, database_url, smtp.url, remote),
                            check_seconds=0)
    yield backend
    backend.engine.dispose()


def entries(settings: Settings) -> set[str]:
    return {path.name for path in home(settings).iterdir()}


def test_a_valid_commit_is_swapped_in_and_old_checkouts_are_deleted(
    backend: Backend, remote: GitRemote
) -> None:
    settings = backend.settings
    assert profiles_folder(settings) == settings.root  # nothing fetched yet
    first = follow(backend)
    assert (first.result, first.in_use) == (Result.SWAPPED, first.commit.sha)
    assert first.commit.subject == "Start the network" and first.commit.author == "Test Author"
    assert profiles_folder(settings) == home(settings) / first.commit.sha
    assert backend.network is first.network  # the worker's own backend uses it at once
    assert follow(backend).result is Result.CURRENT

    remote.put_partner("neu-it", name="Neu im Netz")
    remote.push("Add a member")
    second = follow(backend)
    assert second.result is Result.SWAPPED
    assert backend.network.partners["neu-it"].name == "Neu im Netz"
    remote.put_partner("neu-it", name="Umbenannt")
    remote.push("Rename the member")
    third = follow(backend)
    # The current and the previous checkout stay; a process may still be reading the previous.
    assert entries(settings) == {CURRENT, REPOSITORY, "lock", second.commit.sha,
                                 third.commit.sha}
    assert os.readlink(home(settings) / CURRENT) == third.commit.sha
    assert backend.network.partners["neu-it"].name == "Umbenannt"


def test_another_process_sees_the_swap_at_its_next_look(
    backend: Backend, remote: GitRemote
) -> None:
    other = Backend.start(backend.settings, check_seconds=0)  # a web process
    try:
        follow(backend)
        remote.put_partner("neu-it", name="Neu im Netz")
        remote.push("Add a member")
        outcome = sync(backend.settings)  # as `partnerdir sync` from cron does
        assert outcome.result is Result.SWAPPED
        assert other.network.partners["neu-it"].name == "Neu im Netz"
        assert other.network.root == home(backend.settings) / outcome.commit.sha
    finally:
        other.engine.dispose()


def test_a_broken_commit_keeps_the_last_good_network_and_is_reported_once(
    backend: Backend, remote: GitRemote, smtp: SmtpServer
) -> None:
    good = follow(backend)
    remote.write("partners/mueller-it.yaml", BROKEN)
    remote.put_partner("neu-it", name="Neu im Netz")  # valid, but the commit is not
    bad = remote.push("Break a profile")
    for _ in range(3):  # round after round
        outcome = follow(backend)
        assert (outcome.result, outcome.commit.sha, outcome.in_use) == (
            Result.REFUSED, bad, good.commit.sha)
        assert backend.network is good.network
        assert "neu-it" not in backend.matcher.partners
    assert [str(p) for p in outcome.problems] == [
        "partners/mueller-it.yaml:2:1: (file): YAML syntax: did not find expected ',' or ']' "
        "(while parsing a flow sequence at line 1: close it with ']', and put values with "
        "commas in quotes)"]
    assert entries(backend.settings) == {CURRENT, REPOSITORY, "lock", good.commit.sha}
    assert deliver_due(backend, utcnow()) == 1
    [mail] = smtp.mailbox.to(COORDINATOR)
    assert mail["Subject"] == "Profiländerung nicht übernommen: Fehler im Repository"
    text = body(mail).replace("\r\n", "\n")
    assert f"Commit: {bad}\n„Break a profile“ – Test Author\n" in text
    assert f"In Gebrauch bleibt: {good.commit.sha}\n" in text
    assert "\npartners/mueller-it.yaml:2:1: (file): YAML syntax:" in text

    remote.write("partners/mueller-it.yaml", BROKEN + "noch: kaputter\n")
    worse = remote.push("Break it differently")
    assert follow(backend).result is Result.REFUSED
    assert deliver_due(backend, utcnow()) == 1  # a new bad commit: a new mail
    assert [f"Commit: {bad}" in body(m) for m in smtp.mailbox.to(COORDINATOR)] == [True, False]
    assert f"Commit: {worse}" in body(smtp.mailbox.to(COORDINATOR)[1])

    remote.put_partner("mueller-it", name="Repariert")
    remote.push("Repair the profile")
    fixed = follow(backend)
    assert fixed.result is Result.SWAPPED
    assert backend.network.partners["mueller-it"].name == "Repariert"
    assert "neu-it" in backend.matcher.partners


def test_readers_never_see_a_half_written_network(backend: Backend, remote: GitRemote) -> None:
    follow(backend)
    reader = Backend.start(backend.settings, check_seconds=0)  # reloads at every swap
    versions = {frozenset(backend.network.partners)}
    seen: list[dict[str, Partner]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(reader.network.partners)
            except BaseException as exc:  # any failure to read is what this test looks for
                failures.append(exc)
                return

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for i in range(8):
            if i % 2:
                (remote.work / "partners" / "neu-it.yaml").unlink()
            else:
                remote.put_partner("neu-it", name=f"Neu {i}")
            remote.push(f"Change {i}")
            outcome = sync(backend.settings)
            assert outcome.network is not None
            versions.add(frozenset(outcome.network.partners))
    finally:
        stop.set()
        thread.join(timeout=30)
        reader.engine.dispose()
    assert failures == []
    assert len(versions) == 2 and {frozenset(p) for p in seen} <= versions
    assert len(seen) > 8


def test_an_unreachable_repository_changes_nothing(
    backend: Backend, tmp_path: Path
) -> None:
    settings = Settings.from_env({"root": str(backend.settings.root),
                                  "network_git": str(tmp_path / "nowhere.git")})
    with pytest.raises(SyncError, match=r"git fetch failed: .*nowhere\.git"):
        sync(settings)
    assert profiles_folder(settings) == settings.root


def test_a_missing_branch_changes_nothing(backend: Backend, remote: GitRemote) -> None:
    settings = following(backend.settings.root, backend.settings.database_url,
                         backend.settings.mail_url, remote, network_branch="live")
    with pytest.raises(SyncError, match="couldn't find remote ref refs/heads/live"):
        sync(settings)
    remote.push("Open the live branch", branch="live")
    assert sync(settings).result is Result.SWAPPED


def test_unset_the_service_reads_its_own_folder(network_root: Path, tmp_path: Path) -> None:
    settings = Settings.from_env({"root": str(network_root),
                                  "database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    backend = Backend.start(settings)
    try:
        assert profiles_folder(settings) == network_root
        assert backend.network.root == network_root
        assert not (network_root / "instance" / "network").exists()
    finally:
        backend.engine.dispose()


def test_a_new_checkout_links_the_files_that_did_not_change(
    backend: Backend, remote: GitRemote
) -> None:
    first = follow(backend)
    remote.put_partner("mueller-it", name="Geändert")
    remote.push("Change one profile")
    second = follow(backend)
    assert second.result is Result.SWAPPED
    old, new = (home(backend.settings) / o.commit.sha / "partners"
                for o in (first, second))
    assert (new / "kaya-systemhaus.yaml").stat().st_ino == (
        old / "kaya-systemhaus.yaml").stat().st_ino
    assert (new / "mueller-it.yaml").stat().st_ino != (old / "mueller-it.yaml").stat().st_ino
    assert "Geändert" not in (old / "mueller-it.yaml").read_text(encoding="utf-8")
    assert sorted(p.name for p in new.iterdir()) == sorted(
        p.name for p in (remote.work / "partners").iterdir())
    assert not (home(backend.settings) / second.commit.sha / "README.md").exists()


def test_a_link_among_the_profiles_is_refused(backend: Backend, remote: GitRemote) -> None:
    good = follow(backend)
    (remote.work / "partners" / "geheim.yaml").symlink_to("/etc/passwd")
    bad = remote.push("Link to a file outside")
    outcome = follow(backend)
    assert (outcome.result, outcome.commit.sha) == (Result.REFUSED, bad)
    assert [str(p) for p in outcome.problems] == [
        "partners/geheim.yaml:1:1: (file): must be a plain file, not a link"]
    assert backend.network is good.network
