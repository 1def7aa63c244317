"""The forms' choices read from a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.db import session_scope
from models.engine.obligations import generate_obligations
from models.plan.file import load_plan_file, parse_plan_text
from models.plan.store import load_plan
from models.records.choices import Choices, read_choices
from models.rules.calendar import WorkingCalendar
from models.rules.ladder import load_escalation
from tests.conftest import ROOT, SEED_PLAN

NOW = dt.datetime(2015, 7, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def choices(engine: sa.Engine) -> Choices:
    with session_scope(engine) as session:
        return read_choices(session=session)


def test_read_choices_without_a_plan_is_empty(engine: sa.Engine) -> None:
    assert choices(engine) == Choices()


def test_read_choices_of_the_seed_plan_then_its_report_periods(engine: sa.Engine) -> None:
    spec = load_plan_file(SEED_PLAN)
    with session_scope(engine) as session:
        load_plan(spec, session=session, now=NOW)
    loaded = choices(engine)
    assert loaded.units == [u.name for u in spec.all_units] and len(loaded.units) == 37
    assert loaded.localities == spec.locality_names and loaded.localities[:2] == ["镇隆镇", "水口镇"]
    assert ("industrial-investment", "全市工业投资", "亿元") in loaded.indicators
    assert loaded.periods == []  # no obligations yet: the period stays a free-text field
    assert len(loaded.plan_hash) == 64
    with session_scope(engine) as session:
        generate_obligations(None, session=session, cal=WorkingCalendar(data_dir=ROOT / "config" / "calendar"),
                             escalation=load_escalation(ROOT / "config" / "escalation.yaml"), now=NOW)
    generated = choices(engine)
    # Only the progress-report periods, not those of meetings, splits or inspections.
    assert generated.periods == ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]
    assert generated != loaded and (generated.units, generated.plan_hash) == (loaded.units, loaded.plan_hash)


def test_read_choices_changes_with_the_plan_even_when_the_lists_do_not(engine: sa.Engine) -> None:
    spec = load_plan_file(SEED_PLAN)
    with session_scope(engine) as session:
        load_plan(spec, session=session, now=NOW)
    before = choices(engine)
    text = SEED_PLAN.read_text(encoding="utf-8").replace(f"title: {spec.title}", f"title: {spec.title}(修订)", 1)
    revised = parse_plan_text(text, source="revised.yaml")
    assert revised.title != spec.title
    with session_scope(engine) as session:
        load_plan(revised, session=session, now=NOW + dt.timedelta(days=1))
    after = choices(engine)
    assert (after.units, after.localities, after.indicators) == (before.units, before.localities, before.indicators)
    assert after.plan_hash != before.plan_hash and after != before  # e.g. new duty dates mean new schedules
