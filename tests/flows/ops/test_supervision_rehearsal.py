"""Issue 11, "done when": the seed period rehearsed (on-time=0.6, late=0.2, missing=0.2, seed 1) and read as a
supervision office would read it, on SQLite and on PostgreSQL.

One rehearsal per backend keeps its database (``--db``), so each check reads what was sent (the JSON lines)
and what was decided (the obligations, reports and inspections stored).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.ops.inspections import circular_number
from models.plan.file import load_plan_file
from models.plan.tasks import expand_duties
from models.records.inspections import stored_scores
from models.tables.duties import Inspection
from notifications.messages.circular import praised
from tests.conftest import ROOT, drop_pg_database, new_pg_database

SEED_PLAN = ROOT / "config" / "plans" / "xinyi-2015-2017.yaml"
START, END = "2015-07-06", "2017-12-31"
NODES = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]
NUMBERS = ["〔2015〕1号", "〔2016〕1号", "〔2016〕2号", "〔2017〕1号", "〔2017〕2号"]
# Words that press a unit (催办, 督办单, a copy to the supervisor): never about the office's own work.
PRESSING_STAGES = {"urge", "notice"}


@dataclass(frozen=True)
class Rehearsal:
    records: list[dict[str, Any]]
    engine: sa.Engine
    stdout: str

    def scores(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """(period, stored scores) of each inspection, in period order."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT period, scores FROM inspection ORDER BY period")).all()
        return [(period, scores if isinstance(scores, list) else json.loads(scores)) for period, scores in rows]


def _rehearse(out: Path, db_url: str) -> Rehearsal:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env["DUBAN_VAR_DIR"] = str(out / "var")
    jsonl = out / "messages.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "simulate", "--start", START, "--end", END, "--jsonl", str(jsonl),
         "--db", db_url, "--behaviour", "on-time=0.6,late=0.2,missing=0.2", "--seed", "1",
         "--exports", str(out / "exports")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    return Rehearsal(records=records, engine=sa.create_engine(db_url), stdout=proc.stdout)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    out = tmp_path_factory.mktemp(f"supervision-{request.param}")
    if request.param == "sqlite":
        rehearsal = _rehearse(out, f"sqlite:///{out / 'duban.db'}")
        yield rehearsal
        rehearsal.engine.dispose()
        return
    admin: sa.Engine = request.getfixturevalue("pg_admin")
    name, url = new_pg_database(admin)
    try:
        rehearsal = _rehearse(out, url)
        yield rehearsal
        rehearsal.engine.dispose()
    finally:
        drop_pg_database(admin, name)


@pytest.fixture(scope="module")
def plan() -> Any:
    return load_plan_file(SEED_PLAN)


def test_every_lead_unit_is_asked_for_its_task_report_at_each_node(run: Rehearsal, plan: Any) -> None:
    codes = {u.name: u.code for u in plan.all_units}
    items_of: dict[str, list[str]] = {}
    for item in plan.items:
        items_of.setdefault(item.lead, []).append(item.title)
    assert sum(len(titles) for titles in items_of.values()) == 24
    with run.engine.connect() as conn:
        closed_out = conn.execute(sa.text(
            "SELECT i.title, o.period FROM task_report r JOIN item i ON i.id = r.item_id "
            "JOIN obligation o ON o.id = r.obligation_id WHERE r.review = 'approved'")).all()
    assert closed_out, "the rehearsal closes some items out"
    windows: dict[tuple[str, str], list[str]] = {}
    for r in run.records:
        if r["stage"] == "info" and "牵头任务" in r["title"]:
            unit = next(t[len("unit-"):] for t in r["tags"] if t.startswith("unit-"))
            windows.setdefault((unit, r["sent_at"][:7]), []).append(r["body"])
    for node in NODES:
        # The window opens two weeks before the node: in the node's month or the month before.
        before = f"{node[:4]}-{int(node[5:7]) - 1:02d}"
        done = {title for title, period in closed_out if period < node}  # 已销号: not asked again
        for lead, titles in items_of.items():
            asked = [t for t in titles if t not in done]
            bodies = windows.get((codes[lead], node[:7]), []) + windows.get((codes[lead], before), [])
            assert bodies or not asked, f"{lead} was not asked for its task report before {node}"
            assert all(any(title in body for body in bodies) for title in asked), (lead, node)
            assert not [t for t in titles if t in done and any(t in body for body in bodies)], (lead, node)
    # Each item's lead owes one task report per node, and nobody else does.
    task_duties = [d for d in expand_duties(plan) if d.kind.value == "task_report"]
    with run.engine.connect() as conn:
        owed = conn.execute(sa.text(
            "SELECT u.name, COUNT(*) FROM obligation o JOIN duty d ON d.id = o.duty_id JOIN unit u ON u.id = o.unit_id "
            "WHERE d.kind = 'task_report' GROUP BY u.name")).all()
    assert dict(owed) == {lead: len(titles) * len(NODES) for lead, titles in items_of.items()}
    assert len(task_duties) == 24


def test_no_message_supervises_its_sender_or_the_issuer_and_leader(run: Rehearsal, plan: Any) -> None:
    codes = {u.name: u.code for u in plan.all_units}
    top = {plan.issuer, plan.leader} - {None}
    office = plan.coordinator
    # Every ladder decision sent, with the message (single or digest) that carried it.
    decided = [{**r, **d} for r in run.records for d in r["decisions"]]
    assert not [d for d in decided if d["unit"] in top], "the issuer or leader was chased"
    assert not [r for r in run.records if any(t == f"unit-{codes[name]}" for name in top for t in r["tags"])]
    own = [d for d in decided if d["unit"] == office]
    assert own, "the coordinator's own work was never reminded"
    assert not [d for d in own if d["stage"] in PRESSING_STAGES or d["role"] in ("head", "coordinator")]
    to_office = [r for r in run.records if f"unit-{codes[office]}" in r["tags"]]
    assert not [r for r in to_office if f"报送{office}" in r["body"] or f"抄送：{office}" in r["body"]]
    # The office does press the others: the rule is about itself, not a ladder switched off.
    assert any(d["stage"] == "notice" and d["role"] == "coordinator" and d["unit"] != office for d in decided)


def test_a_date_the_notice_does_not_set_is_never_presented_as_the_notices(run: Rehearsal, plan: Any) -> None:
    defaults = {d.code for d in expand_duties(plan) if d.schedule.default}
    defaults |= {d.code for d in plan.duties if d.schedule.default}  # the parent of the per-item duties
    assert {"joint-meeting", "inspection", "task-report"} <= defaults
    # A message (single or digest) whose every decision is of a default date never says 文件规定.
    ladder = [r for r in run.records if r["decisions"]]
    arranged = [r for r in ladder if all(d["duty_code"] in defaults for d in r["decisions"])]
    assert arranged and not [r["title"] for r in arranged if "文件规定" in r["body"]]
    assert any("本时间为工作安排，文件未作具体规定" in r["body"] for r in arranged)
    # A date the notice does set still says so (2016-06-05 fell on a Sunday and rolled forward).
    assert any(all(d["duty_code"] == "progress-report" for d in r["decisions"])
               and "（文件规定6月5日前报送，因6月5日为星期日，顺延至6月6日）" in r["body"] for r in ladder)


def _on_pace_and_clear(score: dict[str, Any]) -> bool:
    facts = score["facts"]
    # At the first node nothing was split yet (the notice's 2015 split is an attachment), so there is no pace.
    return (facts["reports_due"] > 0 and facts["reports_on_time"] == facts["reports_due"]
            and (facts["progress"] is None or facts["progress"] >= 1.0) and facts["open_red"] == 0
            and facts["actions_on_time"] == facts["actions_due"])


def test_towns_on_and_ahead_of_pace_are_green_and_first(run: Rehearsal) -> None:
    inspections = run.scores()
    assert [period for period, _ in inspections] == NODES
    green_towns = 0
    for period, scores in inspections:
        towns = [s for s in scores if s["group"] == "locality"]
        for s in towns:
            if _on_pace_and_clear(s):
                assert s["light"] == "green", (period, s["unit"], s["reasons"])
        clear = [s for s in towns if _on_pace_and_clear(s)]
        late_or_missing = [s for s in towns if s["facts"]["reports_on_time"] < s["facts"]["reports_due"]]
        assert clear and late_or_missing, period  # the rehearsal gives both kinds every period
        assert max(s["rank"] for s in clear) < min(s["rank"] for s in late_or_missing), period
        green_towns += sum(1 for s in towns if s["light"] == "green")
    assert green_towns >= len(NODES)


def test_the_praised_are_green_towns_first_and_never_units_with_nothing_due(run: Rehearsal) -> None:
    with Session(run.engine) as session:
        stored = session.exec(select(Inspection).order_by(Inspection.period))
        inspections = [(i.period, stored_scores(i)) for i in stored]
    for period, scores in inspections:
        named = praised(scores)
        assert named, period
        groups = [s.group for s in named]
        assert groups == sorted(groups, key=lambda g: g != "locality"), period  # towns first
        assert all(s.light == "green" and s.rank is not None for s in named)


def test_units_with_nothing_due_are_not_ranked(run: Rehearsal, plan: Any) -> None:
    seen_no_task = 0
    for period, scores in run.scores():
        units = [s["unit"] for s in scores]
        assert len(units) == len(set(units)), period
        assert plan.issuer not in units
        for s in scores:
            facts = s["facts"]
            due = facts["reports_due"] + facts["actions_due"]
            if s["group"] == "no_task":
                seen_no_task += 1
                assert due == 0 and s["rank"] is None and s["light"] is None and s["total"] is None
            else:
                assert due > 0, (period, s["unit"])
            if s["kind"] in ("vertical", "other"):
                assert s["rank"] is None, (period, s["unit"])
        for group in ("locality", "department"):
            ranks = sorted(s["rank"] for s in scores if s["group"] == group)
            assert ranks and ranks[0] == 1, (period, group)
    assert seen_no_task > 0


def test_five_circulars_numbered_within_each_year(run: Rehearsal) -> None:
    circulars = [r for r in run.stdout.splitlines() if "inspections:" in r]
    assert circulars and circulars[0].strip().startswith("inspections: 5 (2015-12, 2016-06, 2016-12, 2017-06, 2017-12)")
    with run.engine.connect() as conn:
        periods = [p for (p,) in conn.execute(sa.text("SELECT period FROM inspection ORDER BY period"))]
    with Session(run.engine) as session:
        numbers = [circular_number(session, i) for i in session.exec(select(Inspection).order_by(Inspection.period))]
    assert periods == NODES
    assert [n[-len(want):] for n, want in zip(numbers, NUMBERS, strict=True)] == NUMBERS
