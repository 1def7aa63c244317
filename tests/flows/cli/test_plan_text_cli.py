"""`plan import-text` through a real Typer app: outputs, files, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from flows.cli.plan_text import import_text
from models.plan.file import load_plan_file, parse_plan_text

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "tests" / "corpus" / "seed" / "000_cabd027799485bb6.txt"
SEED_PLAN = ROOT / "config" / "plans" / "xinyi-2015-2017.yaml"
WITH_UNREAD = ROOT / "tests" / "corpus" / "notices" / "05_nanjiang_green_gb18030.txt"

app = typer.Typer()


@app.callback()
def _root() -> None:
    """A stand-in for `duban plan`."""


app.command("import-text")(import_text)
runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["import-text", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_seed_prints_a_yaml_plan_that_loads() -> None:
    code, out, err = run(SEED)
    assert (code, err) == (0, "")
    plan = parse_plan_text(out, source="stdout")
    assert (len(plan.items), len(plan.targets), len(plan.duties)) == (24, 9, 4)
    assert out.startswith("# 信宜市贯彻落实")


def test_yaml_flag_is_the_default(tmp_path: Path) -> None:
    assert run(SEED, "--yaml")[1] == run(SEED)[1]


def test_seed_json(tmp_path: Path) -> None:
    code, out, _ = run(SEED, "--json")
    data = json.loads(out)
    assert code == 0 and data["title"].endswith("的实施方案") and data["issued_on"] == "2015-07-06"
    assert data["items"][8]["ref"] == "三(二)5" and data["items"][8]["lead"] == "市科工商务局"
    assert {d["kind"]: d["due_dates"] for d in data["duties"]}["decomposition"] == ["04-30"]
    assert len(data["targets"]) == 9 and data["unread"] == []


def test_out_writes_the_file_and_says_so(tmp_path: Path) -> None:
    dest = tmp_path / "plan.yaml"
    code, out, _ = run(SEED, "--out", dest, "--roster", SEED_PLAN)
    assert code == 0
    assert out == f"wrote {dest} (YAML): 24 items, 9 targets, 4 duties\n"
    plan, reference = load_plan_file(dest), load_plan_file(SEED_PLAN)
    assert plan.units == reference.units and plan.localities == reference.localities


def test_out_with_json(tmp_path: Path) -> None:
    dest = tmp_path / "plan.json"
    code, out, _ = run(SEED, "--json", "--out", dest)
    assert code == 0 and "(JSON)" in out
    assert len(json.loads(dest.read_text(encoding="utf-8"))["items"]) == 24


def test_unread_paragraphs_warn_and_exit_2_but_still_print() -> None:
    code, out, err = run(WITH_UNREAD)
    assert code == 2
    assert yaml.safe_load(out)["code"]
    warnings = err.strip().splitlines()
    assert len(warnings) == 3 and all(w.startswith("duban: warning: ") for w in warnings)
    assert "(三(三)): no responsible units found" in warnings[0]
    assert "2 paragraph(s) not understood" in warnings[-1]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"\x00\x01\x02binary\x00", "binary"),
    ("第一章\n\n那一年的春天来得特别早。\n".encode(), "does not look like a notice"),
])
def test_not_a_notice_is_one_line_and_exit_1(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    code, out, err = run(path)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith("duban: error: ") and message in err


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "nope.txt")
    assert code == 1 and "no such file" in err


def test_json_and_yaml_exclude_each_other() -> None:
    code, _, err = run(SEED, "--json", "--yaml")
    assert code == 1 and "exclude each other" in err


def test_bad_roster_is_one_clear_error(tmp_path: Path) -> None:
    roster = tmp_path / "r.yaml"
    roster.write_text("- just a list\n", encoding="utf-8")
    code, _, err = run(SEED, "--roster", roster)
    assert code == 1 and err.startswith("duban: error: ") and "r.yaml" in err


def test_the_command_does_not_import_prefect() -> None:
    script = "import sys, flows.cli.plan_text, models.plan_text.reader; assert 'prefect' not in sys.modules"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
