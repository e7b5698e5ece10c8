"""Alembic environment: runs on the connection handed over by form_service.db.upgrade."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from form_service.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    url = context.config.get_main_option("sqlalchemy.url") or "sqlite://"
    connection = create_engine(url).connect()
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
