"""``partnerdir build``: validate first, then a strict site build."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from partnerdir.cli import main
from tests.conftest import REPO


def site_copy(network_root: Path) -> Path:
    shutil.copy(REPO / "mkdocs.yml", network_root / "mkdocs.yml")
    shutil.copytree(REPO / "content", network_root / "content", dirs_exist_ok=True)
    if (REPO / "overrides").is_dir():
        shutil.copytree(REPO / "overrides", network_root / "overrides", dirs_exist_ok=True)
    return network_root


def test_build_writes_the_site(network_root: Path) -> None:
    root = site_copy(network_root)
    result = CliRunner().invoke(main, ["--root", str(root), "build"])
    assert result.exit_code == 0, result.output
    assert (root / "site" / "index.html").is_file()


def test_build_refuses_invalid_profiles(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    root = site_copy(network_root)
    make_partner(services=["no-such-service"])
    result = CliRunner().invoke(main, ["--root", str(root), "build"])
    assert result.exit_code == 1
    assert "partners/test-it.yaml:" in result.output and "unknown service" in result.output
    assert not (root / "site").exists()
