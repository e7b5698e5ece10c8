"""``partnerdir absence-text``, ``partnerdir export hsds`` and ``partnerdir stats``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from partnerdir.cli import main


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--root", str(root), *args])


def test_absence_text_prints_every_coming_absence_or_one(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    soon = dt.date.today() + dt.timedelta(days=3)
    later = soon + dt.timedelta(days=30)
    make_partner("weg", absences=[
        {"from": soon, "to": soon + dt.timedelta(days=2), "deputy": "mueller-it"},
        {"from": later, "to": later + dt.timedelta(days=5), "reason": "training"}])
    result = run(network_root, "absence-text", "weg")
    assert result.exit_code == 0, result.output
    assert result.output.count("Vielen Dank") == 2 and result.output.count("Thank you") == 2
    assert "Müller IT-Service" in result.output
    one = run(network_root, "absence-text", "weg", "--from", later.isoformat(),
              "--language", "en")
    assert one.exit_code == 0, one.output
    assert one.output.count("Thank you") == 1 and "Vielen Dank" not in one.output
    assert "(training)" in one.output


@pytest.mark.parametrize(("slug", "message"), [
    ("unbekannt", "no member 'unbekannt'"),
    ("test-it", "has no current or future absence"),
], ids=["unknown", "no-absence"])
def test_absence_text_explains_when_there_is_nothing(
    network_root: Path, make_partner: Callable[..., Path], slug: str, message: str
) -> None:
    make_partner("test-it")
    result = run(network_root, "absence-text", slug)
    assert result.exit_code == 1 and message in result.output


def test_export_hsds_writes_organizations_and_services(network_root: Path,
                                                       tmp_path: Path) -> None:
    result = run(network_root, "export", "hsds", "--out", str(tmp_path / "hsds"))
    assert result.exit_code == 0, result.output
    organizations = json.loads((tmp_path / "hsds" / "organizations.json").read_text())
    services = json.loads((tmp_path / "hsds" / "services.json").read_text())
    assert len(organizations) == len(list((network_root / "partners").glob("*.yaml")))
    assert {s["organization_id"] for s in services} == {o["id"] for o in organizations}
    assert all("last_modified" in s for s in services)


def test_stats_writes_the_figures_the_build_reads(
    network_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTNERDIR_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("PARTNERDIR_STATISTICS_FILE", str(tmp_path / "zahlen" / "stats.json"))
    result = run(network_root, "stats")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "zahlen" / "stats.json").read_text())
    assert data["minimum"] == 5 and data["months"] == []
    assert data["acceptance"] == {"value": None, "cases": None}
    assert data["members"]["total"] == len(list((network_root / "partners").glob("*.yaml")))
