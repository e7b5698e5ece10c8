"""``partnerdir new`` and ``partnerdir schema``: starting profiles and editor schemas."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.loader import load_settings
from generator.schema import SCHEMA_LINE, expected_files
from partnerdir.cli import main
from tests.conftest import REPO


def invoke(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    return result.exit_code, result.output


def test_new_writes_a_commented_profile_refused_until_filled_in(network_root: Path) -> None:
    code, output = invoke(network_root, "new", "neu-im-netz", "--name", "Neu: im Netz", "--maintainer", "neu")
    assert code == 0, output
    text = (network_root / "partners" / "neu-im-netz.yaml").read_text(encoding="utf-8")
    assert text.startswith(SCHEMA_LINE + "\n")
    assert text.count("\n# ") >= 10
    assert 'name: "Neu: im Netz"' in text and 'maintainers: ["neu"]' in text
    code, output = invoke(network_root, "validate", str(network_root / "partners" / "neu-im-netz.yaml"))
    assert code == 1 and "tagline: the placeholder '<Ein Satz: was Sie für Ihre Kunden tun>'" in output
    assert "name:" not in output.replace("the placeholder", "")  # given on the command line


def test_readme_example_works_as_written(network_root: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "partnerdir new " in line)
    args = shlex.split(command.split("partnerdir", 1)[1].split("#")[0])
    slug = args[1]
    assert not (REPO / "partners" / f"{slug}.yaml").exists(), "the example's slug is taken"
    code, output = invoke(network_root, *args)
    assert code == 0, output
    assert f"partners/{slug}.yaml" in output


def test_new_refuses_existing_and_bad_slugs(network_root: Path) -> None:
    assert invoke(network_root, "new", "neu")[0] == 0
    code, output = invoke(network_root, "new", "neu")
    assert code == 1 and "exists already" in output
    code, output = invoke(network_root, "new", "Bad Slug")
    assert code == 2 and "not a valid slug" in output


def test_committed_schemas_are_current() -> None:
    settings, problems = load_settings(REPO)
    assert settings is not None, problems
    for path, text in expected_files(REPO, settings).items():
        assert path.read_text(encoding="utf-8") == text, f"run 'partnerdir schema' ({path})"


def test_schema_check_flags_stale_files(network_root: Path) -> None:
    assert invoke(network_root, "schema")[0] == 0
    assert invoke(network_root, "schema", "--check")[0] == 0
    path = network_root / "content" / "schema" / "partner.schema.json"
    path.write_text("{}", encoding="utf-8")
    code, output = invoke(network_root, "schema", "--check")
    assert code == 1 and "out of date" in output


def test_schema_describes_every_field_and_lists_services() -> None:
    schema = json.loads((REPO / "content/schema/partner.schema.json").read_text(encoding="utf-8"))
    settings, _ = load_settings(REPO)
    assert settings is not None
    assert schema["properties"]["services"]["items"]["enum"] == [s.id for s in settings.services]
    assert schema["additionalProperties"] is False
    for name in ("name", "maintainers", "services", "benefits", "absences", "referrals"):
        assert schema["properties"][name].get("description"), name


def test_every_sample_profile_names_the_schema() -> None:
    for path in sorted((REPO / "partners").glob("*.yaml")):
        assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE, path


@pytest.mark.parametrize("command", ["validate", "new", "schema"])
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and len(result.output) > 80
