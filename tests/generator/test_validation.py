"""``partnerdir validate``: every failure kind of the brief, reported as file:line:col."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.loader import check, load_network
from partnerdir.cli import main

VALID = """\
name: Test IT
maintainers: [tester]
services: [it-support]
location: {postal_code: "80331", city: München}
service_area: {postal_prefixes: ["80"]}
contact: {email: info@test-it.example}
"""


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(root), "validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


CASES = [
    ("syntax", "name: [unclosed\nmaintainers: [x]\n", r":2:12: \(file\): YAML syntax: did not find expected .*while parsing a flow sequence at line 1"),
    ("duplicate-key", VALID + "name: Again\n", r":7:1: name: duplicate key \(first defined at line 1"),
    ("unknown-key", VALID + "tagelin: Hallo\n", r":7:1: tagelin: unknown field 'tagelin' \(did you mean 'tagline'\?\)"),
    ("unknown-nested-key", VALID + "referrals: {capacty: full}\n", r":7:13: referrals.capacty: unknown field .*did you mean 'capacity'"),
    ("wrong-type-list", VALID.replace("[it-support]", "it-support"), r":3:11: services: Input should be a valid list"),
    ("wrong-type-bool", VALID + "referrals: {accepts: maybe}\n", r":7:22: referrals.accepts: Input should be a valid boolean"),
    ("unknown-service", VALID.replace("[it-support]", "[it-suport]"), r":3:12: services\[0\]: unknown service 'it-suport'; known: buchhaltung, .*it-support"),
    ("unknown-deputy", VALID + "absences:\n  - {from: 2027-01-01, to: 2027-01-05, deputy: nobody-here}\n", r":8:48: absences\[0\].deputy: no partner 'nobody-here'"),
    ("self-deputy", VALID + "absences:\n  - {from: 2027-01-01, to: 2027-01-05, deputy: test-it}\n", r":8:48: absences\[0\].deputy: a member cannot be their own deputy"),
    ("reversed-dates", VALID + "absences:\n  - {from: 2027-01-05, to: 2027-01-01}\n", r":8:28: absences\[0\].to: 2027-01-01 is before from: 2027-01-05"),
    ("bad-email", VALID.replace("info@test-it.example", "info(at)test-it"), r":6:18: contact.email: value is not a valid email address"),
    ("bad-postal-code", VALID.replace('"80331"', '"8033"'), r":4:25: location.postal_code: '8033' is not a postal code of DE"),
    ("postal-code-unquoted", VALID.replace('"80331"', "80331"), r":4:25: location.postal_code: Input should be a valid string \(put the value in quotes\)"),
    ("bad-language", VALID + "languages: [de, xx]\n", r":7:12: languages: unknown language code 'xx'"),
    ("missing-field", VALID.replace("name: Test IT\n", ""), r":1:1: name: required field is missing"),
    ("several-documents", VALID + "---\nname: Other\n", r":7:1: \(file\): YAML syntax: more than one YAML document"),
    ("python-tag", VALID + "tagline: !!python/object/apply:os.system [echo hi]\n", r":7:10: tagline: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    ("not-a-mapping", "- just\n- a list\n", r":1:1: \(file\): the file is a list; it must be a mapping"),
    ("empty", "", r":1:1: \(file\): the file is empty"),
    ("control-character", VALID + 'tagline: "a\\u202eb"\n', r":7:10: tagline: contains a control character"),
    ("multi-line-tagline", VALID + 'tagline: "a\\nb"\n', r":7:10: tagline: must be a single line"),
    ("too-long", VALID + "tagline: " + "x" * 200 + "\n", r":7:10: tagline: String should have at most 120 characters"),
    ("merge-key", VALID + "x: &a {city: y}\nreferrals: {<<: *a}\n", r":8:13: referrals: merge keys \(<<\) are not allowed"),
    ("complex-key", VALID + "? [a]\n: b\n", r":7:3: \(file\): keys must be plain words"),
    ("datetime", VALID + "absences: [{from: 2026-12-21T10:00:00, to: 2026-12-22}]\n", r":7:19: absences\[0\].from: '2026-12-21 10:00:00' is not a date \(write dates as YYYY-MM-DD"),
    ("tabs", "name: x\n\tmaintainers: [a]\n", r":2:1: \(file\): YAML syntax"),
    ("tab-in-list", VALID + "benefits:\n\t- schnell\n", r":8:1: \(file\): YAML syntax: .*\(indent with spaces, not tabs\)"),
    ("colon-in-value", VALID + "tagline: Hilfe: schnell\n", r":7:15: \(file\): YAML syntax: .*must be in quotes, e\.g\. tagline: \"Hilfe: schnell\""),
    ("value-starts-with-at", VALID + "tagline: @home\n", r":7:10: \(file\): YAML syntax: .*\(a value cannot start with @: put the value in quotes\)"),
    ("unclosed-quote", VALID + 'tagline: "Hilfe\n', r":8:1: \(file\): YAML syntax: .*\(close the quote opened at line 7"),
    ("impossible-date", VALID + "absences: [{from: 2026-13-01, to: 2027-01-01}]\n", r":7:19: absences\[0\]\.from: '2026-13-01' is not a date .*\(write dates as YYYY-MM-DD, e\.g\. 2026-12-21\)"),
    ("german-date", VALID + "absences: [{from: 21.12.2026, to: 2027-01-01}]\n", r":7:19: absences\[0\]\.from: '21\.12\.2026' is not a date \(write dates as YYYY-MM-DD"),
]


@pytest.mark.parametrize(("text", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_failure_kind_is_reported_with_position(
    network_root: Path, make_partner: Callable[..., Path], text: str, pattern: str
) -> None:
    make_partner(text=text)
    code, output = run(network_root)
    assert code == 1
    assert re.search(r"^partners/test-it\.yaml" + pattern, output, re.M), output
    assert "Traceback" not in output


def test_bad_url(network_root: Path, make_partner: Callable[..., Path]) -> None:
    make_partner(text=VALID.replace("{email: info@test-it.example}",
                                    "{email: info@test-it.example, website: 'javascript:alert(1)'}"))
    code, output = run(network_root)
    assert code == 1
    assert re.search(r"test-it\.yaml:6:\d+: contact.website: URL scheme should be 'http' or 'https'", output), output


def test_non_utf8(network_root: Path, make_partner: Callable[..., Path]) -> None:
    make_partner(text=VALID.encode("utf-8").replace("München".encode(), "München".encode("latin-1")))
    code, output = run(network_root)
    assert code == 1
    assert re.search(r"test-it\.yaml:4:41: \(file\): not UTF-8 \(byte 0xfc\) \(save the file as UTF-8\)", output), output


def test_oversized_file(network_root: Path, make_partner: Callable[..., Path]) -> None:
    make_partner(text=VALID + "description: |\n" + "  Lorem ipsum dolor sit amet.\n" * 4000)
    code, output = run(network_root)
    assert code == 1
    assert re.search(r"test-it\.yaml:1:1: \(file\): file is [\d,]+ bytes, more than the 65,536 allowed", output)


def test_alias_bomb_is_refused_quickly(network_root: Path, make_partner: Callable[..., Path]) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    make_partner(text=VALID + "\n".join(lines) + "\n")
    code, output = run(network_root)
    assert code == 1
    assert "file is too complex: more than 5000 values" in output


def test_recursive_alias_is_refused(network_root: Path, make_partner: Callable[..., Path]) -> None:
    make_partner(text=VALID + "benefits: &b [*b]\n")
    code, output = run(network_root)
    assert code == 1
    assert "test-it.yaml:1:1: (file): file is too complex" in output


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deep_nesting_is_refused(
    network_root: Path, make_partner: Callable[..., Path], opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    make_partner(text=VALID + "benefits: " + opening * 12000 + "1" + closing * 12000 + "\n")
    code, output = run(network_root)
    assert code == 1
    assert "test-it.yaml:1:1: (file): brackets nested deeper than 100 levels" in output


def test_all_errors_of_all_files_at_once(network_root: Path, make_partner: Callable[..., Path]) -> None:
    make_partner("first-one", text=VALID.replace("[it-support]", "[nope]") + "colour: red\n")
    make_partner("second-one", text=VALID.replace("info@test-it.example", "broken"))
    code, output = run(network_root)
    assert code == 1
    assert "partners/first-one.yaml:3:12: services[0]: unknown service 'nope'" in output
    assert "partners/first-one.yaml:7:1: colour: unknown field 'colour'" in output
    assert "partners/second-one.yaml:6:18: contact.email:" in output
    assert "3 problem(s) in 2 file(s)" in output


def test_bad_file_names(network_root: Path, make_partner: Callable[..., Path]) -> None:
    make_partner("Bad_Name", text=VALID)
    (network_root / "partners" / "other.yml").write_text(VALID, encoding="utf-8")
    code, output = run(network_root)
    assert code == 1
    assert "partners/Bad_Name.yaml:1:1: (file): file name 'Bad_Name' is not a slug" in output
    assert "partners/other.yml:1:1: (file): profiles end in .yaml (rename to other.yaml)" in output


def test_sample_network_is_valid(network_root: Path) -> None:
    code, output = run(network_root)
    assert code == 0, output
    network = load_network(network_root)
    assert len(network.partners) >= 15
    assert re.fullmatch(r"\d+ partner profiles and the catalogue of \d+ services are valid\.\n", output)


def test_validate_named_files_only(network_root: Path, make_partner: Callable[..., Path]) -> None:
    good = make_partner("good-one", text=VALID)
    make_partner("bad-one", text=VALID + "x: 1\n")
    assert run(network_root, str(good)) == (0, "1 file(s) valid.\n")
    code, output = run(network_root, str(network_root / "partners" / "bad-one.yaml"))
    assert code == 1 and "bad-one.yaml:7:1: x: unknown field" in output


def test_deputy_resolves_against_the_whole_network(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    other = sorted((network_root / "partners").glob("*.yaml"))[0].stem
    path = make_partner(text=VALID + f"absences:\n  - {{from: 2027-01-01, to: 2027-01-05, deputy: {other}}}\n")
    assert run(network_root, str(path))[0] == 0


def test_broken_catalogue_is_reported(network_root: Path) -> None:
    path = network_root / "network.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    network, problems = check(network_root)
    assert network is None
    assert any(p.file == "network.yaml" and p.field == "colour" for p in problems)
