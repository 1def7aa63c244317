"""`duban simulate --behaviour … --seed N --exports DIR`: a rehearsal of the whole seed period.

Each full-period run takes 10-20 s, so each is made once per module (SQLite) and shared by the checks;
one more runs on PostgreSQL and must tell the same story.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook

from tests.conftest import ROOT, drop_pg_database, new_pg_database
from tests.flows.ops import message_rules as rules

START, END = "2015-07-06", "2017-12-31"
MIX = "on-time=0.6,late=0.2,missing=0.2"
PERIODS = ["2015-12", "2016-06", "2016-12", "2017-06", "2017-12"]
NUMBERS = ["〔2015〕1号", "〔2016〕1号", "〔2016〕2号", "〔2017〕1号", "〔2017〕2号"]
LOCALITIES = 20
ONE_OFFS = {"建立镇(街道)协调工作机制": "locality-mechanism", "制定镇(街道)具体实施方案": "locality-plan"}


@dataclass(frozen=True)
class Run:
    stdout: str
    jsonl: Path
    exports: Path | None

    @property
    def records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.jsonl.read_text(encoding="utf-8").splitlines()]

    @property
    def summary(self) -> list[str]:
        """The rehearsal's summary lines (without the exports folder, which differs between runs)."""
        lines = self.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("rehearsal ("))
        return [line for line in lines[start:] if line.startswith("  ") and not line.startswith("  → ")]

    def line(self, prefix: str) -> str:
        return next(line.strip() for line in self.summary if line.strip().startswith(prefix))


def simulate(out: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env["DUBAN_VAR_DIR"] = str(out / "var")
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "simulate", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def rehearse(out: Path, *args: str, exports: bool = True) -> Run:
    jsonl = out / "messages.jsonl"
    extra = ["--exports", str(out / "exports")] if exports else []
    proc = simulate(out, "--start", START, "--end", END, "--jsonl", str(jsonl), *args, *extra)
    return Run(stdout=proc.stdout, jsonl=jsonl, exports=out / "exports" if exports else None)


@pytest.fixture(scope="module")
def seed1(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return rehearse(tmp_path_factory.mktemp("seed1"), "--behaviour", MIX, "--seed", "1")


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return rehearse(tmp_path_factory.mktemp("plain"), exports=False)


@pytest.mark.parametrize(("flags", "message"), [
    (["--behaviour", "on-time=0.6,late=0.3,missing=0.2"], "--behaviour: the shares add up to 1.1, not 1"),
    (["--behaviour", "on-time=0.6,slow=0.4"], "--behaviour: unknown behaviour 'slow' in 'slow=0.4'"),
    (["--behaviour", "on-time=0.6,late=-0.2,missing=0.6"], "--behaviour: the share in 'late=-0.2'"),
    (["--exports", "EXPORTS"], "--exports needs --behaviour"),
])
def test_a_bad_rehearsal_flag_is_one_error_and_writes_nothing(tmp_path: Path, flags: list[str], message: str) -> None:
    jsonl, exports = tmp_path / "out.jsonl", tmp_path / "exports"
    flags = [str(exports) if f == "EXPORTS" else f for f in flags]
    proc = simulate(tmp_path, "--start", START, "--end", END, "--jsonl", str(jsonl), *flags, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not jsonl.exists() and not exports.exists()


def test_units_report_on_time_late_or_not_at_all(seed1: Run) -> None:
    counts = seed1.line("progress reports:")
    owed, on_time, late, missing = (int(w) for w in counts.replace(",", "").split() if w.isdigit())
    assert owed == LOCALITIES * len(PERIODS)
    assert on_time + late + missing == owed
    assert 0.45 * owed < on_time < 0.75 * owed and late > 0.1 * owed and missing > 0.1 * owed
    escalated = {d["obligation"] for r in seed1.records for d in r["decisions"]
                 if d["duty"] == "progress_report" and d["stage"] == "escalate"}
    # Every missing report is escalated to the leader; a report submitted on time never is.
    assert missing <= len(escalated) <= missing + late


def test_the_office_does_its_part(seed1: Run) -> None:
    assert seed1.line("target splits approved:") == "target splits approved: 2016, 2017"
    meetings = seed1.line("joint meetings:")
    assert meetings.startswith("joint meetings: 10 convened, 10 minuted; action items ")
    assert not any(r["duty"] == "joint_meeting" and r["stage"] == "urge" for r in seed1.records)
    assert not any(r["duty"] == "decomposition" and r["stage"] == "urge" for r in seed1.records)


def test_one_off_duties_are_reported_done_by_behaviour_through_record_done(seed1: Run) -> None:
    counts = seed1.line("one-off duties:")
    owed, on_time, late, not_done = (int(w) for w in counts.replace(",", "").split() if w.isdigit())
    assert counts == f"one-off duties: {owed} owed, {on_time} done on time, {late} late, {not_done} not done"
    assert owed == 2 * LOCALITIES  # 五(一) and 五(二), once each
    assert on_time + late + not_done == owed and on_time > late > 0 and not_done > 0
    records = seed1.records
    notices = [r for r in records if r["stage"] == "info" and str(r["title"]).startswith("【办结报告】")]
    assert {r["role"] for r in notices} == {"coordinator"}
    done_at = {}  # (unit, one-off duty) → when the coordinator was told it is done
    for r in notices:
        unit, what = re.fullmatch(r"【办结报告】(.+?)报告已完成“(.+)”", str(r["title"])).groups()  # type: ignore[union-attr]
        if what in ONE_OFFS:
            done_at[unit, ONE_OFFS[what]] = str(r["sent_at"])
    assert len(done_at) == on_time + late
    assert len(notices) > len(done_at)  # action items and rectifications are reported done the same way
    # Once a unit reports it done, its ladder stops: nothing of that duty is sent to it after the notice.
    assert not [r for r in records if (r["unit"], r["duty_code"]) in done_at
                and str(r["sent_at"]) > done_at[str(r["unit"]), str(r["duty_code"])]]


def test_five_inspections_each_with_its_circular(seed1: Run) -> None:
    assert seed1.line("inspections:").startswith(f"inspections: 5 ({', '.join(PERIODS)}); rectifications ")
    assert seed1.exports is not None
    with (seed1.exports / "index.csv").open(encoding="utf-8") as fh:
        index = list(csv.DictReader(fh))
    circulars = [row for row in index if row["kind"] == "通报"]
    assert [row["period"][:7] for row in circulars] == PERIODS
    assert [row["number"][-len(n):] for row, n in zip(circulars, NUMBERS, strict=True)] == NUMBERS
    assert [row["kind"] for row in index].count("排名") == 5
    written = sorted(p.name for p in seed1.exports.iterdir() if p.name != "index.csv")
    assert sorted(row["file"] for row in index) == written
    assert seed1.line("documents written:") == f"documents written: {len(index)}"


def test_the_exported_documents_open(seed1: Run) -> None:
    assert seed1.exports is not None
    with (seed1.exports / "index.csv").open(encoding="utf-8") as fh:
        index = list(csv.DictReader(fh))
    for row in index:
        path = seed1.exports / row["file"]
        assert path.name.startswith(row["date"] + "_" + row["kind"])
        if path.suffix == ".docx":
            text = "\n".join(p.text for p in Document(str(path)).paragraphs)
            assert row["number"] in text and "专项督查" in text
        elif path.suffix == ".xlsx":
            ws = load_workbook(path).active
            assert ws is not None and ws.max_row > LOCALITIES
        else:
            assert path.read_text(encoding="utf-8").startswith("# ")
    boards = [row for row in index if row["kind"] == "督办总览"]
    assert [row["date"] for row in boards][-1] == END  # the board as it stands at the end


def test_the_rehearsals_messages_keep_the_rules_of_issue_12(seed1: Run) -> None:
    """With reports, meetings and inspections going on, still one ladder message a day, in an office's register."""
    records = seed1.records
    assert sum(r["stage"] == "info" for r in records) > 300  # notices travel on their own
    assert rules.too_many_per_day(records, ladder_only=False, roles={"leader"}) == []
    assert rules.too_many_per_day(records, ladder_only=True) == []
    assert rules.register_faults(records) == []
    assert rules.without_contact(records) == []
    assert rules.notices_without_number_or_limit(records) == []


def test_same_seed_same_bytes(seed1: Run, tmp_path: Path) -> None:
    again = rehearse(tmp_path, "--behaviour", MIX, "--seed", "1")
    assert again.jsonl.read_bytes() == seed1.jsonl.read_bytes()
    assert seed1.exports is not None and again.exports is not None
    files = sorted(p.name for p in seed1.exports.iterdir())
    assert sorted(p.name for p in again.exports.iterdir()) == files
    for name in files:
        assert (again.exports / name).read_bytes() == (seed1.exports / name).read_bytes(), name
    assert again.summary == seed1.summary


def test_another_seed_another_story(seed1: Run, tmp_path: Path) -> None:
    other = rehearse(tmp_path, "--behaviour", MIX, "--seed", "2", exports=False)
    assert other.jsonl.read_bytes() != seed1.jsonl.read_bytes()
    assert other.line("progress reports:") != seed1.line("progress reports:")
    assert other.line("inspections:").startswith(f"inspections: 5 ({', '.join(PERIODS)})")


def test_without_behaviour_nobody_submits(plain: Run, seed1: Run) -> None:
    assert "rehearsal (" not in plain.stdout
    records = plain.records
    assert not any(r["stage"] == "info" for r in records)
    escalated = {d["obligation"] for r in records for d in r["decisions"]
                 if d["duty"] == "progress_report" and d["stage"] == "escalate"}
    assert len(escalated) == LOCALITIES * len(PERIODS)
    assert {tuple(r) for r in seed1.records} == {tuple(r) for r in records}  # the same fields, in the same order


@pytest.fixture
def pg_url(pg_admin: sa.Engine) -> Iterator[str]:
    name, url = new_pg_database(pg_admin)
    try:
        yield url
    finally:
        drop_pg_database(pg_admin, name)


@pytest.mark.postgres
def test_the_rehearsal_tells_the_same_story_on_postgres(seed1: Run, pg_url: str, tmp_path: Path) -> None:
    on_pg = rehearse(tmp_path, "--behaviour", MIX, "--seed", "1", "--db", pg_url)
    assert on_pg.summary == seed1.summary
    assert on_pg.line("inspections:").startswith(f"inspections: 5 ({', '.join(PERIODS)})")
    assert len(on_pg.records) == len(seed1.records)
