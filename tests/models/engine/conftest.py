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


def pending_by_kind(engine: sa.Engine, stage_key: str | None = None, plan: str | None = None) -> dict[str, int]:
    """Pending outbox rows by the kind of their obligation's duty (of one stage, of one plan, when given)."""
    sql = ("SELECT d.kind, COUNT(*) FROM outbox x JOIN obligation o ON o.id = x.obligation_id "
           "JOIN duty d ON d.id = o.duty_id JOIN plan p ON p.id = o.plan_id WHERE x.status = 'pending'")
    params: dict[str, object] = {}
    if stage_key is not None:
        sql, params["stage"] = sql + " AND x.stage_key = :stage", stage_key
    if plan is not None:
        sql, params["plan"] = sql + " AND p.code = :plan", plan
    got = rows(engine, sql + " GROUP BY d.kind", **params)
    return {str(kind): int(str(n)) for kind, n in got}


# The first sweep ever of the seed plan, on Monday 2015-11-30 09:30: what it enqueues, by duty kind. Every
# locality, every item's lead: the reminder 5 working days before the 2015-12-05 report and task report node;
# the first joint meeting (2015-09-21) and the localities' one-off duties (2015-08-31), already weeks overdue,
# are chased at their current stage (the leader's repeat).
FIRST_MONDAY = {"progress_report": 20, "task_report": 24, "joint_meeting": 1, "action_item": 40}

# The first sweep ever of the seed plan, three working days after the 2016-06-06 report deadline (every earlier
# stage skipped): what it enqueues, by duty kind.
AFTER_JUNE_2016 = {
    "progress_report": 60,  # 2016-06-05: 20 heads' notices@3 + the coordinator's copy of each; 2015-12-05: 20 repeats
    "task_report": 53,  # 5 items led by other units: 5 notices@3 + 5 copies, 5 repeats for 2015-12-05;
                        # 19 items led by the coordinator (own): the leader told (escalate@3) + 19 repeats
    "action_item": 40,  # 五(一)/(二), due 2015-08-31, 20 localities each: the leader's repeat
    "joint_meeting": 3, "decomposition": 1, "inspection": 1,  # the office's own work: the leader's repeats
}


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
