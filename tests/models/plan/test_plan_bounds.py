"""Load bounds (issue 10): the edges a plan may reach are accepted, one step past them is refused in one line;
`plan show --json` stays valid JSON; `load-plan` reads only inside DUBAN_PLANS_DIR."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from config.settings import get_settings
from flows.cli.main import app
from flows.ops.commands import load_plan_path, plan_path_in_plans_dir
from models.db import session_scope
from models.errors import PlanError
from models.plan.checks import check_plan
from models.plan.file import load_plan_file
from models.plan.schema import MAX_ITEMS, PlanSpec
from models.plan.store import load_plan
from tests.conftest import ROOT, SEED_PLAN, count_rows

BASE = ROOT / "tests" / "corpus" / "bad_plans" / "_valid_base.yaml"


def _base() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    return data


def _problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    return check_plan(PlanSpec.model_validate(data))


def _with(edit: Callable[[dict[str, Any]], None]) -> list[tuple[str, str]]:
    data = _base()
    edit(data)
    return _problems(data)


def test_the_corpus_base_and_the_seed_are_within_every_bound() -> None:
    assert _problems(_base()) == []
    assert check_plan(load_plan_file(SEED_PLAN)) == []


@pytest.mark.parametrize(
    ("day", "ok"),
    [(dt.date(2014, 1, 1), True), (dt.date(2013, 12, 31), False),
     (dt.date(2018, 12, 31), True), (dt.date(2019, 1, 1), False)],
)
def test_schedule_dates_within_the_period_plus_or_minus_a_year(day: dt.date, ok: bool) -> None:
    key = "from" if day.year < 2015 else "until"

    def edit(data: dict[str, Any]) -> None:
        data["duties"][0]["schedule"][key] = day

    problems = _with(edit)
    assert (problems == []) is ok, problems
    if not ok:
        assert problems == [(f"duties[0].schedule.{key}", f"{day} is outside the plan period 2015-2017 ± one year "
                                                          "(2014-01-01 to 2018-12-31)")]


@pytest.mark.parametrize(("end", "ok"), [(2044, True), (2045, False)])
def test_period_of_at_most_30_years(end: int, ok: bool) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["period"]["end"] = end

    assert (_with(edit) == []) is ok


@pytest.mark.parametrize(
    ("indicator", "value", "problem"),
    [
        (2, 0, None),
        (2, 32.0, None),
        (2, 32.5, "32.5 is not a whole number of 家"),
        (0, 100, None),
        (0, 100.5, "100.5% is more than 100%"),
        (1, 1e12, None),
        (1, 1.5e12, "1.5e+12 is more than 1e+12, the largest target duban accepts"),
        (1, -0.01, "-0.01 is negative; a target is a quantity of at least 0"),
        (1, float("nan"), "nan is not a finite number"),
        (1, float("-inf"), "-inf is not a finite number"),
    ],
)
def test_target_values_finite_non_negative_and_of_their_kind(indicator: int, value: float,
                                                            problem: str | None) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["targets"][indicator]["value"] = value

    assert _with(edit) == ([] if problem is None else [(f"targets[{indicator}].value", problem)])


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_not_a_target_value(value: bool, tmp_path: Path) -> None:
    data = _base()
    data["targets"][0]["value"] = value
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan_file(path)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].endswith(f"targets[0].value: {str(value).lower()} is not a number (value {value})")


def test_a_cycle_of_three_relative_duties_is_reported_once() -> None:
    def edit(data: dict[str, Any]) -> None:
        duty = data["duties"][1]
        data["duties"][0]["schedule"] = {"after": "c"}
        data["duties"].append({**duty, "code": "b", "schedule": {"after": "progress-report"}})
        data["duties"].append({**duty, "code": "c", "schedule": {"after": "b"}})

    assert _with(edit) == [("duties[0].schedule.after",
                            "progress-report → c → b → progress-report is a cycle: each duty waits for the one before")]


@pytest.mark.parametrize(("count", "ok"), [(MAX_ITEMS, True), (MAX_ITEMS + 1, False)])
def test_items_are_capped(count: int, ok: bool, tmp_path: Path) -> None:
    data = _base()
    data["items"] = [{"ref": f"r{i}", "title": "t", "lead": "市发改局"} for i in range(count)]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if ok:
        assert len(load_plan_file(path).items) == count
    else:
        with pytest.raises(PlanError, match=r"items: List should have at most 1000 items after validation, not 1001"):
            load_plan_file(path)


def test_the_contacts_file_as_a_plan_quotes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "contacts.yaml"
    path.write_text('version: 1\nurls:\n  - "wecombot://PLANTEDKEY42":\n      - tag: role-leader\n',
                    encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan_file(path)
    assert len(info.value.problems) == 1 and "does not look like a plan file" in info.value.problems[0]
    assert "PLANTEDKEY42" not in str(info.value) and "urls" not in str(info.value)


def test_plan_show_json_is_valid_json_even_for_a_stored_non_finite_target(engine: sa.Engine) -> None:
    """A plan stored before the bounds existed may hold ±inf: the JSON says null, never Infinity."""
    data = load_plan_file(SEED_PLAN).model_dump(mode="python", by_alias=True)
    data["targets"][0]["value"] = float("inf")
    data["targets"][1]["value"] = float("-inf")  # (SQLite would store a NaN as NULL)
    with session_scope(engine) as session:
        load_plan(PlanSpec.model_validate(data), session=session, now=dt.datetime(2015, 7, 6, tzinfo=dt.UTC))
    result = CliRunner().invoke(app, ["plan", "show", "--json"])
    assert result.exit_code == 0, result.stderr

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON")

    shown = json.loads(result.stdout, parse_constant=refuse)
    assert [t["value"] for t in shown["targets"][:3]] == [None, None, 15]


class TestPlansDir:
    @pytest.fixture(autouse=True)
    def plans(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        plans = tmp_path / "plans"
        plans.mkdir()
        monkeypatch.setenv("DUBAN_PLANS_DIR", str(plans))
        get_settings.cache_clear()
        return plans

    def test_default_is_config_plans(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("DUBAN_PLANS_DIR")
        get_settings.cache_clear()
        assert get_settings().plans_dir == ROOT / "config" / "plans"
        assert plan_path_in_plans_dir(SEED_PLAN) == SEED_PLAN.resolve()

    def test_relative_and_absolute_paths_inside_are_accepted(self, plans: Path) -> None:
        (plans / "sub").mkdir()
        assert plan_path_in_plans_dir("sub/p.yaml") == (plans / "sub" / "p.yaml").resolve()
        assert plan_path_in_plans_dir(plans / "p.yaml") == (plans / "p.yaml").resolve()

    @pytest.mark.parametrize("given", ["../contacts.yaml", "/etc/passwd", "sub/../../x.yaml", "link.yaml"])
    def test_paths_resolving_outside_are_refused_in_one_line(self, plans: Path, given: str) -> None:
        (plans.parent / "contacts.yaml").write_text("urls: []\n", encoding="utf-8")
        (plans / "link.yaml").symlink_to(plans.parent / "contacts.yaml")
        with pytest.raises(PlanError) as info:
            plan_path_in_plans_dir(given)
        assert info.value.problems == [f"{given}: is outside the plans directory {plans.resolve()} "
                                       "(DUBAN_PLANS_DIR); load-plan reads plan files only there"]

    def test_load_plan_path_confined_refuses_before_reading(self, engine: sa.Engine, tmp_path: Path) -> None:
        with pytest.raises(PlanError, match="is outside the plans directory"):
            load_plan_path(SEED_PLAN, plans_dir_only=True)
        assert set(count_rows(engine).values()) == {0}
        assert load_plan_path(SEED_PLAN).result.created  # the command line reads any path
