"""Task reports and their close-out review (销号) on the seed plan, without Prefect, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from flows.ops.commands import init_database, load_plan_path
from flows.ops.engine import EngineContext, engine_context, generate
from flows.ops.tasks import (
    open_task_window,
    pending_reviews,
    review_task_report,
    submit_task_report,
    task_summary,
)
from models.errors import TaskReportError
from models.plan.file import load_plan_file
from notifications.messages.wording import clause_words
from tests.conftest import SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2015, 11, 20, 10, 0, tzinfo=TZ)
CONTACT_LINE = "联系人：市科工商务局督查股 李明，电话：0668-8812345，邮箱：dbk@kgswj.xinyi.example"
NODES = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]


@pytest.fixture
def ctx(db_url: str) -> EngineContext:
    init_database()
    load_plan_path(SEED_PLAN)
    context = engine_context()
    generate(context, NOW)
    return context


def _nodes(ctx: EngineContext, ref: str) -> list[tuple[str, str, str]]:
    """(period, unit, status) of the item's task obligations, by period."""
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT o.period, u.name, o.status FROM obligation o JOIN duty d ON d.id = o.duty_id "
            "JOIN item i ON i.id = d.item_id JOIN unit u ON u.id = o.unit_id WHERE i.ref = :r ORDER BY o.period"),
            {"r": ref}).all()
    return [(str(p), str(u), str(s)) for p, u, s in rows]


def _reports(ctx: EngineContext) -> list[tuple[str, int, bool, str | None]]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT u.name, r.version, r.contribution, r.review FROM task_report r JOIN unit u ON u.id = r.unit_id "
            "ORDER BY r.id")).all()
    return [(str(u), int(v), bool(c), r) for u, v, c, r in rows]


def _messages(ctx: EngineContext, key_prefix: str) -> dict[str, list[dict[str, str]]]:
    """Recipient → payloads of the info messages whose key starts with ``key_prefix``."""
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT recipient, payload FROM outbox WHERE stage_key LIKE :k ORDER BY id"),
                            {"k": key_prefix + "%"}).all()
    out: dict[str, list[dict[str, str]]] = {}
    for recipient, payload in rows:
        out.setdefault(str(recipient), []).append(json.loads(payload))
    return out


def test_every_lead_owes_one_report_per_item_per_node(ctx: EngineContext) -> None:
    spec = load_plan_file(SEED_PLAN)
    for item in spec.items:
        assert _nodes(ctx, item.ref) == [(p, item.lead, "open") for p in NODES]


def test_the_window_tells_each_lead_once_and_each_cooperating_unit(ctx: EngineContext) -> None:
    spec = load_plan_file(SEED_PLAN)
    code = {u.name: u.code for u in spec.all_units}
    result = open_task_window(ctx, NOW)
    leads = {it.lead for it in spec.items}
    coops = {c for it in spec.items for c in it.cooperating} - {spec.coordinator}  # it gets every report
    assert result == {"period": "2015-12-05", "leads": len(leads), "cooperating": len(coops), "items": 24,
                      "queued": len(leads) + len(coops)}
    told = _messages(ctx, "tasks@")
    assert set(told) == {f"unit-{code[n]}+role-handler" for n in leads}
    assert all(len(m) == 1 for m in told.values())  # one message per unit, not one per item
    mine = told["unit-kgswj+role-handler"][0]
    # The coordinator's own items: a work reminder, never "报送市科工商务局" to itself.
    assert mine["title"] == "【工作提示】请于12月7日前汇总本单位牵头任务2015年下半年落实情况"
    assert "请于2015年12月7日(星期一)下班前汇总本单位牵头的以下19项任务2015年下半年落实情况" in mine["body"]
    assert "向市科工商务局报送" not in mine["body"] and "催办" not in mine["body"]
    fgj = told["unit-fgj+role-handler"][0]
    assert fgj["title"] == "【报送通知】请于12月7日前报送2015年下半年牵头任务落实情况"
    assert fgj["body"].startswith("市发改局：\n")
    assert "请于2015年12月7日(星期一)下班前向市科工商务局报送你单位牵头的以下" in fgj["body"]
    assert "\n1. 四(一) 深化体制机制改革（配合单位：市编办、市科工商务局、市财政局）" in fgj["body"]
    # what follows a missed time limit: the ladder's 催办, one working day after it
    assert "已报送的请忽略。逾期未报送的，将于12月8日发出催办通知。" in fgj["body"]
    # how to submit on each channel: the mailbox by email; the mailbox and the phone on IM; bold time limit
    assert "请将落实情况经分管领导审核后发送至dbk@kgswj.xinyi.example。" in fgj["body"]
    assert "发送至dbk@kgswj.xinyi.example，或致电0668-8812345联系报送。" in fgj["text"]
    assert "**2015年12月7日(星期一)下班前**" in fgj["markdown"]
    assert fgj["body"].endswith(f"\n{CONTACT_LINE}\n\n市科工商务局\n2015年11月20日")
    assert sum(1 for it in spec.items if it.lead == "市科工商务局") == 19
    assert all(f"{it.ref} {it.title}" in mine["body"] for it in spec.items if it.lead == "市科工商务局")
    assert "本时间为工作安排，文件未作具体规定" in mine["body"] and "文件规定" not in mine["body"].replace(
        "文件未作具体规定", "")
    assert "第五部分第(三)、(四)项" in mine["body"]
    rmyh = _messages(ctx, "tasks-coop@")["unit-rmyh+role-handler"][0]
    assert "三(二)5 开展技术改造投资动态监测和服务（牵头单位：市科工商务局）" in rmyh["body"]
    assert "四(五) 加强金融信贷支持（牵头单位：市政府金融工作局）" in rmyh["body"]
    again = open_task_window(ctx, NOW)
    assert again["queued"] == 0  # the same window twice sends nothing new


def test_a_lead_report_submits_its_node_and_the_same_report_twice_records_nothing(ctx: EngineContext) -> None:
    first = submit_task_report(ctx, NOW, unit="市人社局", item_ref="四(六)", status="推进中",
                               done="出台人才引进办法", problems="经费不足", next_steps="开展现代学徒制试点")
    assert (first.period, first.version, first.created, first.contribution, first.awaiting_review) == (
        "2015-12-05", 1, True, False, False)
    assert _nodes(ctx, "四(六)")[0] == ("2015-12-05", "市人社局", "submitted")
    same = submit_task_report(ctx, NOW, unit="市人社局", item_ref="四(六)", status="in_progress",
                              done="出台人才引进办法 ", problems="经费不足", next_steps="开展现代学徒制试点")
    assert (same.created, same.version, same.report_id) == (False, 1, first.report_id)
    changed = submit_task_report(ctx, NOW, unit="市人社局", item_ref="四(六)", period="2015-12-05",
                                 status="lagging", done="出台人才引进办法")
    assert (changed.created, changed.version) == (True, 2)
    assert _reports(ctx) == [("市人社局", 1, False, None), ("市人社局", 2, False, None)]
    assert [r["状态"] for r in task_summary(ctx, "2015-12-05") if r["序号"] == "四(六)"] == ["已报送"]


def test_a_cooperating_unit_contributes_without_touching_the_obligation(ctx: EngineContext) -> None:
    recorded = submit_task_report(ctx, NOW, unit="人民银行信宜市支行", item_ref="四(五)", status="in_progress",
                                  done="组织银企对接会1次")
    assert (recorded.contribution, recorded.created, recorded.awaiting_review) == (True, True, False)
    assert _nodes(ctx, "四(五)")[0] == ("2015-12-05", "市政府金融工作局", "open")
    assert _reports(ctx) == [("人民银行信宜市支行", 1, True, None)]
    row = next(r for r in task_summary(ctx, "2015-12-05") if r["序号"] == "四(五)")
    assert (row["状态"], row["推进状态"], row["配合单位报送"]) == ("待报送", "—", 1)


def test_approving_a_completed_task_closes_it_out_and_nobody_is_asked_again(ctx: EngineContext) -> None:
    applied = submit_task_report(ctx, NOW, unit="市财政局", item_ref="四(四)", status="completed",
                                 done="安排工作经费200万元", evidence="信财〔2015〕88号")
    assert applied.awaiting_review
    assert pending_reviews(ctx) == [{"item": "四(四)", "title": "发挥财政资金扛杆作用", "lead": "市财政局",
                                     "period": "2015-12-05"}]
    application = _messages(ctx, "apply@")["role-coordinator"]
    assert application[0]["title"] == "【销号申请】市财政局申请四(四)“发挥财政资金扛杆作用”销号，请审核"
    assert application[0]["body"].startswith(
        "市科工商务局：\n市财政局于2015年11月20日报送2015年下半年任务落实情况，报告四(四)“发挥财政资金扛杆作用”已完成，"
        "申请销号。\n已完成工作：安排工作经费200万元\n佐证材料：信财〔2015〕88号\n")
    assert "\n联系单位：市财政局\n" in application[0]["body"]  # whom to ask: the applicant (no details in the seed)
    result = review_task_report(ctx, NOW, item_ref="四(四)", period="2015-12-05", approve=True)
    assert result == {"item": "四(四)", "period": "2015-12-05", "outcome": "approved", "version": 1, "waived": 4,
                      "lead_told": True}
    assert _nodes(ctx, "四(四)") == [("2015-12-05", "市财政局", "accepted")] + [
        (p, "市财政局", "waived") for p in NODES[1:]]
    with ctx.engine.connect() as conn:
        notes = conn.execute(sa.text(
            "SELECT e.note FROM obligation_event e JOIN obligation o ON o.id = e.obligation_id "
            "WHERE e.new = 'waived'")).scalars().all()
    assert notes == ["已销号: 四(四) (2015-12-05)"] * 4
    told = _messages(ctx, "review@")["unit-czj+role-handler"]
    assert told[0]["title"] == "【销号通知】四(四)“发挥财政资金扛杆作用”已审核销号"
    assert "经市科工商务局审核，同意销号。该项任务此后不再报送（以后4个报送节点相应免报）。" in told[0]["body"]
    assert pending_reviews(ctx) == []
    # The next window does not ask 市财政局 about it again: it leads nothing else.
    later = open_task_window(ctx, dt.datetime(2016, 5, 20, 10, 0, tzinfo=TZ))
    assert later["period"] == "2016-06-05" and "unit-czj+role-handler" not in _messages(ctx, "tasks@2016-06-05")
    with pytest.raises(TaskReportError, match=r"四\(四\) \(2015-12-05\) is accepted"):
        submit_task_report(ctx, NOW, unit="市财政局", item_ref="四(四)", period="2015-12-05", status="completed",
                           done="再报")


def test_the_coordinators_own_task_is_not_closed_out_by_itself(ctx: EngineContext) -> None:
    submit_task_report(ctx, NOW, unit="市科工商务局", item_ref="三(二)3", status="completed", done="两化融合贯标",
                       evidence="信科工商〔2015〕12号")
    applications = _messages(ctx, "apply@")
    assert list(applications) == ["role-leader"]  # not to the coordinator, which is the lead itself
    body = applications["role-leader"][0]["body"]
    assert applications["role-leader"][0]["title"].endswith("已完成，提请审定销号")
    assert body.startswith("市政府分管领导：") and "不自行审核销号，现提请市政府审定。" in body
    assert body.endswith(f"\n{CONTACT_LINE}\n\n市科工商务局\n2015年11月20日")
    review_task_report(ctx, NOW, item_ref="三(二)3", period="2015-12-05", approve=True)
    told = _messages(ctx, "review@")["unit-kgswj+role-handler"][0]["body"]
    assert "经市政府审核，同意销号" in told and "经市科工商务局审核" not in told


def test_the_coordinators_own_task_returned_is_recorded_again_not_sent_to_itself(ctx: EngineContext) -> None:
    submit_task_report(ctx, NOW, unit="市科工商务局", item_ref="三(二)3", status="completed", done="两化融合贯标")
    review_task_report(ctx, NOW, item_ref="三(二)3", period="2015-12-05", approve=False, reason="缺少评定文件")
    told = _messages(ctx, "review@")["unit-kgswj+role-handler"][0]["body"]
    assert "经市政府审核，暂不同意销号，现予退回。" in told
    assert "请按上述意见补充完善后，于2015年12月7日(星期一)下班前重新录入督办系统。" in told
    assert "重新报送市科工商务局" not in told and "发送至" not in told and "回复至" not in told


def test_returning_needs_a_reason_reopens_the_node_and_tells_the_lead(ctx: EngineContext) -> None:
    submit_task_report(ctx, NOW, unit="市发改局", item_ref="四(一)", status="completed", done="清理收费")
    with pytest.raises(TaskReportError, match="needs a reason"):
        review_task_report(ctx, NOW, item_ref="四(一)", period="2015-12-05", approve=False, reason="  ")
    result = review_task_report(ctx, NOW, item_ref="四(一)", period="2015-12-05", approve=False,
                                reason="缺少负面清单实施情况的佐证材料")
    assert (result["outcome"], result["waived"]) == ("returned", 0)
    assert _nodes(ctx, "四(一)") == [(p, "市发改局", "open") for p in NODES]
    told = _messages(ctx, "review@")["unit-fgj+role-handler"][0]
    assert told["title"] == "【退回通知】四(一)“深化体制机制改革”销号申请退回，请补充完善后重新报送"
    assert "退回理由：缺少负面清单实施情况的佐证材料" in told["body"]
    # the node's time limit has not passed: it is the one to report again by
    assert "请按上述意见补充完善后，于2015年12月7日(星期一)下班前重新报送市科工商务局。" in told["body"]
    with pytest.raises(TaskReportError, match="no completed report awaiting review"):
        review_task_report(ctx, NOW, item_ref="四(一)", period="2015-12-05", approve=True)
    again = submit_task_report(ctx, NOW, unit="市发改局", item_ref="四(一)", status="completed", done="清理收费")
    assert (again.created, again.version, again.awaiting_review) == (True, 2, True)  # the same words, answered
    assert _nodes(ctx, "四(一)")[0][2] == "submitted"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"unit": "市发改局", "item_ref": "九(九)"}, r"unknown item '九\(九\)'; items: 三\(一\)1"),
    ({"unit": "市住建局", "item_ref": "四(六)"},
     r"市住建局 is neither the lead \(市人社局\) nor a cooperating unit \(市教育局\) of item 四\(六\)"),
    ({"unit": "市科技局", "item_ref": "四(六)"}, "unknown unit '市科技局'"),
    ({"unit": "市人社局", "item_ref": "四(六)", "period": "2015-06-05"},
     r"item 四\(六\) has no report node '2015-06-05'; nodes: 2015-12-05, 2016-06-05"),
    ({"unit": "市人社局", "item_ref": "四(六)", "status": "done"}, "unknown task status 'done'; known: not_started"),
])
def test_clear_errors_and_nothing_written(ctx: EngineContext, kwargs: dict[str, str], message: str) -> None:
    args = {"status": "in_progress", "done": "…", **kwargs}
    with pytest.raises(TaskReportError, match=message):
        submit_task_report(ctx, NOW, **args)  # type: ignore[arg-type]
    assert _reports(ctx) == []


def test_reviewing_an_item_with_nothing_awaiting_review_is_refused(ctx: EngineContext) -> None:
    submit_task_report(ctx, NOW, unit="市人社局", item_ref="四(六)", status="in_progress", done="推进中")
    with pytest.raises(TaskReportError, match=r"item 四\(六\) \(2015-12-05\) has no completed report awaiting"):
        review_task_report(ctx, NOW, item_ref="四(六)", period="2015-12-05", approve=True)


def test_clause_words() -> None:
    assert clause_words("五(三)、五(四)") == "第五部分第(三)、(四)项"
    assert clause_words("五(三)") == "第五部分第(三)项"
    assert clause_words("附件2") == "“附件2”"
