"""Shared fixtures: isolated settings, and databases on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from config.settings import get_settings
from models.db import make_engine, migrate

ROOT = Path(__file__).resolve().parents[1]
SEED_PLAN = ROOT / "config" / "plans" / "xinyi-2015-2017.yaml"
PG_ADMIN_URL = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own var dir and no DUBAN_* variables from the developer's shell."""
    for key in list(os.environ):
        if key.startswith("DUBAN_") and key != "DUBAN_TEST_PG_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("DUBAN_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _pg_reachable() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on the PostgreSQL server; fails in CI when it cannot be reached."""
    problem = _pg_reachable()
    if problem is not None:
        message = f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({problem})"
        if IN_CI:
            pytest.fail(message + "; CI requires it")
        pytest.skip(message)
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def new_pg_database(admin: sa.Engine) -> tuple[str, str]:
    """Create an empty database; return (name, URL)."""
    name = f"duban_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return name, admin.url.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(admin: sa.Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database URL on each backend, also set as DUBAN_DATABASE_URL (not yet migrated)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'duban.db'}"
        monkeypatch.setenv("DUBAN_DATABASE_URL", url)
        get_settings.cache_clear()
        yield url
        return
    admin = request.getfixturevalue("pg_admin")
    name, url = new_pg_database(admin)
    monkeypatch.setenv("DUBAN_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        from models.db import get_engine

        get_engine.cache_clear()
        drop_pg_database(admin, name)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """A migrated engine on each backend."""
    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


def count_rows(engine: sa.Engine) -> dict[str, int]:
    """Rows in every duban table (the Alembic version table excluded)."""
    from sqlmodel import SQLModel

    import models.tables.duties  # noqa: F401
    import models.tables.engine  # noqa: F401
    import models.tables.plan  # noqa: F401

    with engine.connect() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()
        }


def seed_obligations() -> int:
    """How many obligations the seed plan owes: for every duty obligations are generated for (a task_report
    duty expanded per item), its owing units times its periods."""
    from models.engine.obligations import duty_periods, responsible_units
    from models.plan.file import load_plan_file
    from models.plan.tasks import expand_duties
    from models.rules.calendar import WorkingCalendar

    plan = load_plan_file(SEED_PLAN)
    cal = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
    return sum(len(responsible_units(plan, d)) * len(duty_periods(plan, d, cal)) for d in expand_duties(plan))
