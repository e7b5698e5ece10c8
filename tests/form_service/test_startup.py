"""Starting the service: several processes at once on a fresh database (one migrates, none
fails), and the key that signs links when none is configured."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from form_service.backend import with_signing_key
from partnerdir.settings import Settings

SCRIPT = """
import sys
from form_service.backend import Backend
from partnerdir.settings import Settings
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


def test_without_a_configured_key_one_is_kept_across_starts(tmp_path: Path) -> None:
    settings = Settings.from_env({"root": tmp_path}, environ={})
    key = with_signing_key(settings).secret_key
    stored = tmp_path / "instance" / "secret_key"
    assert len(key) >= 32 and stored.stat().st_mode & 0o777 == 0o600
    assert with_signing_key(settings).secret_key == key
    assert with_signing_key(replace(settings, secret_key="configured")).secret_key == "configured"
