"""The chain of authority over the whole seed period: every message of `duban simulate`, on both backends.

A message is one ladder decision going out alone, or a digest carrying several (its ``members``, the obligations
in order, and their ``stages``): the checks of who is chased for what read every decision, each with its
obligation's duty and unit from the simulation's database; the wording checks read each message's text.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.ops.simulate import simulate
from models.db import make_engine
from models.plan.file import load_plan_file
from models.plan.tasks import derived_code
from tests.conftest import SEED_PLAN, seed_obligations

COORDINATOR, COORDINATOR_TAG = "市科工商务局", "unit-kgswj"
ISSUER, ISSUER_TAG = "信宜市人民政府", "unit-city-gov"  # the seed's issuer and leader
Record = dict[str, object]


@pytest.fixture
def simulated(db_url: str, tmp_path: Path) -> tuple[list[Record], list[Record]]:
    """The messages of the simulation, and its decisions (one per ladder decision, digests opened)."""
    out = tmp_path / "messages.jsonl"
    result = simulate(start=dt.date(2015, 7, 6), end=dt.date(2017, 12, 31), jsonl=out, db_url=db_url,
                      progress=False)
    assert result.obligations == seed_obligations()
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    engine = make_engine(db_url)
    with engine.connect() as conn:
        obligations = {int(oid): {"duty_code": str(code), "unit": str(unit), "nominal_due_on": str(nominal)}
                       for oid, code, unit, nominal in conn.execute(sa.text(
                           "SELECT o.id, d.code, u.name, o.nominal_due_on FROM obligation o "
                           "JOIN duty d ON d.id = o.duty_id JOIN unit u ON u.id = o.unit_id"))}
    engine.dispose()
    return records, decisions(records, obligations)


def decisions(records: list[Record], obligations: dict[int, dict[str, str]]) -> list[Record]:
    """Each ladder decision a message carries, with its obligation's duty, unit and nominal date, and the message."""
    out: list[Record] = []
    for r in records:
        if r["stage"] != "digest":
            out.append({**r, "message": r})
            continue
        members, stages = r["members"], r["stages"]
        assert isinstance(members, list) and isinstance(stages, list) and len(members) >= 2, r
        for oid, stage in zip(members, stages, strict=True):
            out.append({**obligations[int(oid)], "stage": stage, "tags": r["tags"], "message": r})
    return out


def test_the_chain_of_authority_over_the_seed_period(simulated: tuple[list[Record], list[Record]]) -> None:
    """One simulation per backend (about 15 s on SQLite, a minute on PostgreSQL), read three ways."""
    records, decided = simulated
    no_message_supervises_the_issuer_or_the_coordinator_itself(records, decided)
    default_dates_are_work_arrangements_and_notice_dates_stay_the_notices(records)
    the_convener_is_told_to_convene_and_file_minutes(records, decided)


def text(r: Record) -> str:
    return f"{r['title']}\n{r['body']}"


def no_message_supervises_the_issuer_or_the_coordinator_itself(records: list[Record], decided: list[Record]) -> None:
    assert records and decided
    assert [r for r in records if r["unit"] == ISSUER or ISSUER_TAG in r["tags"]] == []  # type: ignore[operator]
    assert [d for d in decided if d["unit"] == ISSUER] == []
    own = [d for d in decided if d["unit"] == COORDINATOR]
    items = load_plan_file(SEED_PLAN).items
    led = {derived_code("task-report", item.ref) for item in items if item.lead == COORDINATOR}
    assert {d["duty_code"] for d in own} == {"decomposition", "joint-meeting", "inspection"} | led
    # Its own work: 工作提示 to its handler, then the leader; no copy to the coordinator, no 督办单 to its head.
    assert {(d["stage"], tuple(d["tags"])) for d in own} == {  # type: ignore[arg-type]
        ("reminder", (COORDINATOR_TAG, "role-handler")), ("escalate", ("role-leader",)), ("repeat", ("role-leader",))}
    # The messages about its own work alone (a single one, or a digest of its own work only; the leader's digest
    # also lists other units' overdue work, which is supervised) never speak of supervision.
    others = {id(d["message"]) for d in decided if d["unit"] != COORDINATOR}
    own_only = {id(d["message"]): d["message"] for d in own if id(d["message"]) not in others}
    assert own_only
    for r in own_only.values():
        for word in ("催办", "督办", "督促", "抄送", "迎检", f"报送{COORDINATOR}", "请按时参加联席会议"):
            assert word not in text(r), (word, text(r))
    # The inspection is the government's, prepared by the coordinator: reminded before each one.
    inspections = {d["nominal_due_on"] for d in own if d["duty_code"] == "inspection" and d["stage"] == "reminder"}
    assert len(inspections) == 5


def default_dates_are_work_arrangements_and_notice_dates_stay_the_notices(records: list[Record]) -> None:
    # The words about one obligation's date, in the messages about one obligation (a digest's are its template's).
    by_duty: dict[str, list[str]] = {}
    for r in records:
        if r["stage"] != "digest":
            by_duty.setdefault(str(r["duty_code"]), []).append(str(r["body"]))
    for code in ("joint-meeting", "inspection"):  # `default: true` in the plan file
        assert by_duty[code]
        assert [b for b in by_duty[code] if "文件规定" in b] == []
        assert all("本时间为工作安排，文件未作具体规定" in b for b in by_duty[code])
    # The reports' dates are the notice's (6月5日、12月5日): a moved one still says so.
    assert any("文件规定6月5日前报送，因6月5日为星期日，顺延至6月6日" in b for b in by_duty["progress-report"])
    assert [b for b in by_duty["progress-report"] if "工作安排" in b] == []
    assert [r for r in records if "为休息日," in str(r["body"])] == []  # the holiday note in Chinese punctuation


def the_convener_is_told_to_convene_and_file_minutes(records: list[Record], decided: list[Record]) -> None:
    meeting = [d for d in decided if d["duty_code"] == "joint-meeting" and d["stage"] == "reminder"]
    assert meeting and {d["unit"] for d in meeting} == {COORDINATOR}
    alone = [d["message"] for d in meeting if d["message"]["stage"] != "digest"]  # type: ignore[index]
    assert alone and all("召开" in str(r["body"]) and "联席会议并形成会议纪要" in str(r["body"]) for r in alone)
    assert [r for r in records if "请按时参加联席会议" in str(r["body"])] == []
