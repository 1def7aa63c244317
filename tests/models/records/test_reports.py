"""Progress-report look-ups, on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.db import session_scope
from models.enums import DutyKind, Light, ObligationStatus
from models.errors import ReportError
from models.records.reports import (
    duty_of_kind,
    find_duty,
    indicators,
    latest_report,
    period_reports,
    record_progress_report,
    report_periods,
)
from models.records.units import unit_named
from tests.models.records.conftest import SPEC, at

PERIODS = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]


def report(engine: sa.Engine, plan_id: int, unit: str, period: str, when: dt.datetime, **actuals: float) -> None:
    with session_scope(engine) as s:
        record_progress_report(session=s, plan_id=plan_id, unit_name=unit, period=period, actuals=actuals,
                               projects=[], problems="", next_steps="", now=when)


def test_find_duty_of_a_kind_or_none(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        found = find_duty(session=s, plan_id=plan_id, kind=DutyKind.INSPECTION)
        # The plan's two action_item duties (五(一), 五(二)): the first in plan order.
        action = find_duty(session=s, plan_id=plan_id, kind=DutyKind.ACTION_ITEM)
        # Rectifications are a system duty, created only once an inspection records findings.
        assert find_duty(session=s, plan_id=plan_id, kind=DutyKind.RECTIFICATION) is None
        with pytest.raises(ReportError, match="the plan has no rectification duty"):
            duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.RECTIFICATION)
    assert found is not None and found.code == "inspection"
    assert action is not None and action.code == "locality-mechanism"


def test_indicators_in_plan_order(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        codes = [i.code for i in indicators(session=s, plan_id=plan_id)]
    assert codes == [i.code for i in SPEC.indicators]


def test_report_periods_all_and_due_before(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        every = report_periods(session=s, plan_id=plan_id)
        # 2016-06-05 is a Sunday: its deadline rolls forward to Monday 06-06.
        before_deadline = report_periods(session=s, plan_id=plan_id, due_before=dt.date(2016, 6, 6))
        after_deadline = report_periods(session=s, plan_id=plan_id, due_before=dt.date(2016, 6, 7))
    assert every == PERIODS
    assert before_deadline == PERIODS[:1]
    assert after_deadline == PERIODS[:2]


def test_period_reports_before_anything_is_reported(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        rows = period_reports(session=s, plan_id=plan_id, period="2016-06-05")
    assert [r.unit for r in rows] == SPEC.locality_names
    first = rows[0]
    assert (first.status, first.light, first.due_on) == (ObligationStatus.OPEN, Light.NONE, dt.date(2016, 6, 6))
    assert (first.first_submitted_at, first.last_submitted_at, first.actuals) == (None, None, {})


def test_period_reports_first_and_last_version_aware(seeded: sa.Engine, plan_id: int) -> None:
    first_at, last_at = at(dt.date(2016, 6, 3), 10), at(dt.date(2016, 6, 8), 16, 45)
    report(seeded, plan_id, "镇隆镇", "2016-06-05", first_at, **{"industrial-investment": 3})
    report(seeded, plan_id, "镇隆镇", "2016-06-05", last_at, **{"industrial-investment": 4.5, "upgrading-firms": 2})
    with session_scope(seeded) as s:
        rows = {r.unit: r for r in period_reports(session=s, plan_id=plan_id, period="2016-06-05")}
    got = rows["镇隆镇"]
    assert got.status == ObligationStatus.SUBMITTED
    assert got.first_submitted_at == first_at and got.last_submitted_at == last_at
    assert got.first_submitted_at is not None and got.first_submitted_at.utcoffset() == dt.timedelta(0)
    assert got.actuals == {"industrial-investment": 4.5, "upgrading-firms": 2.0}
    assert all(isinstance(v, float) for v in got.actuals.values())
    assert rows["水口镇"].first_submitted_at is None


def test_latest_report_latest_period_then_latest_version(seeded: sa.Engine, plan_id: int) -> None:
    report(seeded, plan_id, "镇隆镇", "2016-06-05", at(dt.date(2016, 6, 3)), **{"industrial-investment": 3})
    report(seeded, plan_id, "镇隆镇", "2016-12-05", at(dt.date(2016, 12, 1)), **{"industrial-investment": 7})
    report(seeded, plan_id, "镇隆镇", "2016-06-05", at(dt.date(2016, 12, 2)), **{"industrial-investment": 3.5})
    with session_scope(seeded) as s:
        unit = unit_named(session=s, plan_id=plan_id, name="镇隆镇")
        last = latest_report(session=s, unit_id=unit.id or 0, year=2016)
        none = latest_report(session=s, unit_id=unit.id or 0, year=2017)
    assert last is not None and (last.version, last.actuals) == (1, {"industrial-investment": 7})
    assert none is None
