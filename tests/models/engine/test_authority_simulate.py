"""The chain of authority over the whole seed period: every message of `duban simulate`, on both backends."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from flows.ops.simulate import simulate
from models.plan.file import load_plan_file
from models.plan.tasks import derived_code
from tests.conftest import SEED_PLAN, seed_obligations

COORDINATOR, COORDINATOR_TAG = "市科工商务局", "unit-kgswj"
ISSUER, ISSUER_TAG = "信宜市人民政府", "unit-city-gov"  # the seed's issuer and leader
Record = dict[str, object]


@pytest.fixture
def records(db_url: str, tmp_path: Path) -> list[Record]:
    out = tmp_path / "messages.jsonl"
    result = simulate(start=dt.date(2015, 7, 6), end=dt.date(2017, 12, 31), jsonl=out, db_url=db_url,
                      progress=False)
    assert result.obligations == seed_obligations()
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_the_chain_of_authority_over_the_seed_period(records: list[Record]) -> None:
    """One simulation per backend (about 15 s on SQLite, a minute on PostgreSQL), read three ways."""
    no_message_supervises_the_issuer_or_the_coordinator_itself(records)
    default_dates_are_work_arrangements_and_notice_dates_stay_the_notices(records)
    the_convener_is_told_to_convene_and_file_minutes(records)


def no_message_supervises_the_issuer_or_the_coordinator_itself(records: list[Record]) -> None:
    assert records
    assert [r for r in records if r["unit"] == ISSUER or ISSUER_TAG in r["tags"]] == []  # type: ignore[operator]
    own = [r for r in records if r["unit"] == COORDINATOR]
    items = load_plan_file(SEED_PLAN).items
    led = {derived_code("task-report", item.ref) for item in items if item.lead == COORDINATOR}
    assert {r["duty_code"] for r in own} == {"decomposition", "joint-meeting", "inspection"} | led
    # Its own work: 工作提示 to its handler, then the leader; no copy to the coordinator, no 督办单 to its head.
    assert {(r["stage"], tuple(r["tags"])) for r in own} == {  # type: ignore[arg-type]
        ("reminder", (COORDINATOR_TAG, "role-handler")), ("escalate", ("role-leader",)), ("repeat", ("role-leader",))}
    for r in own:
        text = f"{r['title']}\n{r['body']}"
        for word in ("催办", "督办", "督促", "抄送", "迎检", f"报送{COORDINATOR}", "请按时参加联席会议"):
            assert word not in text, (word, text)
    # The inspection is the government's, prepared by the coordinator: reminded before each one.
    inspections = {r["nominal_due_on"] for r in own if r["duty_code"] == "inspection" and r["stage"] == "reminder"}
    assert len(inspections) == 5


def default_dates_are_work_arrangements_and_notice_dates_stay_the_notices(records: list[Record]) -> None:
    by_duty: dict[str, list[str]] = {}
    for r in records:
        by_duty.setdefault(str(r["duty_code"]), []).append(str(r["body"]))
    for code in ("joint-meeting", "inspection"):  # `default: true` in the plan file
        assert by_duty[code]
        assert [b for b in by_duty[code] if "文件规定" in b] == []
        assert all("工作安排时间" in b and "实施方案未规定具体时间" in b for b in by_duty[code])
    # The reports' dates are the notice's (6月5日、12月5日): a moved one still says so.
    assert any("文件规定时间：2016年6月5日(星期日)" in b for b in by_duty["progress-report"])
    assert [b for b in by_duty["progress-report"] if "工作安排" in b] == []
    assert [r for r in records if "为休息日," in str(r["body"])] == []  # the holiday note in Chinese punctuation


def the_convener_is_told_to_convene_and_file_minutes(records: list[Record]) -> None:
    meeting = [r for r in records if r["duty_code"] == "joint-meeting" and r["stage"] == "reminder"]
    assert meeting and {r["unit"] for r in meeting} == {COORDINATOR}
    assert all("召开联席会议" in str(r["body"]) and "会议纪要" in str(r["body"]) for r in meeting)
    assert [r for r in records if "请按时参加联席会议" in str(r["body"])] == []
