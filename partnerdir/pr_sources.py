"""Where ``check-pr`` reads a pull request from: git history, or a folder with the base version."""

from __future__ import annotations

import os
import posixpath
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from generator.ownership import PARTNERS, SUBMODULE, find_links, relative_name
from generator.yamlsource import MAX_FILE_BYTES

# git's modes of a symbolic link and of a submodule in a tree.
_SYMLINK, _SUBMODULE = "120000", "160000"


class SourceError(Exception):
    """The changes cannot be read (no git, unknown revision, unreadable folder)."""


class Source(Protocol):
    """The paths a pull request touches and both versions of a file, relative to the network."""

    def paths(self) -> list[str]:
        """Return every changed path, sorted."""
        ...

    def read(self, paths: list[str], *, base: bool) -> dict[str, bytes | None]:
        """Return the base (or new) content of each path; None where the file does not exist."""
        ...

    def links(self) -> dict[str, str]:
        """Return every symbolic link (or submodule) under partners/ in the new version, with
        where it points."""
        ...


def git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in ``root`` and return its output, or raise :class:`SourceError`."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise SourceError("git is not installed; install it or use --base-dir DIR FILE...") from exc
    if result.returncode:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(lines[-1] if lines else f"'git {args[0]}' failed")
    return result.stdout


@dataclass
class GitSource:
    """Changes from the merge base of ``base`` and ``head`` to ``head``.

    Renames are read as a deletion and an addition, so that renaming someone else's profile counts
    as deleting it. Base versions are those on ``base`` itself (the target branch as it is now).
    """

    root: Path
    base: str
    head: str
    prefix: str = ""

    @classmethod
    def open(cls, root: Path, base_ref: str, head_ref: str) -> GitSource:
        """Resolve both revisions in the repository that holds ``root``."""
        try:
            prefix = git(root, "rev-parse", "--show-prefix").decode("utf-8").strip()
        except SourceError as exc:
            raise SourceError(
                f"{root} is not in a git repository ({exc}); run check-pr in a clone of the "
                "network, or use --base-dir FOLDER FILE..."
            ) from exc
        return cls(root, _commit(root, base_ref), _commit(root, head_ref), prefix)

    def _relative(self, path: str) -> str:
        if path.startswith(self.prefix):
            return path[len(self.prefix):]
        return posixpath.relpath(path, self.prefix.rstrip("/"))

    def paths(self) -> list[str]:
        """Return every path the pull request changes, relative to the network folder."""
        try:
            fork = git(self.root, "merge-base", self.base, self.head).decode().strip()
        except SourceError as exc:
            raise SourceError(
                "the base and the pull request share no history; "
                "check out with full history (fetch-depth: 0)"
            ) from exc
        args = ("diff-tree", "-r", "-z", "--no-renames", "--name-only", fork, self.head)
        out = git(self.root, *args)
        names = out.decode("utf-8", "surrogateescape").split("\0")
        return sorted({self._relative(name) for name in names if name})

    def read(self, paths: list[str], *, base: bool) -> dict[str, bytes | None]:
        """Return each path's content on the base or the head revision (one git process)."""
        rev = self.base if base else self.head
        wanted = [p for p in paths if "\n" not in p and not p.startswith("../")]
        request = "".join(f"{rev}:{self.prefix}{p}\n" for p in wanted)
        stdin = request.encode("utf-8", "surrogateescape")
        out = git(self.root, "cat-file", "--batch", stdin=stdin)
        found: dict[str, bytes | None] = dict.fromkeys(paths)
        pos = 0
        for path in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split(b" ")
            pos = end + 1
            if len(header) == 3 and header[2].isdigit():
                size = int(header[2])
                found[path] = out[pos : pos + size] if header[1] == b"blob" else None
                pos += size + 1
        return found


    def links(self) -> dict[str, str]:
        """Return the links and submodules under partners/ on the head revision."""
        tree = git(self.root, "ls-tree", "-r", "-z", "--full-tree", self.head, "--",
                   f"{self.prefix}{PARTNERS}")
        found: dict[str, str] = {}
        for entry in filter(None, tree.decode("utf-8", "surrogateescape").split("\0")):
            meta, _, name = entry.partition("\t")
            mode, _, rest = meta.partition(" ")
            path = self._relative(name)
            if mode == _SUBMODULE:
                found[path] = SUBMODULE
            elif mode == _SYMLINK:
                target = git(self.root, "cat-file", "blob", rest.split(" ")[-1])
                found[path] = target.decode("utf-8", "replace")
        return found


def _commit(root: Path, ref: str) -> str:
    try:
        out = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except SourceError as exc:
        raise SourceError(
            f"cannot find {ref!r} in the repository; fetch it first (in GitHub Actions: "
            "actions/checkout with fetch-depth: 0) or name an existing branch or commit"
        ) from exc
    return out.decode().strip()


@dataclass
class FolderSource:
    """Changes listed by the caller, with the base version checked out in ``base_dir``."""

    root: Path
    base_dir: Path
    changed: list[str]

    def paths(self) -> list[str]:
        """Return the listed paths, normalised relative to the network folder."""
        root = self.root.resolve()
        names = set()
        for name in self.changed:
            path = Path(name)
            if path.is_absolute():
                try:
                    name = path.resolve().relative_to(root).as_posix()
                except ValueError:
                    name = path.as_posix()
            names.add(posixpath.normpath(name.replace("\\", "/")))
        return sorted(names)

    def read(self, paths: list[str], *, base: bool) -> dict[str, bytes | None]:
        """Return each file's content in the base folder or the network folder."""
        folder = self.base_dir if base else self.root
        found: dict[str, bytes | None] = {}
        for name in paths:
            path = folder / name
            try:
                with path.open("rb") as stream:
                    # One byte more than allowed is enough for the parser to refuse the file.
                    found[name] = stream.read(MAX_FILE_BYTES + 1)
            except FileNotFoundError:
                found[name] = None
            except OSError as exc:
                raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
        return found

    def links(self) -> dict[str, str]:
        """Return the links under partners/ in the network folder, and among the listed paths."""
        files = [self.root / name for name in self.paths()]
        return {relative_name(path, self.root): os.readlink(path)
                for path in find_links(self.root, files)}
