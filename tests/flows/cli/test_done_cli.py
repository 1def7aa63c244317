"""`duban done` and `duban done --list`, run as a user runs them: one line of output, one line per error."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SEED_PLAN
from tests.flows.cli.test_cli import duban


@pytest.fixture
def loaded(db_url: str) -> None:
    assert duban("init").returncode == 0
    assert duban("plan", "load", str(SEED_PLAN)).returncode == 0


def test_list_then_done_then_done_again(loaded: None) -> None:
    listed = duban("done", "--list", "--unit", "镇隆镇")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "镇隆镇  locality-mechanism  2015-08-31  2015-08-31  —  建立镇(街道)协调工作机制",
        "镇隆镇  locality-plan  2015-08-31  2015-08-31  —  制定镇(街道)具体实施方案",
        "2 open for 镇隆镇"]
    assert duban("done", "--list").stdout.splitlines()[-1] == "40 open"
    done = duban("done", "--unit", "镇隆镇", "--duty", "locality-plan", "--note", "已印发实施方案")
    assert done.returncode == 0, done.stderr
    # Run today, long after 2015-08-31: late by however many working days have passed since.
    assert re.fullmatch(r"镇隆镇 locality-plan 2015-08-31: done \(\d+ working day\(s\) late\); coordinator told\n",
                        done.stdout), done.stdout
    again = duban("done", "--unit", "镇隆镇", "--duty", "locality-plan")
    assert again.returncode == 0
    assert again.stdout == "镇隆镇 locality-plan 2015-08-31: already submitted, nothing changed\n"
    assert duban("done", "--list", "--unit", "镇隆镇").stdout.splitlines()[-1] == "1 open for 镇隆镇"


@pytest.mark.parametrize(("args", "line"), [
    (["--unit", "镇隆镇", "--duty", "progress-report"],
     "duty 'progress-report' (progress_report) is not reported done here: submit it through `duban report import` "
     "or the submit-progress-report form"),
    (["--unit", "镇隆镇", "--duty", "task-report"],
     "duty 'task-report' (task_report) is not reported done here: submit it through `duban task report` or the "
     "submit-task-report form"),
    (["--unit", "镇隆", "--duty", "locality-plan"],
     "unknown unit '镇隆' in plan xinyi-2015-2017; did you mean 镇隆镇?"),
    (["--unit", "镇隆镇", "--duty", "nope"],
     "unknown duty 'nope' in plan xinyi-2015-2017; duties reported done this way: locality-mechanism, locality-plan, "
     "action-item, rectification"),
    (["--unit", "镇隆镇"], "duban done needs --unit and --duty (or --list to see what is open)"),
    (["--list", "--duty", "locality-plan"], "--list takes only --unit"),
])
def test_errors_are_one_line_and_a_non_zero_exit(loaded: None, args: list[str], line: str) -> None:
    proc = duban("done", *args)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == f"duban: error: {line}\n"
