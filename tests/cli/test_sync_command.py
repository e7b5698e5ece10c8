"""``partnerdir sync``: one round of following the repository from the command line, for cron."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from partnerdir.cli import main
from tests.gitremote import GitRemote


@pytest.fixture
def remote(tmp_path: Path) -> GitRemote:
    return GitRemote.create(tmp_path / "git")


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("PARTNERDIR_DATABASE_URL", url)
    return url


def run(root: Path, remote: GitRemote | Path | None) -> Result:
    env = {"PARTNERDIR_NETWORK_GIT": str(getattr(remote, "url", remote) or "")}
    return CliRunner().invoke(main, ["--root", str(root), "sync"], env=env)


def refused_mails(database: str) -> list[tuple[str, str]]:
    engine = create_engine(database)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT dedup_key, recipient FROM outbound_mail WHERE kind = 'refused_commit' "
            "ORDER BY id")).all()
    engine.dispose()
    return [(key, recipient) for key, recipient in rows]


def test_sync_swaps_then_reports_it_is_current(
    network_root: Path, remote: GitRemote, database: str
) -> None:
    first = run(network_root, remote)
    sha = (network_root / "instance" / "network" / "current").readlink().name
    assert (first.exit_code, first.output) == (
        0, f"Swapped to {sha} (Start the network); the service and the worker use it within "
           "seconds.\n")
    again = run(network_root, remote)
    assert (again.exit_code, again.output) == (0, f"Already current: main is at {sha}.\n")


def test_sync_refuses_a_broken_commit_with_exit_code_1_and_mails_once(
    network_root: Path, remote: GitRemote, database: str
) -> None:
    assert run(network_root, remote).exit_code == 0
    good = (network_root / "instance" / "network" / "current").readlink().name
    remote.write("network.yaml", "name: Netz\n")
    bad = remote.push("Shorten network.yaml")
    for _ in range(2):
        result = run(network_root, remote)
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert lines[:-1] == [f"network.yaml:1:1: {field}: required field is missing"
                              for field in ("admins", "coordinator", "services")]
        assert lines[-1] == (f"Refused {bad} (Shorten network.yaml, Test Author): "
                             f"3 problem(s). Still in use: {good}.")
    assert refused_mails(database) == [
        (f"refused-commit:{bad}", "koordination@empfehlungsnetz.example")]


def test_sync_without_a_repository_says_what_to_set(network_root: Path) -> None:
    result = run(network_root, None)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: PARTNERDIR_NETWORK_GIT is not set, so the service reads the profiles in "
        f"{network_root}; set it to the repository to follow.\n")
    assert not (network_root / "instance").exists()


def test_sync_of_an_unreachable_repository_changes_nothing(
    network_root: Path, tmp_path: Path
) -> None:
    result = run(network_root, tmp_path / "nowhere.git")
    assert result.exit_code == 1
    assert result.output.startswith("Error: git fetch failed: '")
    assert result.output.endswith(
        "Nothing was changed; check PARTNERDIR_NETWORK_GIT and PARTNERDIR_NETWORK_BRANCH.\n")
    assert not (network_root / "instance" / "network" / "current").exists()
