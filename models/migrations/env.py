"""Alembic environment: migrates the engine handed over by :func:`models.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models.tables.duties  # noqa: F401  (registers the tables on SQLModel.metadata)
import models.tables.engine  # noqa: F401
import models.tables.plan  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
