"""What the app and the worker share: settings, database, profiles (reloaded when changed)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from form_service.db import make_engine, session_factory, upgrade
from form_service.matching import Matcher
from form_service.sync import current_checkout
from generator.errors import ProfileError
from generator.loader import NETWORK_FILE, PARTNERS_DIR, Network, load_network
from partnerdir.settings import Settings

CHECK_SECONDS = 5.0
"""How often, at most, the profiles' modification times are looked at."""


def _stamp(settings: Settings, root: Path) -> tuple[str, float, int]:
    if root != settings.root:
        # A synced checkout is written once and never changed in place: its name is enough,
        # and the files of a large network need not be looked at every few seconds.
        return str(root), 0.0, 0
    paths = [root / NETWORK_FILE, *(root / PARTNERS_DIR).glob("*.yaml")]
    return str(root), max((p.stat().st_mtime for p in paths if p.exists()), default=0.0), len(paths)


def profiles_folder(settings: Settings) -> Path:
    """Return where the profiles are read: the synced checkout in use, else the network folder."""
    return current_checkout(settings) or settings.root


def with_signing_key(settings: Settings) -> Settings:
    """Return ``settings`` with a key to sign links: the configured one, else a kept one.

    A random key is made once and kept in ``instance/secret_key``, so that the links in mails
    already sent stay valid across restarts.
    """
    if settings.secret_key:
        return settings
    instance = settings.root / "instance"
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="ascii")
        path.chmod(0o600)
    return replace(settings, secret_key=path.read_text(encoding="ascii").strip())


@dataclass
class Backend:
    """Settings, engine, sessions and the current network with its matcher."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    check_seconds: float = CHECK_SECONDS
    _network: Network | None = None
    _matcher: Matcher | None = None
    _stamp: tuple[str, float, int] = ("", 0.0, 0)
    _checked: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, settings: Settings, check_seconds: float = CHECK_SECONDS) -> Backend:
        """Connect to the database, bring its schema up to date and load the profiles."""
        settings = with_signing_key(settings)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        backend = cls(settings, engine, session_factory(engine), check_seconds)
        backend.network  # noqa: B018 - load now so a broken network fails at start
        return backend

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._network is not None and now - self._checked < self.check_seconds:
            return
        with self._lock:
            self._checked = now
            folder = profiles_folder(self.settings)
            stamp = _stamp(self.settings, folder)
            if self._network is None or stamp != self._stamp:
                # A broken edit keeps the last good network rather than stopping the service.
                try:
                    network = load_network(folder)
                except (ProfileError, OSError):
                    if self._network is None:
                        raise
                    return
                self._use(network, stamp)

    def _use(self, network: Network, stamp: tuple[str, float, int]) -> None:
        self._network, self._matcher, self._stamp = network, Matcher(network.partners), stamp

    def install(self, network: Network) -> None:
        """Use ``network``, just checked and swapped in, at once rather than at the next look."""
        with self._lock:
            self._use(network, _stamp(self.settings, network.root))
            self._checked = time.monotonic()

    @property
    def network(self) -> Network:
        """The current profiles and settings."""
        self._refresh()
        assert self._network is not None
        return self._network

    @property
    def matcher(self) -> Matcher:
        """A matcher over the current profiles."""
        self._refresh()
        assert self._matcher is not None
        return self._matcher

    @property
    def sender(self) -> str:
        """The From address of every mail."""
        network = self.network
        return self.settings.mail_from or (
            f"{network.settings.name} <{network.settings.coordinator.email}>"
        )
