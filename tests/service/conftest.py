"""Fixtures for the form service: the app on SQLite and PostgreSQL, a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from form_service import create_app
from form_service.backend import Backend
from form_service.jobs import sweep
from form_service.models import utcnow
from tests.servers import PostgresServer, SmtpServer, postgres_server, smtp_server

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


@pytest.fixture(params=["sqlite", "postgresql"])
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
