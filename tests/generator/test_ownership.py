"""The ownership rules of pull requests on plain data: who may change which file."""

from __future__ import annotations

import pytest

from generator.ownership import Change, Status, decide, is_profile, logins

CASES = [
    ("own", Change("partners/a.yaml", Status.MODIFIED, ("Eve",), ("Eve",)), True),
    ("other", Change("partners/a.yaml", Status.MODIFIED, ("bob",), ("bob",)), False),
    ("self-added", Change("partners/a.yaml", Status.MODIFIED, ("bob",), ("bob", "eve")), False),
    ("base-unreadable", Change("partners/a.yaml", Status.MODIFIED, None, ("eve",)), False),
    ("no-maintainers", Change("partners/a.yaml", Status.DELETED, (), None), False),
    ("new-own", Change("partners/a.yaml", Status.ADDED, None, ("EVE",)), True),
    ("new-other", Change("partners/a.yaml", Status.ADDED, None, ("bob",)), False),
    ("new-unreadable", Change("partners/a.yaml", Status.ADDED, None, None), False),
    ("delete-own", Change("partners/a.yaml", Status.DELETED, ("eve",), None), True),
    ("rename-own", Change("partners/b.yaml", Status.RENAMED, ("eve",), ("eve",), "partners/a.yaml"), True),
    ("rename-other", Change("partners/b.yaml", Status.RENAMED, ("bob",), ("eve",), "partners/a.yaml"), False),
    ("rename-out", Change("docs/a.yaml", Status.RENAMED, ("eve",), ("eve",), "partners/a.yaml"), False),
    ("outside", Change("README.md", Status.MODIFIED), False),
]


@pytest.mark.parametrize(("change", "allowed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules(change: Change, allowed: bool) -> None:
    decision = decide([change], "eve", ["admin"])
    assert decision.allowed is allowed
    assert decision.verdicts[0].reason
    assert decide([change], " Admin ", ["ADMIN"]).allowed


def test_refusals_name_who_may_change_the_file() -> None:
    decision = decide([Change("partners/a.yaml", Status.DELETED, ("bob",), None)], "eve", [])
    assert decision.refused[0].reason == (
        "you (eve) may not delete this profile, it is maintained by bob; ask a maintainer (bob) "
        "to review, or an admin (none listed in network.yaml)"
    )
    assert decide([], "eve", []).allowed


@pytest.mark.parametrize(
    ("path", "expected"),
    [("partners/a.yaml", True), ("partners/A b.yml", True), ("partners/a/b.yaml", False),
     ("partners/a.json", False), ("x/partners/a.yaml", False), ("partners/a\n.yaml", False)],
)
def test_is_profile(path: str, expected: bool) -> None:
    assert is_profile(path) is expected


def test_logins_read_leniently() -> None:
    assert logins({"maintainers": ["a", " b ", 3, ""]}, "maintainers") == ("a", "b")
    assert logins({"maintainers": "a"}, "maintainers") is None
    assert logins(["maintainers"], "maintainers") is None
