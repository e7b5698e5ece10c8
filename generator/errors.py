"""Problems found in profiles and network files, reported as ``file:line:col: field: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, with a position members can jump to."""

    file: str
    line: int
    column: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.field or '(file)'}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class ProfileError(Exception):
    """Raised when one or more files of the network are invalid; carries every problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


DATE_HINT = "write dates as YYYY-MM-DD, e.g. 2026-12-21"
"""What to do about a date that cannot be read, wherever it is found."""
