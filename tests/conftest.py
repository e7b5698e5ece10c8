"""Shared fixtures: the sample network, a factory for profiles, and the form service on real
servers (SQLite and PostgreSQL, an SMTP server)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from form_service import create_app
from form_service.backend import Backend
from form_service.jobs import sweep
from form_service.models import utcnow
from tests.servers import PostgresServer, SmtpServer, missing, postgres_server, smtp_server

CHROMIUM = Path("/usr/bin/chromium")

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


SITE = "https://site.example"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run; tests get their own databases."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server that collects every mail."""
    with smtp_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of one test: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


def make_app(network_root: Path, database_url: str, mail_url: str, **overrides: Any) -> Flask:
    """Create the app against real parts, with the queue left to explicit sweeps."""
    config = {
        "root": str(network_root), "database_url": database_url, "mail_url": mail_url,
        "queue": False, "rate_limit": "1000/minute", "site_url": SITE + "/",
        # Scripted requests of tests go straight to members; the spam tests turn holding on.
        "hold_doubtful": 0, "email_rate_limit": "1000/minute",
        "service_url": "https://service.example/", "secret_key": "test-secret",
        **overrides,
    }
    app = create_app(config)
    app.testing = True
    return app


@pytest.fixture
def app(network_root: Path, database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    """The form service on the sample network."""
    app = make_app(network_root, database_url, smtp.url)
    yield app
    backend_of(app).engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


def backend_of(app: Flask) -> Backend:
    """Return the app's backend."""
    backend: Backend = app.extensions["partnerdir"]
    return backend


def run_sweep(app: Flask, later: dt.timedelta = dt.timedelta(0)) -> dict[str, int]:
    """Do all due work as the worker would, at now + ``later``."""
    return sweep(backend_of(app), utcnow() + later)


def link_path(body: str, action: str) -> str:
    """Return the path of the accept or decline link in an offer mail."""
    urls = re.findall(r"https://service\.example(/r/\S+)", body)
    tokens = [u for u in urls if u]
    assert len(tokens) == 2, body
    return tokens[0] if action == "accept" else tokens[1]


def body(message: Any) -> str:
    """Return the plain-text body of a received mail."""
    return str(message.get_body(("plain",)).get_content())


REQUEST: dict[str, Any] = {
    "service": "it-support", "postal_code": "80331", "remote": False, "language": "de",
    "message": "Unser Server startet nicht mehr.", "name": "Eva Kunde",
    "email": "eva@kunde.example", "phone": "+49 89 555000", "consent": True,
}


@pytest.fixture
def history(app: Flask) -> Backend:
    """The app's backend after a scripted month of referrals."""
    from tests.form_service.history import script_history

    backend = backend_of(app)
    script_history(backend)
    return backend


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright: one for the whole run, as Playwright's
    synchronous API allows one instance per thread."""
    if not CHROMIUM.exists():
        missing("Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()
