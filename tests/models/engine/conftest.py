"""The seed plan loaded with its obligations generated, and helpers the engine tests share."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.db import session_scope
from models.engine.obligations import generate_obligations
from models.engine.sweep import SweepResult, sweep
from models.plan.file import load_plan_file
from models.plan.store import load_plan
from models.rules.calendar import WorkingCalendar
from models.rules.ladder import load_escalation
from tests.conftest import ROOT, SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))
CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
ESC = load_escalation(ROOT / "config" / "escalation.yaml")


def at(day: dt.date, hh: int = 9, mm: int = 30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), TZ)


@pytest.fixture
def seeded(engine: sa.Engine) -> sa.Engine:
    with session_scope(engine) as s:
        load_plan(load_plan_file(SEED_PLAN), session=s, now=at(dt.date(2015, 7, 6)))
        generate_obligations(None, session=s, cal=CAL, escalation=ESC, now=at(dt.date(2015, 7, 6)))
    return engine


def rows(engine: sa.Engine, sql: str, **params: object) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params).all()]


def run_sweep(engine: sa.Engine, when: dt.datetime) -> SweepResult:
    with session_scope(engine) as s:
        return sweep(session=s, cal=CAL, escalation=ESC, now=when)
