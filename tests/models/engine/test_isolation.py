"""One plan's bad rows stop only that plan: generation refuses it at once, the sweep sets it aside."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from models.db import session_scope
from models.engine.isolation import PlanFailure, is_plan_fault, is_transient, one_line
from models.engine.obligations import generate_obligations
from models.engine.sweep import sweep
from models.errors import DatabaseError, PlanError
from tests.models.engine.conftest import (
    AFTER_JUNE_2016,
    CAL,
    ESC,
    add_broken_plan,
    at,
    pending_by_kind,
    rows,
    run_sweep,
)


def test_generation_refuses_a_plan_running_to_year_9999_at_once(seeded: sa.Engine) -> None:
    add_broken_plan(seeded)
    before = rows(seeded, "SELECT COUNT(*), MIN(day), MAX(day) FROM workday")
    started = time.perf_counter()
    with pytest.raises(PlanError, match=r"plan broken: duty progress-report schedule from 0001-01-01 is outside "
                                        r"the years 1900–2100"), session_scope(seeded) as s:
        generate_obligations("broken", session=s, cal=CAL, escalation=ESC, now=at(dt.date(2015, 7, 6)))
    print(f"\nrefused in {time.perf_counter() - started:.3f} s")  # was ~70 s of working days, then OverflowError
    assert rows(seeded, "SELECT COUNT(*), MIN(day), MAX(day) FROM workday") == before
    assert rows(seeded, "SELECT COUNT(*) FROM obligation o JOIN plan p ON p.id = o.plan_id "
                        "WHERE p.code = 'broken'") == [(0,)]


def test_sweep_sets_aside_the_plan_whose_rows_break_its_sql(seeded: sa.Engine, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite computes with 64-bit integers: this row breaks nothing there")
    pid = add_broken_plan(seeded)
    # One hand-edited obligation of the broken plan: its working-day index overflows PostgreSQL's integer
    # arithmetic (k - due_wd) in every step of the sweep.
    with seeded.begin() as conn:
        duty, unit = conn.execute(sa.text("SELECT d.id, d.owner_id FROM duty d WHERE d.plan_id = :p "
                                          "AND d.code = 'decomposition'"), {"p": pid}).one()
        conn.execute(sa.text(
            "INSERT INTO obligation (plan_id, duty_id, unit_id, period, nominal_due_on, due_on, holiday_policy, "
            "holiday_rule, calendar_source, due_wd, status, light, level, stage_seq, next_wd, created_at, updated_at) "
            "VALUES (:p, :d, :u, 'x', '2016-04-30', '2016-04-30', 'roll_forward', 'working_day', 'official', "
            "-2147483600, 'open', 'none', -1, -1, -2147483600, :ts, :ts)"
        ), {"p": pid, "d": duty, "u": unit, "ts": dt.datetime(2016, 1, 1)})
    when = at(CAL.add_working_days(dt.date(2016, 6, 6), 3))
    res = run_sweep(seeded, when)
    assert [(f.plan, f.step) for f in res.failed] == [("broken", "sweep")]
    assert res.failed[0].error == "NumericValueOutOfRange: integer out of range"
    # The seed plan was still chased: every stage due that day, as without the bad row (the next test).
    assert pending_by_kind(seeded, plan="xinyi-2015-2017") == AFTER_JUNE_2016
    assert rows(seeded, "SELECT COUNT(*) FROM outbox x JOIN obligation o ON o.id = x.obligation_id "
                        "WHERE o.plan_id = :p", p=pid) == [(0,)]
    assert res.enqueued == sum(AFTER_JUNE_2016.values())  # as many as without the broken plan (the next test)
    again = run_sweep(seeded, when)  # the unique key still makes a second sweep a no-op for the good plan
    assert (again.enqueued, [f.plan for f in again.failed]) == (0, ["broken"])


def test_a_sweep_without_bad_rows_runs_every_plan_at_once(seeded: sa.Engine) -> None:
    with session_scope(seeded) as s:
        res = sweep(session=s, cal=CAL, escalation=ESC, now=at(CAL.add_working_days(dt.date(2016, 6, 6), 3)))
    assert (res.enqueued, res.failed) == (sum(AFTER_JUNE_2016.values()), [])
    assert pending_by_kind(seeded) == AFTER_JUNE_2016


class TestClassification:
    def test_a_lost_connection_is_no_plans_fault(self) -> None:
        lost = sa.exc.OperationalError("SELECT 1", {}, Exception("terminating connection"))
        assert is_transient(lost) and not is_plan_fault(lost)
        invalidated = sa.exc.DBAPIError("SELECT 1", {}, Exception("server closed"), connection_invalidated=True)
        assert is_transient(invalidated) and not is_plan_fault(invalidated)
        assert not is_plan_fault(DatabaseError("the database is not initialised"))

    @pytest.mark.parametrize("exc", [
        OverflowError("date value out of range"), ValueError("year 0 is out of range"), KeyError("2016-06-06"),
        PlanError(["plan broken: bad"]), sa.exc.DataError("UPDATE", {}, Exception("integer out of range")),
    ])
    def test_data_errors_are_the_plans_fault(self, exc: Exception) -> None:
        assert is_plan_fault(exc) and not is_transient(exc)

    def test_one_line_never_carries_the_statement_or_its_parameters(self) -> None:
        exc = sa.exc.DataError("UPDATE obligation SET x = :secret", {"secret": "s3cr3t"},
                               ValueError("integer out of range\nDETAIL: more"))
        assert one_line(exc) == "ValueError: integer out of range"
        assert one_line(PlanError(["a", "b"])) == "2 problems: a b"
        assert len(one_line(ValueError("x" * 1000))) == 300

    def test_plan_failure_is_plain_data(self) -> None:
        assert PlanFailure(plan="p", step="sweep", error="e") == PlanFailure(plan="p", step="sweep", error="e")
