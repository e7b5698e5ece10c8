"""Who may change which files of the network: the rules for pull requests, without git or click.

A change is allowed when its author maintains every added, changed or deleted profile, judged by
the maintainers in the base version (so nobody can add themselves to someone else's profile). A new
profile, which has no base version, is allowed when it lists its author as a maintainer: that is how
a member creates their own profile. Network admins may change anything; every file outside
``partners/`` needs an admin. Account names are compared case-insensitively.

Nobody, admins included, may put a symbolic link (or a submodule) under ``partners/``: a profile
that is a link would publish another file, another member's profile for one, under its own name.
``linked_files`` finds such links on disk for ``partnerdir validate``; the loader reads only
``is_plain`` files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from generator.errors import Problem

# A profile is a file directly in partners/; anything else (sub-folders included) needs an admin.
_PROFILE_PATH = re.compile(r"partners/[^/\x00-\x1f\x7f]+\.ya?ml")
PARTNERS = "partners"
SUBMODULE = "a submodule"


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
    ``link`` is where the new version points when it is a symbolic link (``SUBMODULE`` for a
    submodule), else None.
    """

    path: str
    status: Status
    base_maintainers: tuple[str, ...] | None = None
    new_maintainers: tuple[str, ...] | None = None
    old_path: str = ""
    link: str | None = None


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


def is_under_partners(path: str) -> bool:
    """Return True for ``partners/`` itself and every path below it."""
    return path == PARTNERS or path.startswith(PARTNERS + "/")


def _what(target: str) -> str:
    return SUBMODULE if target == SUBMODULE else f"a symbolic link to {target}"


def _linked(change: Change) -> Verdict | None:
    """Refuse a link or submodule under partners/, whoever adds it; None for anything else."""
    if change.link is None or not is_under_partners(change.path):
        return None
    return Verdict(
        change.path, False,
        f"{change.path} is {_what(change.link)}; everything under partners/ must be a plain "
        "file, since a link would publish another file under this name: commit the profile's "
        "own text instead",
    )


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
        verdicts = tuple(_linked(c) or Verdict(c.path, True, "you are a network admin")
                         for c in changes)
        return Decision(author, True, verdicts)
    return Decision(author, False,
                    tuple(_linked(c) or _judge(c, author, admins) for c in changes))


def _link_problem(path: Path, root: Path) -> Problem:
    """Return the problem of a symbolic link on disk, naming the file and where it points."""
    name = relative_name(path, root)
    return Problem(
        name, 1, 1, "", f"is a symbolic link to {os.readlink(path)}; profiles and everything "
        "else under partners/ must be plain files, since a link publishes another file under "
        "this name", "replace the link with the file's own text",
    )


def _linked_step(path: Path, root: Path) -> Path | None:
    """Return ``path`` or the folder between ``root`` and it that is a symbolic link, if any."""
    full, top = path.absolute(), root.absolute()
    steps = [full, *full.parents[: len(full.parents) - len(top.parts)]] if full.is_relative_to(
        top) else [full]
    return next((step for step in steps if step.is_symlink()), None)


def find_links(root: Path, files: Iterable[Path] = ()) -> list[Path]:
    """Return every symbolic link under ``partners/``, and among ``files`` and their folders."""
    folder = root / PARTNERS
    links: set[Path] = set()
    if folder.is_symlink():
        links.add(folder)
    elif folder.is_dir():
        for current, dirs, names in os.walk(folder):  # never follows links
            links.update(Path(current, name) for name in (*dirs, *names)
                         if Path(current, name).is_symlink())
    for file in files:
        found = _linked_step(Path(file), root)
        if found is not None:
            links.add(found)
    return sorted(links)


def linked_files(root: Path, files: Iterable[Path] = ()) -> list[Problem]:
    """Return a problem for every link ``find_links`` finds, naming the file."""
    return [_link_problem(path, root) for path in find_links(root, files)]


def relative_name(path: Path, root: Path) -> str:
    """Return ``path`` relative to ``root`` without following links, as the problems name it."""
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def is_plain(path: Path) -> bool:
    """Return True when ``path`` is a file, neither itself nor its folder a symbolic link."""
    return path.is_file() and not path.is_symlink() and not path.parent.is_symlink()
