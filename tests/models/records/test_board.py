"""The status board's rows, on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.db import session_scope
from models.engine.adhoc import create_adhoc_obligation, ensure_system_duties
from models.enums import Frequency, Light, ObligationStatus, UnitKind
from models.records.board import board_rows
from models.records.units import unit_named
from models.tables.engine import Obligation
from tests.conftest import seed_obligations
from tests.models.records.conftest import CAL, ESC, SPEC, at


def test_board_rows_every_obligation_by_unit_then_due_date(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        rows = board_rows(session=s, plan_id=plan_id)
        total = s.execute(sa.select(sa.func.count()).select_from(Obligation)).scalar_one()
    assert len(rows) == total == seed_obligations()
    order = {u.name: n for n, u in enumerate(SPEC.all_units)}
    keys = [(order[r.unit], r.due_on) for r in rows]
    assert keys == sorted(keys)


def test_board_rows_are_typed(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        rows = board_rows(session=s, plan_id=plan_id)
    report = next(r for r in rows if r.unit == "镇隆镇" and r.nominal_due_on == dt.date(2016, 6, 5))
    assert report.unit_kind is UnitKind.TOWN and report.frequency is Frequency.SEMIANNUAL
    assert report.due_on == dt.date(2016, 6, 6)
    assert (report.status, report.light) == (ObligationStatus.OPEN, Light.NONE)
    assert report.duty == next(d.title for d in SPEC.duties if d.code == "progress-report")


def test_board_rows_prefer_the_obligation_title(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = ensure_system_duties(session=s, plan_id=plan_id)["action-item"]
        unit = unit_named(session=s, plan_id=plan_id, name="市发改局")
        create_adhoc_obligation(session=s, duty=duty, unit_id=unit.id or 0, title="完善项目库",
                                nominal_due_on=dt.date(2016, 7, 1), source="meeting:1#1", now=at(dt.date(2016, 6, 1)),
                                cal=CAL, escalation=ESC)
        rows = board_rows(session=s, plan_id=plan_id)
    item = next(r for r in rows if r.unit == "市发改局" and r.nominal_due_on == dt.date(2016, 7, 1))
    assert item.duty == "完善项目库" and item.frequency is None
