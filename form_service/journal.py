"""The mail journal: a local file of mails the mail server accepted, written before the database.

Between the server's "250 accepted" and the database's record of it lies a gap: a worker killed
there, or a database unreachable then, would leave the mail looking unsent, and it would go out
again. So each accepted mail is appended here first (a line is on disk once ``write`` returns,
whatever happens to the process), and the lines are carried into the database whenever it can
be reached: before every batch and when a worker starts. Only then is the file emptied.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

Accepted = tuple[int, str, dt.datetime]
"""One accepted mail: outbox row id, dedup key, and when the server accepted it."""


@dataclass
class Journal:
    """The journal file at ``path``, shared by the threads and processes of one host."""

    path: Path
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def _locked(self) -> Iterator[int]:
        with self._lock:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            except FileNotFoundError:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield fd
            finally:
                os.close(fd)  # closing releases the lock

    def record(self, accepted: list[Accepted]) -> None:
        """Append ``accepted`` mails; they are safe from a crash of the process on return."""
        if not accepted:
            return
        lines = "".join(f"{mail_id}\t{key}\t{at.isoformat()}\n" for mail_id, key, at in accepted)
        with self._locked() as fd:
            os.write(fd, lines.encode("utf-8"))

    def sync(self) -> None:
        """Flush the journal to the disk, so that it outlives a power cut too."""
        with self._locked() as fd:
            os.fsync(fd)

    def waiting(self) -> bool:
        """Return whether mails are recorded here and not yet in the database."""
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def entries(self) -> list[Accepted]:
        """Return the mails recorded and not yet carried into the database."""
        with self._locked() as fd:
            return _parse(_read(fd))

    def replay(self, apply: Callable[[list[Accepted]], None]) -> int:
        """Hand the recorded mails to ``apply`` (which stores them), then empty the journal.

        When ``apply`` raises (the database is unreachable), the journal stays as it is.
        """
        with self._locked() as fd:
            entries = _parse(_read(fd))
            if entries:
                apply(entries)
                os.ftruncate(fd, 0)
            return len(entries)


def _read(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _parse(text: str) -> list[Accepted]:
    entries = []
    for line in text.splitlines():
        parts = line.split("\t")
        # A line cut short by a crash mid-write names no complete mail; it is skipped.
        if len(parts) != 3 or not parts[0].isdigit():
            continue
        try:
            at = dt.datetime.fromisoformat(parts[2])
        except ValueError:
            continue
        entries.append((int(parts[0]), parts[1], at))
    return entries


_JOURNALS: dict[Path, Journal] = {}
_JOURNALS_LOCK = threading.Lock()


def journal_of(root: Path) -> Journal:
    """Return the journal of the network folder ``root`` (``instance/mail-journal``)."""
    path = root / "instance" / "mail-journal"
    # One object per file, so that the threads of a process share its lock.
    with _JOURNALS_LOCK:
        return _JOURNALS.setdefault(path, Journal(path))
