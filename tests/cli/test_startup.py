"""The command line starts without what site builds and checks do not need."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_line_loads_no_database_library() -> None:
    # SQLAlchemy alone took a third of a second of every 'partnerdir build' and 'validate'.
    code = "import sys, partnerdir.cli; print(sorted(m for m in ('sqlalchemy', 'flask') " \
           "if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
