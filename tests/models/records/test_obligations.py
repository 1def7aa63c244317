"""Obligation look-ups, on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.db import session_scope
from models.engine.adhoc import close_obligation, create_adhoc_obligation, ensure_system_duties
from models.enums import DutyKind, ObligationStatus
from models.records.obligations import (
    first_obligation_from,
    latest_open_due,
    nearest_open_obligation,
    open_obligations,
    period_obligations,
    unit_obligation,
)
from models.records.reports import duty_of_kind
from models.records.units import unit_named
from tests.models.records.conftest import CAL, ESC, SPEC, at


def test_open_obligations_leave_out_the_closed(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
        before = open_obligations(session=s, duty_id=duty.id or 0, period="2016-06-05")
        close_obligation(session=s, obligation_id=before[0].id or 0, status=ObligationStatus.SUBMITTED,
                         now=at(dt.date(2016, 6, 1)))
        after = open_obligations(session=s, duty_id=duty.id or 0, period="2016-06-05")
        every_period = open_obligations(session=s, duty_id=duty.id or 0)
    assert len(before) == len(SPEC.locality_names) == 20
    assert {o.id for o in after} == {o.id for o in before[1:]}
    assert {o.period for o in every_period} == {"2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05",
                                                "2017-12-05"}
    assert len(every_period) == 5 * 20 - 1


def test_nearest_open_obligation_before_or_after(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.JOINT_MEETING)
        dues = sorted(o.due_on for o in open_obligations(session=s, duty_id=duty.id or 0))
        after = nearest_open_obligation(session=s, duty_id=duty.id or 0, day=dues[1] - dt.timedelta(days=3))
        before = nearest_open_obligation(session=s, duty_id=duty.id or 0, day=dues[1] + dt.timedelta(days=3))
    assert after is not None and after.due_on == dues[1]
    assert before is not None and before.due_on == dues[1]


def test_nearest_open_obligation_none_when_all_closed(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.DECOMPOSITION)
        for ob in open_obligations(session=s, duty_id=duty.id or 0):
            close_obligation(session=s, obligation_id=ob.id or 0, status=ObligationStatus.ACCEPTED,
                             now=at(dt.date(2016, 4, 1)))
        assert nearest_open_obligation(session=s, duty_id=duty.id or 0, day=dt.date(2016, 4, 1)) is None


def test_latest_open_due_on_or_before(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.INSPECTION)
        dues = sorted(o.due_on for o in open_obligations(session=s, duty_id=duty.id or 0))
        on_the_day = latest_open_due(session=s, duty_id=duty.id or 0, on_or_before=dues[1])
        day_before = latest_open_due(session=s, duty_id=duty.id or 0, on_or_before=dues[1] - dt.timedelta(days=1))
        too_early = latest_open_due(session=s, duty_id=duty.id or 0, on_or_before=dues[0] - dt.timedelta(days=1))
    assert on_the_day is not None and on_the_day.due_on == dues[1]
    assert day_before is not None and day_before.due_on == dues[0]
    assert too_early is None


def test_period_obligations_pair_each_with_its_unit(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
        pairs = period_obligations(session=s, duty_id=duty.id or 0, period="2016-12-05")
    assert sorted(unit.name for _, unit in pairs) == sorted(SPEC.locality_names)
    assert all(ob.unit_id == unit.id and ob.period == "2016-12-05" for ob, unit in pairs)


def test_unit_obligation_found_and_missing(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
        found = unit_obligation(session=s, duty=duty, unit_name="镇隆镇", period="2016-06-05")
        department = unit_obligation(session=s, duty=duty, unit_name="市发改局", period="2016-06-05")
        no_period = unit_obligation(session=s, duty=duty, unit_name="镇隆镇", period="2016-06-30")
    assert found is not None
    unit, ob = found
    assert (unit.name, ob.period, ob.due_on) == ("镇隆镇", "2016-06-05", dt.date(2016, 6, 6))
    assert department is None and no_period is None


def test_first_obligation_from_a_source(seeded: sa.Engine, plan_id: int) -> None:
    now = at(dt.date(2016, 7, 1))
    with session_scope(seeded) as s:
        assert first_obligation_from(session=s, source="inspection:9") is None
        duty = ensure_system_duties(session=s, plan_id=plan_id)["rectification"]
        # An inspection opens one rectification per red unit, all with the same source.
        for name, due in [("镇隆镇", dt.date(2016, 7, 20)), ("水口镇", dt.date(2016, 7, 15))]:
            unit = unit_named(session=s, plan_id=plan_id, name=name)
            create_adhoc_obligation(session=s, duty=duty, unit_id=unit.id or 0, title="整改", nominal_due_on=due,
                                    source="inspection:9", now=now, cal=CAL, escalation=ESC)
        first = first_obligation_from(session=s, source="inspection:9")
    assert first is not None and first.nominal_due_on == dt.date(2016, 7, 15)
