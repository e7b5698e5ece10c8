"""``partnerdir check-pr`` on real git repositories and on a folder with the base version."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from partnerdir.cli import main


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
        capture_output=True, text=True, check=True,
    )
    return result.stdout


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)


@pytest.fixture
def repo(
    network_root: Path, make_partner: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Return a git repository of the network: three profiles on main, a branch 'change' checked out."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.org")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)  # the tester's own git settings stay out
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    git(network_root, "init", "-q", "-b", "main")
    make_partner("mueller-it", maintainers=["mmueller"])
    make_partner("schmidt-netzwerke", maintainers=["sschmidt", "kschmidt"])
    make_partner("eve-design", maintainers=["Eve"])
    commit(network_root, "base")
    git(network_root, "switch", "-q", "-c", "change")
    return network_root


def check(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(root), "check-pr", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def check_git(repo: Path, author: str) -> tuple[int, str]:
    return check(repo, "--author", author, "--base", "main")


def test_own_profile_is_allowed(repo: Path, make_partner: Callable[..., Path]) -> None:
    make_partner("eve-design", maintainers=["Eve"], tagline="Neu")
    commit(repo)
    code, output = check_git(repo, "eve")  # logins compare case-insensitively
    assert code == 0, output
    assert "allowed  partners/eve-design.yaml: you maintain this profile" in output
    assert "Allowed: eve maintains every profile" in output


def test_someone_elses_profile_is_refused(repo: Path, make_partner: Callable[..., Path]) -> None:
    make_partner("mueller-it", maintainers=["mmueller"], tagline="Übernommen")
    commit(repo)
    code, output = check_git(repo, "eve")
    assert code == 1
    assert (
        "refused  partners/mueller-it.yaml: you (eve) may not change this profile, it is "
        "maintained by mmueller; ask a maintainer (mmueller) to review, or an admin "
        "(netzwerk-admin, hbauer)"
    ) in output
    assert "Refused: eve may not make 1 of the 1 change(s)" in output


def test_adding_yourself_as_maintainer_is_refused(
    repo: Path, make_partner: Callable[..., Path]
) -> None:
    make_partner("schmidt-netzwerke", maintainers=["sschmidt", "kschmidt", "eve"])
    commit(repo)
    code, output = check_git(repo, "eve")
    assert code == 1
    assert "maintained by sschmidt, kschmidt (adding yourself to maintainers does not count" in output


@pytest.mark.parametrize("admin", ["hbauer", "HBauer", "netzwerk-admin"])
def test_admin_may_change_anything(
    repo: Path, make_partner: Callable[..., Path], admin: str
) -> None:
    make_partner("mueller-it", maintainers=["mmueller", "neu"])
    (repo / "partners" / "schmidt-netzwerke.yaml").unlink()
    (repo / "network.yaml").write_text("name: Neu\n", encoding="utf-8")
    commit(repo)
    code, output = check_git(repo, admin)
    assert code == 0, output
    assert f"Allowed: {admin} is a network admin and may change all 3 file(s)." in output


@pytest.mark.parametrize(
    "path", ["network.yaml", ".github/workflows/x.yml", "generator/x.py", "partners/sub/x.yaml"]
)
def test_files_outside_partners_need_an_admin(repo: Path, path: str) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("admins: [eve]\n", encoding="utf-8")
    commit(repo)
    code, output = check_git(repo, "eve")
    assert code == 1
    assert f"refused  {path}: {path} is outside partners/, which only a network admin" in output
    assert check_git(repo, "hbauer")[0] == 0


def test_admins_come_from_the_base_version(repo: Path) -> None:
    text = (repo / "network.yaml").read_text(encoding="utf-8")
    (repo / "network.yaml").write_text(text.replace("admins: [", "admins: [eve, "), encoding="utf-8")
    commit(repo)
    assert check_git(repo, "eve")[0] == 1


@pytest.mark.parametrize("how", ["delete", "rename"])
def test_deleting_or_renaming_someone_elses_profile_is_refused(repo: Path, how: str) -> None:
    if how == "delete":
        (repo / "partners" / "mueller-it.yaml").unlink()
    else:  # a rename is read as deleting the old file and adding the new one
        git(repo, "mv", "partners/mueller-it.yaml", "partners/eve-it.yaml")
    commit(repo)
    assert check_git(repo, "mmueller")[0] == 0  # the maintainer may
    code, output = check_git(repo, "eve")
    assert code == 1 and "refused  partners/mueller-it.yaml: you (eve) may not delete" in output


def test_new_profile_needs_its_author_as_maintainer(
    repo: Path, make_partner: Callable[..., Path]
) -> None:
    make_partner("neu-im-netz", maintainers=["neu"])
    commit(repo)
    code, output = check_git(repo, "NEU")
    assert code == 0, output
    assert "allowed  partners/neu-im-netz.yaml: a new profile that lists you as a maintainer" in output
    code, output = check_git(repo, "eve")
    assert code == 1
    assert "a new profile must list you (eve) under maintainers; add eve" in output
    make_partner("kaputt", text="name: [broken\nmaintainers: [neu]\n")
    commit(repo)
    assert check_git(repo, "neu")[0] == 1  # maintainers that cannot be read name nobody


def test_only_committed_changes_between_merge_base_and_head_count(
    repo: Path, make_partner: Callable[..., Path]
) -> None:
    git(repo, "switch", "-q", "main")
    make_partner("mueller-it", maintainers=["mmueller"], tagline="Auf main geändert")
    commit(repo, "main moves on")
    git(repo, "switch", "-q", "change")
    make_partner("eve-design", maintainers=["Eve"], tagline="Neu")
    commit(repo)
    (repo / "partners" / "schmidt-netzwerke.yaml").write_text("uncommitted", encoding="utf-8")
    code, output = check_git(repo, "eve")
    assert code == 0, output
    assert "mueller-it" not in output and "schmidt" not in output


def test_head_option_and_no_changes(repo: Path, make_partner: Callable[..., Path]) -> None:
    make_partner("mueller-it", maintainers=["mmueller"], tagline="x")
    commit(repo)
    assert check(repo, "--author", "eve", "--base", "main", "--head", "main") == (
        0, "No files changed; nothing to check.\n",
    )


def test_network_in_a_subfolder(repo: Path) -> None:
    shutil.rmtree(repo / ".git")
    top = repo.parent
    git(top, "init", "-q", "-b", "main")
    commit(top, "base")
    git(top, "switch", "-q", "-c", "change")
    (top / "README.md").write_text("x", encoding="utf-8")
    (repo / "partners" / "eve-design.yaml").write_text("name: X\nmaintainers: [eve]\n")
    commit(top)
    code, output = check_git(repo, "eve")
    assert code == 1
    assert "allowed  partners/eve-design.yaml" in output
    assert "refused  ../README.md: ../README.md is outside partners/" in output


def test_github_format_prints_annotations(repo: Path, make_partner: Callable[..., Path]) -> None:
    make_partner("mueller-it", maintainers=["mmueller"], tagline="x")
    commit(repo)
    code, output = check(repo, "--author", "eve", "--base", "main", "--format", "github")
    assert code == 1
    assert output.startswith("::error file=partners/mueller-it.yaml,title=Ownership check::You (eve)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "no-such-branch"], "cannot find 'no-such-branch' in the repository; fetch it"),
        (["--base", "--output=x"], "cannot find '--output=x'"),
        (["--base", "main", "partners/x.yaml"], "FILE arguments go with --base-dir"),
        ([], "give either --base REF (git) or --base-dir FOLDER"),
        (["--author", " ", "--base", "main"], "--author is empty"),
    ],
    ids=["unknown-ref", "option-like-ref", "files-with-base", "neither", "empty-author"],
)
def test_usage_and_git_errors_exit_2(repo: Path, args: list[str], message: str) -> None:
    code, output = check(repo, "--author", "eve", *args)
    assert (code, "Traceback" in output) == (2, False)
    assert message in output


def test_outside_a_git_repository_exits_2(network_root: Path) -> None:
    code, output = check(network_root, "--author", "eve", "--base", "main")
    assert code == 2 and "is not in a git repository" in output


@pytest.fixture
def base_dir(network_root: Path, make_partner: Callable[..., Path], tmp_path: Path) -> Path:
    """Write three profiles into the network and keep a copy of it as the base version."""
    make_partner("mueller-it", maintainers=["mmueller"])
    make_partner("eve-design", maintainers=["eve"])
    base = tmp_path / "base"
    shutil.copytree(network_root, base)
    return base


def test_file_list_form(network_root: Path, base_dir: Path, make_partner: Callable[..., Path]) -> None:
    make_partner("eve-design", maintainers=["eve"], tagline="Neu")
    make_partner("neu", maintainers=["eve"])
    (network_root / "partners" / "mueller-it.yaml").unlink()
    files = ["partners/eve-design.yaml", "partners/neu.yaml", str(network_root / "partners/mueller-it.yaml")]
    code, output = check(network_root, "--author", "eve", "--base-dir", str(base_dir), *files)
    assert code == 1
    assert "allowed  partners/eve-design.yaml: you maintain this profile" in output
    assert "allowed  partners/neu.yaml: a new profile" in output
    assert "refused  partners/mueller-it.yaml: you (eve) may not delete" in output
    code, output = check(network_root, "--author", "eve", "--base-dir", str(base_dir), files[0])
    assert code == 0, output


def test_file_list_from_stdin(network_root: Path, base_dir: Path) -> None:
    args = ["--root", str(network_root), "check-pr", "--author", "eve", "--base-dir", str(base_dir)]
    result = CliRunner().invoke(main, [*args, "--files-from", "-"], input="network.yaml\n../x\n")
    assert result.exit_code == 1
    assert "refused  network.yaml" in result.output and "refused  ../x" in result.output
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "list the changed files" in result.output
