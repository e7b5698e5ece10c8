"""Who sends mail: every process that claims mails has an identity and a row saying it lives.

A claim on a mail names the worker holding it. The next worker to start (or any worker's next
run) takes over the claims of workers that are gone: a process that no longer runs on this host
at once, a worker elsewhere once its row has not been touched for :data:`DEAD_AFTER`.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import threading
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from form_service.models import MailWorker, utcnow

HEARTBEAT = dt.timedelta(seconds=10)
"""How often a running worker touches its row."""
DEAD_AFTER = dt.timedelta(seconds=30)
"""After how long without a touch a worker counts as gone, wherever it ran."""


@dataclass(frozen=True)
class Identity:
    """One process: its host, its process id, and a token telling it from earlier processes."""

    id: str
    host: str
    pid: int


_me: Identity | None = None
_me_lock = threading.Lock()


def me() -> Identity:
    """Return this process's identity (a forked child gets its own)."""
    global _me
    with _me_lock:
        if _me is None or _me.pid != os.getpid():
            host = socket.gethostname()[:40]
            pid = os.getpid()
            _me = Identity(f"{host}:{pid}:{secrets.token_hex(4)}", host, pid)
        return _me


def beat(session: Session, now: dt.datetime | None = None) -> None:
    """Say in the database that this process lives (in the caller's transaction)."""
    now = now or utcnow()
    identity = me()
    touched = session.execute(
        update(MailWorker).where(MailWorker.id == identity.id).values(seen_at=now),
        execution_options={"synchronize_session": False},
    )
    if touched.rowcount == 0:  # type: ignore[attr-defined]
        session.add(MailWorker(id=identity.id, host=identity.host, pid=identity.pid,
                               started_at=now, seen_at=now))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # runs, under another user
        return True
    return True


def is_gone(worker: MailWorker, now: dt.datetime) -> bool:
    """Return whether ``worker`` no longer runs."""
    if worker.id == me().id:
        return False
    if worker.seen_at < now - DEAD_AFTER:
        return True
    # On this host a process can be asked directly; the same process id with another token is
    # an earlier life of this very process (a restarted container, say).
    return worker.host == me().host and (worker.pid == me().pid or not _running(worker.pid))


def living(session: Session, now: dt.datetime | None = None) -> list[str]:
    """Return the ids of the workers that run; forget the rows of those that are gone."""
    now = now or utcnow()
    rows = session.scalars(select(MailWorker)).all()
    gone = [row.id for row in rows if is_gone(row, now)]
    if gone:
        session.execute(delete(MailWorker).where(MailWorker.id.in_(gone)),
                        execution_options={"synchronize_session": False})
    return [row.id for row in rows if row.id not in gone]
