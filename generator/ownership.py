"""Who may change which files of the network: the rules for pull requests, without git or click.

A change is allowed when its author maintains every added, changed or deleted profile, judged by
the maintainers in the base version (so nobody can add themselves to someone else's profile). A new
profile, which has no base version, is allowed when it lists its author as a maintainer: that is how
a member creates their own profile. Network admins may change anything; every file outside
``partners/`` needs an admin. Account names are compared case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

# A profile is a file directly in partners/; anything else (sub-folders included) needs an admin.
_PROFILE_PATH = re.compile(r"partners/[^/\x00-\x1f\x7f]+\.ya?ml")


class Status(StrEnum):
    """What a pull request does to one file."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"


@dataclass(frozen=True)
class Change:
    """One changed file with the maintainers listed in its base and its new version.

    ``None`` means there is no readable version: the file is missing there, is not valid YAML or
    has no list of maintainers. For a rename, ``base_maintainers`` are those of ``old_path``.
    """

    path: str
    status: Status
    base_maintainers: tuple[str, ...] | None = None
    new_maintainers: tuple[str, ...] | None = None
    old_path: str = ""


@dataclass(frozen=True)
class Verdict:
    """Whether the author may make one change, and why in one sentence."""

    path: str
    allowed: bool
    reason: str


@dataclass(frozen=True)
class Decision:
    """The verdicts on every change of a pull request."""

    author: str
    author_is_admin: bool
    verdicts: tuple[Verdict, ...]

    @property
    def allowed(self) -> bool:
        """Return True when every change is allowed."""
        return all(v.allowed for v in self.verdicts)

    @property
    def refused(self) -> tuple[Verdict, ...]:
        """Return the verdicts that refuse a change."""
        return tuple(v for v in self.verdicts if not v.allowed)


def is_profile(path: str) -> bool:
    """Return True when ``path`` (relative to the network folder) is a member's profile."""
    return _PROFILE_PATH.fullmatch(path) is not None


def logins(data: object, key: str) -> tuple[str, ...] | None:
    """Return the account names listed under ``key`` of a parsed YAML file, or None."""
    if not isinstance(data, dict):
        return None
    value = data.get(key)
    if not isinstance(value, list):
        return None
    return tuple(item.strip() for item in value if isinstance(item, str) and item.strip())


def _contains(names: Iterable[str] | None, login: str) -> bool:
    wanted = login.strip().casefold()
    return any(name.casefold() == wanted for name in names or ())


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none listed in network.yaml"


def _judge(change: Change, author: str, admins: Sequence[str]) -> Verdict:
    admin_step = f"an admin ({_names(admins)})"
    paths = [change.path, change.old_path] if change.status is Status.RENAMED else [change.path]
    if not all(is_profile(p) for p in paths):
        outside = next(p for p in paths if not is_profile(p))
        return Verdict(
            change.path, False,
            f"{outside} is outside partners/, which only a network admin may change; ask "
            f"{admin_step} to review, or take this file out of your pull request",
        )
    if change.status is Status.ADDED:
        if _contains(change.new_maintainers, author):
            return Verdict(change.path, True, "a new profile that lists you as a maintainer")
        return Verdict(
            change.path, False,
            f"a new profile must list you ({author}) under maintainers; add {author} to its "
            f"maintainers list, or ask {admin_step} to review",
        )
    maintainers = change.base_maintainers or ()
    if _contains(maintainers, author):
        return Verdict(change.path, True, "you maintain this profile")
    verb = {Status.DELETED: "delete", Status.RENAMED: "rename"}.get(change.status, "change")
    if not maintainers:
        return Verdict(
            change.path, False,
            f"the base version names no maintainers, so only an admin may {verb} it; ask "
            f"{admin_step} to review",
        )
    listed = ", ".join(maintainers)
    self_added = change.status is Status.MODIFIED and _contains(change.new_maintainers, author)
    note = " (adding yourself to maintainers does not count: the base version decides)"
    return Verdict(
        change.path, False,
        f"you ({author}) may not {verb} this profile, it is maintained by {listed}"
        f"{note if self_added else ''}; ask a maintainer ({listed}) to review, or {admin_step}",
    )


def decide(changes: Iterable[Change], author: str, admins: Sequence[str]) -> Decision:
    """Judge every change of a pull request by ``author`` against the base version's rules."""
    author = author.strip()
    if _contains(admins, author):
        verdicts = tuple(Verdict(c.path, True, "you are a network admin") for c in changes)
        return Decision(author, True, verdicts)
    return Decision(author, False, tuple(_judge(c, author, admins) for c in changes))
