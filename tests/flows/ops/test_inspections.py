"""The inspection's messages to the units, as an official reads them (SQLite and PostgreSQL): each unit with
something due is told its result; a red unit of a ranked group gets a rectification notice naming the time limit,
the receiver the circular names, how to submit and what follows if it is missed."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from flows.ops.commands import init_database, load_plan_path
from flows.ops.duties import submit_report
from flows.ops.engine import EngineContext, engine_context, generate, run_sweep
from flows.ops.inspections import inspection_documents, run_inspection
from notifications.messages.render import CHANNELS, from_payload
from tests.conftest import SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))
CONTACT_LINE = "联系人：市科工商务局督查股 李明，电话：0668-8812345，邮箱：dbk@kgswj.xinyi.example"


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def inspected(db_url: str) -> tuple[EngineContext, dict[str, object]]:
    """The seed, five towns' first-half reports on time (the rest missing), swept and inspected on 21 June."""
    init_database()
    load_plan_path(SEED_PLAN)
    ctx = engine_context()
    generate(ctx, at(2015, 7, 6))
    for locality in ("镇隆镇", "水口镇", "丁堡镇", "池洞镇", "东镇街道"):
        submit_report(ctx, at(2015, 12, 4), locality=locality, period="2015-12-05",
                      actuals={"industrial-investment": 8.0}, projects=[], problems="", next_steps="")
        submit_report(ctx, at(2016, 6, 3), locality=locality, period="2016-06-05",
                      actuals={"industrial-investment": 3.0}, projects=[], problems="", next_steps="")
    run_sweep(ctx, at(2016, 6, 21))
    return ctx, run_inspection(ctx, at(2016, 6, 21), "2016-06-05")


def _results(ctx: EngineContext) -> dict[str, dict[str, str]]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT recipient, payload FROM outbox WHERE stage_key LIKE 'result@inspection:%'"))
        return {str(r): json.loads(p) for r, p in rows}


def test_a_red_town_gets_a_rectification_notice_it_can_act_on(
        inspected: tuple[EngineContext, dict[str, object]]) -> None:
    ctx, result = inspected
    assert result["rectify_by"] == dt.date(2016, 7, 5)  # 10 working days after 21 June
    red = _results(ctx)["unit-jindong+role-head"]  # reported nothing: red
    assert red["title"] == "【整改通知】请于7月5日前报送2016年上半年专项督查整改情况"
    body = red["body"]
    assert body.startswith("金垌镇人民政府：\n根据《")
    assert "第五部分第(四)项要求，市政府组织开展了2016年上半年专项督查，督查结果已通报（督查〔2016〕1号）。" in body
    assert "亮红灯。\n存在的主要问题：" in body
    assert ("请你镇认真分析原因，制定整改措施，于2016年7月5日(星期二)下班前将整改情况书面报送市科工商务局。"
            "请将整改情况经分管领导审核后发送至dbk@kgswj.xinyi.example。逾期未报送的，将于7月6日发出催办通知。") in body
    assert body.endswith(f"\n{CONTACT_LINE}\n\n市科工商务局\n2016年6月21日")
    assert "或致电0668-8812345联系报送" in red["text"] and "**2016年7月5日(星期二)下班前**" in red["markdown"]
    # the receiver and the time limit are the circular's
    circular, _table = inspection_documents(result)
    assert "于2016年7月5日前将整改情况书面报送市科工商务局" in circular


def test_a_town_on_time_is_told_its_result_without_a_rectification(
        inspected: tuple[EngineContext, dict[str, object]]) -> None:
    ctx, _result = inspected
    town = _results(ctx)["unit-zhenlong+role-head"]
    assert re.fullmatch(r"【督查结果】镇隆镇2016年上半年专项督查得分\d+\.\d分，排名第\d+名，亮(绿|黄)灯", town["title"])
    body = town["body"]
    assert body.startswith("镇隆镇人民政府：\n") and "在20个镇（街道）中排名第" in body
    assert "整改" not in body
    assert body.endswith(f"\n{CONTACT_LINE}\n\n市科工商务局\n2016年6月21日")


def test_every_result_names_a_contact_and_reads_in_chinese_punctuation(
        inspected: tuple[EngineContext, dict[str, object]]) -> None:
    ctx, _result = inspected
    results = _results(ctx)
    assert results and "unit-fgj+role-head" in results  # a department with task reports due
    for payload in results.values():
        message = from_payload(payload)
        for channel in CHANNELS:
            text = message.form(channel)
            assert CONTACT_LINE in text
            assert not re.search(r"[\u4e00-\u9fff][,:][\u4e00-\u9fff]", text)
            assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
            assert not re.search(r"\d{4}年\d{1,2}月\d{1,2}日\(星期.\)$", text)  # the 落款 date has no weekday


def test_the_office_itself_reports_its_rectification_to_the_government_not_to_itself(
        inspected: tuple[EngineContext, dict[str, object]]) -> None:
    ctx, _result = inspected
    own = _results(ctx)["unit-kgswj+role-head"]  # its own task reports missing: red
    body = own["body"]
    assert "于2016年7月5日(星期二)下班前将整改情况书面报送市政府。逾期未报送的，将于7月8日报告市政府分管领导。" in body
    assert "书面报送市科工商务局" not in body and "回复至" not in body and "督办" not in body.split("存在的主要问题")[1]
