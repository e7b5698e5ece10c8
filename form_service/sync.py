"""Follow the network's git repository: fetch the branch, check its newest commit, and swap a
valid one in for the service and the worker; a broken one is refused and reported once.

Everything lives in ``instance/network/``: the fetched repository (``repo.git``), one checkout
per valid commit (named by its hash, written completely before anything points at it) and the
symbolic link ``current``, which is replaced atomically. Every process reads the profiles
through ``current`` (``backend.py``), so none ever sees a half-written or invalid checkout.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from form_service import mails
from form_service.checkouts import Commit, fetch, tree, write
from form_service.models import utcnow
from generator.errors import Problem
from generator.loader import Network, check
from partnerdir.settings import Settings

if TYPE_CHECKING:
    from form_service.backend import Backend

log = logging.getLogger(__name__)

CURRENT = "current"
REPOSITORY = "repo.git"


class Result(StrEnum):
    """What one round did."""

    CURRENT = "current"  # the newest commit is in use already
    SWAPPED = "swapped"  # the newest commit was valid and is in use now
    REFUSED = "refused"  # the newest commit is invalid; the last valid network stays in use


@dataclass(frozen=True)
class Outcome:
    """The result of one round, the commit it looked at and what it found."""

    result: Result
    commit: Commit
    in_use: str | None  # the commit in use after the round; None: the network folder's files
    problems: tuple[Problem, ...] = ()
    network: Network | None = None  # the network just swapped in


def home(settings: Settings) -> Path:
    """Return the folder of the fetched repository and its checkouts."""
    return settings.root / "instance" / "network"


def current_checkout(settings: Settings) -> Path | None:
    """Return the checkout in use; None when not following a repository or before the first."""
    if not settings.network_git:
        return None
    try:
        name = os.readlink(home(settings) / CURRENT)
    except OSError:  # no link yet
        return None
    return home(settings) / name


def _point(folder: Path, name: str) -> None:
    """Make ``current`` lead to ``name`` in one step: readers see the old or the new, never none."""
    link = folder / f".{CURRENT}.tmp"
    link.unlink(missing_ok=True)
    os.symlink(name, link)
    os.replace(link, folder / CURRENT)


def _prune(folder: Path, keep: set[str]) -> None:
    """Delete every checkout but ``keep``: a process may still be reading the previous one."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink() and entry.name not in {*keep, REPOSITORY}:
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _one_round_at_a_time(folder: Path) -> Iterator[None]:
    """Hold the lock of ``folder``: rounds of the worker's threads and of cron take turns."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def sync(settings: Settings) -> Outcome:
    """Fetch the followed branch and use its newest commit if it is valid: one round."""
    folder = home(settings)
    with _one_round_at_a_time(folder):
        repo = folder / REPOSITORY
        commit = fetch(repo, settings.network_git, settings.network_branch, settings.root)
        in_use = current_checkout(settings)
        kept = in_use.name if in_use else None
        if kept == commit.sha:
            return Outcome(Result.CURRENT, commit, kept)
        checkout = folder / commit.sha
        files, problems = tree(repo, commit.sha)
        if not problems and not checkout.is_dir():
            write(repo, files, checkout, in_use)
        network, found = check(checkout) if not problems else (None, problems)
        if network is None:
            shutil.rmtree(checkout, ignore_errors=True)
            return Outcome(Result.REFUSED, commit, kept, tuple(found))
        _point(folder, commit.sha)
        _prune(folder, {commit.sha, kept or commit.sha})
        return Outcome(Result.SWAPPED, commit, commit.sha, network=network)


def follow(backend: Backend) -> Outcome:
    """Do one round for ``backend``: use a new network at once, report a refused commit."""
    outcome = sync(backend.settings)
    if outcome.network is not None:
        backend.install(outcome.network)
        log.info("network: now at %s", outcome.commit.sha)
    elif outcome.result is Result.REFUSED:
        report(backend, outcome)
        log.warning("network: refused %s with %d problem(s)", outcome.commit.sha,
                    len(outcome.problems))
    return outcome


def report(backend: Backend, outcome: Outcome) -> None:
    """Queue the coordinator's mail about a refused commit: once per commit, not per round."""
    with backend.sessions() as session:
        mails.refused_commit(backend, session, outcome, utcnow())
        session.commit()
