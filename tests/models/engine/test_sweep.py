"""Obligations and the sweep on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict

import pytest
import sqlalchemy as sa

from models.db import session_scope
from models.engine.obligations import generate_obligations
from models.enums import UNIT_ROLES, Role, recipient_key
from models.plan.file import load_plan_file
from models.plan.store import load_plan
from models.plan.tasks import derived_code, task_nodes
from models.rules.ladder import step_at
from tests.conftest import SEED_PLAN, seed_obligations
from tests.models.engine.conftest import CAL, ESC, FIRST_MONDAY, at, pending_by_kind, rows, run_sweep

PERIODS = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]


class TestObligations:
    def test_one_per_unit_per_period(self, seeded: sa.Engine) -> None:
        got = dict(rows(seeded, "SELECT d.code, COUNT(*) FROM obligation o JOIN duty d ON d.id = o.duty_id "
                                "GROUP BY d.code"))
        # 20 localities x 5 reports (2015-12 .. 2017-12); 2 splits; 10 quarterly meetings; 5 inspections (owed by
        # the coordinator, not the issuer); 20 localities x 1 for each one-off duty 五(一), 五(二); and each item's
        # task report, owed by its lead alone, at each of the 5 report nodes (2015-12 .. 2017-12).
        plan = load_plan_file(SEED_PLAN)
        assert task_nodes(plan) == PERIODS
        tasks = {derived_code("task-report", item.ref): 5 for item in plan.items}
        assert len(tasks) == 24
        assert got == {"progress-report": 100, "decomposition": 2, "joint-meeting": 10, "inspection": 5,
                       "locality-mechanism": 20, "locality-plan": 20, **tasks}
        assert sum(got.values()) == seed_obligations()

    @pytest.mark.parametrize(
        ("code", "nominal", "effective", "rule"),
        [
            ("progress-report", "2016-06-05", "2016-06-06", "rolled_forward"),
            ("progress-report", "2015-12-05", "2015-12-07", "rolled_forward"),
            ("progress-report", "2016-12-05", "2016-12-05", "working_day"),
            ("decomposition", "2016-04-30", "2016-04-29", "pulled_earlier"),
            ("decomposition", "2017-04-30", "2017-04-28", "pulled_earlier"),
            ("joint-meeting", "2016-03-20", "2016-03-21", "rolled_forward"),
        ],
    )
    def test_effective_due_dates_and_rule(self, seeded: sa.Engine, code: str, nominal: str, effective: str,
                                          rule: str) -> None:
        got = set(rows(seeded, "SELECT o.due_on, o.holiday_rule, o.calendar_source FROM obligation o "
                               "JOIN duty d ON d.id = o.duty_id WHERE d.code = :c AND o.period = :p",
                       c=code, p=nominal))
        assert {(str(d), r, s) for d, r, s in got} == {(effective, rule, "official")}

    def test_inspection_follows_each_report_by_ten_working_days(self, seeded: sa.Engine) -> None:
        dues = [str(r[0]) for r in rows(seeded, "SELECT o.due_on FROM obligation o JOIN duty d ON d.id = o.duty_id "
                                                "WHERE d.code = 'inspection' ORDER BY o.due_on")]
        assert dues[0] == CAL.add_working_days(dt.date(2015, 12, 7), 10).isoformat()
        assert len(dues) == 5

    def test_generation_is_idempotent(self, seeded: sa.Engine) -> None:
        with session_scope(seeded) as s:
            again = generate_obligations(None, session=s, cal=CAL, escalation=ESC, now=at(dt.date(2015, 8, 1)))
        assert (again.created, again.moved, again.total) == (0, 0, seed_obligations())


class TestSweep:
    def test_twice_enqueues_nothing_new(self, seeded: sa.Engine) -> None:
        first = run_sweep(seeded, at(dt.date(2015, 11, 30)))
        second = run_sweep(seeded, at(dt.date(2015, 11, 30), 10, 0))
        assert pending_by_kind(seeded) == FIRST_MONDAY
        assert first.enqueued == sum(FIRST_MONDAY.values())
        assert pending_by_kind(seeded, "reminder@-5") == {"progress_report": 20, "task_report": 24}
        assert second.enqueued == 0 and second.skipped == 0
        keys = rows(seeded, "SELECT DISTINCT stage_key, recipient FROM outbox WHERE recipient LIKE 'unit-zhenlong%' "
                            "AND status = 'pending'")
        assert keys == [("reminder@-5", "unit-zhenlong+role-handler")]

    def test_matches_the_pure_ladder_day_by_day(self, seeded: sa.Engine) -> None:
        """Sweeping every working day enqueues exactly the steps step_at() says, each once.

        The localities' reports follow the default ladder, the coordinator's own split the own ladder.
        """
        obs = rows(seeded, "SELECT o.id, o.due_on, d.code, o.own FROM obligation o JOIN duty d ON d.id = o.duty_id "
                           "WHERE d.code IN ('progress-report', 'decomposition') AND o.due_on < '2016-08-01'")
        assert {(str(code), bool(own)) for _o, _d, code, own in obs} == {("progress-report", False),
                                                                         ("decomposition", True)}
        expected: dict[int, set[str]] = defaultdict(set)
        day = dt.date(2015, 11, 2)
        while day <= dt.date(2016, 7, 29):
            if CAL.is_working_day(day):
                run_sweep(seeded, at(day))
                for oid, due, code, own in obs:
                    due_d = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due))
                    step = step_at(ESC.for_obligation(str(code), bool(own)), CAL.working_days_between(due_d, day))
                    if step is not None:
                        expected[int(str(oid))].add(step.key)
            day += dt.timedelta(days=1)
        got: dict[int, set[str]] = defaultdict(set)
        for oid, key in rows(seeded, "SELECT obligation_id, stage_key FROM outbox WHERE status = 'pending'"):
            if int(str(oid)) in expected:
                got[int(str(oid))].add(str(key))
        assert got == expected
        dupes = rows(seeded, "SELECT obligation_id, stage_key, recipient, COUNT(*) FROM outbox "
                             "GROUP BY obligation_id, stage_key, recipient HAVING COUNT(*) > 1")
        assert dupes == []

    def test_after_downtime_only_the_current_stage_is_sent(self, seeded: sa.Engine) -> None:
        # First sweep ever, eight working days after the 2015-12-07 report deadline.
        when = CAL.add_working_days(dt.date(2015, 12, 7), 8)
        res = run_sweep(seeded, at(when))
        got = rows(seeded, "SELECT o.stage_key, o.status FROM outbox o JOIN obligation b ON b.id = o.obligation_id "
                           "JOIN unit u ON u.id = b.unit_id WHERE u.name = '镇隆镇' AND b.period = '2015-12-05' "
                           "ORDER BY o.id")
        assert ("escalate@7", "pending") in got
        assert {k for k, s in got if s == "skipped"} == {"reminder@-5", "reminder@-1", "urge@1", "notice@3"}
        assert {k for k, s in got if s == "pending"} == {"escalate@7"}
        assert res.skipped > 0

    def test_send_time_waits_for_working_hours(self, seeded: sa.Engine) -> None:
        # Sunday 2015-11-29 evening: the reminder due on Monday's index waits until Monday 09:00.
        run_sweep(seeded, at(dt.date(2015, 11, 30), 20, 0))
        (nb,) = rows(seeded, "SELECT DISTINCT not_before FROM outbox")[0]
        assert "2015-12-01" in str(nb) and "01:00" in str(nb)  # 09:00 +08:00 stored as 01:00 UTC

    def test_lights_blue_then_red_and_sticky(self, seeded: sa.Engine) -> None:
        q = ("SELECT o.light FROM obligation o JOIN unit u ON u.id = o.unit_id "
             "WHERE u.name = '镇隆镇' AND o.period = '2015-12-05'")
        run_sweep(seeded, at(dt.date(2015, 11, 2)))
        assert rows(seeded, q) == [("none",)]
        run_sweep(seeded, at(dt.date(2015, 12, 1)))
        assert rows(seeded, q) == [("blue",)]
        run_sweep(seeded, at(dt.date(2015, 12, 8)))
        assert rows(seeded, q) == [("red",)]
        run_sweep(seeded, at(dt.date(2016, 3, 1)))
        assert rows(seeded, q) == [("red",)]
        history = rows(seeded, "SELECT e.old, e.new FROM obligation_event e "
                               "JOIN obligation o ON o.id = e.obligation_id "
                               "JOIN unit u ON u.id = o.unit_id WHERE u.name = '镇隆镇' AND o.period = '2015-12-05' "
                               "AND e.kind = 'light' ORDER BY e.id")
        assert history == [("none", "blue"), ("blue", "red")]

    def test_closed_obligations_are_not_chased(self, seeded: sa.Engine) -> None:
        run_sweep(seeded, at(dt.date(2015, 11, 30)))
        with seeded.begin() as conn:
            conn.execute(sa.text("UPDATE obligation SET status = 'accepted', closed_at = :t, next_wd = NULL "
                                 "WHERE unit_id = (SELECT id FROM unit WHERE name = '镇隆镇')"),
                         {"t": "2015-11-30 02:00:00"})
        res = run_sweep(seeded, at(dt.date(2015, 12, 8)))
        # Its report's reminder, and the leader's repeat for each of its two overdue one-off duties.
        assert res.cancelled == 3
        left = dict(rows(seeded, "SELECT x.status, COUNT(*) FROM outbox x JOIN obligation o ON o.id = x.obligation_id "
                                 "JOIN unit u ON u.id = o.unit_id WHERE u.name = '镇隆镇' GROUP BY x.status"))
        assert "pending" not in left and left["cancelled"] == 3
        left = rows(seeded, "SELECT DISTINCT x.status FROM outbox x WHERE x.recipient LIKE 'unit-zhenlong%' "
                            "AND x.status NOT IN ('skipped', 'cancelled')")
        assert left == []


def test_concurrent_sweeps_enqueue_each_decision_once(seeded: sa.Engine, db_url: str) -> None:
    when = at(CAL.add_working_days(dt.date(2016, 6, 6), 3))
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            run_sweep(seeded, when)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    dupes = rows(seeded, "SELECT obligation_id, stage_key, recipient, COUNT(*) FROM outbox "
                         "GROUP BY obligation_id, stage_key, recipient HAVING COUNT(*) > 1")
    assert dupes == []
    # 20 heads + the coordinator cc for each of the 20 localities; the same for the 5 items not led by the coordinator.
    assert pending_by_kind(seeded, "notice@3") == {"progress_report": 40, "task_report": 10}




def test_sweep_recipients_are_spelled_as_recipient_key(seeded: sa.Engine) -> None:
    # Three working days after the 2016-06-06 report deadline: the heads get a notice, the coordinator a copy.
    run_sweep(seeded, at(CAL.add_working_days(dt.date(2016, 6, 6), 3)))
    got = rows(seeded, "SELECT o.recipient, o.role, u.code FROM outbox o JOIN obligation b ON b.id = o.obligation_id "
                       "JOIN unit u ON u.id = b.unit_id")
    wrong = [(recipient, role, code) for recipient, role, code in got
             if recipient != recipient_key(str(role), str(code) if role in UNIT_ROLES else None)]
    assert wrong == []
    assert {Role.HEAD, Role.COORDINATOR} <= {Role(str(role)) for _, role, _ in got}


def test_a_changed_holiday_policy_moves_open_due_dates_with_history(seeded: sa.Engine) -> None:
    from models.plan.schema import PlanSpec

    data = load_plan_file(SEED_PLAN).model_dump(mode="json", by_alias=True)
    data["duties"][1]["holiday_policy"] = "pull_earlier"  # progress reports
    with session_scope(seeded) as s:
        load_plan(PlanSpec.model_validate(data), session=s, now=at(dt.date(2015, 8, 3)))
        res = generate_obligations(None, session=s, cal=CAL, escalation=ESC, now=at(dt.date(2015, 8, 3)))
    # 2015-12-05 (Sat) and 2016-06-05 (Sun) move for each of the 20 localities; the others were working days.
    # The inspections after those reports follow them: 2 more moves, no new obligation.
    assert (res.created, res.moved) == (0, 42)
    got = rows(seeded, "SELECT DISTINCT o.due_on, o.holiday_rule FROM obligation o JOIN unit u ON u.id = o.unit_id "
                       "WHERE u.name = '镇隆镇' AND o.period = '2016-06-05'")
    assert [(str(d), r) for d, r in got] == [("2016-06-03", "pulled_earlier")]
    assert rows(seeded, "SELECT COUNT(*) FROM obligation_event WHERE kind = 'due'") == [(42,)]
