"""Symbolic links under ``partners/`` are refused by ``validate`` and by both forms of
``check-pr`` (git and a folder with the base version), naming the file; the loader reads none."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.loader import load_network
from partnerdir.cli import main
from tests.cli.test_check_pr import check, commit, git
from tests.cli.test_check_pr import repo as repo  # the fixture


def replace_own_profile(root: Path) -> str:
    """Eve replaces her profile with a link to Müller's; return the linked path."""
    own = root / "partners" / "eve-design.yaml"
    own.unlink()
    own.symlink_to("mueller-it.yaml")
    return "partners/eve-design.yaml"


def link_outside(root: Path) -> str:
    """Eve adds a profile that is a link to a file outside the network."""
    outside = root.parent / "outside.yaml"
    shutil.copy(root / "partners" / "eve-design.yaml", outside)
    (root / "partners" / "eve-neu.yaml").symlink_to(outside)
    return "partners/eve-neu.yaml"


def linked_folder(root: Path) -> str:
    """Eve adds a folder under partners/ that is a link to a folder elsewhere."""
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    (elsewhere / "secret.yaml").write_text("name: x\n", encoding="utf-8")
    (root / "partners" / "extra").symlink_to(elsewhere, target_is_directory=True)
    return "partners/extra"


CASES = [pytest.param(replace_own_profile, id="own-profile-to-another"),
         pytest.param(link_outside, id="profile-to-a-file-outside"),
         pytest.param(linked_folder, id="folder-elsewhere")]


@pytest.mark.parametrize("make_link", CASES)
@pytest.mark.parametrize("author", ["eve", "netzwerk-admin"])
def test_check_pr_from_git_refuses_links(
    repo: Path, make_link: Callable[[Path], str], author: str
) -> None:
    linked = make_link(repo)
    commit(repo)
    assert "120000" in git(repo, "ls-tree", "-r", "HEAD", "--", linked)
    code, output = check(repo, "--author", author, "--base", "main")
    assert code == 1, output
    assert f"refused  {linked}: {linked} is a symbolic link to " in output
    assert "everything under partners/ must be a plain file" in output


@pytest.mark.parametrize("make_link", CASES)
def test_check_pr_from_a_folder_refuses_links(
    network_root: Path, make_partner: Callable[..., Path], tmp_path: Path,
    make_link: Callable[[Path], str],
) -> None:
    make_partner("mueller-it", maintainers=["mmueller"])
    make_partner("eve-design", maintainers=["eve"])
    base = tmp_path / "base"
    shutil.copytree(network_root, base)
    linked = make_link(network_root)
    code, output = check(network_root, "--author", "eve", "--base-dir", str(base), linked)
    assert code == 1, output
    assert f"refused  {linked}: {linked} is a symbolic link to " in output
    # A link the file list leaves out is found all the same.
    make_partner("eve-design", maintainers=["eve"], tagline="Neu") if linked != (
        "partners/eve-design.yaml") else None
    code, output = check(network_root, "--author", "eve", "--base-dir", str(base),
                         "network.yaml")
    assert code == 1 and f"refused  {linked}: " in output


def test_a_linked_partners_folder_is_refused_in_git(repo: Path) -> None:
    shutil.move(repo / "partners", repo / "profiles")
    (repo / "partners").symlink_to("profiles", target_is_directory=True)
    commit(repo)
    code, output = check(repo, "--author", "netzwerk-admin", "--base", "main")
    assert code == 1 and "refused  partners: partners is a symbolic link to profiles" in output


def test_a_linked_partners_folder_is_refused_from_a_folder(
    network_root: Path, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    shutil.copytree(network_root, base)
    shutil.move(network_root / "partners", network_root / "profiles")
    (network_root / "partners").symlink_to("profiles", target_is_directory=True)
    first = sorted((network_root / "profiles").iterdir())[0].name
    code, output = check(network_root, "--author", "netzwerk-admin", "--base-dir", str(base),
                         f"partners/{first}")
    assert code == 1 and "refused  partners: partners is a symbolic link to profiles" in output


def test_a_plain_change_next_to_no_link_is_still_allowed(
    repo: Path, make_partner: Callable[..., Path]
) -> None:
    make_partner("eve-design", maintainers=["Eve"], tagline="Neu")
    commit(repo)
    code, output = check(repo, "--author", "eve", "--base", "main")
    assert code == 0, output


def validate(root: Path, *files: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(root), "validate", *files])
    return result.exit_code, result.output


@pytest.mark.parametrize("make_link", CASES)
def test_validate_refuses_links(
    network_root: Path, make_partner: Callable[..., Path], make_link: Callable[[Path], str]
) -> None:
    make_partner("mueller-it", maintainers=["mmueller"])
    make_partner("eve-design", maintainers=["eve"])
    assert validate(network_root)[0] == 0
    linked = make_link(network_root)
    code, output = validate(network_root)
    assert code == 1
    assert f"{linked}:1:1: (file): is a symbolic link to " in output
    # The loader reads no linked profile, so nothing is published under the link's name.
    assert "eve-neu" not in load_network(network_root).partners
    if linked.endswith(".yaml"):
        code, output = validate(network_root, str(network_root / linked))
        assert code == 1 and f"{linked}:1:1: (file): is a symbolic link to " in output


def test_validate_names_a_file_under_a_linked_folder(network_root: Path) -> None:
    elsewhere = network_root.parent / "elsewhere"
    shutil.copytree(network_root / "partners", elsewhere)
    shutil.rmtree(network_root / "partners")
    os.symlink(elsewhere, network_root / "partners", target_is_directory=True)
    code, output = validate(network_root)
    assert code == 1 and "partners:1:1: (file): is a symbolic link to " in output
    first = sorted(elsewhere.iterdir())[0].name
    code, output = validate(network_root, str(network_root / "partners" / first))
    assert code == 1 and "partners:1:1: (file): is a symbolic link to " in output
