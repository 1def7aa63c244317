"""Golden files: every ladder stage and digest as an official receives it, in each channel form.

One town (镇隆镇, its 2016 first-half progress report, due 2016-06-05, a Sunday, rolled to Monday 6-6) and one
department (市发改局, a task report whose date is the office's arrangement) climb the default ladder of
``config/escalation.yaml`` — reminders at -5 and -1, 催办, the 督办单 to the head and its copy to the
coordinator, the leader asked, the repeat — with every date from the real calendar (6-12 is a make-up Sunday).
The office's own ladder (the joint meeting to convene, its minutes, the target split) follows, then the digests
(the leader's day, a town's 催办 and 督办单 listing two obligations, the coordinator's copies).

Each case is one file under ``golden/ladder/``: the title, then the email, text and markdown forms and the
number of listed items. After changing a template, regenerate them and read every one as a 督查室 clerk and a
镇长 would before committing::

    DUBAN_REGEN_GOLDEN=1 .venv/bin/python -m pytest -q tests/notifications/messages/test_golden_ladder.py

The rule tests below hold every case to the register (officialese.md): no banned words, Chinese punctuation
between Chinese characters, no ISO dates, a contact line, a 落款 date without weekday.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from models.rules.calendar import WorkingCalendar
from models.rules.ladder import load_escalation, step_at
from notifications.messages.render import (
    CHANNELS,
    Contact,
    DigestContext,
    MessageContext,
    RenderedMessage,
    render,
    render_digest,
)
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden" / "ladder"
REGEN = os.environ.get("DUBAN_REGEN_GOLDEN") == "1"
CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
ESC = load_escalation(ROOT / "config" / "escalation.yaml")

CONTACT = Contact(unit="市科工商务局", person="督查股 李明", phone="0668-8812345", email="dbk@kgswj.xinyi.example")
PLAN = {"plan_title": "信宜市贯彻落实〈广东省工业转型升级攻坚战三年行动计划(2015-2017年)〉的实施方案",
        "doc_number": "信府〔2015〕30号", "coordinator": "市科工商务局", "issuer": "市科工商务局", "contact": CONTACT,
        "leader_title": "市政府分管领导"}
REPORT = {"duty_kind": "progress_report", "duty_title": "报送项目建设和各项工作进展情况", "duty_clause": "五(三)",
          "clause_ref": "第五部分第(三)项", "period": "2016年上半年", "nominal_due_on": date(2016, 6, 5)}
TASK = {"duty_kind": "task_report", "duty_title": "报送“深化体制机制改革”落实情况", "duty_clause": "五(三)、五(四)",
        "clause_ref": "第五部分第(三)、(四)项", "period": "2016年上半年", "nominal_due_on": date(2016, 6, 5),
        "schedule_default": True}
ACTION = {"duty_kind": "action_item", "duty_title": "联席会议议定事项", "duty_clause": "",
          "obligation_title": "完善镇级重大工业项目库",
          "period": "2016年6月3日", "nominal_due_on": date(2016, 6, 3)}
MEETING = {"duty_kind": "joint_meeting", "duty_title": "部门间联席会议", "duty_clause": "五(一)",
           "clause_ref": "第五部分第(一)项", "period": "2016年第2季度", "nominal_due_on": date(2016, 6, 20),
           "schedule_default": True}
MINUTES = {**MEETING, "obligation_title": "部门间联席会议纪要", "period": "2016年6月23日",
           "nominal_due_on": date(2016, 6, 23), "schedule_default": False}
SPLIT = {"duty_kind": "decomposition", "duty_title": "年度目标任务分解落实到各镇(街道)", "duty_clause": "五(二)",
         "clause_ref": "第五部分第(二)项", "period": "2016年度", "nominal_due_on": date(2016, 4, 30)}
INSPECTION = {"duty_kind": "inspection", "duty_title": "专项督查并通报", "duty_clause": "五(四)",
              "clause_ref": "第五部分第(四)项", "period": "2016年上半年", "nominal_due_on": date(2016, 6, 21),
              "schedule_default": True, "duty_owner": "信宜市人民政府"}
UNITS = {"镇隆镇": "town", "金垌镇": "town", "水口镇": "town", "池洞镇": "town", "东镇街道": "subdistrict",
         "市发改局": "department", "市科工商务局": "department"}
POLICY = {"decomposition": "pull_earlier"}


def ladder_context(duty: dict[str, object], unit: str, offset: int, role: str, *, own: bool = False,
                   **changes: object) -> MessageContext:
    """The context the dispatcher builds for the step ``offset`` working days after the due date (as H1's
    ``ladder_context`` does): dates from the calendar, stages from the ladder file."""
    nominal = duty["nominal_due_on"]
    assert isinstance(nominal, date)
    due = CAL.effective_due(nominal, POLICY.get(str(duty["duty_kind"]), "roll_forward"))
    ladder = ESC.for_obligation("any", own)
    step = step_at(ladder, offset)
    assert step is not None and step.offset == offset, (duty, offset)
    nxt = step_at(ladder, step.next_offset) if step.next_offset is not None else None
    day = CAL.add_working_days(due.effective, offset)
    after = next(s for s in ladder.stages if s.offset > 0)
    stages = {s.stage.value: CAL.add_working_days(due.effective, s.offset) for s in ladder.stages}
    next_on = CAL.add_working_days(due.effective, step.next_offset) if step.next_offset is not None else None
    values: dict[str, object] = {
        **PLAN, **duty, "stage": step.stage.value, "level": step.level, "role": role, "unit_name": unit,
        "unit_kind": UNITS[unit], "due_on": due.effective, "holiday_rule": due.rule, "holiday_note": due.describe_zh(),
        "working_days_left": CAL.working_days_between(day, due.effective), "issued_on": day, "own": own,
        "next_stage": nxt.stage.value if nxt else None, "next_on": next_on,
        "overdue_stage": after.stage.value if offset < 0 else None,
        "overdue_on": CAL.add_working_days(due.effective, after.offset) if offset < 0 else None,
        "urged_on": stages["urge"] if "urge" in stages and day > stages["urge"] else None,
        "noticed_on": stages["notice"] if "notice" in stages and day > stages["notice"] else None,
        "escalated_on": stages["escalate"] if day > stages["escalate"] else None,
        "limit_on": CAL.add_working_days(next_on, -1) if step.stage.value == "notice" and next_on else None,
        "next_meeting_on": date(2016, 9, 20),
    }
    values.update(changes)
    return MessageContext(**values)  # type: ignore[arg-type]


def town(offset: int, role: str = "handler", **changes: object) -> MessageContext:
    return ladder_context(REPORT, "镇隆镇", offset, role, **changes)


def dept(offset: int, role: str = "handler", **changes: object) -> MessageContext:
    return ladder_context(TASK, "市发改局", offset, role, **changes)


def own(duty: dict[str, object], offset: int, role: str = "handler", **changes: object) -> MessageContext:
    return ladder_context(duty, "市科工商务局", offset, role, own=True, **changes)


def template_of(ctx: MessageContext) -> str | None:
    """The own ladder's templates (config/escalation.yaml: work_reminder, work_overdue)."""
    if not ctx.own:
        return None
    return "work_reminder" if ctx.stage == "reminder" else "work_overdue"


def one(ctx: MessageContext) -> Callable[[], RenderedMessage]:
    return lambda: render(ctx, template=template_of(ctx))


# The 销号申请 a lead's report raises (task_application.j2's register): a note the leader's digest carries.
CLOSE_OUT = RenderedMessage(
    title="【销号申请】市科工商务局牵头的三(一)1 鼓励和支持龙头企业发挥创新骨干作用已完成，提请审定销号",
    body="市政府分管领导：\n　　市科工商务局于2016年6月22日(星期三)报送2016年上半年任务落实情况，"
         "报三(一)1 鼓励和支持龙头企业发挥创新骨干作用“已完成”，申请销号。\n"
         "　　已完成工作：扶持3家龙头企业建设研发中心。\n"
         "　　联系人：市科工商务局督查股 李明，电话：0668-8812345\n\n市科工商务局\n2016年6月22日",
)
TOWNS_LATE = ("金垌镇", "镇隆镇", "水口镇", "池洞镇", "东镇街道")
NOTICE_NO = "信督办〔2016〕3号"


def leader_digest() -> RenderedMessage:
    """6-23: five localities and one department still without their reports (repeats), the joint meeting of 6-20
    not yet held (own work, the leader told), and a 销号申请."""
    members = (
        *(ladder_context(REPORT, name, 12, "leader", doc_no=f"信督办〔2016〕{n}号")
          for n, name in enumerate(TOWNS_LATE, start=3)),
        dept(12, "leader", doc_no="信督办〔2016〕8号"),
        own(MEETING, 3, "leader"),
    )
    return render_digest(DigestContext(role="leader", unit_name="", day=date(2016, 6, 23), members=members,
                                       notes=(CLOSE_OUT,)))


def action(offset: int, role: str, day: date, **changes: object) -> MessageContext:
    """镇隆镇's 议定事项 due Friday 6-3, its step deferred to ``day`` (the town already had a message that day)."""
    ctx = ladder_context(ACTION, "镇隆镇", offset, role, **changes)
    return replace(ctx, issued_on=day, working_days_left=CAL.working_days_between(day, ctx.due_on))


def handler_digest() -> RenderedMessage:
    """6-7: the progress report's 催办 and the 议定事项's (due 6-3; its 6-6 step deferred a day), one 催办."""
    members = (town(1), action(1, "handler", date(2016, 6, 7)))
    return render_digest(DigestContext(role="handler", unit_name="镇隆镇", day=date(2016, 6, 7), members=members))


def head_digest() -> RenderedMessage:
    """6-12: the 督办单 to 镇隆镇's head for both obligations, each with its own new time limit."""
    members = (town(3, "head", doc_no=NOTICE_NO),
               action(3, "head", date(2016, 6, 12), doc_no=NOTICE_NO, urged_on=date(2016, 6, 7)))
    return render_digest(DigestContext(role="head", unit_name="镇隆镇", day=date(2016, 6, 12), members=members,
                                       doc_no=NOTICE_NO))


def coordinator_digest() -> RenderedMessage:
    """6-12: the coordinator's copies of three 督办单 (镇隆镇's covers two obligations)."""
    members = (town(3, "coordinator", doc_no=NOTICE_NO),
               action(3, "coordinator", date(2016, 6, 12), doc_no=NOTICE_NO, urged_on=date(2016, 6, 7)),
               ladder_context(REPORT, "东镇街道", 3, "coordinator", doc_no="信督办〔2016〕4号"),
               dept(3, "coordinator", doc_no="信督办〔2016〕5号"))
    return render_digest(DigestContext(role="coordinator", unit_name="", day=date(2016, 6, 12), members=members))


CASES: dict[str, Callable[[], RenderedMessage]] = {
    "town-reminder-5": one(town(-5)),
    "town-reminder-1": one(town(-1)),
    "town-urge": one(town(1)),
    "town-notice-head": one(town(3, "head", doc_no=NOTICE_NO)),
    "town-notice-coordinator": one(town(3, "coordinator", doc_no=NOTICE_NO)),
    "town-escalate-leader": one(town(7, "leader", doc_no=NOTICE_NO)),
    "town-repeat-leader": one(town(12, "leader", doc_no=NOTICE_NO)),
    "dept-reminder-5": one(dept(-5)),
    "dept-reminder-1": one(dept(-1)),
    "dept-urge": one(dept(1)),
    "dept-notice-head": one(dept(3, "head", doc_no="信督办〔2016〕5号")),
    "dept-notice-coordinator": one(dept(3, "coordinator", doc_no="信督办〔2016〕5号")),
    "dept-escalate-leader": one(dept(7, "leader", doc_no="信督办〔2016〕5号")),
    "dept-repeat-leader": one(dept(12, "leader", doc_no="信督办〔2016〕5号")),
    "own-meeting-reminder": one(own(MEETING, -5)),
    "own-minutes-reminder": one(own(MINUTES, -1)),
    "own-split-reminder": one(own(SPLIT, -5)),
    "own-inspection-reminder": one(own(INSPECTION, -1)),
    "own-meeting-overdue": one(own(MEETING, 3, "leader")),
    "own-meeting-overdue-repeat": one(own(MEETING, 8, "leader")),
    "digest-leader": leader_digest,
    "digest-town-handler": handler_digest,
    "digest-town-head": head_digest,
    "digest-coordinator": coordinator_digest,
}


def as_text(message: RenderedMessage) -> str:
    parts = [f"=== title\n{message.title}"]
    parts += [f"=== {channel}\n{message.form(channel)}" for channel in CHANNELS]
    parts.append(f"=== items\n{message.items}")
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    path = GOLDEN / f"{name}.txt"
    got = as_text(CASES[name]())
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with DUBAN_REGEN_GOLDEN=1, then read it"
    assert got == path.read_text(encoding="utf-8")


def test_every_golden_file_is_a_case() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == sorted(CASES)


# The register's rules (../shared/docs/officialese.md), over every case and channel form.
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
ASCII_PUNCT_BY_CJK = re.compile(rf"{CJK}[,:;]|[,:;]{CJK}")
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
DOUBLED = re.compile(r"[，。；：、][，。；：、]")  # a clause left out between two marks
SIGNOFF_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
BANNED = ("温馨提示", "您好", "感谢", "尊敬的", "None", "{", "}", "年度年度", "上半年报送", "下半年报送", "季度召开")


@pytest.fixture(scope="module")
def rendered() -> dict[str, RenderedMessage]:
    return {name: build() for name, build in CASES.items()}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("channel", CHANNELS)
def test_every_message_keeps_the_register(rendered: dict[str, RenderedMessage], name: str, channel: str) -> None:
    message = rendered[name]
    body = message.form(channel)
    for text in (message.title, body):
        for word in BANNED:
            assert word not in text, (word, text)
        assert not ASCII_PUNCT_BY_CJK.search(text), ASCII_PUNCT_BY_CJK.search(text)
        assert not ISO_DATE.search(text), text
        assert not DOUBLED.search(text), DOUBLED.search(text)
    assert message.title.startswith("【") and "\n" not in message.title
    lines = body.splitlines()
    assert any(line.strip().startswith("联系人：市科工商务局督查股 李明，电话：0668-8812345") for line in lines), body
    assert SIGNOFF_DATE.match(lines[-1]) and lines[-2] == "市科工商务局", lines[-2:]  # 落款: unit, date, no weekday
    assert "(星期" in body  # a date in the body carries its weekday


@pytest.mark.parametrize("name", [n for n in CASES if "notice-head" in n or n == "digest-town-head"])
def test_every_duban_dan_has_a_number_and_a_new_time_limit(rendered: dict[str, RenderedMessage], name: str) -> None:
    message = rendered[name]
    assert message.title.startswith("【督办单】信督办〔2016〕") and message.title.endswith("号")
    # the number is in the title only: a channel without a subject folds the title in, and it must not say it twice
    assert message.title.removeprefix("【督办单】") not in message.body
    assert message.body.splitlines()[0].endswith("主要负责同志：")
    assert re.search(r"请(亲自过问，)?于2016年6月1[45]日\(星期[二三]\)前", message.body), message.body
    assert "主要负责同志：" in message.body and ("你镇" in message.body or "你单位" in message.body)
    assert "**2016年6月15日(星期三)前**" in message.form("markdown")


@pytest.mark.parametrize("name", [n for n in CASES if n.startswith("digest-")])
def test_digests_list_their_items(rendered: dict[str, RenderedMessage], name: str) -> None:
    message = rendered[name]
    listed = [line for line in message.form("markdown").splitlines() if line.startswith("- ")]
    assert message.items == len(listed) > 1, listed
