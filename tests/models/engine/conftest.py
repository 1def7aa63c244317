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


# A schedule the plan loader refuses now: the progress report falls due every year from 0001 to 9999.
BROKEN_SCHEDULE = {"dates": ["06-05"], "from": "0001-01-01", "until": "9999-12-31", "after": None,
                   "offset_working_days": 0, "default": False}


def add_broken_plan(engine: sa.Engine, code: str = "broken") -> int:
    """Store a copy of the seed plan as ``code``, then break it in the database itself; return its id.

    The plan file would be refused at load; rows already stored (loaded by an older duban, or edited by
    hand) are what generation and the sweep must survive.
    """
    from sqlalchemy.orm.attributes import flag_modified
    from sqlmodel import select

    from models.tables.plan import Duty, Plan

    spec = load_plan_file(SEED_PLAN).model_copy(update={"code": code, "title": f"{code} plan"})
    with session_scope(engine) as s:
        load_plan(spec, session=s, now=at(dt.date(2015, 7, 6)))
    with session_scope(engine) as s:
        pid = s.exec(select(Plan.id).where(Plan.code == code)).one()
        duty = s.exec(select(Duty).where(Duty.plan_id == pid, Duty.code == "progress-report")).one()
        duty.schedule = dict(BROKEN_SCHEDULE)
        flag_modified(duty, "schedule")
    assert pid is not None
    return pid
