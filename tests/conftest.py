"""Shared fixtures: the sample network and a factory for profiles."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


def partner_data(**overrides: Any) -> dict[str, Any]:
    """Return a valid profile as plain data, with top-level fields replaced by ``overrides``."""
    data: dict[str, Any] = {
        "name": "Test IT",
        "maintainers": ["tester"],
        "tagline": "IT für Tests",
        "description": "Wir testen **alles**.",
        "benefits": ["Sie sind schnell wieder arbeitsfähig."],
        "services": ["it-support"],
        "languages": ["de"],
        "location": {"postal_code": "80331", "city": "München", "country": "DE"},
        "service_area": {"postal_prefixes": ["80"], "remote": False},
        "contact": {"email": "info@test-it.example"},
        "referrals": {"accepts": True, "capacity": "available"},
        "absences": [],
    }
    data.update(overrides)
    return data


@pytest.fixture
def network_root(tmp_path: Path) -> Path:
    """Return a writable copy of the sample network."""
    root = tmp_path / "network"
    root.mkdir()
    shutil.copy(REPO / "network.yaml", root / "network.yaml")
    shutil.copytree(REPO / "partners", root / "partners")
    return root


@pytest.fixture
def make_partner(network_root: Path) -> Callable[..., Path]:
    """Write ``partners/<slug>.yaml`` into the network copy from ``partner_data(**overrides)``."""

    def make(slug: str = "test-it", text: str | bytes | None = None, **overrides: Any) -> Path:
        path = network_root / "partners" / f"{slug}.yaml"
        if text is None:
            text = yaml.safe_dump(partner_data(**overrides), allow_unicode=True, sort_keys=False)
        if isinstance(text, str):
            text = text.encode("utf-8")
        path.write_bytes(text)
        return path

    return make
