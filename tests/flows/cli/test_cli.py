"""The `duban` command line, run as a user runs it (the console script, in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from models.db import head_revision
from tests.conftest import ROOT, SEED_PLAN


def duban(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=full_env, capture_output=True, text=True,
        timeout=120,
    )


def test_init_load_show_json(db_url: str) -> None:
    init = duban("init")
    assert init.returncode == 0, init.stderr
    assert f"schema revision {head_revision()}" in init.stdout
    assert "password" not in init.stdout
    load = duban("plan", "load", str(SEED_PLAN))
    assert load.returncode == 0, load.stderr
    assert load.stdout.startswith("loaded plan xinyi-2015-2017: 37 units (20 localities), 24 items, 25 targets")
    again = duban("plan", "load", str(SEED_PLAN))
    assert again.stdout.startswith("plan xinyi-2015-2017 unchanged")
    show = duban("plan", "show", "--json")
    assert show.returncode == 0, show.stderr
    data = json.loads(show.stdout)
    assert len(data["items"]) == 24
    assert sum(u["kind"] in ("town", "subdistrict") for u in data["units"]) == 20
    assert len(data["targets"]) == 25 and len(data["duties"]) == 7
    assert {"ref", "title", "lead", "cooperating", "localities"} <= set(data["items"][0])
    assert {"year", "name", "value", "unit", "comparator"} <= set(data["targets"][0])
    assert {"name", "kind"} <= set(data["units"][0])
    assert data["items"][8] == {
        "ref": "三(二)5", "section": "(二)实施新一轮技术改造,重塑工业转型升级新优势",
        "title": "开展技术改造投资动态监测和服务", "lead": "市科工商务局",
        "cooperating": ["市统计局", "市政府金融工作局", "人民银行信宜市支行"], "localities": "all",
    }


def test_show_table_is_readable(db_url: str) -> None:
    assert duban("init").returncode == 0
    assert duban("plan", "load", str(SEED_PLAN)).returncode == 0
    show = duban("plan", "show", env={"COLUMNS": "160"})
    assert show.returncode == 0, show.stderr
    for text in ("任务分解表", "三(五)3", "四(六)", "市人社局", "主要目标", "23.5", "镇隆镇", "pull_earlier"):
        assert text in show.stdout


def test_edited_plan_reports_changes(db_url: str, tmp_path: Path) -> None:
    assert duban("init").returncode == 0
    assert duban("plan", "load", str(SEED_PLAN)).returncode == 0
    data = yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))
    data["items"][2]["cooperating"].append("市财政局")
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = duban("plan", "load", str(edited))
    assert out.returncode == 0, out.stderr
    assert "updated plan xinyi-2015-2017 (1 changes)" in out.stdout
    assert "item 三(一)3 unit 市财政局: added" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "load", "no/such/plan.yaml"), "duban: error: no/such/plan.yaml: no such file"),
        (("plan", "show"), "is not initialised; run `duban init` first"),
    ],
)
def test_errors_are_one_line_on_stderr(args: tuple[str, ...], message: str, db_url: str) -> None:
    out = duban(*args)
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.strip().splitlines() == [next(line for line in out.stderr.splitlines() if message in line)]
    assert "Traceback" not in out.stderr


def test_bad_plan_lists_each_problem_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    assert duban("init").returncode == 0
    data = yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))
    data["items"][0]["lead"] = "镇龙镇"
    data["duties"][0]["schedule"]["dates"] = ["04-31"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = duban("plan", "load", str(bad))
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 2, out.stderr
    assert "items[0].lead: unknown unit '镇龙镇'" in lines[0]
    assert "duties[0].schedule.dates[0]: '04-31' is not a day of the year" in lines[1]
    assert all(line.startswith(f"duban: error: {bad}:") for line in lines)
    show = duban("plan", "show")
    assert show.returncode == 1 and "no plan is loaded" in show.stderr


def test_postgres_password_never_printed(pg_admin: object) -> None:
    url = "postgresql+psycopg://duban:s3cret-pw@127.0.0.1:1/nowhere"
    out = duban("init", env={"DUBAN_DATABASE_URL": url})
    assert out.returncode == 1
    assert "s3cret-pw" not in out.stderr + out.stdout
    assert "cannot reach the database" in out.stderr


def test_notify_test_reaches_the_contacts_and_reports_unmatched_tags(db_url: str, tmp_path: Path) -> None:
    from notifications.channels.contacts import default_contacts_yaml
    from notifications.channels.mailcatcher import MailCatcher

    with MailCatcher(tmp_path / "mail") as catcher:
        contacts = tmp_path / "contacts.yaml"
        contacts.write_text(default_contacts_yaml([("zhenlong", "镇隆镇")], smtp_host="127.0.0.1",
                                                  smtp_port=catcher.port), encoding="utf-8")
        env = {"DUBAN_CONTACTS": str(contacts)}
        ok = duban("notify", "test", "--tag", "unit-zhenlong,role-handler", env=env)
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.startswith("ok   mailto")
        missing = duban("notify", "test", "--tag", "role-nobody", env=env)
        assert missing.returncode == 1
        assert missing.stderr.startswith("duban: error:") and "role-nobody" in missing.stderr
        unmatched = duban("notify", "test", "--tag", "unit-shuikou+role-head", env=env)
        assert unmatched.returncode == 1 and "no contact matches" in unmatched.stderr
        assert len(catcher.messages()) == 1
