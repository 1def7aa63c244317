"""Loading plans into real SQLite files and the real PostgreSQL: counts, idempotency, in-place updates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlmodel import select

from flows.ops.commands import load_plan_path
from models.db import session_scope
from models.errors import DatabaseError, PlanError
from models.plan.file import load_plan_file
from models.plan.schema import PlanSpec, plan_summary
from models.plan.store import load_plan, read_plan
from models.tables.plan import Item, ItemAssignment, Unit
from tests.conftest import SEED_PLAN, count_rows

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def _load(engine: sa.Engine, spec: PlanSpec) -> Any:
    with session_scope(engine) as session:
        return load_plan(spec, session=session, now=NOW, source="test")


def test_seed_loads_and_reads_back(engine: sa.Engine) -> None:
    spec = load_plan_file(SEED_PLAN)
    result = _load(engine, spec)
    assert result.created
    rows = count_rows(engine)
    assert rows["plan"] == 1 and rows["unit"] == 37 and rows["item"] == 24
    # 7 duties of the file and 24 derived from its task_report duty, one per item.
    assert rows["target"] == 25 and rows["duty"] == 7 + 24 and rows["indicator"] == 9
    # 18 items name every locality (20 each) and 6 name the relevant ones (none named yet).
    all_scope = sum(1 for i in spec.items if i.localities.value == "all")
    leads_and_coops = sum(1 + len(i.cooperating) for i in spec.items)
    assert rows["item_assignment"] == leads_and_coops + 20 * all_scope
    with session_scope(engine) as session:
        back = read_plan(session=session)
    assert back == spec
    summary = plan_summary(back)
    assert sum(u["kind"] in ("town", "subdistrict") for u in summary["units"]) == 20


def test_same_file_twice_changes_nothing(engine: sa.Engine) -> None:
    spec = load_plan_file(SEED_PLAN)
    _load(engine, spec)
    with engine.connect() as conn:
        before = conn.execute(sa.text("select id, name, code from unit order by id")).all()
        stamp = conn.execute(sa.text("select updated_at from plan")).scalar_one()
    again = _load(engine, spec)
    assert not again.created and again.changes == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("select id, name, code from unit order by id")).all() == before
        assert conn.execute(sa.text("select updated_at from plan")).scalar_one() == stamp


def _edited(spec: PlanSpec) -> PlanSpec:
    data = spec.model_dump(mode="json", by_alias=True)
    data["items"][0]["lead"] = "市发改局"
    data["items"][0]["cooperating"] = ["市科工商务局", "市财政局"]
    data["items"][5]["title"] = "推动企业设备更新改造"
    data["localities"][-1]["name"] = "玉都街道办事处"  # renamed, same code: keeps its id
    data["localities"].pop(0)  # 镇隆镇 merged away
    data["targets"][1]["value"] = 110
    data["duties"][1]["holiday_policy"] = "pull_earlier"
    return PlanSpec.model_validate(data)


def test_edited_file_updates_in_place_and_says_what_changed(engine: sa.Engine) -> None:
    spec = load_plan_file(SEED_PLAN)
    _load(engine, spec)
    with session_scope(engine) as session:
        ids = {u.name: u.id for u in session.exec(select(Unit))}
        item_ids = {i.ref: i.id for i in session.exec(select(Item))}
    result = _load(engine, _edited(spec))
    changes = "\n".join(result.changes)
    assert "unit 镇隆镇: removed" in changes
    assert "unit 玉都街道办事处: name 玉都街道 → 玉都街道办事处" in changes
    assert "item 三(二)2: title 推动企业设备更新 → 推动企业设备更新改造" in changes
    assert "item 三(一)1 unit 市发改局: role cooperating → lead" in changes
    assert "item 三(一)1 unit 市财政局: added" in changes
    assert "target industrial-investment 2015: value 105.0 → 110.0" in changes
    assert "duty progress-report: holiday_policy roll_forward → pull_earlier" in changes
    with session_scope(engine) as session:
        now_ids = {u.name: u.id for u in session.exec(select(Unit))}
        assert now_ids["玉都街道办事处"] == ids["玉都街道"]
        assert now_ids["市发改局"] == ids["市发改局"]
        assert "镇隆镇" not in now_ids
        assert {i.ref: i.id for i in session.exec(select(Item))} == item_ids
        back = read_plan(session=session)
        lead = session.exec(
            select(ItemAssignment).where(ItemAssignment.item_id == item_ids["三(一)1"],
                                         ItemAssignment.role == "lead")
        ).one()
        assert lead.unit_id == ids["市发改局"]
    assert back == _edited(spec)
    assert len(back.locality_names) == 19


def test_swapping_two_unit_codes_does_not_collide(engine: sa.Engine) -> None:
    spec = load_plan_file(SEED_PLAN)
    _load(engine, spec)
    data = spec.model_dump(mode="json", by_alias=True)
    data["localities"][0]["code"], data["localities"][1]["code"] = "shuikou", "zhenlong"
    result = _load(engine, PlanSpec.model_validate(data))
    assert "unit 镇隆镇: code zhenlong → shuikou" in result.changes
    with session_scope(engine) as session:
        assert read_plan(session=session).localities[0].code == "shuikou"


def test_broken_plan_writes_nothing(db_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    data = yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))
    data["items"][7]["cooperating"] = ["市财政局", "市科技局"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError, match="unknown unit '市科技局'"):
        load_plan_path(bad)
    assert set(count_rows(engine).values()) == {0}


def test_load_into_uninitialised_database_says_run_init(db_url: str) -> None:
    with pytest.raises(DatabaseError, match="not initialised; run `duban init`"):
        load_plan_path(SEED_PLAN)
