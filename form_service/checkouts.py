"""The fetched repository and its checkouts: git plumbing for ``sync.py``, no network rules.

A checkout holds only what the service reads (``network.yaml`` and ``partners/*``), written into
a temporary folder and renamed into place when complete. Files the previous checkout has with
the same content are hard-linked rather than written again; no file is ever changed in place,
so checkouts that share a file stay independent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.errors import Problem
from generator.loader import NETWORK_FILE, PARTNERS_DIR

GIT_SECONDS = 300
"""The longest one git command may take: a first fetch of a large network over a slow line."""
TIP = "refs/remotes/network/tip"
_FILE_MODES = (b"100644", b"100755")


class SyncError(Exception):
    """The repository could not be fetched or read; nothing was changed."""


@dataclass(frozen=True)
class Commit:
    """The newest commit of the followed branch."""

    sha: str
    author: str
    subject: str


def git(*args: str, cwd: Path, repo: Path | None = None, stdin: bytes | None = None) -> bytes:
    """Run git (on ``repo`` when given) and return its output, or raise :class:`SyncError`."""
    # Relative repository paths count from ``cwd``; git must never ask for a password on a
    # terminal, and variables of an outer git run must not redirect it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_TERMINAL_PROMPT"] = "0"
    command = ["git", *([f"--git-dir={repo}"] if repo else []), *args]
    try:
        done = subprocess.run(command, cwd=cwd, env=env, input=stdin, capture_output=True,
                              timeout=GIT_SECONDS, check=False)
    except FileNotFoundError as exc:
        raise SyncError("the git program is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise SyncError(f"git {args[0]} took longer than {GIT_SECONDS} s") from exc
    if done.returncode:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        # The first fatal line names the cause; git's advice after it is generic.
        fatal = [line.removeprefix("fatal: ") for line in lines if line.startswith("fatal: ")]
        reason = (fatal or lines[-1:] or [f"exit code {done.returncode}"])[0]
        raise SyncError(f"git {args[0]} failed: {reason}")
    return done.stdout


def fetch(repo: Path, url: str, branch: str, cwd: Path) -> Commit:
    """Fetch ``branch`` of ``url`` into ``repo`` (made when missing); return its newest commit."""
    if not (repo / "HEAD").exists():
        git("init", "--bare", "--quiet", str(repo), cwd=cwd)
    git("fetch", "--quiet", "--no-tags", url, f"+refs/heads/{branch}:{TIP}", cwd=cwd, repo=repo)
    shown = git("show", "--no-patch", "--format=%H%x00%an%x00%s", TIP, cwd=cwd, repo=repo)
    sha, author, subject = shown.decode("utf-8", "replace").strip().split("\0")
    return Commit(sha, author, subject)


def _read(name: str) -> bool:
    """Return whether the service reads the file at ``name`` (a path in the repository)."""
    folder, _, file = name.rpartition("/")
    return name == NETWORK_FILE or (folder == PARTNERS_DIR and file not in ("", ".", ".."))


def tree(repo: Path, sha: str) -> tuple[dict[str, str], list[Problem]]:
    """Return the files the service reads in commit ``sha`` (path: blob id) and what is not a
    plain file among them."""
    listing = git("ls-tree", "-r", "-z", sha, "--", NETWORK_FILE, PARTNERS_DIR,
                  cwd=repo, repo=repo)
    files: dict[str, str] = {}
    problems = []
    for record in filter(None, listing.split(b"\0")):
        meta, _, raw = record.partition(b"\t")
        mode, _, blob = meta.split()
        name = raw.decode("utf-8", "surrogateescape")
        if not _read(name):
            continue
        if mode in _FILE_MODES:
            files[name] = blob.decode("ascii")
        else:  # a symbolic link could lead out of the checkout
            problems.append(Problem(name, 1, 1, "", "must be a plain file, not a link"))
    return files, problems


def _blobs(repo: Path, ids: set[str]) -> dict[str, bytes]:
    """Return the contents of the blobs ``ids``, read in one call."""
    if not ids:
        return {}
    out = git("cat-file", "--batch", cwd=repo, repo=repo,
              stdin="".join(f"{blob}\n" for blob in sorted(ids)).encode("ascii"))
    contents, at = {}, 0
    while at < len(out):
        end = out.index(b"\n", at)
        blob, _, size = out[at:end].decode("ascii").split()
        contents[blob] = out[end + 1:end + 1 + int(size)]
        at = end + 1 + int(size) + 1
    return contents


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:  # links are not possible on this file system, or the file is gone
        return False
    return True


def write(repo: Path, files: dict[str, str], target: Path, previous: Path | None) -> None:
    """Write ``files`` (path: blob id) as the complete folder ``target``, linking every file
    that ``previous`` (a checkout of this repository) has with the same content."""
    same: set[str] = set()
    if previous is not None:
        try:
            old, _ = tree(repo, previous.name)
        except SyncError:  # the previous commit is gone from the repository: write everything
            old = {}
        same = {name for name, blob in old.items() if files.get(name) == blob}
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)  # left by a round that was killed
    (temporary / PARTNERS_DIR).mkdir(parents=True)
    unlinked = {
        name: blob for name, blob in files.items()
        if not (previous is not None and name in same
                and _link(previous / name, temporary / name))
    }
    contents = _blobs(repo, set(unlinked.values()))
    for name, blob in unlinked.items():
        (temporary / name).write_bytes(contents[blob])
    temporary.rename(target)
