"""Rendering: every stage for every role says what, by when, who chases, and what comes next."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest

from models.errors import NotificationError
from notifications.messages.render import (
    ROLES,
    STAGES,
    available_templates,
    render,
    render_failure_report,
    render_test_message,
    render_values,
    truncation_marker,
)
from tests.notifications.helpers import HOLIDAY_NOTE, context

# Per stage: (level, working days left, next stage, what the stage must say, what "next" must say).
STAGE_CASES = {
    "reminder": (0, 5, "urge", "温馨提示", "发出催办通知"),
    "urge": (1, -1, "notice", "催办", "发出督办单"),
    "notice": (2, -3, "escalate", "督办单", "提请市领导督办"),
    "escalate": (3, -7, "repeat", "提请督办", "再次督办并列入通报"),
    "repeat": (3, -12, None, "再次督办", "列入通报"),
}
ADDRESSED = {
    "handler": "镇隆镇具体经办同志：",
    "head": "镇隆镇主要负责同志：",
    "coordinator": "抄送：市科工商务局",
    "leader": "尊敬的分管领导：",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("stage", STAGES)
def test_render_every_stage_and_role_says_what_when_who_and_next(stage: str, role: str) -> None:
    level, left, next_stage, stage_words, next_words = STAGE_CASES[stage]
    ctx = context(stage=stage, role=role, level=level, working_days_left=left, next_stage=next_stage)
    message = render(ctx)
    text = message.title + "\n" + message.body
    assert "\n" not in message.title and message.title
    assert stage_words in message.title
    assert "镇隆镇" in message.title
    assert "2016年上半年工作进展情况报送" in text  # what is due: period + duty
    assert "截止时间：2016年6月6日(星期一)" in message.body  # the effective date
    assert "文件规定时间：2016年6月5日(星期日)" in message.body  # the nominal date
    assert HOLIDAY_NOTE.replace(",", "，") in message.body  # the calendar's sentence, in Chinese punctuation
    assert "," not in message.body
    assert "市科工商务局" in message.body  # who is chasing
    assert next_words in message.body
    assert "《信宜市推进供给侧结构性改革实施方案》(信府办〔2016〕12号)" in message.body
    assert ADDRESSED[role] in message.body
    if role == "coordinator":
        assert message.title.startswith("【抄送】")
    assert "{" not in text and "None" not in text


@pytest.mark.parametrize("stage", ["urge", "notice", "escalate", "repeat"])
def test_render_overdue_stages_count_days_overdue(stage: str) -> None:
    message = render(context(stage=stage, role="leader", working_days_left=-7))
    assert "已逾期7个工作日" in message.title + message.body


def test_render_escalate_asks_the_leader_and_names_the_unit() -> None:
    message = render(context(stage="escalate", role="leader", level=3, working_days_left=-7, next_stage="repeat"))
    assert message.title == "【提请督办】镇隆镇2016年上半年工作进展情况报送已逾期7个工作日仍未完成"
    assert "特提请您督办，督促镇隆镇尽快办结" in message.body


def test_render_reminder_counts_down_and_explains_how() -> None:
    message = render(context(working_days_left=1))
    assert "距截止还有1个工作日" in message.body
    assert "请按附件模板填写进度报表" in message.body
    assert "下一步：如2016年6月7日(星期二)前仍未完成，将发出催办通知。" in message.body


def test_render_without_a_moved_date_shows_one_date() -> None:
    message = render(context(nominal_due_on=date(2016, 6, 6), holiday_note=""))
    assert "截止时间：2016年6月6日(星期一)" in message.body
    assert "文件规定时间" not in message.body


def test_render_moved_date_without_note_still_shows_the_nominal_date() -> None:
    message = render(context(holiday_note=""))
    assert "文件规定时间：2016年6月5日(星期日)" in message.body


def test_render_without_next_date() -> None:
    message = render(context(stage="urge", next_stage="notice", next_on=None, working_days_left=-1))
    assert "下一步：逾期未完成的，将向单位主要负责同志发出督办单。" in message.body


def test_render_without_doc_number_or_clause() -> None:
    message = render(context(doc_number="", duty_clause=""))
    assert "根据《信宜市推进供给侧结构性改革实施方案》的要求" in message.body


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
    message = render(context(due_on=day, nominal_due_on=day, holiday_note=""))
    assert f"截止时间：{text}" in message.body


@pytest.mark.parametrize(
    ("duty_kind", "words"),
    [
        ("decomposition", "分解方案"),
        ("joint_meeting", "联席会议"),
        ("inspection", "组织开展专项督查"),
        ("something_new", "请按要求抓紧办理"),
    ],
)
def test_render_says_how_to_do_each_kind_of_duty(duty_kind: str, words: str) -> None:
    assert words in render(context(duty_kind=duty_kind)).body


def test_render_strict_undefined_catches_a_missing_value() -> None:
    values = asdict(context())
    del values["coordinator"]
    with pytest.raises(NotificationError, match="'coordinator' is undefined"):
        render_values("reminder", values)


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
    assert render(context(stage="urge"), template="repeat").title.startswith("【再次督办】")


def test_available_templates_cover_every_stage() -> None:
    assert set(STAGES) <= set(available_templates())
    assert "_macros" not in available_templates()


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


def test_truncation_marker() -> None:
    assert truncation_marker() == "…(内容过长已截断)"


# An office's own work (models.rules.authority) and honest dates.
OWN_MEETING = {"duty_kind": "joint_meeting", "duty_title": "部门间联席会议", "unit_name": "市科工商务局",
               "period": "2016年第2季度", "own": True, "schedule_default": True, "duty_owner": "市科工商务局"}


def test_work_reminder_tells_the_convener_to_convene_and_file_minutes() -> None:
    message = render(context(**OWN_MEETING, next_stage="reminder"), template="work_reminder")
    assert message.title.startswith("【工作提示】2016年第2季度部门间联席会议")
    assert message.body.startswith("市科工商务局：")
    assert "请按计划召开联席会议，会后及时形成会议纪要" in message.body
    assert "2016年6月7日(星期二)将再次提示" in message.body
    for word in ("参加联席会议", "催办", "督办", "督促", "抄送", "温馨"):
        assert word not in message.title + message.body, word


def test_work_reminder_for_the_issuers_inspection_names_whose_work_it_is() -> None:
    ctx = context(duty_kind="inspection", duty_title="专项督查并通报", unit_name="市科工商务局", own=True,
                  schedule_default=True, duty_owner="信宜市人民政府", next_stage="escalate")
    message = render(ctx, template="work_reminder")
    assert "请组织开展专项督查并起草通报" in message.body
    assert "此项为信宜市人民政府工作事项，由市科工商务局承办" in message.body
    assert "如2016年6月7日(星期二)前仍未完成，将报告市政府分管领导" in message.body
    assert "迎检" not in message.body


def test_work_reminder_for_the_split() -> None:
    ctx = context(duty_kind="decomposition", duty_title="年度目标任务分解", unit_name="市科工商务局", own=True)
    assert "请按时完成年度目标任务分解" in render(ctx, template="work_reminder").body


@pytest.mark.parametrize(("stage", "still"), [("escalate", "尚未完成"), ("repeat", "仍未完成")])
def test_work_overdue_tells_the_leader_in_neutral_words(stage: str, still: str) -> None:
    ctx = context(**OWN_MEETING, stage=stage, role="leader", level=3, working_days_left=-3, next_stage="repeat")
    message = render(ctx, template="work_overdue")
    assert message.title == f"【提请关注】市科工商务局承办的2016年第2季度部门间联席会议{still}"
    assert message.body.startswith("市政府分管领导：")
    assert "由市科工商务局承办" in message.body and "提请关注" in message.body and "已逾期3个工作日" in message.body
    for word in ("督促", "督办", "催办", "抄送", "尊敬"):
        assert word not in message.title + message.body, word


@pytest.mark.parametrize("template", ["reminder", "urge", "notice", "escalate", "repeat", "work_reminder",
                                      "work_overdue"])
def test_a_default_date_is_a_work_arrangement_never_the_notices(template: str) -> None:
    stage = {"work_reminder": "reminder", "work_overdue": "escalate"}.get(template, template)
    message = render(context(stage=stage, schedule_default=True), template=template)
    assert "文件规定" not in message.body
    assert "工作安排时间：2016年6月5日(星期日)（实施方案未规定具体时间，此为工作安排）" in message.body
    assert HOLIDAY_NOTE.replace(",", "，") in message.body


def test_a_default_date_that_did_not_move_still_says_it_is_a_work_arrangement() -> None:
    day = date(2016, 6, 6)
    message = render(context(due_on=day, nominal_due_on=day, holiday_note="", schedule_default=True))
    assert "工作安排时间：2016年6月6日(星期一)（实施方案未规定具体时间，此为工作安排）" in message.body
    assert "文件规定" not in message.body
