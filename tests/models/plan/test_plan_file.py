"""The seed plan file, and broken plan files each rejected with a specific message."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.enums import LocalityScope
from models.errors import PlanError
from models.plan.file import load_plan_file, parse_plan_text
from models.plan.schema import plan_summary
from tests.conftest import SEED_PLAN

Mutation = Callable[[dict[str, Any]], None]


def seed_data() -> dict[str, Any]:
    return yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))


class TestSeedPlan:
    def test_seed_counts(self) -> None:
        plan = load_plan_file(SEED_PLAN)
        summary = plan_summary(plan)
        assert len(summary["items"]) == 24
        assert len(plan.locality_names) == 20
        assert len(summary["targets"]) == 9 + 16  # the notice's own, and 8 carried to 2016 and 2017
        assert len(summary["duties"]) == 7
        assert sum(1 for i in plan.items if i.kind.value == "task") == 18
        assert sum(1 for i in plan.items if i.kind.value == "measure") == 6

    def test_seed_metadata(self) -> None:
        plan = load_plan_file(SEED_PLAN)
        assert plan.doc_number == "信府〔2015〕30号"
        assert plan.issued_on.isoformat() == "2015-07-06"
        assert (plan.period.start, plan.period.end) == (2015, 2017)
        assert plan.coordinator == "市科工商务局"

    def test_seed_localities_are_the_twenty(self) -> None:
        plan = load_plan_file(SEED_PLAN)
        towns = [u.name for u in plan.localities if u.kind.value == "town"]
        subs = [u.name for u in plan.localities if u.kind.value == "subdistrict"]
        assert len(towns) == 18 and set(subs) == {"东镇街道", "玉都街道"}
        assert "镇隆镇" in towns and "北界镇" in towns

    @pytest.mark.parametrize(
        ("ref", "lead", "cooperating", "scope"),
        [
            ("三(一)1", "市科工商务局", ["市发改局"], LocalityScope.ALL),
            ("三(二)3", "市科工商务局", [], LocalityScope.ALL),
            ("三(二)5", "市科工商务局", ["市统计局", "市政府金融工作局", "人民银行信宜市支行"], LocalityScope.ALL),
            ("三(三)3", "市科工商务局", ["市发改局", "市国土资源局", "市环保局", "市经济开发区管委办"],
             LocalityScope.RELEVANT),
            ("三(四)1", "市科工商务局", ["市发改局"], LocalityScope.NONE),
            ("三(五)2", "市科工商务局", ["市环保局"], LocalityScope.NONE),
            ("四(一)", "市发改局", ["市编办", "市科工商务局", "市财政局"], LocalityScope.ALL),
            ("四(四)", "市财政局", ["市科工商务局", "市发改局"], LocalityScope.NONE),
            ("四(五)", "市政府金融工作局", ["人民银行信宜市支行"], LocalityScope.NONE),
            ("四(六)", "市人社局", ["市教育局"], LocalityScope.ALL),
        ],
    )
    def test_seed_item_units(self, ref: str, lead: str, cooperating: list[str], scope: LocalityScope) -> None:
        item = next(i for i in load_plan_file(SEED_PLAN).items if i.ref == ref)
        assert (item.lead, item.cooperating, item.localities) == (lead, cooperating, scope)

    def test_seed_targets(self) -> None:
        plan = load_plan_file(SEED_PLAN)
        own = [t for s, t in zip(plan.targets, plan_summary(plan)["targets"], strict=True) if s.carried_from is None]
        got = {(t["year"], t["value"], t["unit"]) for t in own}
        assert got == {
            (2015, 6, "%"), (2015, 105, "亿元"), (2015, 15, "亿元"), (2015, 32, "家"), (2015, 15, "家"),
            (2015, 1, "家"), (2015, 1.0, "万千瓦"), (2015, 23.5, "亿元"), (2017, 1.0, "%"),
        }

    def test_seed_duties(self) -> None:
        duties = {d.kind.value: d for d in load_plan_file(SEED_PLAN).duties}
        assert duties["decomposition"].schedule.dates == ["04-30"]
        assert duties["progress_report"].schedule.dates == ["06-05", "12-05"]
        assert duties["progress_report"].responsible.value == "localities"
        assert duties["joint_meeting"].schedule.default and duties["inspection"].schedule.default
        assert duties["decomposition"].holiday_policy.value == "pull_earlier"
        assert duties["progress_report"].holiday_policy.value == "roll_forward"


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[parts[-1]]

    return mutate


def _duplicate_item(data: dict[str, Any]) -> None:
    data["items"].append(dict(data["items"][3]))


def _duplicate_locality(data: dict[str, Any]) -> None:
    data["localities"].append({"name": "镇隆镇", "code": "zhenlong2", "kind": "town"})


BROKEN: list[tuple[str, Mutation, str]] = [
    ("unknown lead unit", _set("items.3.lead", "镇龙镇"), r"items\[3\]\.lead: unknown unit '镇龙镇'"),
    ("unknown cooperating unit", _set("items.0.cooperating", ["市发改局", "市科技局"]),
     r"items\[0\]\.cooperating\[1\]: unknown unit '市科技局'"),
    ("duplicate item ref", _duplicate_item, r"items\[24\]: duplicate item ref '三\(一\)4' \(first at items\[3\]\)"),
    ("duplicate locality", _duplicate_locality, r"localities\[20\]\.name: duplicate unit '镇隆镇'"),
    ("target without a unit", _delete("indicators.1.unit"), r"indicators\[1\]\.unit: required field is missing"),
    ("target of unknown indicator", _set("targets.0.indicator", "rd-ratio"),
     r"targets\[0\]\.indicator: unknown indicator 'rd-ratio'"),
    ("due date that does not exist", _set("duties.1.schedule.dates", ["06-05", "02-30"]),
     r"duties\[1\]\.schedule\.dates\[1\]: '02-30' is not a day of the year"),
    ("due date of the wrong shape", _set("duties.1.schedule.dates", ["6月5日"]),
     r"duties\[1\]\.schedule\.dates\[0\]: String should match pattern"),
    ("value is text", _set("targets.1.value", "一百零五"),
     r"targets\[1\]\.value: Input should be a valid number.*'一百零五'"),
    ("unknown locality scope", _set("items.2.localities", "some"),
     r"items\[2\]\.localities: Input should be 'all', 'relevant' or 'none'"),
    ("unknown holiday policy", _set("duties.0.holiday_policy", "next_monday"),
     r"duties\[0\]\.holiday_policy: Input should be 'roll_forward', 'pull_earlier' or 'keep'"),
    ("unknown comparator", _set("targets.2.comparator", "≥"), r"targets\[2\]\.comparator: Input should be"),
    ("issued_on not a date", _set("issued_on", "2015-13-06"), r"issued_on: Input should be a valid date"),
    ("missing items", _delete("items"), r"items: required field is missing"),
    ("unknown field", _set("items.5.leader", "市发改局"), r"items\[5\]\.leader: unknown field"),
    ("non-ASCII unit code", _set("localities.0.code", "镇隆"), r"localities\[0\]\.code: String should match"),
    ("unknown duty owner", _set("duties.2.owner", "市委"), r"duties\[2\]\.owner: unknown unit '市委'"),
    ("unknown coordinator", _set("coordinator", "市科工局"), r"coordinator: unknown unit '市科工局'"),
    ("lead also cooperating", _set("items.0.cooperating", ["市科工商务局"]),
     r"items\[0\]\.cooperating\[0\]: '市科工商务局' is already the lead unit"),
    ("duty without a due rule", _set("duties.1.schedule", {"from": "2015-12-01"}),
     r"duties\[1\]\.schedule: no due rule"),
    ("relative duty after unknown duty", _set("duties.3.schedule.after", "report"),
     r"duties\[3\]\.schedule\.after: unknown duty 'report'"),
    ("period reversed", _set("period", {"start": 2017, "end": 2015}), r"period: end 2015 is before start 2017"),
    ("relevant locality unknown", _set("items.11.relevant_localities", ["镇龙镇"]),
     r"items\[11\]\.relevant_localities\[0\]: unknown locality '镇龙镇'"),
    ("town in the units list kind", _set("localities.3.kind", "department"),
     r"localities\[3\]\.kind: 'department' is not a locality"),
]


@pytest.mark.parametrize(("case", "mutate", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_plan_rejected_with_its_message(case: str, mutate: Mutation, message: str, tmp_path: Path) -> None:
    data = seed_data()
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan_file(path)
    joined = "\n".join(info.value.problems)
    assert any(re.search(message, p) for p in info.value.problems), joined
    for problem in info.value.problems:
        assert problem.startswith(f"{path}:"), problem  # names the file (and the line)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "got empty"),
        (b"- just\n- a list\n", "must be a YAML mapping"),
        (b"code: [unclosed\n", "not valid YAML"),
        (b"\xff\xfe\x00binary", "not UTF-8 text"),
    ],
)
def test_unreadable_plan_files(content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(content)
    with pytest.raises(PlanError, match=message):
        load_plan_file(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"no-such\.yaml: no such file"):
        load_plan_file(tmp_path / "no-such.yaml")


def test_each_problem_reported_once_with_line(tmp_path: Path) -> None:
    data = seed_data()
    data["items"][0]["lead"] = "甲局"
    data["items"][1]["lead"] = "乙局"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(PlanError) as info:
        parse_plan_text(text, source="p.yaml")
    assert len(info.value.problems) == 2
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "甲局" in s)
    assert info.value.problems[0].startswith(f"p.yaml:{line}: items[0].lead")
