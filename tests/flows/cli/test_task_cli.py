"""`duban task report|review|list` and the warnings of `duban plan load`, run as a user runs them."""

from __future__ import annotations

import datetime as dt

from flows.ops.engine import engine_context, generate
from tests.conftest import SEED_PLAN
from tests.flows.cli.test_cli import duban

TZ = dt.timezone(dt.timedelta(hours=8))


def test_plan_load_warns_about_carried_targets_and_the_2015_split(db_url: str) -> None:
    assert duban("init").returncode == 0
    load = duban("plan", "load", str(SEED_PLAN))
    assert load.returncode == 0, load.stderr
    warnings = [line for line in load.stderr.splitlines() if line.startswith("duban: warning: ")]
    assert len(warnings) == 3
    assert warnings[0].startswith(f"duban: warning: {SEED_PLAN}: the notice sets no 2016 target for 8 indicators; "
                                  "their 2015 targets are carried forward (carried_from: 2015) and documents say "
                                  "沿用2015年目标 until you enter 2016's: ")
    assert "全市工业投资 105亿元" in warnings[0] and "2017" in warnings[1]
    assert warnings[-1].startswith(f"duban: warning: {SEED_PLAN}: 2015: no decomposition duty falls in 2015")


def test_report_review_and_list_from_the_command_line(db_url: str) -> None:
    assert duban("init").returncode == 0
    assert duban("plan", "load", str(SEED_PLAN)).returncode == 0
    generate(engine_context(), dt.datetime(2015, 11, 20, 10, 0, tzinfo=TZ))
    args = ("task", "report", "--unit", "市财政局", "--item", "四(四)", "--status", "已完成", "--done", "安排工作经费",
            "--period", "2015-12-05")
    first = duban(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ("四(四) 2015-12-05: 市财政局's report v1 recorded; "
                            "awaits close-out review (duban task review)\n")
    assert "unchanged, nothing recorded" in duban(*args).stdout
    no_reason = duban("task", "review", "--item", "四(四)", "--period", "2015-12-05", "--return")
    assert no_reason.returncode == 1
    assert "duban: error: a report sent back needs a reason (退回理由) the lead can act on" in no_reason.stderr
    ok = duban("task", "review", "--item", "四(四)", "--period", "2015-12-05", "--approve")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "四(四) 2015-12-05: closed out (销号); 4 later node(s) waived; lead told\n"
    stranger = duban("task", "report", "--unit", "市住建局", "--item", "四(四)", "--status", "推进中", "--done", "x")
    assert stranger.returncode == 1 and stranger.stdout == ""
    assert ("duban: error: 市住建局 is neither the lead (市财政局) nor a cooperating unit (市科工商务局、市发改局) "
            "of item 四(四)") in stranger.stderr
    listed = duban("task", "list", "--period", "2015-12-05").stdout.splitlines()
    assert len(listed) == 24
    assert listed[21].startswith("四(四)  发挥财政资金扛杆作用  市财政局  已完成  ")
    assert "  已销号  " in listed[21]
