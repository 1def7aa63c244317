"""`duban simulate` over the whole seed period: the messages a supervision office would send, once each."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from models.rules.calendar import WorkingCalendar
from tests.conftest import ROOT, seed_obligations
from tests.flows.ops import message_rules as rules

CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
LOCALITIES = 20
REPORT_DEADLINES = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]


def decisions(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """Every ladder decision sent, one per (obligation, stage, recipient), with the message that carried it."""
    out = []
    for r in records:
        for d in r["decisions"]:  # type: ignore[attr-defined]
            out.append({**r, **d, "carrier_stage": r["stage"]})
    return out


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    out = tmp_path_factory.mktemp("sim") / "messages.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "simulate", "--start", "2015-07-06", "--end", "2017-12-31",
         "--jsonl", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"simulated 2015-07-06 → 2017-12-31: 910 days, {seed_obligations()} obligations,")
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_every_record_has_the_contract_fields(records: list[dict[str, object]]) -> None:
    fields = {"sent_at", "obligation", "duty", "unit", "level", "stage", "due_on", "nominal_due_on", "tags",
              "title", "body", "decisions", "members", "doc_no"}
    assert records and all(fields <= set(r) for r in records)
    assert all(str(r["sent_at"]).endswith("+08:00") for r in records)


def test_every_locality_reminded_before_each_report_deadline(records: list[dict[str, object]]) -> None:
    for nominal in REPORT_DEADLINES:
        reminded = defaultdict(list)
        for r in decisions(records):
            if r["duty"] == "progress_report" and r["nominal_due_on"] == nominal and r["stage"] == "reminder":
                reminded[r["unit"]].append(r)
        assert len(reminded) == LOCALITIES, nominal
        for unit_records in reminded.values():
            assert len(unit_records) == 2  # 5 and 1 working days before
            for r in unit_records:
                assert str(r["sent_at"])[:10] < str(r["due_on"])


def test_escalation_step_by_step_after_the_deadline(records: list[dict[str, object]]) -> None:
    mine = sorted((r for r in decisions(records) if r["unit"] == "镇隆镇" and r["nominal_due_on"] == "2016-06-05"),
                  key=lambda r: (str(r["sent_at"]), str(r["stage"]), str(r["tags"])))
    stages = [(r["stage"], r["level"], tuple(r["tags"])) for r in mine][:7]  # type: ignore[arg-type]
    assert stages == [
        ("reminder", 0, ("unit-zhenlong", "role-handler")),
        ("reminder", 0, ("unit-zhenlong", "role-handler")),
        ("urge", 1, ("unit-zhenlong", "role-handler")),
        ("notice", 2, ("role-coordinator",)),
        ("notice", 2, ("unit-zhenlong", "role-head")),
        ("escalate", 3, ("role-leader",)),
        ("repeat", 3, ("role-leader",)),
    ]
    sent = [dt.date.fromisoformat(str(r["sent_at"])[:10]) for r in mine]
    due = dt.date(2016, 6, 6)
    offsets = [CAL.working_days_between(due, d) for d in sent[:7]]
    assert offsets == [-5, -1, 1, 3, 3, 7, 12]


def test_sends_only_on_working_days_within_hours(records: list[dict[str, object]]) -> None:
    for r in records:
        at = dt.datetime.fromisoformat(str(r["sent_at"]))
        assert CAL.is_working_day(at.date()), r["sent_at"]
        assert dt.time(9, 0) <= at.time() < dt.time(17, 30)


@pytest.mark.parametrize(
    ("duty", "nominal", "effective", "rule"),
    [
        ("progress_report", "2016-06-05", "2016-06-06", "rolled_forward"),
        ("progress_report", "2015-12-05", "2015-12-07", "rolled_forward"),
        ("decomposition", "2016-04-30", "2016-04-29", "pulled_earlier"),
        ("decomposition", "2017-04-30", "2017-04-28", "pulled_earlier"),
    ],
)
def test_effective_due_dates_are_working_days_with_the_rule(
    records: list[dict[str, object]], duty: str, nominal: str, effective: str, rule: str
) -> None:
    found = {(r["due_on"], r["holiday_rule"]) for r in decisions(records)
             if r["duty"] == duty and r["nominal_due_on"] == nominal}
    assert found == {(effective, rule)}
    for r in decisions(records):
        assert CAL.is_working_day(dt.date.fromisoformat(str(r["due_on"])))


def test_no_duplicate_and_no_level_going_down(records: list[dict[str, object]]) -> None:
    seen = set()
    levels: dict[object, list[int]] = defaultdict(list)
    for r in decisions(records):
        key = (r["obligation"], r["stage_key"], tuple(r["tags"]))  # type: ignore[arg-type]
        assert key not in seen, key
        seen.add(key)
        levels[r["obligation"]].append(int(str(r["level"])))
    assert all(v == sorted(v) for v in levels.values())


def test_messages_are_chinese_and_name_the_rule(records: list[dict[str, object]]) -> None:
    r = next(r for r in decisions(records) if r["unit"] == "东镇街道" and r["nominal_due_on"] == "2016-06-05"
             and r["stage"] == "reminder")
    assert "2016年6月6日(星期一)" in str(r["body"]) and "顺延" in str(r["body"])
    assert "市科工商务局" in str(r["body"])


def test_the_leader_receives_at_most_one_message_a_working_day(records: list[dict[str, object]]) -> None:
    leader = [r for r in records if r["role"] == "leader"]
    assert len(leader) > 100  # nobody submits: the leader hears of it on most working days
    assert rules.too_many_per_day(records, ladder_only=False, roles={"leader"}) == []
    # one message, many decisions: the escalations of a whole deadline's missing towns arrive together
    assert max(len(r["decisions"]) for r in leader) >= 20  # type: ignore[arg-type]


def test_no_recipient_gets_two_ladder_messages_of_one_plan_on_one_day(records: list[dict[str, object]]) -> None:
    assert rules.too_many_per_day(records, ladder_only=True) == []
    # and the ladder still decided per obligation: far more decisions than messages
    assert len(decisions(records)) > 5 * len(records)


def test_every_message_names_a_contact_and_how_to_submit(records: list[dict[str, object]]) -> None:
    assert rules.without_contact(records) == []
    for r in records:
        own = all(d["own"] for d in r["decisions"])  # type: ignore[attr-defined, index]
        if r["role"] in ("handler", "head") and not own:
            assert "发送至dbk@kgswj.xinyi.example" in str(r["body"]), r["title"]
            assert "电话：0668-8812345" in str(r["body"]), r["title"]


def test_messages_speak_as_a_county_office(records: list[dict[str, object]]) -> None:
    assert rules.register_faults(records) == []


def test_every_supervision_notice_has_a_number_and_a_new_time_limit(records: list[dict[str, object]]) -> None:
    notices = [r for r in records if r["role"] == "head"]
    assert len(notices) > 50 and all(r["doc_no"] for r in notices)
    assert rules.notices_without_number_or_limit(records) == []


def test_bad_dates_are_one_line_errors(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "simulate", "--start", "2015-02-30", "--end",
                           "2015-03-01", "--jsonl", str(tmp_path / "x.jsonl")], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("duban: error: --start:") and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.jsonl").exists()
