"""Profiles edited while the service runs: the backend picks them up within its check interval
and keeps the last good network while an edit is broken."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from form_service.backend import Backend
from partnerdir.settings import Settings

CHECK = 0.3  # seconds between looks at the profiles; the service's default is longer


@pytest.fixture
def backend(network_root: Path, tmp_path: Path) -> Iterator[Backend]:
    """A backend on the sample network that looks at the profiles every ``CHECK`` seconds."""
    settings = Settings.from_env({
        "root": str(network_root), "database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "secret_key": "test-secret",
    })
    backend = Backend.start(settings, check_seconds=CHECK)
    yield backend
    backend.engine.dispose()


def test_an_edited_profile_counts_within_the_check_interval(
    backend: Backend, make_partner: Callable[..., Path]
) -> None:
    assert "test-it" not in backend.network.partners
    make_partner("test-it", name="Neu im Netz")
    time.sleep(CHECK)  # the first look after the interval sees the change
    assert backend.network.partners["test-it"].name == "Neu im Netz"
    assert backend.matcher.partners == backend.network.partners  # matching follows along
    make_partner("test-it", name="Umbenannt")
    time.sleep(CHECK)
    assert backend.network.partners["test-it"].name == "Umbenannt"


def test_a_broken_edit_keeps_the_last_good_network(
    backend: Backend, make_partner: Callable[..., Path]
) -> None:
    make_partner("test-it", name="Vorher")
    time.sleep(CHECK)
    good = backend.network
    assert good.partners["test-it"].name == "Vorher"
    make_partner("test-it", text="name: [nicht geschlossen\n")
    make_partner("noch-eins", name="Noch eins")  # valid, but the network as a whole is not
    for _ in range(2):  # and stays so at every look
        time.sleep(CHECK)
        assert backend.network is good
        assert backend.matcher.partners == good.partners
    make_partner("test-it", name="Nachher")
    time.sleep(CHECK)
    assert backend.network.partners["test-it"].name == "Nachher"
    assert "noch-eins" in backend.network.partners
