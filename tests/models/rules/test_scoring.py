"""Inspection scoring: each rubric rule, rounding, ranks with ties, change of rank, lights."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import ScoringError
from models.rules.scoring import (
    RUBRIC,
    Rubric,
    Score,
    UnitFacts,
    competition_ranks,
    score_components,
    score_units,
)

PERFECT = UnitFacts(
    unit="镇隆镇",
    kind="town",
    reports_due=4,
    reports_on_time=4,
    reports_late=0,
    progress=1.0,
    actions_due=2,
    actions_on_time=2,
    open_red=0,
)


def facts(**changes: object) -> UnitFacts:
    return replace(PERFECT, **changes)  # type: ignore[arg-type]


def one(item: UnitFacts) -> Score:
    (score,) = score_units([item])
    return score


class TestComponents:
    @pytest.mark.parametrize(
        ("due", "on_time", "late", "expected"),
        [
            (4, 4, 0, 40.0),  # all on time
            (4, 2, 2, 30.0),  # late earns half
            (4, 0, 4, 20.0),  # all late: half of everything
            (4, 0, 0, 0.0),  # all missing
            (4, 3, 0, 30.0),  # one missing
            (3, 1, 0, 13.3),
            (3, 2, 0, 26.7),
            (32, 1, 0, 1.3),  # 1.25 rounds half up, not to even
        ],
    )
    def test_reports_component(self, due: int, on_time: int, late: int, expected: float) -> None:
        # (Nothing due no longer earns the full 40: the component does not apply, see test_nothing_due_*.)
        item = facts(reports_due=due, reports_on_time=on_time, reports_late=late)
        assert score_components(item)["reports"] == expected

    @pytest.mark.parametrize(
        ("progress", "expected"),
        [
            (0.0, 0.0),  # nothing reported: nothing scored (was neutral credit 20 for None)
            (1.0, 40.0),
            (1.5, 40.0),  # over-achievement capped at 1.0
            (1.2, 40.0),
            (0.5, 20.0),
            (0.0, 0.0),
            (-0.3, 0.0),  # a negative ratio counts as nothing
            (0.123, 4.9),
            (0.99999, 40.0),
        ],
    )
    def test_progress_component(self, progress: float | None, expected: float) -> None:
        assert score_components(facts(progress=progress))["progress"] == expected

    @pytest.mark.parametrize(
        ("due", "on_time", "expected"),
        [(4, 4, 20.0), (4, 1, 5.0), (3, 1, 6.7), (3, 0, 0.0), (80, 1, 0.3)],
    )
    def test_actions_component(self, due: int, on_time: int, expected: float) -> None:
        assert score_components(facts(actions_due=due, actions_on_time=on_time))["actions"] == expected

    @pytest.mark.parametrize(("open_red", "expected"), [(0, 0.0), (1, -5.0), (3, -15.0), (4, -20.0), (9, -20.0)])
    def test_red_penalty_five_per_item_at_most_twenty(self, open_red: int, expected: float) -> None:
        penalty = score_components(facts(open_red=open_red))["red_penalty"]
        assert penalty == expected
        assert str(penalty) != "-0.0"

    def test_components_have_the_four_keys(self) -> None:
        assert set(score_components(PERFECT)) == {"reports", "progress", "actions", "red_penalty"}

    def test_custom_rubric_changes_the_weights(self) -> None:
        rubric = Rubric(reports_weight=50.0, progress_weight=30.0, actions_weight=20.0, late_report_credit=0.0)
        parts = score_components(facts(reports_on_time=2, reports_late=2, progress=0.5), rubric)
        assert parts["reports"] == 25.0
        assert parts["progress"] == 15.0

    def test_components_that_do_not_apply_are_left_out(self) -> None:
        assert set(score_components(facts(progress=None))) == {"reports", "actions", "red_penalty"}
        assert set(score_components(facts(actions_due=0, actions_on_time=0))) == {"reports", "progress",
                                                                                   "red_penalty"}
        assert set(score_components(facts(reports_due=0, reports_on_time=0))) == {"actions", "red_penalty"}


class TestTotal:
    @pytest.mark.parametrize(
        ("changes", "total"),
        [
            ({}, 100.0),
            ({"progress": None}, 100.0),  # no target to measure: scaled over reports and actions (was 80)
            ({"progress": None, "reports_on_time": 2, "reports_late": 2}, 83.3),  # (30 + 20) × 100 / 60
            ({"actions_due": 0, "actions_on_time": 0, "progress": 0.5}, 75.0),  # (40 + 20) × 100 / 80
            ({"reports_on_time": 2, "reports_late": 2, "progress": 0.5, "open_red": 1}, 65.0),
            ({"reports_on_time": 0, "progress": 0.0, "actions_on_time": 0, "open_red": 4}, 0.0),  # floored at 0
            ({"reports_on_time": 0, "progress": 0.1, "actions_on_time": 0, "open_red": 1}, 0.0),  # 4 - 5 -> 0
            ({"reports_due": 3, "reports_on_time": 1, "actions_due": 3, "actions_on_time": 1}, 60.0),
        ],
    )
    def test_total(self, changes: dict[str, object], total: float) -> None:
        assert one(facts(**changes)).total == total

    def test_total_is_the_sum_of_the_rounded_components(self) -> None:
        # 13.3 + 40 + 6.7 = 60.0 although the unrounded parts add up to 60.0 only approximately
        score = one(facts(reports_due=3, reports_on_time=1, actions_due=3, actions_on_time=1))
        assert score.components == {"reports": 13.3, "progress": 40.0, "actions": 6.7, "red_penalty": 0.0}
        assert score.total == round(sum(score.components.values()), 1)

    @given(
        due=st.integers(0, 12),
        on_time=st.integers(0, 12),
        late=st.integers(0, 12),
        progress=st.one_of(st.none(), st.floats(-1.0, 1.5)),
        actions_due=st.integers(0, 10),
        actions_on_time=st.integers(0, 10),
        open_red=st.integers(0, 10),
    )
    def test_total_between_0_and_100_with_one_decimal(
        self,
        due: int,
        on_time: int,
        late: int,
        progress: float | None,
        actions_due: int,
        actions_on_time: int,
        open_red: int,
    ) -> None:
        on_time, late = min(on_time, due), min(late, due - min(on_time, due))
        if due == 0 and actions_due == 0:
            actions_due = 1  # a unit with nothing due is not scored (TestWhoIsScored)
        item = facts(
            reports_due=due,
            reports_on_time=on_time,
            reports_late=late,
            progress=progress,
            actions_due=actions_due,
            actions_on_time=min(actions_on_time, actions_due),
            open_red=open_red,
        )
        total = one(item).total
        assert total is not None
        assert 0.0 <= total <= 100.0
        assert total == round(total, 1)


class TestLights:
    @pytest.mark.parametrize(
        ("changes", "light", "reasons"),
        [
            ({}, "green", ()),
            ({"progress": 0.5}, "green", ()),  # exactly 80 is green
            ({"progress": 0.49}, "yellow", ("total_below_yellow",)),  # 79.6
            ({"progress": 0.0}, "yellow", ("total_below_yellow",)),  # exactly 60 is yellow, not red
            ({"progress": 0.0, "reports_on_time": 3, "reports_late": 1}, "red", ("total_below_red",)),  # 55
            ({"reports_due": 10, "reports_on_time": 9}, "red", ("report_missing",)),  # 96 but one missing
            ({"open_red": 1}, "yellow", ("open_red_item",)),  # 95 with a red item open
            ({"open_red": 2}, "yellow", ("open_red_item",)),
            ({"open_red": 3}, "red", ("red_items",)),  # 85 but three red items
            ({"open_red": 1, "progress": 0.4}, "yellow", ("total_below_yellow", "open_red_item")),
            (
                {"reports_on_time": 0, "open_red": 5, "progress": 0.2},
                "red",
                ("report_missing", "red_items", "total_below_red"),
            ),
            ({"reports_on_time": 0, "reports_late": 4}, "green", ()),  # all late: 80, nothing missing
            ({"reports_due": 0, "reports_on_time": 0}, "green", ()),  # nothing due cannot be missing
        ],
    )
    def test_light(self, changes: dict[str, object], light: str, reasons: tuple[str, ...]) -> None:
        score = one(facts(**changes))
        assert (score.light, score.reasons) == (light, reasons)

    def test_custom_thresholds(self) -> None:
        rubric = Rubric(red_below=70.0, yellow_below=90.0, red_items_for_red=2)
        (score,) = score_units([facts(open_red=2)], rubric=rubric)
        assert score.light == "red"
        (score,) = score_units([facts(progress=0.7)], rubric=rubric)  # 88
        assert score.light == "yellow"


class TestRanking:
    def test_ties_share_a_rank_and_the_next_rank_skips(self) -> None:
        items = [
            facts(unit="水口镇", progress=0.5),  # 80
            facts(unit="镇隆镇"),  # 100
            facts(unit="丁堡镇", progress=0.9),  # 96
            facts(unit="池洞镇", progress=0.9),  # 96
            facts(unit="贵子镇", progress=0.0),  # 60
        ]
        scores = score_units(items)
        assert [(s.unit, s.rank) for s in scores] == [
            ("镇隆镇", 1),
            ("丁堡镇", 2),  # ties listed by name (code point: 丁 < 池)
            ("池洞镇", 2),
            ("水口镇", 4),
            ("贵子镇", 5),
        ]

    def test_ties_at_the_top(self) -> None:
        scores = score_units([facts(unit="A"), facts(unit="B"), facts(unit="C", progress=0.5)])
        assert [s.rank for s in scores] == [1, 1, 3]

    def test_everyone_tied_is_first(self) -> None:
        scores = score_units([facts(unit=name) for name in ("丙", "甲", "乙")])
        assert {s.rank for s in scores} == {1}
        assert [s.unit for s in scores] == sorted(["丙", "甲", "乙"])

    @pytest.mark.parametrize(
        ("totals", "ranks"),
        [
            ([], []),
            ([50.0], [1]),
            ([90.0, 80.0, 80.0, 70.0], [1, 2, 2, 4]),
            ([70.0, 80.0, 90.0, 80.0], [4, 2, 1, 2]),
            ([60.0, 60.0, 60.0], [1, 1, 1]),
        ],
    )
    def test_competition_ranks(self, totals: list[float], ranks: list[int]) -> None:
        # The keys are sort keys now (smaller is better): a total enters negated.
        assert competition_ranks(-t for t in totals) == ranks

    def test_no_units_no_scores(self) -> None:
        assert score_units([]) == []

    def test_score_keeps_its_facts(self) -> None:
        item = facts(reports_on_time=1, reports_late=1, actions_due=3, actions_on_time=1)
        score = one(item)
        assert score.facts == item
        assert (item.reports_missing, item.actions_overdue) == (2, 2)


class TestChange:
    @pytest.mark.parametrize(
        ("previous", "expected"),
        [
            (None, {"A": (None, None), "B": (None, None), "C": (None, None)}),
            ({}, {"A": (None, None), "B": (None, None), "C": (None, None)}),
            ({"A": 3, "B": 1, "C": 2}, {"A": (3, 2), "B": (1, -1), "C": (2, -1)}),
            ({"A": 1, "B": 2, "C": 3}, {"A": (1, 0), "B": (2, 0), "C": (3, 0)}),
            ({"A": 7, "Z": 1}, {"A": (7, 6), "B": (None, None), "C": (None, None)}),  # Z left; B, C are new
        ],
    )
    def test_change_is_previous_minus_rank(
        self, previous: dict[str, int] | None, expected: dict[str, tuple[int | None, int | None]]
    ) -> None:
        items = [facts(unit="A"), facts(unit="B", progress=0.9), facts(unit="C", progress=0.8)]
        scores = score_units(items, previous)
        assert [s.rank for s in scores] == [1, 2, 3]
        assert {s.unit: (s.previous_rank, s.change) for s in scores} == expected


class TestInvalidFacts:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"kind": "county"}, r"unknown kind 'county'; known: department, town, subdistrict, other, vertical"),
            ({"unit": " "}, r"empty unit name"),
            ({"reports_due": -1, "reports_on_time": 0}, r"reports_due is -1"),
            ({"open_red": -2}, r"open_red is -2"),
            ({"reports_on_time": 3, "reports_late": 2}, r"3 on time \+ 2 late reports exceed the 4 due"),
            ({"actions_on_time": 3}, r"3 action items closed on time exceed the 2 due"),
            ({"progress": float("nan")}, r"progress is nan"),
            ({"progress": float("inf")}, r"progress is inf"),
        ],
    )
    def test_inconsistent_facts_are_refused(self, changes: dict[str, object], message: str) -> None:
        with pytest.raises(ScoringError, match=message):
            facts(**changes)

    def test_duplicate_unit_is_refused(self) -> None:
        with pytest.raises(ScoringError, match="unit '镇隆镇' appears twice"):
            score_units([PERFECT, facts(progress=0.2)])

    @pytest.mark.parametrize("rank", [0, -1, True, 1.5])
    def test_bad_previous_rank_is_refused(self, rank: object) -> None:
        with pytest.raises(ScoringError, match="previous rank of '镇隆镇'"):
            score_units([PERFECT], {"镇隆镇": rank})  # type: ignore[dict-item]

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"reports_weight": 50.0}, "reports_weight \\+ progress_weight \\+ actions_weight is 110; it must be 100"),
            ({"late_report_credit": 1.5}, "late_report_credit: .*less than or equal to 1"),
            ({"progress_cap": 0.0}, "progress_cap: .*greater than 0"),
            ({"red_below": 90.0}, "red_below 90 is above yellow_below 80"),
            ({"pace_method": "weeks"}, "pace_method: "),
        ],
    )
    def test_bad_rubric_is_refused(self, changes: dict[str, float], message: str) -> None:
        with pytest.raises(ScoringError, match=message):
            replace(RUBRIC, **changes)  # type: ignore[arg-type]
