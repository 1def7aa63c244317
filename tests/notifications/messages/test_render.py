"""Rendering: every stage for every role says what, by when, who chases, and what comes next."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from models.errors import NotificationError
from notifications.messages.render import (
    ROLES,
    STAGES,
    Contact,
    MessageContext,
    available_templates,
    render,
    render_failure_report,
    render_test_message,
    render_values,
)
from tests.notifications.helpers import context

CONTACT = Contact(unit="市科工商务局", person="督查股 李明", phone="0668-8812345", email="dbk@kgswj.xinyi.example")


def ctx(**changes: Any) -> MessageContext:
    """The sample context as the dispatcher fills it: the issuing office, its contact, the 落款 date."""
    return context(**{"issuer": "市科工商务局", "contact": CONTACT, "issued_on": date(2016, 5, 30),
                      "leader_title": "市政府分管领导", **changes})


# Per stage: (level, working days left, next stage, next date).
STAGE_CASES = {
    "reminder": (0, 5, "urge", date(2016, 6, 7)),
    "urge": (1, -1, "notice", date(2016, 6, 12)),
    "notice": (2, -3, "escalate", date(2016, 6, 16)),
    "escalate": (3, -7, "repeat", date(2016, 6, 23)),
    "repeat": (3, -12, "repeat", date(2016, 6, 30)),
}
# What the title says, per role (the unit's handler and head by stage).
TITLES = {
    ("reminder", "unit"): "【提醒】请于6月6日前报送2016年上半年工作进展情况",
    ("urge", "unit"): "【催办】请尽快报送2016年上半年工作进展情况",
    ("notice", "unit"): "【督办单】请尽快报送2016年上半年工作进展情况",
    ("escalate", "unit"): "【催办】请立即报送2016年上半年工作进展情况",
    ("repeat", "unit"): "【催办】请立即报送2016年上半年工作进展情况",
}
SALUTE = {"handler": "镇隆镇人民政府：", "head": "镇隆镇人民政府主要负责同志：", "coordinator": "市科工商务局：",
          "leader": "市政府分管领导："}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("stage", STAGES)
def test_render_every_stage_and_role_says_what_when_who_and_next(stage: str, role: str) -> None:
    level, left, next_stage, next_on = STAGE_CASES[stage]
    message = render(ctx(stage=stage, role=role, level=level, working_days_left=left, next_stage=next_stage,
                         next_on=next_on))
    text = message.title + "\n" + message.body
    assert "\n" not in message.title and message.title
    if role == "coordinator":
        about = "（镇隆镇）" if stage in ("escalate", "repeat") else "（致镇隆镇人民政府）"  # a report to the leader
        assert message.title.startswith("【抄送】") and message.title.endswith(about)
    elif role == "leader":
        assert message.title == ("【提醒】镇隆镇2016年上半年工作进展情况应于6月6日前报送" if left >= 0 else
                                 f"【提请督办】镇隆镇逾期{-left}个工作日仍未报送2016年上半年工作进展情况")
    else:
        assert message.title == TITLES[(stage, "unit")]
    assert "2016年上半年工作进展情况" in text  # what is due: its period and object, the verb 报送 not glued in
    assert "6月6日" in message.body  # the effective date
    assert "市科工商务局" in message.body  # who is chasing
    assert "《信宜市推进供给侧结构性改革实施方案》(信府办〔2016〕12号)" in message.body or role == "coordinator"
    assert SALUTE[role] in message.body.splitlines()[:2]
    assert "联系人：市科工商务局督查股 李明，电话：0668-8812345，邮箱：dbk@kgswj.xinyi.example" in message.body
    assert message.body.endswith("市科工商务局\n2016年5月30日")  # 落款: the office and the date, no weekday
    assert not re.search(r"[,:;]", message.body.replace("dbk@kgswj.xinyi.example", ""))
    assert not re.search(r"[，。；：、][，。；：、]", message.body)  # no "。，" where a clause was left out
    assert "{" not in text and "None" not in text and "温馨" not in text and "尊敬" not in text


@pytest.mark.parametrize("stage", ["urge", "notice", "escalate", "repeat"])
@pytest.mark.parametrize("role", ["handler", "head", "leader"])
def test_render_overdue_stages_count_days_overdue(stage: str, role: str) -> None:
    message = render(ctx(stage=stage, role=role, working_days_left=-7))
    assert "逾期7个工作日" in message.title + message.body


def test_render_reminder_one_time_limit_its_reason_and_what_follows() -> None:
    message = render(ctx(working_days_left=1, overdue_stage="urge", overdue_on=date(2016, 6, 7),
                         next_stage="reminder", next_on=date(2016, 6, 3)))
    assert ("请于2016年6月6日(星期一)下班前向市科工商务局报送2016年上半年工作进展情况"
            "（文件规定6月5日前报送，因6月5日为星期日，顺延至6月6日）。") in message.body
    # What follows is the stage after the due date, not the next reminder.
    assert "逾期未报送的，将于6月7日发出催办通知。" in message.body
    assert "6月3日" not in message.body
    assert "请填写报送通知所附报表，经分管领导审核后发送至dbk@kgswj.xinyi.example。已报送的请忽略。" in message.body
    assert ("请填写报表（可向联系人索取），经分管领导审核后发送至dbk@kgswj.xinyi.example，"
            "或致电0668-8812345联系报送。") in message.form("text")
    assert "**2016年6月6日(星期一)下班前**" in message.form("markdown")
    assert "截止时间" not in message.body and "文件规定时间" not in message.body  # one time limit, said once


def test_render_without_a_moved_date_gives_no_reason() -> None:
    message = render(ctx(nominal_due_on=date(2016, 6, 6), holiday_note="", holiday_rule="working_day"))
    assert "请于2016年6月6日(星期一)下班前向市科工商务局报送2016年上半年工作进展情况。" in message.body
    assert "文件规定" not in message.body


def test_render_without_an_overdue_stage_falls_back_to_the_next_stage() -> None:
    message = render(ctx(stage="reminder", next_stage="urge", next_on=None))
    assert "逾期未报送的，将发出催办通知。" in message.body


def test_render_urge_says_what_follows_after_the_due_date() -> None:
    message = render(ctx(stage="urge", level=1, working_days_left=-1, next_stage="notice", next_on=date(2016, 6, 12),
                         issued_on=date(2016, 6, 7)))
    assert "你镇应于2016年6月6日(星期一)前向市科工商务局报送2016年上半年工作进展情况" in message.body
    assert "截至6月7日仍未报送，已逾期1个工作日。现予催办" in message.body
    assert "仍未报送的，将于6月12日向你镇主要负责同志发出督办单。" in message.body


def test_render_notice_is_a_numbered_document_with_a_new_time_limit() -> None:
    message = render(ctx(stage="notice", role="head", level=2, working_days_left=-3, next_stage="escalate",
                         next_on=date(2016, 6, 16), issued_on=date(2016, 6, 12), doc_no="信督办〔2016〕3号",
                         urged_on=date(2016, 6, 7), limit_on=date(2016, 6, 15)))
    assert message.title == "【督办单】信督办〔2016〕3号"
    assert message.body.splitlines()[0] == "镇隆镇人民政府主要负责同志："  # the number is the title's, said once
    assert "你镇2016年上半年工作进展情况应于6月6日前报送，经6月7日催办，截至6月12日仍未报送" in message.body
    assert "请亲自过问，于2016年6月15日(星期三)前向市科工商务局报送，并书面说明逾期原因。" in message.body
    assert "逾期仍未报送的，将提请市政府分管领导督办并在通报中点名。" in message.body
    assert "尽快办结" not in message.body


@pytest.mark.parametrize(("name", "kind", "addressed", "you"), [
    ("东镇街道", "subdistrict", "东镇街道办事处：", "你街道"),
    ("市发改局", "department", "市发改局：", "你单位"),
    ("镇隆镇", "", "镇隆镇人民政府：", "你镇"),  # the kind read from the name when the plan gives none
    ("人民银行信宜市支行", "vertical", "人民银行信宜市支行：", "你单位"),
])
def test_render_addresses_the_unit_by_its_kind(name: str, kind: str, addressed: str, you: str) -> None:
    message = render(ctx(stage="urge", unit_name=name, unit_kind=kind, working_days_left=-1))
    assert message.body.startswith(addressed)
    assert f"{you}应于" in message.body


def test_render_escalation_asks_the_leader_something_concrete() -> None:
    message = render(ctx(stage="escalate", role="leader", level=3, working_days_left=-7, next_stage="repeat",
                         next_on=date(2016, 6, 23), issued_on=date(2016, 6, 16), urged_on=date(2016, 6, 7),
                         noticed_on=date(2016, 6, 12), doc_no="信督办〔2016〕3号", next_meeting_on=date(2016, 9, 20)))
    assert message.title == "【提请督办】镇隆镇逾期7个工作日仍未报送2016年上半年工作进展情况"
    assert "已于6月7日催办、6月12日发出督办单(信督办〔2016〕3号)，截至6月16日仍未报送" in message.body
    assert "建议约谈镇隆镇分管负责同志，或在9月联席会议上点名。" in message.body
    assert "仍未报送的，将于6月23日再次报告。" in message.body


def test_render_without_doc_number_or_clause() -> None:
    message = render(ctx(doc_number="", duty_clause=""))
    assert "根据《信宜市推进供给侧结构性改革实施方案》要求，" in message.body


def test_render_cites_a_clause_in_words() -> None:
    message = render(ctx(duty_clause="五(三)"))
    assert "(信府办〔2016〕12号)第五部分第(三)项要求" in message.body


def test_render_without_contact_or_date_names_the_office() -> None:
    message = render(context())  # as a test or an old caller builds it: no contact, no 落款 date
    assert "联系单位：市科工商务局" in message.body
    assert "请填写报表（可向市科工商务局索取），经分管领导审核后报送市科工商务局。" in message.form("text")
    assert message.body.endswith("\n市科工商务局")


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2016, 6, 6), "2016年6月6日(星期一)"),
        (date(2016, 6, 11), "2016年6月11日(星期六)"),
        (date(2016, 6, 12), "2016年6月12日(星期日)"),
        (date(2017, 1, 1), "2017年1月1日(星期日)"),
    ],
)
def test_render_chinese_dates(day: date, text: str) -> None:
    message = render(ctx(due_on=day, nominal_due_on=day, holiday_note=""))
    assert f"请于{text}下班前" in message.body


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"duty_kind": "action_item", "obligation_title": "完善镇级重大工业项目库"},
         "请于2016年6月6日(星期一)前完善镇级重大工业项目库，并将落实情况报市科工商务局"),
        ({"duty_kind": "rectification", "obligation_title": "2016年上半年专项督查整改"},
         "请于2016年6月6日(星期一)前完成2016年上半年专项督查整改，并将整改情况报市科工商务局"),
        ({"duty_kind": "task_report", "duty_title": "报送“深化体制机制改革”落实情况"},
         "报送2016年上半年“深化体制机制改革”落实情况"),
        ({"duty_kind": "something_new", "duty_title": "建立协调机制"}, "请于2016年6月6日(星期一)前建立协调机制"),
    ],
)
def test_render_says_what_to_do_for_each_kind_of_duty(changes: dict[str, str], words: str) -> None:
    assert words in render(ctx(**changes)).body


def test_render_strict_undefined_catches_a_missing_value() -> None:
    with pytest.raises(NotificationError, match="'ctx' is undefined"):
        render_values("reminder", {})


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"stage": "nag"}, "unknown message stage 'nag'; known: reminder, urge"),
        ({"role": "mayor"}, "unknown recipient role 'mayor'"),
        ({"next_stage": "later"}, "unknown next stage 'later'"),
    ],
)
def test_render_rejects_unknown_values(changes: dict[str, str], match: str) -> None:
    with pytest.raises(NotificationError, match=match):
        render(context(**changes))


def test_render_unknown_template_lists_known_ones() -> None:
    with pytest.raises(NotificationError, match="no message template 'nosuch'.*known: .*reminder"):
        render(context(), template="nosuch")
    with pytest.raises(NotificationError, match="invalid template name"):
        render(context(), template="../secrets")


def test_render_template_override() -> None:
    message = render(ctx(stage="urge", role="leader", working_days_left=-12), template="repeat")
    assert message.title.startswith("【提请督办】")


def test_available_templates_cover_every_stage() -> None:
    assert set(STAGES) <= set(available_templates())
    assert not [name for name in available_templates() if name.startswith("_")]


def test_render_test_message() -> None:
    message = render_test_message()
    assert message.title == "【测试】督办系统通知测试"
    assert "测试消息" in message.body


def test_render_failure_report() -> None:
    message = render_failure_report(
        unit_name="镇隆镇",
        role="handler",
        subject="【催办】镇隆镇2016年上半年工作进展情况报送已逾期1个工作日，请抓紧办理",
        target="wecombot://0...y/",
        error="errcode 93000: invalid webhook url",
        attempts=5,
        coordinator="市科工商务局",
    )
    assert message.title == "【投递失败】一条督办消息未能送达镇隆镇具体经办人"
    assert message.body.startswith("市科工商务局：")
    for words in ("5次尝试", "wecombot://0...y/", "errcode 93000: invalid webhook url", "【催办】镇隆镇"):
        assert words in message.body


def test_render_failure_report_without_a_contact() -> None:
    message = render_failure_report(
        unit_name=None, role="leader", subject="x", target="", error="no contact matches tags role-leader",
        attempts=1, coordinator="市科工商务局",
    )
    assert "未匹配到联系人" in message.body
    assert "分管领导" in message.title


# An office's own work (models.rules.authority) and honest dates.
OWN_MEETING = {"duty_kind": "joint_meeting", "duty_title": "部门间联席会议", "unit_name": "市科工商务局",
               "period": "2016年第2季度", "own": True, "schedule_default": True, "duty_owner": "市科工商务局",
               "nominal_due_on": date(2016, 6, 20), "due_on": date(2016, 6, 20), "holiday_note": ""}
SUPERVISION = ("参加联席会议", "催办", "督办", "督促", "抄送", "温馨", "报送市科工商务局", "向市科工商务局报送")


def test_work_reminder_tells_the_convener_to_convene_and_file_minutes() -> None:
    message = render(ctx(**OWN_MEETING, next_stage="reminder", next_on=date(2016, 6, 17), overdue_stage="escalate",
                         overdue_on=date(2016, 6, 23)), template="work_reminder")
    assert message.title == "【工作提示】请于6月20日前召开2016年第二季度部门间联席会议并形成会议纪要"
    assert message.body.startswith("市科工商务局：")
    assert "请于2016年6月20日(星期一)前召开2016年第二季度部门间联席会议并形成会议纪要" in message.body
    assert "逾期未完成的，将于6月23日报告市政府分管领导。" in message.body  # not the next reminder (6-17)
    assert "6月17日" not in message.body
    for word in SUPERVISION:
        assert word not in message.title + message.body, word


def test_work_reminder_without_the_overdue_stage_still_says_the_leader_is_told() -> None:
    message = render(ctx(**OWN_MEETING, next_stage="reminder", next_on=date(2016, 6, 17)), template="work_reminder")
    assert "逾期未完成的，将报告市政府分管领导。" in message.body


def test_work_reminder_for_the_minutes_of_a_meeting() -> None:
    message = render(ctx(**OWN_MEETING, obligation_title="部门间联席会议纪要"), template="work_reminder")
    assert message.title == "【工作提示】请于6月20日前形成部门间联席会议纪要"


def test_work_reminder_for_the_issuers_inspection_names_whose_work_it_is() -> None:
    c = ctx(duty_kind="inspection", duty_title="专项督查并通报", unit_name="市科工商务局", own=True,
            schedule_default=True, duty_owner="信宜市人民政府", next_stage="escalate", next_on=date(2016, 6, 9))
    message = render(c, template="work_reminder")
    assert "请于2016年6月6日(星期一)前组织开展2016年上半年专项督查并起草通报" in message.body
    assert "此项为市政府工作事项，由你单位承办。" in message.body
    assert "逾期未完成的，将于6月9日报告市政府分管领导。" in message.body
    assert "迎检" not in message.body


def test_work_reminder_for_the_split_says_the_year_once() -> None:
    c = ctx(duty_kind="decomposition", duty_title="年度目标任务分解落实到各镇(街道)", unit_name="市科工商务局",
            own=True, period="2016年度")
    message = render(c, template="work_reminder")
    assert message.title == "【工作提示】请于6月6日前将2016年度目标任务分解落实到各镇(街道)"
    assert "年度年度" not in message.body


@pytest.mark.parametrize(("stage", "still"), [("escalate", "尚未完成"), ("repeat", "仍未完成")])
def test_work_overdue_tells_the_leader_in_neutral_words(stage: str, still: str) -> None:
    c = ctx(**OWN_MEETING, stage=stage, role="leader", level=3, working_days_left=-3, next_stage="repeat",
            next_on=date(2016, 6, 30), issued_on=date(2016, 6, 23))
    message = render(c, template="work_overdue")
    assert message.title == f"【提请关注】召开2016年第二季度部门间联席会议并形成会议纪要的工作{still}"
    assert message.body.startswith("市政府分管领导：")
    assert (f"市科工商务局应于2016年6月20日(星期一)前召开2016年第二季度部门间联席会议并形成会议纪要"
            f"（本时间为工作安排，文件未作具体规定），截至6月23日{still}，已逾期3个工作日。特此报告。") in message.body
    assert "仍未完成的，将于6月30日再次报告。" in message.body
    for word in (*SUPERVISION, "尊敬", "建议约谈"):
        assert word not in message.title + message.body, word


@pytest.mark.parametrize("template", ["reminder", "urge", "notice", "escalate", "repeat", "work_reminder",
                                      "work_overdue"])
def test_a_default_date_is_a_work_arrangement_never_the_notices(template: str) -> None:
    stage = {"work_reminder": "reminder", "work_overdue": "escalate"}.get(template, template)
    left = 5 if stage == "reminder" else -3
    message = render(ctx(stage=stage, schedule_default=True, working_days_left=left), template=template)
    assert "文件规定" not in message.body
    if template in ("reminder", "urge", "work_reminder", "work_overdue"):  # the date as the time limit: its reason
        assert "（本时间为工作安排，文件未作具体规定；6月5日为星期日，顺延至6月6日）" in message.body


def test_a_default_date_that_did_not_move_still_says_it_is_a_work_arrangement() -> None:
    day = date(2016, 6, 6)
    message = render(ctx(due_on=day, nominal_due_on=day, holiday_note="", schedule_default=True))
    assert ("2016年6月6日(星期一)下班前向市科工商务局报送2016年上半年工作进展情况"
            "（本时间为工作安排，文件未作具体规定）。") in message.body
    assert "文件规定" not in message.body.replace("文件未作具体规定", "")
