"""Inspections as stored facts, on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.db import session_scope
from models.engine.adhoc import close_obligation, create_adhoc_obligation, ensure_system_duties
from models.enums import Light, ObligationStatus, UnitKind
from models.records.inspections import (
    find_inspection,
    inspection_ordinal,
    inspection_source,
    latest_inspection,
    plan_inspections,
    record_inspection,
    rectification_due_on,
    stored_ranks,
    stored_scores,
    unit_facts,
)
from models.records.reports import record_progress_report, save_allocations
from models.records.units import unit_named
from models.rules.scoring import UnitFacts, score_units
from models.tables.engine import Obligation
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


def test_latest_and_all_inspections(seeded: sa.Engine, plan_id: int) -> None:
    # Run out of period order: the latest is the one run last, the list goes by period.
    store(seeded, plan_id, "2016-06-05", at(dt.date(2016, 12, 20)))
    store(seeded, plan_id, "2015-12-05", at(dt.date(2016, 1, 5)))
    with session_scope(seeded) as s:
        latest = latest_inspection(session=s, plan_id=plan_id)
        every = plan_inspections(session=s, plan_id=plan_id)
    assert latest is not None and latest.period == "2016-06-05"
    assert [i.period for i in every] == ["2015-12-05", "2016-06-05"]


def test_latest_inspection_none_before_the_first(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        assert latest_inspection(session=s, plan_id=plan_id) is None
        assert plan_inspections(session=s, plan_id=plan_id) == []


def test_inspection_ordinal_counts_within_the_local_year(seeded: sa.Engine, plan_id: int) -> None:
    # 2016-01-01 00:30 in Shanghai is still 2015 in UTC: the local year decides.
    ids = [store(seeded, plan_id, "2015-12-05", at(dt.date(2015, 12, 20))),
           store(seeded, plan_id, "2016-06-05", at(dt.date(2016, 1, 1), 0, 30)),
           store(seeded, plan_id, "2016-12-05", at(dt.date(2016, 12, 20)))]
    with session_scope(seeded) as s:
        ordinals = []
        for inspection_id in ids:
            found = next(i for i in plan_inspections(session=s, plan_id=plan_id) if i.id == inspection_id)
            ordinals.append(inspection_ordinal(session=s, inspection=found))
    assert ordinals == [1, 1, 2]


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
    """镇隆镇 reports on time at half its target, 水口镇 late above it, 丁堡镇 not at all and has a red light;
    action items: 镇隆镇's closed in time, 水口镇's closed late, one due after AS_OF."""
    with session_scope(engine) as s:
        save_allocations(session=s, plan_id=plan_id, year=2016,
                         split={"industrial-investment": {"镇隆镇": 10.0, "水口镇": 10.0}},
                         city={"industrial-investment": 20.0}, now=at(dt.date(2016, 4, 1)))
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
    assert list(got) == [u.name for u in SPEC.all_units if u.kind is not UnitKind.OTHER]
    assert got["镇隆镇"] == facts("镇隆镇", progress=0.5, actions_due=1, actions_on_time=1)
    assert got["水口镇"] == facts("水口镇", reports_on_time=0, reports_late=1, progress=1.5, actions_due=1)
    assert got["丁堡镇"] == facts("丁堡镇", reports_on_time=0, progress=None, open_red=1)
    assert got["市发改局"] == facts("市发改局", kind="department", reports_due=0, reports_on_time=0, progress=None)
