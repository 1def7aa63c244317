"""Inspections as stored facts, on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.db import session_scope
from models.engine.adhoc import close_obligation, create_adhoc_obligation, ensure_system_duties
from models.enums import (
    DutyKind,
    Frequency,
    HolidayPolicy,
    IndicatorScope,
    Light,
    ObligationStatus,
    Responsible,
    TaskStatus,
    UnitKind,
)
from models.records.inspections import (
    find_inspection,
    inspection_ordinal,
    inspection_source,
    plan_inspections,
    previous_inspection,
    record_inspection,
    rectification_due_on,
    stored_ranks,
    stored_scores,
    unit_facts,
)
from models.records.reports import record_progress_report, save_allocations
from models.records.units import unit_named
from models.rules.scoring import UnitFacts, score_units
from models.tables.duties import TaskReport
from models.tables.engine import Obligation
from models.tables.plan import Duty, Indicator, Item, Unit
from tests.models.records.conftest import CAL, ESC, SPEC, at

AS_OF = dt.date(2016, 6, 20)


def facts(name: str, **changes: object) -> UnitFacts:
    base: dict[str, object] = {"unit": name, "kind": "town", "reports_due": 1, "reports_on_time": 1,
                               "reports_late": 0, "progress": 1.0, "actions_due": 0, "actions_on_time": 0,
                               "open_red": 0}
    return UnitFacts(**{**base, **changes})  # type: ignore[arg-type]


def store(engine: sa.Engine, plan_id: int, period: str, run_at: dt.datetime,
          previous: dict[str, int] | None = None) -> int:
    with session_scope(engine) as s:
        scores = score_units([facts("镇隆镇"), facts("水口镇", reports_on_time=0, reports_late=1, open_red=3)],
                             previous)
        return record_inspection(session=s, plan_id=plan_id, period=period, as_of=run_at.date(), run_at=run_at,
                                 scores=scores).id or 0


def test_inspection_source_names_the_inspection() -> None:
    assert inspection_source(3) == "inspection:3"


def test_stored_scores_come_back_as_scored(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        scores = score_units([facts("镇隆镇"), facts("水口镇", progress=0.2, open_red=2)], {"镇隆镇": 2, "水口镇": 1})
        record_inspection(session=s, plan_id=plan_id, period="2016-06-05", as_of=AS_OF, run_at=at(AS_OF),
                          scores=scores)
    with session_scope(seeded) as s:
        found = find_inspection(session=s, plan_id=plan_id, period="2016-06-05")
        assert found is not None
        assert stored_scores(found) == scores
        assert stored_ranks(found) == {s.unit: s.rank for s in scores}
        assert find_inspection(session=s, plan_id=plan_id, period="2016-12-05") is None


FIVE = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]


def test_previous_inspection_is_by_period_not_by_run_order(seeded: sa.Engine, plan_id: int) -> None:
    # Run out of period order: 2016-06 first (late in 2016), then 2015-12, then 2016-12.
    store(seeded, plan_id, "2016-06-05", at(dt.date(2016, 12, 20)))
    store(seeded, plan_id, "2015-12-05", at(dt.date(2016, 12, 21)))
    store(seeded, plan_id, "2016-12-05", at(dt.date(2016, 12, 22)))
    with session_scope(seeded) as s:
        every = plan_inspections(session=s, plan_id=plan_id)
        previous = {p: previous_inspection(session=s, plan_id=plan_id, period=p) for p in FIVE[:3]}
    assert [i.period for i in every] == FIVE[:3]
    assert {p: (i.period if i else None) for p, i in previous.items()} == {
        "2015-12-05": None, "2016-06-05": "2015-12-05", "2016-12-05": "2016-06-05"}


def test_no_inspection_before_the_first(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        assert previous_inspection(session=s, plan_id=plan_id, period="2016-06-05") is None
        assert plan_inspections(session=s, plan_id=plan_id) == []


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 2, 0, 3, 1]])
def test_inspection_ordinal_counts_the_period_year_in_period_order(
    seeded: sa.Engine, plan_id: int, order: list[int],
) -> None:
    # Whatever order they run in (and whenever: the 2015-12 one in January 2016, one in 2026), the number
    # counts the inspections of the period's year, in period order.
    runs = [at(dt.date(2016, 1, 5)), at(dt.date(2026, 6, 20)), at(dt.date(2016, 12, 20)),
            at(dt.date(2017, 6, 20)), at(dt.date(2018, 1, 3))]
    for i in order:
        store(seeded, plan_id, FIVE[i], runs[i])
    with session_scope(seeded) as s:
        got = {i.period: (i.period[:4], inspection_ordinal(session=s, inspection=i))
               for i in plan_inspections(session=s, plan_id=plan_id)}
    assert got == {"2015-12-05": ("2015", 1), "2016-06-05": ("2016", 1), "2016-12-05": ("2016", 2),
                   "2017-06-05": ("2017", 1), "2017-12-05": ("2017", 2)}


def test_rectification_due_on_none_until_one_is_opened(seeded: sa.Engine, plan_id: int) -> None:
    inspection_id = store(seeded, plan_id, "2016-06-05", at(AS_OF))
    with session_scope(seeded) as s:
        assert rectification_due_on(session=s, inspection_id=inspection_id) is None
        duty = ensure_system_duties(session=s, plan_id=plan_id)["rectification"]
        unit = unit_named(session=s, plan_id=plan_id, name="水口镇")
        create_adhoc_obligation(session=s, duty=duty, unit_id=unit.id or 0, title="整改",
                                nominal_due_on=dt.date(2016, 7, 4), source=inspection_source(inspection_id),
                                now=at(AS_OF), cal=CAL, escalation=ESC)
        assert rectification_due_on(session=s, inspection_id=inspection_id) == dt.date(2016, 7, 4)


def _seed_facts(engine: sa.Engine, plan_id: int) -> None:
    """镇隆镇 reports on time ahead of the pace, 水口镇 late far above it, 丁堡镇 not at all and has a red light;
    a park-scope target allocated to 镇隆镇 (never to be imposed on it); action items: 镇隆镇's closed in time,
    水口镇's closed late, one due after AS_OF."""
    with session_scope(engine) as s:
        s.execute(sa.update(Indicator.__table__)  # type: ignore[attr-defined]
                  .where(Indicator.__table__.c.code == "park-fixed-investment")  # type: ignore[attr-defined]
                  .values(scope=IndicatorScope.PARK))
        s.execute(sa.update(Indicator.__table__)  # type: ignore[attr-defined]
                  .where(Indicator.__table__.c.code == "industrial-investment")  # type: ignore[attr-defined]
                  .values(local_name="工业投资"))
        # Departments owe nothing here (the plan file's task-report obligations, where it has them, set aside).
        s.execute(sa.text("DELETE FROM obligation WHERE duty_id IN (SELECT id FROM duty WHERE kind = 'task_report')"))
        save_allocations(session=s, plan_id=plan_id, year=2016,
                         split={"industrial-investment": {"镇隆镇": 10.0, "水口镇": 10.0},
                                "park-fixed-investment": {"镇隆镇": 20.0}},
                         city={"industrial-investment": 20.0, "park-fixed-investment": 20.0},
                         now=at(dt.date(2016, 4, 1)))
        for name, when, value in [("镇隆镇", at(dt.date(2016, 6, 3)), 5.0), ("水口镇", at(dt.date(2016, 6, 8)), 20.0)]:
            record_progress_report(session=s, plan_id=plan_id, unit_name=name, period="2016-06-05",
                                   actuals={"industrial-investment": value}, projects=[], problems="",
                                   next_steps="", now=when)
        duty = ensure_system_duties(session=s, plan_id=plan_id)["action-item"]
        for n, (name, due, closed) in enumerate([("镇隆镇", dt.date(2016, 6, 10), dt.date(2016, 6, 10)),
                                                 ("水口镇", dt.date(2016, 6, 10), dt.date(2016, 6, 13)),
                                                 ("镇隆镇", dt.date(2016, 6, 30), None)]):
            unit = unit_named(session=s, plan_id=plan_id, name=name)
            ob = create_adhoc_obligation(session=s, duty=duty, unit_id=unit.id or 0, title=f"事项{n}",
                                         nominal_due_on=due, source=f"meeting:1#{n}", now=at(dt.date(2016, 6, 1)),
                                         cal=CAL, escalation=ESC)
            if closed is not None:
                close_obligation(session=s, obligation_id=ob.id or 0, status=ObligationStatus.CLOSED,
                                 now=at(closed, 17))
        dingbao = unit_named(session=s, plan_id=plan_id, name="丁堡镇")
        s.execute(sa.update(Obligation.__table__)  # type: ignore[attr-defined]
                  .where(Obligation.__table__.c.unit_id == dingbao.id,  # type: ignore[attr-defined]
                         Obligation.__table__.c.period == "2016-06-05")  # type: ignore[attr-defined]
                  .values(light=Light.RED))


def test_unit_facts_from_reports_actions_and_lights(seeded: sa.Engine, plan_id: int) -> None:
    _seed_facts(seeded, plan_id)
    with session_scope(seeded) as s:
        got = {f.unit: f for f in unit_facts(session=s, plan_id=plan_id, period="2016-06-05", as_of=AS_OF)}
    assert list(got) == [u.name for u in SPEC.all_units if u.name not in (SPEC.issuer, SPEC.leader)]
    assert "信宜市人民政府" not in got  # the issuer inspects; it is not inspected
    # 镇隆镇: 5 of 10 by 5 June, when 5/12 is expected: ratio 1.2, 8.3 points ahead; the park target is ignored;
    # the lagging indicator is named as the town sees it.
    assert got["镇隆镇"].progress == pytest.approx(1.2)
    assert got["镇隆镇"] == facts("镇隆镇", progress=got["镇隆镇"].progress, actions_due=1, actions_on_time=1,
                                 pace_gap=-8.3, lagging="工业投资", submitted_at="2016-06-03T01:30:00+00:00")
    assert got["水口镇"] == facts("水口镇", reports_on_time=0, reports_late=1, progress=1.5, actions_due=1,
                                 pace_gap=-158.3, lagging="工业投资", submitted_at="2016-06-08T01:30:00+00:00")
    # Nothing reported: progress 0, not "not assessable".
    assert got["丁堡镇"] == facts("丁堡镇", reports_on_time=0, progress=0.0, open_red=1)
    assert got["市发改局"] == facts("市发改局", kind="department", reports_due=0, reports_on_time=0, progress=None)
    assert not got["市发改局"].anything_due


def _task_duty(session: Session, plan_id: int, ref: str) -> Duty:
    """A per-item task-report duty for item ``ref``, as plandata's store writes them (item_id set)."""
    item = session.exec(select(Item).where(Item.plan_id == plan_id, Item.ref == ref)).one()
    owner = unit_named(session=session, plan_id=plan_id, name="市科工商务局")
    duty = Duty(plan_id=plan_id, code=f"task-report-{ref}", kind=DutyKind.TASK_REPORT, title=item.title,
                owner_id=owner.id or 0, responsible=Responsible.ITEM_LEADS, frequency=Frequency.SEMIANNUAL,
                holiday_policy=HolidayPolicy.ROLL_FORWARD, item_id=item.id)
    session.add(duty)
    session.flush()
    return duty


def _task_report(session: Session, ob: Obligation, status: str, when: dt.datetime, *, version: int = 1,
                 contribution: bool = False, unit_id: int | None = None) -> None:
    session.add(TaskReport(obligation_id=ob.id or 0, item_id=0 or _item_of(session, ob), unit_id=unit_id or ob.unit_id,
                           version=version, submitted_at=when, status=status, contribution=contribution,
                           content_hash=f"{ob.id}-{version}-{contribution}"))
    session.flush()


def _item_of(session: Session, ob: Obligation) -> int:
    return session.exec(select(Duty).where(Duty.id == ob.duty_id)).one().item_id or 0


def test_unit_facts_of_departments_from_their_task_reports(seeded: sa.Engine, plan_id: int) -> None:
    """市发改局 leads two items: one reported on time (推进中), one late, first 未启动 then 滞后 in a later version;
    市财政局 owes one and reports nothing but contributes to another's; 市统计局's is from the previous period;
    市教育局's was waived; 人民银行信宜市支行 (made vertical) reports on time."""
    with session_scope(seeded) as s:
        s.execute(sa.update(Unit.__table__).where(Unit.__table__.c.name == "人民银行信宜市支行")  # type: ignore[attr-defined]
                  .values(kind=UnitKind.VERTICAL))
        # Only the task-report obligations seeded here (the plan file's own, where it has them, are set aside).
        s.execute(sa.text("DELETE FROM obligation WHERE duty_id IN (SELECT id FROM duty WHERE kind = 'task_report')"))
        refs = [i.ref for i in s.exec(select(Item).where(Item.plan_id == plan_id).order_by(col(Item.position)))]
        duties = [_task_duty(s, plan_id, ref) for ref in refs[:6]]  # codes distinct from the plan's own
        june, dec = dt.date(2016, 6, 5), dt.date(2015, 12, 5)

        def owe(duty: Duty, unit: str, due: dt.date) -> Obligation:
            u = unit_named(session=s, plan_id=plan_id, name=unit)
            return create_adhoc_obligation(session=s, duty=duty, unit_id=u.id or 0, title=duty.title,
                                           nominal_due_on=due, source=f"task:{duty.id}:{u.id}:{due}",
                                           now=at(dt.date(2015, 7, 6)), cal=CAL, escalation=ESC)

        a, b = owe(duties[0], "市发改局", june), owe(duties[1], "市发改局", june)
        _task_report(s, a, TaskStatus.IN_PROGRESS, at(dt.date(2016, 6, 1)))
        _task_report(s, b, TaskStatus.NOT_STARTED, at(dt.date(2016, 6, 8)))
        _task_report(s, b, TaskStatus.LAGGING, at(dt.date(2016, 6, 9)), version=2)
        missing = owe(duties[2], "市财政局", june)
        fgj = unit_named(session=s, plan_id=plan_id, name="市财政局")
        _task_report(s, a, TaskStatus.COMPLETED, at(dt.date(2016, 6, 1)), contribution=True, unit_id=fgj.id)
        assert missing.id
        owe(duties[3], "市统计局", dec)
        waived = owe(duties[4], "市教育局", june)
        waived.status = ObligationStatus.WAIVED
        bank = owe(duties[5], "人民银行信宜市支行", june)
        _task_report(s, bank, TaskStatus.COMPLETED, at(dt.date(2016, 6, 2)))
    with session_scope(seeded) as s:
        got = {f.unit: f for f in unit_facts(session=s, plan_id=plan_id, period="2016-06-05", as_of=AS_OF)}
    dept = {"kind": "department", "reports_due": 2, "reports_on_time": 1, "reports_late": 1}
    assert got["市发改局"] == facts("市发改局", **dept, progress=0.5, tasks_lagging=1,
                                  submitted_at="2016-06-08T01:30:00+00:00")
    assert got["市财政局"] == facts("市财政局", kind="department", reports_on_time=0, progress=0.0)
    assert not got["市统计局"].anything_due  # due in the previous period
    assert not got["市教育局"].anything_due  # waived
    assert got["人民银行信宜市支行"] == facts("人民银行信宜市支行", kind="vertical", progress=1.0,
                                       submitted_at="2016-06-02T01:30:00+00:00")
    scores = {sc.unit: sc for sc in score_units(list(got.values()))}
    assert (scores["市发改局"].group, scores["市发改局"].rank) == ("department", 1)
    assert (scores["市财政局"].group, scores["市财政局"].rank, scores["市财政局"].light) == ("department", 2, "red")
    assert (scores["人民银行信宜市支行"].group, scores["人民银行信宜市支行"].rank) == ("resident", None)
    assert (scores["市统计局"].group, scores["市统计局"].light) == ("no_task", None)
