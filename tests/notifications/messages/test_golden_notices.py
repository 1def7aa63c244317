"""Golden files of the notices that are not ladder stages, as an official reads them, in each channel's form.

Every notice (report window with targets and with targets not yet split, targets notice, meeting invitation to a
member and the convener's copy, task window to a lead and to the office itself, task_cooperate, close-out
application to the office and to the leader, review approved and returned, done notice, inspection result and
rectification) is rendered for one town (镇隆镇) and/or one department (市发改局) in the three forms of
:data:`notifications.messages.render.CHANNELS` and compared with ``golden/notices/<case>.<channel>.txt``
(title, blank line, body).

To regenerate the fixtures after a deliberate wording change::

    DUBAN_REGEN_GOLDEN=1 .venv/bin/python -m pytest -q tests/notifications/messages/test_golden_notices.py

then read every changed fixture (``git diff tests/notifications/messages/golden/notices``) as a 镇长 and a
督查室 clerk would before committing it. Without the variable a difference fails the test.

The rule tests check every fixture: no bank register (【温馨提示】, 您好, 感谢, 尊敬的), no ASCII comma or colon
between Chinese characters, no ISO date, a contact line, and a 落款 whose date has no weekday.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models.dates import local_tz
from models.rules.rubric import configured_rubric
from models.rules.scoring import Score, UnitFacts, score_units
from notifications.delivery.dispatch import quoted_title
from notifications.messages.render import CHANNELS, Contact, RenderedMessage, render_values

GOLDEN = Path(__file__).parent / "golden" / "notices"
REGEN = os.environ.get("DUBAN_REGEN_GOLDEN") == "1"

OFFICE = "市科工商务局"
CONTACT = Contact(unit=OFFICE, person="督查股 李明", phone="0668-8812345", email="dbk@kgswj.xinyi.example")
TOWN_CONTACT = Contact(unit="镇隆镇")  # the seed gives no town a contact
DEPT_CONTACT = Contact(unit="市发改局")
COMMON: dict[str, Any] = {
    "plan_title": quoted_title("信宜市贯彻落实《广东省工业转型升级攻坚战三年行动计划(2015-2017年)》的实施方案"),
    "doc_number": "信府〔2015〕30号", "issuer": OFFICE, "contact": CONTACT, "leader_title": "市政府分管领导",
}
TOWN = {"unit_name": "镇隆镇", "unit_kind": "town"}
DEPT = {"unit_name": "市发改局", "unit_kind": "department"}


def _values(**values: Any) -> dict[str, Any]:
    return {**COMMON, **values}


# --- report window (progress-reports, 五(三)) ----------------------------------------------------------------

def _window(indicators: list[dict[str, Any]]) -> RenderedMessage:
    return render_values("report_window", _values(
        **TOWN, clause_ref="第五部分第(三)项", issued_on=dt.date(2016, 5, 23), year=2016,
        period_label="2016年上半年", due_on=dt.date(2016, 6, 6), nominal_due_on=dt.date(2016, 6, 5),
        holiday_rule="rolled_forward", schedule_default=False, overdue_stage="urge", overdue_on=dt.date(2016, 6, 7),
        indicators=indicators))


def report_window_town() -> RenderedMessage:
    return _window([
        {"name": "工业投资（沿用2015年目标）", "unit": "亿元", "target": "12", "reported": "3.2"},
        {"name": "工业技改投资（沿用2015年目标）", "unit": "亿元", "target": "1.5", "reported": None},
        {"name": "开展技改的规模以上工业企业（沿用2015年目标）", "unit": "家", "target": "3", "reported": "1"},
        {"name": "电机能效提升（沿用2015年目标）", "unit": "万千瓦", "target": None, "reported": None},
    ])


def report_window_town_unsplit() -> RenderedMessage:
    return _window([
        {"name": "工业投资", "unit": "亿元", "target": None, "reported": None},
        {"name": "工业技改投资", "unit": "亿元", "target": None, "reported": None},
        {"name": "开展技改的规模以上工业企业", "unit": "家", "target": None, "reported": None},
    ])


# --- targets notice (target-decomposition, 五(二)) -----------------------------------------------------------

def targets_notice_town() -> RenderedMessage:
    return render_values("targets_notice", _values(
        **TOWN, clause_ref="第五部分第(二)项", issued_on=dt.date(2016, 4, 20), year=2016,
        report_dates=[(6, 5), (12, 5)], targets=[
            {"name": "工业投资（沿用2015年目标）", "value": "12", "unit": "亿元"},
            {"name": "工业技改投资（沿用2015年目标）", "value": "1.5", "unit": "亿元"},
            {"name": "开展技改的规模以上工业企业（沿用2015年目标）", "value": "3", "unit": "家"},
        ]))


# --- meeting invitation (joint-meeting, 五(一)) --------------------------------------------------------------

MEMBERS = ["市发改局", "市教育局", "市财政局", "市政府金融工作局", "市经济开发区管委办", "市统计局",
           "人民银行信宜市支行", "市国土资源局", "市环保局", "市土地储备中心", "市水务局", "市编办",
           "市政管办", "市住建局", "市人社局"]
AGENDA = [
    {"what": "建立镇(街道)协调工作机制", "task": False, "period": "", "due_on": dt.date(2015, 8, 31),
     "units": [{"name": "金垌镇", "count": 1}, {"name": "朱砂镇", "count": 1}]},
    {"what": "报送项目建设和各项工作进展情况", "task": False, "period": "2016年上半年", "due_on": dt.date(2016, 6, 6),
     "units": [{"name": "镇隆镇", "count": 1}, {"name": "水口镇", "count": 1}, {"name": "北界镇", "count": 1}]},
    {"what": "", "task": True, "period": "2016年上半年", "due_on": dt.date(2016, 6, 6),
     "units": [{"name": "市科工商务局", "count": 3}, {"name": "市发改局", "count": 2}]},
]


def _meeting(unit: dict[str, str], convener: bool) -> RenderedMessage:
    return render_values("meeting_invitation", _values(
        **unit, clause_ref="第五部分第(一)项", issued_on=dt.date(2016, 6, 13), meeting_title="部门间联席会议",
        meeting_id=3, starts_at=dt.datetime(2016, 6, 20, 9, 30, tzinfo=local_tz()), place="市政府第一会议室",
        agenda=AGENDA, has_ics=True, members=MEMBERS, reply_by=dt.date(2016, 6, 17),
        minutes_due=dt.date(2016, 6, 20), minutes_nominal=dt.date(2016, 6, 20), minutes_rule="working_day",
        schedule_default=True, is_convener=convener))


def meeting_invitation_member() -> RenderedMessage:
    return _meeting(DEPT, False)


def meeting_invitation_convener() -> RenderedMessage:
    return _meeting({"unit_name": OFFICE, "unit_kind": "department"}, True)


# --- task reports (五(三)、五(四)) ---------------------------------------------------------------------------

TASK_COMMON: dict[str, Any] = {
    "clause_ref": "第五部分第(三)、(四)项", "issued_on": dt.date(2016, 5, 30), "period_label": "2016年上半年",
    "due_on": dt.date(2016, 6, 6), "nominal_due_on": dt.date(2016, 6, 5), "holiday_rule": "rolled_forward",
    "schedule_default": True,
}


def task_window_department() -> RenderedMessage:
    return render_values("task_window", _values(
        **DEPT, **TASK_COMMON, own=False, reviewer=OFFICE, overdue_stage="urge", overdue_on=dt.date(2016, 6, 7),
        tasks=[{"ref": "三(三)1", "title": "加快重大工业项目建设", "cooperating": "市国土资源局、市环保局"},
               {"ref": "四(一)", "title": "深化体制机制改革", "cooperating": "市编办、市科工商务局、市财政局"}]))


def task_window_own() -> RenderedMessage:
    return render_values("task_window", _values(
        unit_name=OFFICE, unit_kind="department", **TASK_COMMON, own=True, reviewer="市政府",
        overdue_stage=None, overdue_on=None,
        tasks=[{"ref": "三(一)1", "title": "鼓励和支持龙头企业发挥创新骨干作用", "cooperating": "市发改局"},
               {"ref": "三(二)3", "title": "运用信息技术改造提升现有产业", "cooperating": ""}]))


def task_cooperate_department() -> RenderedMessage:
    return render_values("task_cooperate", _values(
        **DEPT, **TASK_COMMON, own=False, reviewer=OFFICE, overdue_stage="urge", overdue_on=dt.date(2016, 6, 7),
        tasks=[{"ref": "三(一)1", "title": "鼓励和支持龙头企业发挥创新骨干作用", "lead": OFFICE},
               {"ref": "三(二)1", "title": "引导企业扩产增效", "lead": OFFICE}]))


def task_application_department() -> RenderedMessage:
    return render_values("task_application", _values(
        **DEPT, clause_ref="第五部分第(三)、(四)项", issued_on=dt.date(2016, 6, 3), contact=DEPT_CONTACT,
        own=False, ref="四(一)", item_title="深化体制机制改革", reviewer=OFFICE, reviewer_short=OFFICE,
        period_label="2016年上半年", day=dt.date(2016, 6, 3), done="已印发行政审批事项目录和负面清单，并在政务网公布。",
        evidence="信府办〔2016〕8号文件"))


def task_application_own() -> RenderedMessage:
    return render_values("task_application", _values(
        unit_name=OFFICE, unit_kind="department", clause_ref="第五部分第(三)、(四)项",
        issued_on=dt.date(2016, 6, 3), own=True, ref="三(二)3", item_title="运用信息技术改造提升现有产业",
        reviewer="信宜市人民政府", reviewer_short="市政府", period_label="2016年上半年", day=dt.date(2016, 6, 3),
        done="“两化”融合贯标试点企业5家已通过评定。", evidence=""))


def _review(approved: bool) -> RenderedMessage:
    return render_values("task_review", _values(
        **DEPT, clause_ref="第五部分第(三)、(四)项", issued_on=dt.date(2016, 6, 8), approved=approved, own=False,
        ref="四(一)", item_title="深化体制机制改革", reviewer_short=OFFICE, period_label="2016年上半年",
        waived=3 if approved else 0, reason="" if approved else "缺少负面清单实施情况的佐证材料。",
        due_on=dt.date(2016, 6, 6), resubmit_by=None))


def task_review_approved() -> RenderedMessage:
    return _review(True)


def task_review_returned() -> RenderedMessage:
    return _review(False)


# --- done notice (办结) ---------------------------------------------------------------------------------------

def done_notice_town() -> RenderedMessage:
    return render_values("done_notice", _values(
        **TOWN, clause_ref="第五部分第(二)项", issued_on=dt.date(2015, 8, 28), contact=TOWN_CONTACT,
        coordinator=OFFICE, what="制定镇(街道)具体实施方案", source="", day=dt.date(2015, 8, 28),
        due_on=dt.date(2015, 8, 31), late_days=0, note="已印发《镇隆镇工业转型升级实施方案》。"))


def done_notice_department() -> RenderedMessage:
    return render_values("done_notice", _values(
        **DEPT, clause_ref="", issued_on=dt.date(2016, 7, 8), contact=DEPT_CONTACT, coordinator=OFFICE,
        what="梳理汇总技术改造项目资金需求", source="action_item", day=dt.date(2016, 7, 8),
        due_on=dt.date(2016, 7, 1), late_days=5, note=""))


# --- inspection result and rectification (五(四)) -------------------------------------------------------------

def _scores(town: UnitFacts, dept: UnitFacts) -> dict[str, Score]:
    others = [UnitFacts(t, "town", 1, 1, 0, p, 0, 0, 0) for t, p in (("水口镇", 0.9), ("丁堡镇", 0.5), ("池洞镇", 0.3))]
    others += [UnitFacts(d, "department", 2, 2, 0, p, 0, 0, 0) for d, p in (("市统计局", 1.0), ("市财政局", 0.5))]
    previous = {"水口镇": 1, "镇隆镇": 2, "丁堡镇": 3, "池洞镇": 4, "市统计局": 1, "市发改局": 2, "市财政局": 3}
    return {s.unit: s for s in score_units([town, dept, *others], previous, rubric=configured_rubric())}


def _result(score: Score, unit_kind: str, total: int, rectify: bool) -> RenderedMessage:
    return render_values("inspection_result", _values(
        s=score, unit_kind=unit_kind, total_units=total, clause_ref="第五部分第(四)项", issued_on=dt.date(2016, 6, 21),
        period_label="2016年上半年", rubric=configured_rubric(), circular_no="督查〔2016〕1号", inspector="市政府",
        receiver=OFFICE, rectify_by=dt.date(2016, 7, 5) if rectify else None, own=False, overdue_stage="urge",
        overdue_on=dt.date(2016, 7, 6)))


GOOD_TOWN = UnitFacts("镇隆镇", "town", 1, 1, 0, 1.0, 1, 1, 0)
YELLOW_DEPT = UnitFacts("市发改局", "department", 2, 1, 1, 0.5, 1, 1, 1)
RED_TOWN = UnitFacts("镇隆镇", "town", 1, 0, 0, 0.0, 1, 0, 2)
RED_DEPT = UnitFacts("市发改局", "department", 2, 1, 0, 0.5, 0, 0, 3, tasks_lagging=1)


def inspection_result_town() -> RenderedMessage:
    return _result(_scores(GOOD_TOWN, YELLOW_DEPT)["镇隆镇"], "town", 4, False)


def inspection_result_department() -> RenderedMessage:
    return _result(_scores(GOOD_TOWN, YELLOW_DEPT)["市发改局"], "department", 3, False)


def rectification_town() -> RenderedMessage:
    return _result(_scores(RED_TOWN, RED_DEPT)["镇隆镇"], "town", 4, True)


def rectification_department() -> RenderedMessage:
    return _result(_scores(RED_TOWN, RED_DEPT)["市发改局"], "department", 3, True)


CASES: dict[str, Callable[[], RenderedMessage]] = {f.__name__: f for f in (
    report_window_town, report_window_town_unsplit, targets_notice_town, meeting_invitation_member,
    meeting_invitation_convener, task_window_department, task_window_own, task_cooperate_department,
    task_application_department, task_application_own, task_review_approved, task_review_returned,
    done_notice_town, done_notice_department, inspection_result_town, inspection_result_department,
    rectification_town, rectification_department,
)}


def _fixture(case: str, channel: str) -> Path:
    return GOLDEN / f"{case}.{channel}.txt"


def _text(message: RenderedMessage, channel: str) -> str:
    return f"{message.title}\n\n{message.form(channel)}\n"


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_notice_matches_its_golden_file(case: str, channel: str) -> None:
    text = _text(CASES[case](), channel)
    path = _fixture(case, channel)
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with DUBAN_REGEN_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs (DUBAN_REGEN_GOLDEN=1 to regenerate)"


def test_every_golden_file_belongs_to_a_case() -> None:
    expected = {_fixture(case, channel).name for case in CASES for channel in CHANNELS}
    assert {p.name for p in GOLDEN.glob("*.txt")} == expected


FIXTURES = sorted(GOLDEN.glob("*.txt"))
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
ASCII_PUNCT_IN_CJK = re.compile(f"[{CJK}][,:][{CJK}]")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SIGNOFF_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
BANNED = ("温馨提示", "您好", "感谢", "尊敬的")


def test_the_rules_see_every_fixture() -> None:
    assert len(FIXTURES) == len(CASES) * len(CHANNELS)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_a_notice_reads_as_a_county_office_writes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.rstrip("\n").split("\n")
    assert not [w for w in BANNED if w in text]
    assert not ASCII_PUNCT_IN_CJK.findall(text)
    assert not ISO_DATE.findall(text)
    assert re.match(r"^【[^】]+】", lines[0]), "the title names the kind in 【】"
    assert re.search(r"^(联系人|联系单位)：", text, re.M), "a contact line"
    assert SIGNOFF_DATE.fullmatch(lines[-1]), f"the 落款 ends with a date without weekday: {lines[-1]!r}"
    assert lines[-2] in (OFFICE,), "the 落款 names the issuing office"
    assert lines[2].endswith("：") and len(lines[2]) > 1, "the 称谓 opens the body"
    assert "None" not in text and "{" not in text and "<" not in text


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_forms_differ_only_where_the_channel_does(case: str) -> None:
    message = CASES[case]()
    body, text, markdown = (message.form(c) for c in CHANNELS)
    assert "**" not in body and "**" not in text
    assert markdown.replace("**", "") == text  # markdown only bolds


def test_a_member_is_invited_to_attend_and_the_convener_keeps_a_record_and_owes_the_minutes() -> None:
    member, convener = meeting_invitation_member().body, meeting_invitation_convener().body
    assert "一、参会人员：你单位分管负责同志。" in member and "将参会人员姓名、职务报市科工商务局" in member
    assert "参会人员" not in convener and "本件为通知存档" in convener
    assert "会后形成会议纪要，于2016年6月20日(星期一)下班前在督办系统中录入" in convener


def test_a_target_not_yet_split_reads_as_such_and_takes_no_unit() -> None:
    partly, unsplit = report_window_town().body, report_window_town_unsplit().body
    assert "\n4. 电机能效提升（沿用2015年目标）：目标待分解下达。\n" in partly
    assert "(待分解)" not in partly + unsplit and "下达万千瓦" not in partly
    assert "（2016年度目标任务尚待分解下达，请据实填报完成数）：\n1. 工业投资，单位：亿元；\n" in unsplit
    assert "\n二、重大工业项目建设进展" in partly  # on its own line, not run into the last target


def test_an_invitation_sent_on_the_day_of_the_meeting_asks_for_no_names_by_a_past_day() -> None:
    values = _values(**DEPT, clause_ref="第五部分第(一)项", issued_on=dt.date(2016, 6, 20),
                     meeting_title="部门间联席会议", meeting_id=3, place="市政府第一会议室",
                     starts_at=dt.datetime(2016, 6, 20, 15, 0, tzinfo=local_tz()),
                     agenda=[], has_ics=False, members=MEMBERS, reply_by=None, minutes_due=None,
                     minutes_nominal=dt.date(2016, 6, 20), minutes_rule="working_day", schedule_default=True,
                     is_convener=False)
    body = render_values("meeting_invitation", values).body
    assert "定于2016年6月20日(星期一)下午3时在市政府第一会议室召开" in body
    assert "\n三、有关要求：请准备本单位工作进展情况，会上作简要汇报。\n" in body
    assert "（二）研究解决落实中存在的问题（目前无逾期未完成事项）；" in body
