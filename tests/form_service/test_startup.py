"""Several processes starting at once on a fresh database: one migrates, none fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from form_service.backend import Backend
from form_service.settings import Settings
Backend.start(Settings.from_env({"root": sys.argv[1], "database_url": sys.argv[2]}))
"""


def test_concurrent_starts_migrate_once(network_root: Path, database_url: str) -> None:
    processes = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, str(network_root), database_url],
                         stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
