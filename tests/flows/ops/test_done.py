"""A unit reports a duty done (办结) — the plan's one-off duties, action items, rectifications — on the seed plan,
without Prefect, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from flows.ops.commands import init_database, load_plan_path
from flows.ops.done import open_done_items, record_done
from flows.ops.engine import EngineContext, engine_context, generate, run_sweep
from models.db import session_scope
from models.engine.adhoc import create_adhoc_obligation, ensure_system_duties
from models.errors import DoneError, DubanError
from models.plan.store import find_plan
from models.records.units import unit_named
from tests.conftest import SEED_PLAN, count_rows

TZ = dt.timezone(dt.timedelta(hours=8))
BEFORE = dt.datetime(2015, 8, 27, 10, 0, tzinfo=TZ)  # the one-off duties are due 2015-08-31 (Monday)
AFTER = dt.datetime(2015, 9, 8, 10, 0, tzinfo=TZ)  # 3-4 September 2015 off, Sunday 6 worked


@pytest.fixture
def ctx(db_url: str) -> EngineContext:
    init_database()
    load_plan_path(SEED_PLAN)
    return engine_context()


def _obligation(ctx: EngineContext, unit: str, duty: str) -> list[tuple[str, str]]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT o.period, o.status FROM obligation o JOIN duty d ON d.id = o.duty_id "
            "JOIN unit u ON u.id = o.unit_id WHERE u.name = :u AND d.code = :d ORDER BY o.period"),
            {"u": unit, "d": duty}).all()
    return [(str(p), str(s)) for p, s in rows]


def _done_notices(ctx: EngineContext) -> list[tuple[str, dict[str, str]]]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT recipient, payload FROM outbox WHERE stage_key LIKE 'done@%' "
                                    "ORDER BY id")).all()
    return [(str(r), json.loads(p)) for r, p in rows]


def _two_action_items(ctx: EngineContext) -> None:
    with session_scope(ctx.engine) as session:
        pid = find_plan(None, session=session).id or 0
        duty = ensure_system_duties(session=session, plan_id=pid)["action-item"]
        unit = unit_named(session=session, plan_id=pid, name="市财政局")
        for n, title in enumerate(["梳理汇总技术改造项目资金需求", "研究落实“机器换人”项目专项资金拨付"], 1):
            create_adhoc_obligation(session=session, duty=duty, unit_id=unit.id or 0, title=title,
                                    nominal_due_on=dt.date(2016, 7, 18), source=f"meeting:1#{n}", now=BEFORE,
                                    cal=ctx.cal, escalation=ctx.escalation)


def test_done_closes_the_obligation_and_tells_the_coordinator_once(ctx: EngineContext) -> None:
    r = record_done(ctx, BEFORE, unit="镇隆镇", duty_code="locality-plan", note="已印发镇隆镇实施方案")
    assert r == {"unit": "镇隆镇", "duty": "locality-plan", "period": "2015-08-31", "title": "制定镇(街道)具体实施方案",
                 "due_on": "2015-08-31", "done": True, "status": "submitted", "on_time": True,
                 "late_working_days": 0, "coordinator_told": 1}
    assert _obligation(ctx, "镇隆镇", "locality-plan") == [("2015-08-31", "submitted")]
    assert _obligation(ctx, "镇隆镇", "locality-mechanism") == [("2015-08-31", "open")]  # the other duty stays
    with ctx.engine.connect() as conn:
        note = conn.execute(sa.text("SELECT e.note FROM obligation_event e JOIN obligation o ON o.id = e.obligation_id "
                                    "JOIN duty d ON d.id = o.duty_id WHERE d.code = 'locality-plan' "
                                    "AND e.new = 'submitted'")).scalar_one()
    assert note == "done (form): 已印发镇隆镇实施方案"
    [(recipient, message)] = _done_notices(ctx)
    assert recipient == "role-coordinator"
    assert message["title"] == "【办结报告】镇隆镇报告已完成“制定镇(街道)具体实施方案”"
    body = message["body"]
    assert body.startswith("市科工商务局：\n根据《信宜市贯彻落实〈广东省工业转型升级攻坚战三年行动计划(2015-2017年)〉"
                           "的实施方案》(信府〔2015〕30号)第五部分第(二)项要求，镇隆镇人民政府应于2015年8月31日前完成"
                           "“制定镇(街道)具体实施方案”。该单位于2015年8月27日报告已完成，按时办结。\n")
    assert "办理情况：已印发镇隆镇实施方案" in body
    # whom to ask (the town: the seed gives it no contact details), then the 落款 without a weekday
    assert body.endswith("请与镇隆镇人民政府联系。\n联系单位：镇隆镇\n\n市科工商务局\n2015年8月27日")


def test_the_same_report_twice_changes_nothing_and_sends_nothing(ctx: EngineContext) -> None:
    record_done(ctx, AFTER, unit="镇隆镇", duty_code="locality-mechanism")
    rows = count_rows(ctx.engine)
    again = record_done(ctx, AFTER + dt.timedelta(days=1), unit="镇隆镇", duty_code="locality-mechanism")
    assert (again["done"], again["status"], again["coordinator_told"]) == (False, "submitted", 0)
    assert count_rows(ctx.engine) == rows
    assert len(_done_notices(ctx)) == 1


def test_late_counts_working_days_past_the_due_date(ctx: EngineContext) -> None:
    r = record_done(ctx, AFTER, unit="镇隆镇", duty_code="locality-plan")
    assert (r["on_time"], r["late_working_days"]) == (False, 5)  # 1, 2, 6 (a Sunday worked), 7, 8 September
    assert "该单位于2015年9月8日报告已完成，逾期5个工作日办结。" in _done_notices(ctx)[0][1]["body"]


def test_several_open_need_a_period_and_the_error_lists_them(ctx: EngineContext) -> None:
    generate(ctx, BEFORE)
    _two_action_items(ctx)
    with pytest.raises(DoneError) as err:
        record_done(ctx, BEFORE, unit="市财政局", duty_code="action-item")
    assert str(err.value) == ("市财政局 has 2 open action-item obligations; choose a period: "
                              "meeting:1#1 梳理汇总技术改造项目资金需求; "
                              "meeting:1#2 研究落实“机器换人”项目专项资金拨付")
    r = record_done(ctx, BEFORE, unit="市财政局", duty_code="action-item", period="meeting:1#2")
    assert (r["done"], r["title"]) == (True, "研究落实“机器换人”项目专项资金拨付")
    assert record_done(ctx, BEFORE, unit="市财政局", duty_code="action-item")["period"] == "meeting:1#1"  # one left
    with pytest.raises(DoneError, match=r"owes no action-item of period 'meeting:9#1'; its periods: meeting:1#1"):
        record_done(ctx, BEFORE, unit="市财政局", duty_code="action-item", period="meeting:9#1")


@pytest.mark.parametrize(("code", "path"), [
    ("progress-report", "`duban report import` or the submit-progress-report form"),
    ("task-report", "`duban task report` or the submit-task-report form"),
    ("joint-meeting", "the record-meeting-minutes form"),
    ("decomposition", "the target-decomposition flow"),
    ("inspection", "the inspection flow"),
])
def test_duties_with_their_own_path_are_refused_naming_it(ctx: EngineContext, code: str, path: str) -> None:
    rows = count_rows(ctx.engine)
    with pytest.raises(DoneError, match=f"duty '{code}' .* is not reported done here: submit it through "):
        record_done(ctx, BEFORE, unit="镇隆镇", duty_code=code)
    with pytest.raises(DoneError) as err:
        record_done(ctx, BEFORE, unit="镇隆镇", duty_code=code)
    assert str(err.value).endswith(path)
    assert count_rows(ctx.engine) == rows


@pytest.mark.parametrize(("unit", "duty", "message"), [
    ("镇隆", "locality-plan", "unknown unit '镇隆' in plan xinyi-2015-2017; did you mean 镇隆镇?"),
    ("镇隆镇", "locality-plans", "unknown duty 'locality-plans' in plan xinyi-2015-2017; duties reported done this "
                              "way: locality-mechanism, locality-plan, action-item, rectification"),
    ("镇隆镇", "rectification", "no rectification (督查整改) has been opened in plan xinyi-2015-2017 yet: nothing to "
                             "report done"),
    ("市财政局", "locality-plan", "市财政局 owes nothing of duty locality-plan (制定镇(街道)具体实施方案) in plan "
                              "xinyi-2015-2017"),
])
def test_unknown_unit_or_duty_or_nothing_owed(ctx: EngineContext, unit: str, duty: str, message: str) -> None:
    with pytest.raises(DoneError) as err:
        record_done(ctx, BEFORE, unit=unit, duty_code=duty)
    assert str(err.value) == message
    assert isinstance(err.value, DubanError)


def test_open_done_items_lists_what_can_be_closed(ctx: EngineContext) -> None:
    generate(ctx, BEFORE)
    items = open_done_items(ctx)
    assert len(items) == 40  # 20 localities × 五(一), 五(二)
    assert open_done_items(ctx, "镇隆镇") == [
        {"unit": "镇隆镇", "duty": "locality-mechanism", "period": "2015-08-31", "title": "建立镇(街道)协调工作机制",
         "due_on": "2015-08-31", "light": "—"},
        {"unit": "镇隆镇", "duty": "locality-plan", "period": "2015-08-31", "title": "制定镇(街道)具体实施方案",
         "due_on": "2015-08-31", "light": "—"}]
    record_done(ctx, BEFORE, unit="zhenlong", duty_code="locality-plan")  # a unit's code works too
    assert [i["duty"] for i in open_done_items(ctx, "镇隆镇")] == ["locality-mechanism"]
    assert len(open_done_items(ctx)) == 39
    with pytest.raises(DoneError, match="unknown unit 'nowhere'"):
        open_done_items(ctx, "nowhere")


def test_the_ladder_stops_and_the_notice_is_still_sent(ctx: EngineContext) -> None:
    generate(ctx, BEFORE)
    run_sweep(ctx, BEFORE)  # the reminder (5 working days before) is queued
    record_done(ctx, BEFORE, unit="镇隆镇", duty_code="locality-plan")
    run_sweep(ctx, AFTER)
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT x.stage, x.status FROM outbox x JOIN obligation o ON o.id = x.obligation_id "
            "JOIN duty d ON d.id = o.duty_id JOIN unit u ON u.id = o.unit_id "
            "WHERE u.name = '镇隆镇' AND d.code = 'locality-plan' ORDER BY x.id")).all()
    # The reminder is not sent once it is done; nothing more is queued; the notice of it is still sent.
    assert [tuple(r) for r in rows] == [("reminder", "cancelled"), ("info", "pending")]
