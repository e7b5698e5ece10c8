"""The operator and member guides stay complete and true as settings, commands and fields change."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from generator.loader import load_network
from generator.pages import render_site
from partnerdir.cli import main
from partnerdir.settings import DECLARED, Declaration
from tests.conftest import REPO

CONTENT = REPO / "content"
OPERATIONS = CONTENT / "betrieb.md"
MEMBERS = CONTENT / "mitglieder.md"
SCHEMA = CONTENT / "schema" / "partner.schema.json"


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "partnerdir") -> Iterator[tuple[str, click.Command]]:
    """Yield every subcommand of ``group``, nested ones included, with its full name."""
    for name in sorted(group.commands):
        command = group.commands[name]
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from commands(command, path)


COMMANDS = list(commands(main))


def code_blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", markdown, re.M | re.S)


def settings_table() -> dict[str, str]:
    """Return the default column of the operations guide's settings table, by variable."""
    rows = re.findall(r"^\| `(PARTNERDIR_\w+)` \|([^|\n]+)\|[^|\n]+\|$", text(OPERATIONS), re.M)
    return {name: default.strip() for name, default in rows}


@pytest.mark.parametrize("declaration", DECLARED.values(), ids=list(DECLARED))
def test_every_setting_is_in_the_operations_table_with_its_default(
    declaration: Declaration,
) -> None:
    table = settings_table()
    assert declaration.variable in table, (
        f"add a row for {declaration.variable} (default and meaning) to the settings table in "
        f"{OPERATIONS.name}"
    )
    # An empty default means something else decides; the row says what ("leer: …").
    expected = f"`{declaration.default}`" if declaration.default else "leer"
    assert table[declaration.variable].startswith(expected), (
        f"the default of {declaration.variable} is {expected} in {OPERATIONS.name}"
    )


def test_the_operations_table_lists_only_declared_settings() -> None:
    declared = {d.variable for d in DECLARED.values()}
    assert set(settings_table()) - declared == set()


def test_the_cli_has_subcommands() -> None:
    names = {path for path, _ in COMMANDS}
    assert {"partnerdir validate", "partnerdir build", "partnerdir serve", "partnerdir new",
            "partnerdir worker", "partnerdir db upgrade"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_and_is_documented(path: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"'{path}' needs a docstring: it is its --help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"'{path}' option {param.opts} needs help="
    docs = text(OPERATIONS) + text(MEMBERS)
    assert re.search(rf"{re.escape(path)}(?![\w-])", docs), (
        f"mention `{path}` in {OPERATIONS.name} or {MEMBERS.name}"
    )


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_answers_help(path: str, command: click.Command) -> None:
    result = CliRunner().invoke(main, [*path.split()[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert (command.help or "").split("\n")[0].split()[0] in result.output


def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text(SCHEMA))
    return data


def test_every_profile_field_is_in_the_member_guide() -> None:
    guide = text(MEMBERS)
    missing = [field for field in schema()["properties"] if f"`{field}`" not in guide]
    assert not missing, f"explain these profile fields in {MEMBERS.name}: {missing}"


def test_every_nested_profile_field_is_in_the_member_guide() -> None:
    guide = text(MEMBERS)
    missing = [
        f"{model}.{field}"
        for model, definition in schema()["$defs"].items()
        for field in definition.get("properties", {})
        if f"`{field}`" not in guide
    ]
    assert not missing, f"explain these profile fields in {MEMBERS.name}: {missing}"


def test_required_fields_are_marked_in_the_member_guide() -> None:
    guide = text(MEMBERS)
    for field in schema()["required"]:
        assert f"| **`{field}`** |" in guide, f"mark {field} as required (bold) in {MEMBERS.name}"


@pytest.mark.parametrize("page", [OPERATIONS, MEMBERS], ids=lambda p: p.name)
def test_relative_links_lead_to_files_of_the_site(page: Path) -> None:
    generated = {p.path for p in render_site(load_network(REPO))}
    for target in re.findall(r"\]\(([^)\s]+)\)", text(page)):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        assert (page.parent / path).is_file() or path in generated, (
            f"{page.name} links to missing {target}")


def test_the_example_profile_in_the_member_guide_is_valid(network_root: Path) -> None:
    examples = [b for b in code_blocks(text(MEMBERS), "yaml") if "\nname: " in b]
    assert len(examples) == 1
    (network_root / "partners" / "mueller-it.yaml").write_text(examples[0], encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(network_root), "validate"])
    assert result.exit_code == 0, result.output


BROKEN_PROFILE = """\
# yaml-language-server: $schema=../content/schema/partner.schema.json
name: "Müller IT-Service"
maintainers: [mmueller]
tagline: "IT-Betreuung für kleine Büros und Praxen in München"
servces: [it-support]
services: [it-suport, netzwerk]
languages: [de, english]
location: {postal_code: 80331, city: "München", country: DE}
service_area: {postal_prefixes: ["80"], remote: true}
contact:
  email: info(at)mueller-it.example
  website: mueller-it.example
referrals:
  accepts: true
  capacity: voll
absences:
  - from: 2027-01-06
    to: 2026-12-21
    reason: vacation
    deputy: schmidt-netzwerke
"""


def test_the_error_messages_quoted_in_the_member_guide_are_real(network_root: Path) -> None:
    (network_root / "partners" / "mueller-it.yaml").write_text(BROKEN_PROFILE, encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(network_root), "validate"])
    assert result.exit_code == 1
    quoted = [b for b in code_blocks(text(MEMBERS), "text") if "partnerdir validate" in b]
    assert len(quoted) == 1
    for line in quoted[0].splitlines():
        assert line in result.output.splitlines(), f"{MEMBERS.name} quotes an old message: {line}"


def test_the_architecture_names_only_files_that_exist() -> None:
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:generator|form_service|partnerdir|tests|content)/[\w./-]*)`",
                           text))
    assert len(paths) > 20
    assert sorted(p for p in paths if not (REPO / p).exists()) == []
    # Every module of the packages is reachable from the guide, by path or by its short name.
    modules = {p.stem for package in ("generator", "form_service", "partnerdir")
               for p in (REPO / package).glob("*.py") if not p.stem.startswith("_")}
    unnamed = {m for m in modules if not re.search(rf"\b{m}\b", text)}
    assert sorted(unnamed) == []


def test_the_member_guide_says_on_its_first_screen_what_to_do_when_ill() -> None:
    first_screen = text(MEMBERS).split("\n## ", 1)[0]
    assert "**Krank, im Urlaub oder ausgebucht?**" in first_screen
    assert "Mitgliederseite" in first_screen and "`/m/`" in first_screen
    assert len(first_screen.splitlines()) <= 25
