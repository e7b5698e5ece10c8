"""The HSDS 3.0 export, validated with jsonschema against the specification's schema."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from generator.hsds import Export, last_changes
from generator.loader import load_network

HERE = Path(__file__).parent
REPO = HERE.parents[1]
TODAY = dt.date(2026, 12, 1)


def schemas() -> list[dict[str, Any]]:
    """The restated schema, and the official compiled one when a folder with it is given."""
    found = [json.loads((HERE / "hsds_service.schema.json").read_text(encoding="utf-8"))]
    folder = os.environ.get("HSDS_SCHEMA_DIR")
    if folder:
        found.append(json.loads(
            (Path(folder) / "service_with_definitions.json").read_text(encoding="utf-8")))
    return found


def validate(record: dict[str, Any], schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(record)


def test_every_service_and_organization_is_valid_hsds() -> None:
    network = load_network(REPO)
    records = Export(network, last_changes(REPO, network), TODAY).records()
    assert len(records["organizations"]) == len(network.partners)
    assert len(records["services"]) == sum(len(p.services) for p in network.partners.values())
    for schema in schemas():
        for service in records["services"]:
            validate(service, schema)
        for organization in records["organizations"]:
            validate(organization, {**schema, "$ref": "#/definitions/organization"})
    ids = [s["id"] for s in records["services"]] + [o["id"] for o in records["organizations"]]
    assert len(set(ids)) == len(ids)


def test_absences_are_closed_schedules_and_the_status_says_away() -> None:
    network = load_network(REPO)
    away_day = dt.date(2026, 12, 22)
    services = Export(network, {}, away_day).records()["services"]
    mueller = [s for s in services if s["url"].endswith("/partner/mueller-it/")]
    assert {s["status"] for s in mueller} == {"temporarily closed"}
    assert [(x["valid_from"], x["valid_to"]) for x in mueller[0]["schedules"]] == [
        (a.from_.isoformat(), a.to.isoformat()) for a in network.partners["mueller-it"].absences]


def test_provenance_is_the_profiles_last_commit(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(network_root), *args], check=True, capture_output=True,
                       env={**os.environ, "GIT_COMMITTER_DATE": "2026-03-04T05:06:07+01:00",
                            "GIT_AUTHOR_DATE": "2026-03-04T05:06:07+01:00"})

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start")
    make_partner("neu")  # not committed: its file's time counts
    network = load_network(network_root)
    changed = last_changes(network_root, network)
    assert changed["mueller-it"] == dt.datetime(2026, 3, 4, 4, 6, 7, tzinfo=dt.UTC)
    assert abs((changed["neu"] - dt.datetime.now(dt.UTC)).total_seconds()) < 600
    services = Export(network, changed, TODAY).records()["services"]
    first = next(s for s in services if s["url"].endswith("/mueller-it/"))
    assert first["last_modified"] == "2026-03-04T04:06:07.000Z"
    assert first["metadata"][0]["last_action_date"] == "2026-03-04"
    for schema in schemas():
        validate(first, schema)


@pytest.mark.parametrize("language", ["de", "en"])
def test_service_names_follow_the_language(language: str) -> None:
    network = load_network(REPO)
    services = Export(network, {}, TODAY, language).records()["services"]
    label = "Steuerberatung" if language == "de" else "Tax advice"
    assert any(s["name"].startswith(label + " – ") for s in services)
