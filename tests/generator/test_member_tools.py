"""Members' tools: every problem of every file at once, hints that say what to do, placeholders."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.loader import check, load_partner
from generator.profile_cache import ProfileCache
from partnerdir.cli import main
from tests.generator.test_validation import VALID, run


def test_deputy_problems_show_beside_the_file_s_other_problems(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    make_partner(text=VALID.replace("[it-support]", "[nope]") + "colour: red\n"
                 "absences:\n  - {from: 2027-01-01, to: 2027-01-05, deputy: nobody-here}\n"
                 "  - {from: 2027-02-01, to: 2027-02-05, deputy: test-it}\n")
    code, output = run(network_root)
    assert code == 1
    assert "test-it.yaml:3:12: services[0]: unknown service 'nope'" in output
    assert "test-it.yaml:7:1: colour: unknown field 'colour'" in output
    assert "test-it.yaml:9:48: absences[0].deputy: no partner 'nobody-here'" in output
    assert "test-it.yaml:10:48: absences[1].deputy: a member cannot be their own deputy" in output
    assert "4 problem(s) in 1 file(s)" in output


def test_a_duplicate_key_does_not_hide_the_other_problems(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    make_partner(text=VALID + "name: Again\nreferrals: {capacity: maybe}\n")
    code, output = run(network_root)
    assert code == 1
    assert "test-it.yaml:7:1: name: duplicate key" in output
    assert "test-it.yaml:8:23: referrals.capacity: Input should be 'available'" in output
    assert "2 problem(s)" in output


def test_new_profile_is_refused_until_every_placeholder_is_replaced(network_root: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--root", str(network_root), "new", "neu-im-netz"])
    assert result.exit_code == 0, result.output
    path = network_root / "partners" / "neu-im-netz.yaml"
    code, output = run(network_root, str(path))
    assert code == 1
    named = re.findall(r"neu-im-netz\.yaml:\d+:\d+: (\S+): the placeholder '<[^>]+>' is still "
                       r"there", output)
    assert named == ["name", "maintainers[0]", "tagline", "description", "benefits[0]",
                     "services[0]", "location.postal_code", "location.city",
                     "service_area.postal_prefixes[0]", "contact.email", "contact.phone",
                     "contact.website"], output
    assert f"{len(named)} problem(s) in 1 file(s)" in output  # no second message per field
    assert "(replace it with your own text or delete the field)" in output
    text = path.read_text(encoding="utf-8")
    for placeholder, value in {
        '"<Name Ihres Betriebs>"': "Neu im Netz", '"<Ihr Konto>"': "neu",
        '"<Ein Satz: was Sie für Ihre Kunden tun>"': "IT für Praxen",
        "<Beschreiben Sie Ihren Betrieb in zwei, drei Sätzen.>": "Wir betreuen Praxen.",
        '"<Was Ihre Kunden bei Ihnen gewinnen>"': "Sie sind in einer Stunde wieder online.",
        '"<Leistung aus der Liste oben>"': "it-support", '"<PLZ>"': '"80331"',
        '"<Ort>"': "München", '"<PLZ-Anfang>"': '"80"', '"<E-Mail-Adresse>"': "info@neu.example",
        '"<Telefonnummer>"': '"+49 89 1234567"', '"<https://Ihre-Website>"': "https://neu.example",
    }.items():
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value)
    path.write_text(text, encoding="utf-8")
    assert run(network_root, str(path)) == (0, "1 file(s) valid.\n")


def test_cache_reads_unchanged_profiles_once(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    cache = ProfileCache(load_partner)
    first, problems = check(network_root, cache=cache)
    assert first is not None and not problems and cache.hits == 0
    path = make_partner(text=VALID)
    second, _ = check(network_root, cache=cache)
    assert second is not None and cache.hits == len(first.partners)
    assert second.partners["test-it"].name == "Test IT"
    path.write_text(VALID.replace("Test IT", "Test IT neu"), encoding="utf-8")
    third, _ = check(network_root, cache=cache)
    assert third is not None and third.partners["test-it"].name == "Test IT neu"
    path.write_text(VALID + "absences: [{from: 2027-01-01, to: 2027-01-02, deputy: gone}]\n",
                    encoding="utf-8")
    for _ in range(2):  # the deputy's problem is the network's: found again, not cached twice
        network, problems = check(network_root, cache=cache)
        assert network is None and [p.message for p in problems] == ["no partner 'gone'"]


def test_two_processes_find_what_one_finds(network_root: Path, make_partner: Callable[..., Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.loader

    monkeypatch.setattr(generator.loader, "worthwhile", lambda items: items >= 10)
    for i in range(30):
        make_partner(f"zz-{i:02}", text=VALID.replace("Test IT", f"Test {i}"))
    make_partner("zz-bad", text=VALID + "colour: red\nabsences: [{from: 2027-01-01, "
                 "to: 2027-01-02, deputy: nobody}]\n")
    alone = check(network_root)
    split = check(network_root, parallel=True)
    assert split[1] == alone[1] and len(split[1]) == 2
    (network_root / "partners" / "zz-bad.yaml").unlink()
    network, problems = check(network_root, parallel=True)
    assert network is not None and not problems
    assert list(network.partners) == sorted(network.partners)
    assert network.partners["zz-29"].name == "Test 29"
    assert network.partners["zz-29"].source == "partners/zz-29.yaml"
