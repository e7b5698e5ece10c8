"""Profiles read before, kept between rebuilds of the live preview by file name and content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from generator.model import NetworkSettings, Partner
from generator.yamlsource import Document

Load = Callable[[Path, Path, NetworkSettings | None], tuple[Partner | None, Document]]


@dataclass(frozen=True)
class _Entry:
    raw: bytes
    partner: Partner | None
    doc: Document


class ProfileCache:
    """Remember each profile's check, so that a rebuild reads but does not parse again.

    A file counts as unchanged when its bytes are, and the network settings (the service
    catalogue a profile is checked against) are equal to those of the last use; cross-file
    rules (deputies) are the caller's and run every time.
    """

    def __init__(self, load: Load) -> None:
        self._load = load
        self._entries: dict[Path, _Entry] = {}
        self._settings: NetworkSettings | None = None
        self.hits = 0

    def load(
        self, path: Path, root: Path, settings: NetworkSettings | None
    ) -> tuple[Partner | None, Document]:
        """Return the profile at ``path`` and its document, from the cache when unchanged."""
        if settings != self._settings:
            self._entries.clear()
            self._settings = settings
        try:
            raw = path.read_bytes()
        except OSError:
            return self._load(path, root, settings)
        entry = self._entries.get(path)
        if entry is not None and entry.raw == raw:
            self.hits += 1
            # The caller adds cross-file problems to the document: hand out a fresh list.
            return entry.partner, replace(entry.doc, problems=list(entry.doc.problems))
        partner, doc = self._load(path, root, settings)
        self._entries[path] = _Entry(raw, partner, doc)
        return partner, replace(doc, problems=list(doc.problems))
