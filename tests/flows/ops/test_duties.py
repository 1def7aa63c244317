"""The duty flows' operations without Prefect: approving a split right after a plan is loaded; the notices the
report window, the split and a joint meeting queue, as an official reads them (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa

from flows.ops.commands import init_database, load_plan_path
from flows.ops.duties import approve_split, convene_meeting, decomposition_draft, open_report_window
from flows.ops.engine import engine_context, generate, run_sweep
from models.db import session_scope
from models.records.reports import save_allocations
from tests.conftest import SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))


def _split_obligations(engine: sa.Engine, year: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT o.status, o.period FROM obligation o JOIN duty d ON d.id = o.duty_id "
            "WHERE d.kind = 'decomposition'")).all()
    return [(str(s), str(p)) for s, p in rows if str(p).startswith(str(year))]


def test_approving_a_split_before_any_sweep_closes_the_years_split_obligation(db_url: str) -> None:
    # `make run` loads the plan and serves; a coordinator may approve the split before the first sweep.
    init_database()
    load_plan_path(SEED_PLAN)
    ctx = engine_context()
    now = dt.datetime(2016, 4, 20, 10, 0, tzinfo=TZ)
    localities, drafts = decomposition_draft(ctx, 2016)
    result = approve_split(ctx, now, 2016, drafts, {d.code: dict(d.split) for d in drafts}, "")

    assert result["obligations_closed"] == 1
    assert _split_obligations(ctx.engine, 2016) == [("accepted", "2016-04-30")]
    # The next sweep's generation must not bring the approved split back as an open obligation.
    generate(ctx, now)
    assert _split_obligations(ctx.engine, 2016) == [("accepted", "2016-04-30")]
    assert localities


def test_a_long_dispatch_reads_the_clock_again_for_each_batch(db_url: str) -> None:
    import io
    from itertools import count

    from sqlmodel import col, select

    from flows.ops.engine import run_dispatch
    from models.db import session_scope
    from models.enums import Role, recipient_key
    from models.tables.engine import Outbox
    from notifications.channels.jsonl import JsonlSender
    from notifications.delivery.outbox import queue_info

    init_database()
    ctx = engine_context()
    start = dt.datetime(2016, 6, 6, 9, 0, tzinfo=TZ)  # a Monday, in working hours
    with session_scope(ctx.engine) as session:
        for n in range(3):
            queue_info(session=session, recipient=recipient_key(Role.COORDINATOR), role=Role.COORDINATOR,
                       title=f"t{n}", body="b", key=f"k{n}", now=start, cal=ctx.cal, hours=ctx.hours)
    minutes = count(1)
    later = lambda: start + dt.timedelta(minutes=next(minutes))  # noqa: E731 - a clock that moves on
    result = run_dispatch(ctx, JsonlSender(io.StringIO(), clock=lambda: start), start, batch=1, clock=later)

    assert result.sent == 3
    with session_scope(ctx.engine) as session:
        sent = [row.sent_at for row in session.exec(select(Outbox).order_by(col(Outbox.id)))]
    # The first batch at the run's start, the next two at the clock's later readings.
    assert sent == [start, start + dt.timedelta(minutes=1), start + dt.timedelta(minutes=2)]


# --- the notices the duty flows queue: what an official reads ----------------------------------------------------

CONTACT_LINE = "联系人：市科工商务局督查股 李明，电话：0668-8812345，邮箱：dbk@kgswj.xinyi.example"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _payloads(engine: sa.Engine, key: str) -> dict[str, dict[str, str]]:
    """Recipient → the payload of the info row keyed ``key`` (LIKE pattern)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT recipient, payload FROM outbox WHERE stage_key LIKE :k"), {"k": key}).all()
    return {str(r): json.loads(p) for r, p in rows}


def test_the_report_window_lists_each_target_on_its_line_and_says_how_to_submit(db_url: str) -> None:
    init_database()
    load_plan_path(SEED_PLAN)
    ctx = engine_context()
    with session_scope(ctx.engine) as s:  # a rate among the locality's indicators: its placeholder takes no unit
        s.execute(sa.text("UPDATE indicator SET scope = 'locality' WHERE code = 'rd-institution-ratio'"))
    generate(ctx, dt.datetime(2015, 7, 6, 10, 0, tzinfo=TZ))
    with session_scope(ctx.engine) as s:
        save_allocations(session=s, plan_id=1, year=2016, split={"industrial-investment": {"镇隆镇": 12.0}},
                         city={"industrial-investment": 105.0}, now=dt.datetime(2016, 4, 20, tzinfo=TZ))
    assert open_report_window(ctx, dt.datetime(2016, 5, 23, 10, 0, tzinfo=TZ), "2016-06-05")["queued"] == 20
    sent = _payloads(ctx.engine, "window@2016-06-05")
    town = sent["unit-zhenlong+role-handler"]
    assert town["title"] == "【报送通知】请于6月6日前报送2016年上半年项目建设和各项工作进展情况"
    body = town["body"]
    assert body.startswith(
        "镇隆镇人民政府：\n根据《信宜市贯彻落实〈广东省工业转型升级攻坚战三年行动计划(2015-2017年)〉的实施方案》"
        "(信府〔2015〕30号)第五部分第(三)项要求，请于2016年6月6日(星期一)下班前向市科工商务局报送2016年上半年项目建设"
        "和各项工作进展情况（文件规定6月5日前报送，因6月5日为星期日，顺延至6月6日）。\n")
    # one target per line, the split one with its unit, the others "not yet split" without a unit
    assert ("\n1. 规模以上工业企业设立研发机构比例（沿用2015年目标）：目标待分解下达；"
            "\n2. 工业投资（沿用2015年目标）：分解目标12亿元；\n") in body
    assert "(待分解)" not in body and "待分解下达%" not in body and "下达亿元" not in body
    assert "\n二、重大工业项目建设进展" in body  # its own line, not run into the last target
    assert "请填写附件报表，经分管领导审核后发送至dbk@kgswj.xinyi.example。已报送的请忽略。" in body
    assert "逾期未报送的，将于6月7日发出催办通知。" in body
    assert body.endswith(f"\n{CONTACT_LINE}\n\n市科工商务局\n2016年5月23日")
    assert "或致电0668-8812345联系报送" in town["text"] and "附件" not in town["text"]
    assert "**2016年6月6日(星期一)下班前**" in town["markdown"]
    assert not ISO_DATE.search(json.dumps(town, ensure_ascii=False))
    # a town whose targets are not split at all is asked for its figures, without a target list
    other = sent["unit-shuikou+role-handler"]["body"]
    assert "一、各项指标本年累计完成情况（2016年度目标任务尚待分解下达，请据实填报完成数）：\n" in other
    assert "\n1. 规模以上工业企业设立研发机构比例（沿用2015年目标），单位：%；\n" in other


def test_the_targets_notice_names_the_year_once_and_is_signed_without_a_weekday(db_url: str) -> None:
    init_database()
    load_plan_path(SEED_PLAN)
    ctx = engine_context()
    now = dt.datetime(2016, 4, 20, 10, 0, tzinfo=TZ)
    _localities, drafts = decomposition_draft(ctx, 2016)
    assert approve_split(ctx, now, 2016, drafts, {d.code: dict(d.split) for d in drafts}, "")["notices_queued"] == 20
    town = _payloads(ctx.engine, "targets@2016%")["unit-zhenlong+role-handler"]
    assert town["title"] == "【目标任务】下达2016年度工业转型升级目标任务"
    assert "年度年度" not in town["title"] + town["body"]
    assert town["body"].startswith("镇隆镇人民政府：\n根据《")
    assert "(信府〔2015〕30号)第五部分第(二)项要求，经市科工商务局会同有关单位分解，现将你镇2016年度" in town["body"]
    assert "目标任务完成情况请在每年6月5日、12月5日前报送的工作进展情况中一并报告。" in town["body"]
    assert "目标任务分解表见附件。" in town["body"] and "附件" not in town["text"]
    assert town["body"].endswith(f"\n{CONTACT_LINE}\n\n市科工商务局\n2016年4月20日")


def test_the_meeting_invitation_invites_members_and_gives_the_convener_its_record(db_url: str) -> None:
    init_database()
    load_plan_path(SEED_PLAN)
    ctx = engine_context()
    now = dt.datetime(2016, 6, 13, 10, 0, tzinfo=TZ)
    generate(ctx, now)
    run_sweep(ctx, now)  # the lights: what is overdue is red
    result = convene_meeting(ctx, now, dt.datetime(2016, 6, 20, 9, 30, tzinfo=TZ), "市政府第一会议室")
    sent = _payloads(ctx.engine, "invite@meeting:%")
    assert result["invitations"] == len(sent) == 16  # 15 members and the convener's record
    member = sent["unit-fgj+role-head"]
    assert member["title"] == "【会议通知】定于6月20日召开部门间联席会议"
    body = member["body"]
    assert body.startswith("市发改局：\n根据《")
    assert "第五部分第(一)项要求，定于2016年6月20日(星期一)上午9时30分在市政府第一会议室召开部门间联席会议。" in body
    assert "\n一、参会人员：你单位分管负责同志。\n" in body
    # the agenda: overdue matters grouped, dates in words (never 截止2015-08-31)
    assert "\n1. 建立镇(街道)协调工作机制（应于2015年8月31日前完成）：镇隆镇、水口镇、" in body
    assert not ISO_DATE.search(json.dumps(member, ensure_ascii=False))
    # the leads' task reports of a node are one matter, each lead with its number of items
    assert "报送牵头任务落实情况（2016年上半年，应于2016年6月6日前完成）：市科工商务局19项、市发改局2项、" in body
    assert "部门间联席会议（" not in body and "专项督查并通报" not in body  # the office's own supervision work
    assert "请于2016年6月17日(星期五)下班前将参会人员姓名、职务报市科工商务局" in body
    assert "附件为会议日程文件，可导入日历。" in body and "附件" not in member["text"]
    assert body.endswith(f"\n{CONTACT_LINE}\n\n市科工商务局\n2016年6月13日")
    convener = sent["role-coordinator"]
    assert convener["title"] == "【会议通知】（存档）定于6月20日召开部门间联席会议"
    assert "准时参加" not in convener["body"] and "参会人员" not in convener["body"]
    assert "本通知同时发送以下15个成员单位（附会议日程文件）：市发改局、" in convener["body"]
    assert f"录入时选择“record-meeting-minutes”，会议编号填{result['meeting_id']}。" in convener["body"]
    with ctx.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT agenda FROM meeting")).scalar_one()
    assert "镇隆镇：建立镇(街道)协调工作机制（2015年8月31日）" in stored and not ISO_DATE.search(stored)
