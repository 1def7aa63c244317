"""The chain of authority in generation and the sweep (models.rules.authority), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.db import session_scope
from models.engine.obligations import GenerateResult, generate_obligations
from models.plan.file import load_plan_file
from models.plan.tasks import derived_code
from models.rules.ladder import first_offset
from notifications.delivery.dispatch import Job, build_jobs
from tests.conftest import SEED_PLAN
from tests.models.engine.conftest import CAL, ESC, at, rows, run_sweep

COORDINATOR = "市科工商务局"
ISSUER = "信宜市人民政府"  # also the seed's leader
SEED = load_plan_file(SEED_PLAN)
# The items the coordinator leads: their task reports (one duty per item, 5 nodes each) are its own work too.
OWN_ITEMS = [item for item in SEED.items if item.lead == COORDINATOR]
OTHER_ITEMS = [item for item in SEED.items if item.lead != COORDINATOR]


def generate(engine: sa.Engine, day: dt.date) -> GenerateResult:
    with session_scope(engine) as s:
        return generate_obligations(None, session=s, cal=CAL, escalation=ESC, now=at(day))


class TestGeneration:
    def test_the_inspection_is_owed_by_the_coordinator_as_its_own_work(self, seeded: sa.Engine) -> None:
        got = rows(seeded, "SELECT u.name, o.own, COUNT(*) FROM obligation o JOIN duty d ON d.id = o.duty_id "
                           "JOIN unit u ON u.id = o.unit_id WHERE d.code = 'inspection' GROUP BY u.name, o.own")
        assert [(name, bool(own), n) for name, own, n in got] == [(COORDINATOR, True, 5)]

    def test_nothing_is_owed_by_the_issuer_or_leader(self, seeded: sa.Engine) -> None:
        assert rows(seeded, "SELECT COUNT(*) FROM obligation o JOIN unit u ON u.id = o.unit_id WHERE u.name = :n",
                    n=ISSUER) == [(0,)]

    def test_own_is_set_for_the_coordinators_obligations_only(self, seeded: sa.Engine) -> None:
        got = rows(seeded, "SELECT d.code, u.name, o.own, COUNT(*) FROM obligation o JOIN duty d ON d.id = o.duty_id "
                           "JOIN unit u ON u.id = o.unit_id GROUP BY d.code, u.name, o.own")
        own = {(str(code), str(name)) for code, name, flag, _n in got if bool(flag)}
        tasks = {(derived_code("task-report", item.ref), COORDINATOR) for item in OWN_ITEMS}
        assert len(OWN_ITEMS) == 19 and len(tasks) == 19
        assert own == {("decomposition", COORDINATOR), ("joint-meeting", COORDINATOR), ("inspection", COORDINATOR)
                       } | tasks
        # Not own: the localities' reports and one-off duties, the other leads' task reports.
        assert sum(int(str(n)) for code, _name, flag, n in got if not bool(flag)) == 100 + 40 + 5 * len(OTHER_ITEMS)

    def test_an_open_obligation_of_the_issuer_from_before_is_waived_once(self, seeded: sa.Engine) -> None:
        # A database from before the authority rules: the inspection was the issuer's, and was being chased.
        with seeded.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO obligation (plan_id, duty_id, unit_id, period, nominal_due_on, due_on, holiday_policy, "
                "holiday_rule, calendar_source, due_wd, status, light, level, stage_seq, next_wd, created_at, "
                "updated_at, own) SELECT plan_id, duty_id, (SELECT id FROM unit WHERE name = :issuer), period, "
                "nominal_due_on, due_on, holiday_policy, holiday_rule, calendar_source, due_wd, status, light, level, "
                "stage_seq, next_wd, created_at, updated_at, own FROM obligation "
                "WHERE duty_id = (SELECT id FROM duty WHERE code = 'inspection') AND period = '2016-06-05'"),
                {"issuer": ISSUER})
        first = generate(seeded, dt.date(2016, 6, 1))
        again = generate(seeded, dt.date(2016, 6, 2))
        assert (first.waived, again.waived) == (1, 0)
        got = rows(seeded, "SELECT o.status, o.next_wd FROM obligation o JOIN unit u ON u.id = o.unit_id "
                           "WHERE u.name = :n", n=ISSUER)
        assert got == [("waived", None)]
        events = rows(seeded, "SELECT e.kind, e.old, e.new, e.note FROM obligation_event e "
                              "JOIN obligation o ON o.id = e.obligation_id JOIN unit u ON u.id = o.unit_id "
                              "WHERE u.name = :n", n=ISSUER)
        assert len(events) == 1
        kind, old, new, note = events[0]
        assert (kind, old, new) == ("status", "open", "waived")
        assert str(note).startswith("authority:") and ISSUER in str(note) and COORDINATOR in str(note)
        # Nothing is sent about it any more.
        run_sweep(seeded, at(CAL.add_working_days(dt.date(2016, 6, 20), 4)))
        assert rows(seeded, "SELECT COUNT(*) FROM outbox WHERE recipient LIKE 'unit-city-gov%'") == [(0,)]

    def test_own_is_refreshed_for_open_obligations(self, seeded: sa.Engine) -> None:
        # As if stored before: the coordinator's obligations not marked own, one locality's wrongly marked.
        with seeded.begin() as conn:
            conn.execute(sa.text("UPDATE obligation SET own = :f, stage_seq = 1 WHERE unit_id = "
                                 "(SELECT id FROM unit WHERE name = :n)"), {"f": False, "n": COORDINATOR})
            conn.execute(sa.text("UPDATE obligation SET own = :t WHERE unit_id = (SELECT id FROM unit WHERE "
                                 "name = '镇隆镇') AND period = '2016-06-05'"), {"t": True})
        # Swept the old way: the 2016 split, 4 working days overdue, has a 督办单 to the coordinator's head waiting.
        day = dt.date(2016, 5, 5)
        run_sweep(seeded, at(day))
        waiting = ("SELECT x.stage_key, x.recipient, x.status FROM outbox x "
                   "JOIN obligation o ON o.id = x.obligation_id JOIN duty d ON d.id = o.duty_id "
                   "WHERE d.code = 'decomposition' AND o.period = '2016-04-30' "
                   "ORDER BY x.id")
        assert ("notice@3", "unit-kgswj+role-head", "pending") in rows(seeded, waiting)
        res = generate(seeded, day)
        # 2 splits, 10 meetings, 5 inspections, the coordinator's task reports; the locality back to False
        assert res.own_changed == 17 + 5 * len(OWN_ITEMS) + 1
        assert {(k, r) for k, r, s in rows(seeded, waiting) if s == "pending"} == set()  # the old ladder's, cancelled
        run_sweep(seeded, at(day, 10, 0))
        assert {(k, r) for k, r, s in rows(seeded, waiting) if s == "pending"} == {("escalate@3", "role-leader")}
        got = rows(seeded, "SELECT u.name, o.own, o.stage_seq, o.next_wd - o.due_wd FROM obligation o "
                           "JOIN unit u ON u.id = o.unit_id WHERE u.name IN (:c, '镇隆镇') AND o.period = '2016-06-05'",
                   c=COORDINATOR)
        by_unit = {str(name): (bool(own), seq, start) for name, own, seq, start in got}
        assert by_unit["镇隆镇"] == (False, -1, first_offset(ESC.default))
        assert by_unit[COORDINATOR] == (True, -1, first_offset(ESC.own))
        assert generate(seeded, day).own_changed == 0


def _sweep_working_days(engine: sa.Engine, start: dt.date, end: dt.date) -> None:
    day = start
    while day <= end:
        if CAL.is_working_day(day):
            run_sweep(engine, at(day))
        day += dt.timedelta(days=1)


OWN_ROWS = ("SELECT x.id, x.stage, x.stage_key, x.recipient, x.role, x.status FROM outbox x "
            "JOIN obligation o ON o.id = x.obligation_id JOIN unit u ON u.id = o.unit_id WHERE o.own = :t")


class TestSweep:
    def test_an_own_obligation_gets_work_reminders_then_the_leader_never_supervision(self, seeded: sa.Engine) -> None:
        _sweep_working_days(seeded, dt.date(2016, 3, 1), dt.date(2016, 7, 29))
        got = rows(seeded, OWN_ROWS, t=True)
        assert got
        assert {str(stage) for _i, stage, _k, _r, _role, _s in got} <= {"reminder", "escalate", "repeat"}
        recipients = {str(r) for _i, _st, _k, r, _role, _s in got}
        assert recipients == {"unit-kgswj+role-handler", "role-leader"}
        assert ("escalate", "role-leader", "pending") in {(st, r, s) for _i, st, _k, r, _role, s in got}
        # The coordinator's joint meeting of 2016-06-20: reminded before, the leader told 3 working days after.
        meeting = rows(seeded, "SELECT x.stage_key, x.recipient FROM outbox x JOIN obligation o ON "
                               "o.id = x.obligation_id JOIN duty d ON d.id = o.duty_id WHERE d.code = 'joint-meeting' "
                               "AND o.period = '2016-06-20' AND x.status = 'pending' ORDER BY x.id")
        assert meeting[:3] == [("reminder@-5", "unit-kgswj+role-handler"), ("reminder@-1", "unit-kgswj+role-handler"),
                               ("escalate@3", "role-leader")]
        # The localities' reports still climb the whole ladder, the coordinator copied on the 督办单.
        others = {(str(st), str(r)) for _i, st, _k, r, _role, _s in rows(seeded, OWN_ROWS, t=False)}
        assert ("notice", "role-coordinator") in others and ("urge", "unit-zhenlong+role-handler") in others

    def test_own_messages_are_work_reminders_and_neutral_reports(self, seeded: sa.Engine) -> None:
        _sweep_working_days(seeded, dt.date(2016, 4, 18), dt.date(2016, 5, 20))
        ids = [int(str(i)) for i, *_rest in rows(seeded, OWN_ROWS + " AND x.status = 'pending'", t=True)]
        with session_scope(seeded) as s:
            jobs = [job for _row, job in build_jobs(session=s, ids=ids, cal=CAL, escalation=ESC,
                                                    now=at(dt.date(2016, 5, 20)))]
        assert jobs and all(isinstance(job, Job) for job in jobs)
        for job in jobs:
            assert isinstance(job, Job)
            text = job.message.title + job.message.body
            assert job.message.title.startswith("【工作提示】" if job.stage == "reminder" else "【提请关注】"), text
            for word in ("催办", "督办", "督促", "抄送", "温馨", "参加联席会议"):
                assert word not in text, (word, text)
        titles = {job.message.title for job in jobs}
        assert any("年度目标任务分解" in t for t in titles) and any("部门间联席会议" in t for t in titles)
