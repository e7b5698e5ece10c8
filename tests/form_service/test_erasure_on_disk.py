"""Erased means gone: no byte of an erased client remains in SQLite's files, the write-ahead log
and its index included, after ``partnerdir privacy delete`` and after the retention purge."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from partnerdir.cli import main
from tests.conftest import REQUEST, backend_of, body, link_path, make_app, run_sweep
from tests.form_service.test_followup import ANSWERS
from tests.form_service.test_privacy import DAY, EVA, OTHER, PERSONAL
from tests.servers import SmtpServer

# What is left of Jan, the other client, proves the scan reads the data where it lies.
KEPT = ("Jan Jung", "jan@jung.example", "Bitte den Drucker einrichten.")


@pytest.fixture
def sqlite_app(network_root: Path, tmp_path: Path, smtp: SmtpServer) -> Flask:
    """The form service on a SQLite file of its own."""
    app = make_app(network_root, f"sqlite:///{tmp_path / 'db.sqlite3'}", smtp.url)
    yield app  # type: ignore[misc]
    backend_of(app).engine.dispose()


def database_files(app: Flask) -> dict[str, bytes]:
    """Return the raw bytes of the database file and of its -wal and -shm files."""
    database = Path(str(backend_of(app).engine.url.database))
    files = [database, database.with_name(database.name + "-wal"),
             database.with_name(database.name + "-shm")]
    return {path.name: path.read_bytes() for path in files if path.exists()}


def found(app: Flask, texts: tuple[str, ...]) -> list[tuple[str, str]]:
    """Return (file, text) for every text whose UTF-8 bytes occur in a database file."""
    return [(name, text) for name, raw in database_files(app).items()
            for text in texts if text.encode() in raw]


def eva_and_jan(app: Flask, client: FlaskClient, smtp: SmtpServer) -> None:
    """Play Eva's whole request (accepted, followed up, answered), then store and route Jan's."""
    assert client.post("/api/requests", json={**REQUEST, "referred_by": "mueller-it",
                                              "reason": "absence"}).status_code == 201
    run_sweep(app)
    offer = next(m for m in smtp.mailbox.messages if "/r/" in body(m))
    client.post(link_path(body(offer), "accept"))
    run_sweep(app, dt.timedelta(days=backend_of(app).settings.followup_days, minutes=1))
    feedback = re.findall(r"https://service\.example(/f/\S+)", body(smtp.mailbox.messages[-1]))
    assert client.post(feedback[0], data=ANSWERS).status_code == 200
    run_sweep(app)
    assert client.post("/api/requests", json={**REQUEST, **OTHER}).status_code == 201
    run_sweep(app)
    assert found(app, PERSONAL), "Eva's data is on disk before the erasure"


def test_privacy_delete_leaves_no_byte_in_the_files(
    sqlite_app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    eva_and_jan(sqlite_app, sqlite_app.test_client(), smtp)
    settings = backend_of(sqlite_app).settings
    monkeypatch.setenv("PARTNERDIR_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(main, ["--root", str(settings.root), "privacy", "delete",
                                       EVA, "--yes"])
    assert result.exit_code == 0, result.output
    assert found(sqlite_app, PERSONAL) == []
    assert {text for _, text in found(sqlite_app, KEPT)} == set(KEPT)


def test_the_retention_purge_leaves_no_byte_in_the_files(
    sqlite_app: Flask, smtp: SmtpServer
) -> None:
    eva_and_jan(sqlite_app, sqlite_app.test_client(), smtp)
    days = backend_of(sqlite_app).settings.retention_days
    assert run_sweep(sqlite_app, days * DAY + dt.timedelta(hours=1))["erased"] == 2
    assert found(sqlite_app, PERSONAL + KEPT) == []
