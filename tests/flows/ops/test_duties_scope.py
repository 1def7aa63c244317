"""What towns see of the targets: only locality-scope indicators are split, by their locality-facing names,
carried-forward targets flagged; city and park targets are city-wide context (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from flows.ops.commands import init_database, load_plan_path
from flows.ops.duties import city_context, decomposition_draft, open_report_window, report_summary, submit_report
from flows.ops.engine import engine_context, generate
from models.db import session_scope
from models.records.reports import save_allocations
from tests.conftest import SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))


def _loaded_with_scopes() -> None:
    """The seed plan with the park investment scoped to the park, the R&D ratio to the city, a locality-facing
    name for the investment, and 2016's investment target carried from 2015 (as plandata's file will say)."""
    init_database()
    load_plan_path(SEED_PLAN)
    ctx = engine_context()
    with session_scope(ctx.engine) as s:
        s.execute(sa.text("UPDATE indicator SET scope = 'park' WHERE code = 'park-fixed-investment'"))
        s.execute(sa.text("UPDATE indicator SET scope = 'city' WHERE code = 'rd-spending-ratio'"))
        s.execute(sa.text("UPDATE indicator SET local_name = '工业投资' WHERE code = 'industrial-investment'"))
        s.execute(sa.text("DELETE FROM target WHERE year = 2016 AND indicator_id = "
                          "(SELECT id FROM indicator WHERE code = 'industrial-investment')"))
        s.execute(sa.text(
            "INSERT INTO target (indicator_id, year, value, comparator, carried_from) "
            "SELECT id, 2016, 105, '>=', 2015 FROM indicator WHERE code = 'industrial-investment'"))


def test_the_split_leaves_city_and_park_targets_out_and_flags_a_carried_target(db_url: str) -> None:
    _loaded_with_scopes()
    ctx = engine_context()
    localities, drafts = decomposition_draft(ctx, 2016)
    codes = {d.code for d in drafts}
    assert "park-fixed-investment" not in codes and "rd-spending-ratio" not in codes
    assert "industrial-investment" in codes and len(localities) == 20
    invest = next(d for d in drafts if d.code == "industrial-investment")
    assert (invest.name, invest.carried, invest.from_year) == ("工业投资（沿用2015年目标）", True, 2015)
    context = {c["name"]: c for c in city_context(ctx, 2016)}
    assert context["产业园区工业项目固定资产投资额（沿用2015年目标）"]["scope"] == "产业园区"
    assert all("全市工业投资" not in d.name for d in drafts)


def test_towns_are_asked_only_for_their_own_indicators_and_judged_at_the_inspection_pace(db_url: str) -> None:
    _loaded_with_scopes()
    ctx = engine_context()
    generate(ctx, dt.datetime(2015, 7, 6, 10, 0, tzinfo=TZ))
    with session_scope(ctx.engine) as s:
        save_allocations(session=s, plan_id=1, year=2016, split={"industrial-investment": {"镇隆镇": 12.0}},
                         city={"industrial-investment": 105.0}, now=dt.datetime(2016, 4, 20, tzinfo=TZ))
    result = open_report_window(ctx, dt.datetime(2016, 5, 30, 10, 0, tzinfo=TZ), "2016-06-05")
    assert result["queued"] == 20
    with ctx.engine.connect() as conn:
        body = conn.execute(sa.text("SELECT payload FROM outbox WHERE stage_key = 'window@2016-06-05' "
                                    "AND recipient LIKE 'unit-zhenlong+%'")).scalar_one()
    assert "工业投资（沿用2015年目标）" in body
    for never in ("全市工业投资", "产业园区工业项目固定资产投资额", "研发投入占主营业务收入比重"):
        assert never not in body
    # On pace at 5 June: 5/12 of 12 亿元 is 5 亿元, the inspection's pace (not days to 5 June).
    submit_report(ctx, dt.datetime(2016, 6, 3, 10, 0, tzinfo=TZ), locality="镇隆镇", period="2016-06-05",
                  actuals={"industrial-investment": 5.0}, projects=[], problems="", next_steps="")
    row = next(r for r in report_summary(ctx, "2016-06-05") if r["单位"] == "镇隆镇")
    assert row["进度"] == "达到序时进度"
