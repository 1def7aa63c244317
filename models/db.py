"""Engines, sessions and schema migration for duban's own database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from models.errors import DatabaseError
from models.files import private_dir, private_file, tighten_file

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class AwareDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Aware datetimes stored as UTC; naive values are refused rather than guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: duban stores aware datetimes only")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; for SQLite, the file's folder is created and pragmas set."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseError(f"database URL {url!r} is not a valid SQLAlchemy URL") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            _private_sqlite_file(Path(parsed.database))
        # The driver's own transaction handling is switched off so that every transaction starts with
        # BEGIN IMMEDIATE: SQLite has one writer at a time, and a transaction that read first and
        # wrote later could otherwise fail with "database is locked" instead of waiting its turn.
        engine = sa.create_engine(parsed, connect_args={"timeout": 30, "isolation_level": None})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed, pool_pre_ping=True)


def _private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 (in a 0700 folder if that is new) before SQLite opens it.

    SQLite gives its ``-wal`` and ``-shm`` files the database file's mode; files an older duban made
    readable by others are tightened.
    """
    private_dir(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten_file(path.with_name(path.name + suffix))


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One shared engine per URL for the process."""
    return make_engine(url)


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<invalid database URL>"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> str:
    """Create or upgrade the schema to the newest revision; return that revision."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(engine)
    try:
        command.upgrade(cfg, "head")
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot reach the database at {safe_url(str(engine.url))}: {exc.orig}") from exc
    head = ScriptDirectory.from_config(cfg).get_current_head()
    return head or ""


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None when it was never initialised."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot reach the database at {safe_url(str(engine.url))}: {exc.orig}") from exc


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest schema revision this code knows."""
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


def require_schema(engine: Engine) -> None:
    """Raise a clear error when the database is not initialised, or not migrated to this code's schema."""
    current = current_revision(engine)
    if current is None:
        raise DatabaseError(
            f"the database at {safe_url(str(engine.url))} is not initialised; run `duban init` first"
        )
    if current != head_revision():
        raise DatabaseError(
            f"the database at {safe_url(str(engine.url))} is at schema revision {current}, this duban needs "
            f"{head_revision()}; run `duban init` to migrate it"
        )
