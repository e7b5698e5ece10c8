"""Work split between two processes, where that is safe: the second core of a site build.

Checking and rendering thousands of profiles is plain Python, bound to one core. A build with
many profiles forks once and lets the child do the second half while the parent does the
first. Only where forking is harmless: on a system that forks, with a second core, and in a
process without other threads (a thread holding a lock at the fork would leave the child
stuck). Everywhere else, and when the child fails, the caller does all the work itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

MIN_ITEMS = 400
"""Below this many profiles a fork costs more than it saves."""


def worthwhile(items: int) -> bool:
    """Return whether ``items`` pieces of work are worth a second process here and now."""
    return (
        items >= MIN_ITEMS
        and hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )


class Forked(Generic[T]):
    """The result of ``work`` computed in a forked child; ``result()`` waits for it."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._read, write = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: do the work, hand it over, leave without cleanup
            code = 1
            try:
                os.close(self._read)
                with os.fdopen(write, "wb") as out:
                    pickle.dump(work(), out, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(write)

    def result(self) -> T | None:
        """Return the child's result, or None when it failed (then do the work yourself)."""
        with os.fdopen(self._read, "rb") as source:
            data = source.read()
        _, status = os.waitpid(self._pid, 0)
        if status != 0 or not data:
            return None
        value: T = pickle.loads(data)
        return value

    def kill(self) -> None:
        """Stop the child and reap it, when its result is no longer wanted."""
        os.close(self._read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
