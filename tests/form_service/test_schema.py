"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and
the columns of the lifecycle enums hold the enums' values."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from form_service.assignments import store_request
from form_service.backend import Backend
from form_service.db import MIGRATIONS, make_engine, session_factory, upgrade
from form_service.holds import discard
from form_service.intake import parse_submission
from form_service.models import (
    Assignment,
    AssignmentState,
    Base,
    ClientRequest,
    MailStatus,
    OutboundMail,
    RequestStatus,
)
from tests.conftest import REQUEST
from tests.form_service.history import T0


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
            assert (req.name, req.followup_at, req.erased_at, req.feedback, req.country) == (
                "Eva", None, None, None, "DE")
    finally:
        engine.dispose()


def test_the_database_holds_the_values_of_the_lifecycle_enums(history: Backend) -> None:
    """The scripted month reaches every assignment state and every lasting request status."""
    store_request(history, parse_submission(REQUEST, history.network, T0.date()), T0)  # stays new
    held = parse_submission({**REQUEST, "email": "bot@spam.example"}, history.network, T0.date())
    store_request(history, held, T0, held="unchecked")  # stays held
    discard(history, store_request(history, held, T0, held="links").public_id, T0)
    with history.engine.connect() as connection:
        states = set(connection.scalars(text("SELECT DISTINCT state FROM assignment")))
        statuses = set(connection.scalars(text("SELECT DISTINCT status FROM client_request")))
    assert states == {state.value for state in AssignmentState}
    # A request is ROUTING only inside the transaction that routes it.
    assert statuses == {status.value for status in RequestStatus} - {RequestStatus.ROUTING}


@pytest.mark.parametrize(("model", "column", "values"), [
    (ClientRequest, "status", RequestStatus),
    (Assignment, "state", AssignmentState),
    (OutboundMail, "status", MailStatus),
], ids=["request", "assignment", "mail"])
def test_each_enum_member_is_stored_as_its_value_and_read_back(
    history: Backend, model: type[Base], column: str, values: type[StrEnum]
) -> None:
    table = model.__tablename__
    for member in values:
        with history.sessions() as session:
            row = session.scalars(select(model).limit(1)).one()
            setattr(row, column, member)
            session.commit()
            raw = session.scalar(text(f"SELECT {column} FROM {table} WHERE id = :id"),
                                 {"id": row.id})
            assert raw == member.value and raw.islower()
            session.execute(text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                            {"value": member.value, "id": row.id})
            session.commit()
            session.expire_all()
            assert getattr(session.get_one(model, row.id), column) is member
