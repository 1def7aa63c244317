"""A migrated database on each backend with the seed plan loaded and its obligations generated."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.db import session_scope
from models.engine.obligations import generate_obligations
from models.plan.file import load_plan_file
from models.plan.schema import PlanSpec
from models.plan.store import load_plan
from models.rules.calendar import WorkingCalendar
from models.rules.ladder import EscalationSpec, load_escalation
from tests.conftest import ROOT, SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))
CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
ESC: EscalationSpec = load_escalation(ROOT / "config" / "escalation.yaml")
SPEC: PlanSpec = load_plan_file(SEED_PLAN)


def at(day: dt.date, hh: int = 9, mm: int = 30) -> dt.datetime:
    """An aware moment in Shanghai time."""
    return dt.datetime.combine(day, dt.time(hh, mm), TZ)


@pytest.fixture
def seeded(engine: sa.Engine) -> sa.Engine:
    """The seed plan loaded and its obligations generated, as of 2015-07-06."""
    with session_scope(engine) as s:
        load_plan(SPEC, session=s, now=at(dt.date(2015, 7, 6)))
        generate_obligations(None, session=s, cal=CAL, escalation=ESC, now=at(dt.date(2015, 7, 6)))
    return engine


@pytest.fixture
def plan_id(seeded: sa.Engine) -> int:
    """The seed plan's id."""
    from models.plan.store import find_plan

    with session_scope(seeded) as s:
        return find_plan(None, session=s).id or 0
