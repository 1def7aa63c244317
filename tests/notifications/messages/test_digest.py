"""Digests: one recipient's decisions of a day as one message (render_digest, digest.j2) — beyond the golden files."""

from __future__ import annotations

import re
from datetime import date

import pytest

from models.errors import NotificationError
from notifications.messages.render import DigestContext, RenderedMessage, note_body, render_digest
from tests.notifications.messages.test_golden_ladder import ACTION, CLOSE_OUT, CONTACT, REPORT, TASK, ladder_context

DAY = date(2016, 6, 23)


def leader(*members: object, notes: tuple[RenderedMessage, ...] = (), **changes: object) -> RenderedMessage:
    return render_digest(DigestContext(role="leader", unit_name="", day=DAY, members=members,  # type: ignore[arg-type]
                                       notes=notes, **changes))  # type: ignore[arg-type]


def test_an_empty_digest_is_refused() -> None:
    with pytest.raises(NotificationError, match="carries nothing"):
        render_digest(DigestContext(role="leader", unit_name="", day=DAY, members=()))


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(NotificationError, match="unknown recipient role 'mayor'"):
        render_digest(DigestContext(role="mayor", unit_name="", day=DAY, members=(ladder_context(
            REPORT, "镇隆镇", 12, "leader"),)))


@pytest.mark.parametrize(("names", "words", "these"), [
    (("镇隆镇", "金垌镇"), "2个镇", "上述镇"),
    (("东镇街道",), "1个街道", "东镇街道"),
    (("镇隆镇", "东镇街道"), "2个镇(街道)", "上述镇(街道)"),
    (("市发改局", "市科工商务局"), "2个部门", "上述部门"),
])
def test_the_leader_reads_units_counted_as_what_they_are(names: tuple[str, ...], words: str, these: str) -> None:
    message = leader(*(ladder_context(REPORT, name, 12, "leader") for name in names))
    assert message.title == f"【提请督办】截至6月23日，{words}逾期未报送"
    assert f"以下{words}仍未报送：" in message.body
    assert f"建议约谈{these}分管负责同志" in message.body
    assert message.items == len(names)


def test_the_most_overdue_come_first_and_each_due_date_is_its_own_group() -> None:
    late = ladder_context(REPORT, "金垌镇", 12, "leader")
    later = ladder_context(REPORT, "镇隆镇", 17, "leader")
    task = ladder_context(TASK, "市发改局", 12, "leader")
    message = leader(late, task, later)
    assert "以下2个镇仍未报送：镇隆镇(逾期17个工作日)、金垌镇(逾期12个工作日)。" in message.body
    assert "（一）2016年上半年项目建设和各项工作进展情况" in message.body
    assert "（二）2016年上半年“深化体制机制改革”落实情况" in message.body
    assert message.body.index("镇隆镇(逾期17") < message.body.index("市发改局(逾期12")


def test_reports_and_tasks_together_are_not_all_reports() -> None:
    message = leader(ladder_context(REPORT, "金垌镇", 12, "leader"), ladder_context(ACTION, "镇隆镇", 12, "leader"))
    assert message.title == "【提请督办】截至6月23日，2个镇逾期未办结"
    assert "以下1个镇仍未落实：镇隆镇(逾期12个工作日)。" in message.body


def test_notes_alone_are_a_report_with_the_digests_issuer_and_contact() -> None:
    other = RenderedMessage(title="【销号申请】市科工商务局牵头的三(一)2 完善中小微企业公共服务平台已完成",
                            body="市政府分管领导：\n　　申请销号。\n\n市科工商务局\n2016年6月22日")
    message = leader(notes=(CLOSE_OUT, other), issuer="市科工商务局", contact=CONTACT,
                     leader_title="市政府分管领导")
    assert message.title == "【报告】6月23日待阅事项2项"
    assert message.body.startswith("市政府分管领导：\n　　现将截至2016年6月23日(星期四)的工作情况报告如下：")
    assert "提请督办事项" not in message.body and "其他事项" not in message.body  # one part: no headings
    assert "1. 【销号申请】市科工商务局牵头的三(一)1" in message.body and "2. 【销号申请】" in message.body
    assert message.body.endswith("联系人：市科工商务局督查股 李明，电话：0668-8812345，邮箱：dbk@kgswj.xinyi.example"
                                 "\n\n市科工商务局\n2016年6月23日")
    assert message.items == 2


def test_note_body_drops_what_the_digest_says_once() -> None:
    assert note_body(CLOSE_OUT, "email") == [
        "市科工商务局于2016年6月22日(星期三)报送2016年上半年任务落实情况，报三(一)1 鼓励和支持龙头企业发挥创新骨干作用"
        "“已完成”，申请销号。",
        "已完成工作：扶持3家龙头企业建设研发中心。",
    ]
    plain = RenderedMessage(title="t", body="第一句。\n第二句。")
    assert note_body(plain, "text") == ["第一句。", "第二句。"]


def test_a_unit_digest_of_reminders_is_a_reminder() -> None:
    members = (ladder_context(REPORT, "镇隆镇", -1, "handler"), ladder_context(TASK, "镇隆镇", -1, "handler"))
    message = render_digest(DigestContext(role="handler", unit_name="镇隆镇", day=date(2016, 6, 3), members=members))
    assert message.title == "【提醒】请按时办理以下2项工作"
    assert "你镇以下2项工作需按时办理：" in message.body
    assert "1. 2016年上半年项目建设和各项工作进展情况：请于2016年6月6日(星期一)下班前报送" in message.body
    assert "逾期未报送的，将于6月7日发出催办通知。" in message.body
    assert "已报送的请忽略。" in message.body and message.items == 2


def test_a_head_digest_without_a_number_still_says_it_is_a_duban_dan() -> None:
    members = (ladder_context(REPORT, "东镇街道", 3, "head"),)
    message = render_digest(DigestContext(role="head", unit_name="东镇街道", day=date(2016, 6, 12), members=members))
    assert message.title == "【督办单】请尽快办结以下1项逾期工作"
    assert message.body.startswith("东镇街道办事处主要负责同志：")
    assert "你街道以下1项工作已逾期" in message.body


def test_the_coordinator_copies_count_each_kind_of_document() -> None:
    members = (ladder_context(REPORT, "镇隆镇", 3, "coordinator", doc_no="信督办〔2016〕3号"),
               ladder_context(REPORT, "东镇街道", 1, "coordinator"))
    message = render_digest(DigestContext(role="coordinator", unit_name="", day=date(2016, 6, 12), members=members))
    assert message.title == "【抄送】6月12日已发出督办单1份、催办通知1份"
    assert "已发出以下通知：" in message.body
    assert "1. 信督办〔2016〕3号，致镇隆镇人民政府主要负责同志：" in message.body
    assert "2. 致东镇街道办事处：" in message.body
    assert "将于6月12日向东镇街道办事处主要负责同志发出督办单。" in message.body  # named: the copy is not to the unit
    assert "你街道" not in message.body


def test_a_digest_without_contact_data_names_the_office() -> None:
    member = ladder_context(REPORT, "镇隆镇", 12, "leader", contact=None)
    message = leader(member)
    assert "联系单位：市科工商务局" in message.body and "联系人" not in message.body


@pytest.mark.parametrize("channel", ["email", "text", "markdown"])
def test_a_leader_digest_of_a_stage_before_any_other_leaves_no_gap(channel: str) -> None:
    message = leader(ladder_context(REPORT, "镇隆镇", 1, "leader"))  # an urge copied to the leader: nothing done yet
    body = message.form(channel)
    assert "建议约谈镇隆镇分管负责同志" in body
    assert not re.search(r"[，。；：、][，。；：、]|^　　。", body, re.M), body
