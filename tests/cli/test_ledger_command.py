"""``partnerdir ledger``: the ledger of a scripted history as a table, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from form_service.backend import Backend
from partnerdir.cli import main
from tests.form_service.history import EXPECTED


def invoke(history: Backend, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("PARTNERDIR_DATABASE_URL", history.settings.database_url)
    result = CliRunner().invoke(main, ["--root", str(history.settings.root), "ledger", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


PERIOD_ARGS = ("--from", "2026-10-04", "--to", "2026-11-03")


def test_ledger_command_as_json(history: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(invoke(history, monkeypatch, *PERIOD_ARGS, "--format", "json"))
    assert (data["from"], data["to"]) == ("2026-10-04", "2026-11-03")
    members = {m["partner"]: m for m in data["members"]}
    assert len(members) == len(history.network.partners)
    for slug, expected in EXPECTED.items():
        assert members[slug] == expected.as_dict()
    assert members["mueller-it"]["given_absence"] == 1 and members["mueller-it"]["balance"] == -1
    assert members["kaya-systemhaus"]["declined_spam"] == 1
    assert members["lingua-franca"]["received"] == 0


def test_ledger_command_as_csv(history: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = {r["partner"]: r for r in csv.DictReader(io.StringIO(
        invoke(history, monkeypatch, *PERIOD_ARGS, "--format", "csv")))}
    assert rows["schmidt-netzwerke"]["declined"] == "3"
    assert [rows["schmidt-netzwerke"][f"declined_{reason}"] for reason in
            ("capacity", "expertise", "absent", "area", "spam")] == ["1", "1", "0", "1", "0"]
    assert rows["mueller-it"]["declined_absent"] == "1"
    assert rows["schmidt-netzwerke"]["response_hours"] == "1.88"
    assert rows["bildwerk-fotografie"]["response_hours"] == ""
    assert rows["mueller-it"]["timed_out"] == "1"


def test_ledger_command_as_table(history: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = invoke(history, monkeypatch, *PERIOD_ARGS).splitlines()
    assert lines[0] == "Referral ledger from 2026-10-04 to 2026-11-03 (UTC)"
    assert lines[2].split()[:3] == ["member", "given", "capacity"]
    cells = {line.split()[0]: line.split() for line in lines[3:]}
    assert "declined  full  no expertise  absent  off area  spam  timed out" in lines[2]
    # member given capacity expertise absence received accepted declined, by reason: full,
    # no expertise, absent, off area, spam; timed-out open withdrawn response-h feedback
    # contact done satisfaction balance
    assert cells["schmidt-netzwerke"] == ["schmidt-netzwerke", "1", "1", "0", "0", "6", "1", "3",
                                          "1", "1", "0", "1", "0", "0", "0", "2", "1.88", "1",
                                          "1", "1", "5.00", "0"]
    assert cells["total"][:13] == ["total", "4", "1", "1", "1", "11", "2", "5",
                                   "1", "1", "1", "1", "1"]
    everything = invoke(history, monkeypatch).splitlines()
    assert everything[0] == "Referral ledger from the beginning to today (UTC)"
    assert {line.split()[0]: line.split() for line in everything[3:]}["mueller-it"][1] == "3"


def test_ledger_command_refuses_a_reversed_period(history: Backend,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERDIR_DATABASE_URL", history.settings.database_url)
    result = CliRunner().invoke(main, ["--root", str(history.settings.root), "ledger",
                                       "--from", "2026-11-01", "--to", "2026-10-01"])
    assert result.exit_code == 2 and "--to is before --from" in result.output
