"""Alembic's environment for the gradebook: the connection is the one the gradebook opened
(grader.gradebook.open_gradebook passes it in config.attributes)."""

from __future__ import annotations

from alembic import context

from grader.gradebook.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
