"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from form_service.db import MIGRATIONS, make_engine, session_factory, upgrade
from form_service.models import Base, ClientRequest


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)  # a second start finds nothing to do
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_upgrading_keeps_stored_requests(database_url: str) -> None:
    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.execute(text(
                "INSERT INTO client_request (public_id, created_at, status, service, remote,"
                " language, message, name, email, consent_version, closed_at) VALUES ('p1',"
                " :at, 'accepted', 'it-support', false, 'de', 'Hilfe', 'Eva', 'eva@k.example',"
                " '2026-11', :at)"), {"at": dt.datetime(2026, 11, 1)})
        upgrade(engine)
        with session_factory(engine)() as session:
            req = session.scalars(select(ClientRequest)).one()
            assert (req.name, req.followup_at, req.erased_at, req.feedback) == (
                "Eva", None, None, None)
    finally:
        engine.dispose()
