"""The yearly target split: drafting, the largest remainder property, validation and adjustments."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.rules.decomposition import SplitProblem, apply_adjustments, basis_kind, draft_split, validate_split

LOCALITIES = [
    "镇隆镇", "水口镇", "丁堡镇", "池洞镇", "贵子镇", "怀乡镇", "茶山镇", "洪冠镇", "白石镇", "大成镇",
    "钱排镇", "合水镇", "新宝镇", "平塘镇", "思贺镇", "金垌镇", "朱砂镇", "北界镇", "东镇街道", "玉都街道",
]
ABC = ["甲镇", "乙镇", "丙镇"]


class TestDraftSplit:
    @pytest.mark.parametrize(
        ("city_value", "basis", "decimals", "expected"),
        [
            # even: 10 / 3 = 3.333…, one extra cent to the first in roster order
            (10.0, None, 2, [3.34, 3.33, 3.33]),
            (10.0, {}, 2, [3.34, 3.33, 3.33]),
            # counts: 32 firms / 3 → 11, 11, 10
            (32.0, None, 0, [11.0, 11.0, 10.0]),
            # pro rata to actuals 50:30:20
            (105.0, {"甲镇": 50.0, "乙镇": 30.0, "丙镇": 20.0}, 2, [52.5, 31.5, 21.0]),
            # pro rata, remainders decide: 1:1:1 basis of 1 unit → the tie goes to roster order
            (1.0, {"甲镇": 2.0, "乙镇": 2.0, "丙镇": 2.0}, 0, [1.0, 0.0, 0.0]),
            # largest remainder, not roster order: exact 6.6, 2.2, 1.2 → 7, 2, 1
            (10.0, {"甲镇": 6.6, "乙镇": 2.2, "丙镇": 1.2}, 0, [7.0, 2.0, 1.0]),
            # zero and missing basis get nothing when the basis is non-empty
            (23.5, {"甲镇": 3.0, "乙镇": 0.0}, 2, [23.5, 0.0, 0.0]),
            (1.0, {"乙镇": 1.0, "丙镇": 2.0}, 1, [0.0, 0.3, 0.7]),
            # all-zero basis: even
            (15.0, {"甲镇": 0.0, "乙镇": 0.0, "丙镇": 0.0}, 2, [5.0, 5.0, 5.0]),
            # basis entries for a locality no longer on the roster are ignored
            (6.0, {"旧镇": 9.0, "甲镇": 1.0, "乙镇": 1.0}, 0, [3.0, 3.0, 0.0]),
            (0.0, None, 2, [0.0, 0.0, 0.0]),
        ],
    )
    def test_draft_split_sum_table(
        self, city_value: float, basis: dict[str, float] | None, decimals: int, expected: list[float]
    ) -> None:
        split = draft_split(city_value=city_value, aggregation="sum", localities=ABC, basis=basis, decimals=decimals)
        assert list(split) == ABC
        assert list(split.values()) == expected

    def test_draft_split_previous_split_as_basis(self) -> None:
        previous = draft_split(city_value=105.0, aggregation="sum", localities=LOCALITIES)
        kind, basis = basis_kind(None, previous)
        assert kind == "previous_split"
        split = draft_split(city_value=120.0, aggregation="sum", localities=LOCALITIES, basis=basis)
        assert list(split) == LOCALITIES
        assert set(split.values()) == {6.0}

    def test_draft_split_seed_counts_are_whole_and_add_up(self) -> None:
        split = draft_split(city_value=32, aggregation="sum", localities=LOCALITIES, decimals=0)
        assert sum(split.values()) == 32
        assert list(split.values()) == [2.0] * 12 + [1.0] * 8

    @pytest.mark.parametrize("basis", [None, {"甲镇": 1.0}])
    def test_draft_split_level_gives_every_locality_the_city_target(self, basis: dict[str, float] | None) -> None:
        split = draft_split(city_value=6.0, aggregation="level", localities=ABC, basis=basis, decimals=0)
        assert split == {"甲镇": 6.0, "乙镇": 6.0, "丙镇": 6.0}

    def test_draft_split_empty_roster(self) -> None:
        assert draft_split(city_value=5.0, aggregation="sum", localities=[]) == {}

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"aggregation": "avg"}, "invalid aggregation 'avg'"),
            ({"localities": ["甲镇", "甲镇"]}, "甲镇' is listed twice"),
            ({"decimals": -1}, "invalid decimals -1"),
            ({"city_value": -1.0}, "invalid city target -1.0"),
            ({"city_value": math.nan}, "invalid city target nan"),
            ({"basis": {"甲镇": -2.0}}, "invalid basis value -2.0 for 甲镇"),
            ({"basis": {"乙镇": math.inf}}, "invalid basis value inf for 乙镇"),
        ],
    )
    def test_draft_split_rejects_bad_input(self, kwargs: dict[str, object], match: str) -> None:
        args: dict[str, object] = {"city_value": 10.0, "aggregation": "sum", "localities": ABC} | kwargs
        with pytest.raises(ValueError, match=match):
            draft_split(**args)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    city_value=st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False),
    weights=st.lists(
        st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)),
        min_size=1,
        max_size=40,
    ),
    use_basis=st.booleans(),
    decimals=st.integers(min_value=0, max_value=3),
)
def test_draft_split_property_rounded_shares_add_up(
    city_value: float, weights: list[float], use_basis: bool, decimals: int
) -> None:
    names = [f"L{i}" for i in range(len(weights))]
    basis = dict(zip(names, weights, strict=True)) if use_basis else None
    split = draft_split(city_value=city_value, aggregation="sum", localities=names, basis=basis, decimals=decimals)
    scale = 10**decimals
    assert list(split) == names
    assert sum(round(v * scale) for v in split.values()) == round(round(city_value, decimals) * scale)
    effective = weights if use_basis and sum(weights) > 0 else [1.0] * len(names)
    total = sum(Fraction(w) for w in effective)
    for name, w in zip(names, effective, strict=True):
        share = split[name]
        assert share >= 0
        exact = Fraction(city_value) * Fraction(w) / total
        assert abs(Fraction(share) - exact) * scale < 1
        if w == 0:
            assert share == 0


class TestBasisKind:
    @pytest.mark.parametrize(
        ("actuals", "previous", "expected"),
        [
            ({"甲镇": 3.0}, {"甲镇": 1.0}, "actuals"),
            (None, {"甲镇": 1.0}, "previous_split"),
            ({}, {"甲镇": 1.0}, "previous_split"),
            ({"甲镇": 0.0, "乙镇": 0.0}, {"甲镇": 1.0}, "previous_split"),
            (None, None, None),
            ({"甲镇": 0.0}, {}, None),
        ],
    )
    def test_basis_kind_order(
        self, actuals: dict[str, float] | None, previous: dict[str, float] | None, expected: str | None
    ) -> None:
        kind, basis = basis_kind(actuals, previous)
        assert kind == expected
        assert basis == {"actuals": actuals, "previous_split": previous, None: None}[kind]


class TestValidateSplit:
    GOOD = {"甲镇": 50.0, "乙镇": 30.0, "丙镇": 25.0}

    def check(self, split: dict[str, float], **kwargs: object) -> list[SplitProblem]:
        args: dict[str, object] = {
            "indicator": "industrial-investment",
            "city_value": 105.0,
            "aggregation": "sum",
            "localities": ABC,
            "split": split,
        } | kwargs
        return validate_split(**args)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("split", "kwargs", "expected"),
        [
            (GOOD, {}, []),
            # within the default relative tolerance (0.5% of 105 = 0.525)
            ({"甲镇": 50.0, "乙镇": 30.0, "丙镇": 25.5}, {}, []),
            (
                {"甲镇": 50.0, "乙镇": 30.0},
                {"reason": "丙镇 target agreed later"},
                [("丙镇", "industrial-investment: 丙镇: missing from the split")],
            ),
            (
                {"甲镇": 50.0, "乙镇": 30.0, "丙镇": 25.0, "镇龙镇": 0.0},
                {},
                [("镇龙镇", "industrial-investment: 镇龙镇: 0.0 is for an unknown locality; known: 甲镇, 乙镇, 丙镇")],
            ),
            (
                {"甲镇": 50.0, "乙镇": 58.0, "丙镇": -3.0},
                {},
                [("丙镇", "industrial-investment: 丙镇: -3.0 is negative")],
            ),
            (
                {"甲镇": 50.0, "乙镇": math.nan, "丙镇": math.inf},
                {},
                [
                    ("乙镇", "industrial-investment: 乙镇: nan is not a finite number"),
                    ("丙镇", "industrial-investment: 丙镇: inf is not a finite number"),
                ],
            ),
            (
                {"甲镇": 50.0, "乙镇": 30.0, "丙镇": 20.0},
                {},
                [(None, "industrial-investment: shares sum to 100.0, city target is 105.0 (off by -5, allowed 0.525)")],
            ),
            # off, but with a reason: accepted
            ({"甲镇": 50.0, "乙镇": 30.0, "丙镇": 30.0}, {"reason": "乙镇 and 丙镇 committed more"}, []),
            # a blank reason is no reason
            (
                {"甲镇": 50.0, "乙镇": 30.0, "丙镇": 30.0},
                {"reason": "  "},
                [(None, "industrial-investment: shares sum to 110.0, city target is 105.0 (off by +5, allowed 0.525)")],
            ),
            # zero city target: absolute tolerance
            ({"甲镇": 0.0, "乙镇": 0.0, "丙镇": 0.0}, {"city_value": 0.0}, []),
            (
                {"甲镇": 0.0, "乙镇": 0.0, "丙镇": 0.001},
                {"city_value": 0.0},
                [(None, "industrial-investment: shares sum to 0.001, city target is 0.0")],
            ),
            # level: no sum check, the other checks still apply
            ({"甲镇": 6.0, "乙镇": 6.0, "丙镇": 6.0}, {"aggregation": "level", "city_value": 6.0}, []),
            (
                {"甲镇": 6.0, "乙镇": 7.0},
                {"aggregation": "level", "city_value": 6.0},
                [("丙镇", "industrial-investment: 丙镇: missing from the split")],
            ),
        ],
    )
    def test_validate_split_table(
        self, split: dict[str, float], kwargs: dict[str, object], expected: list[tuple[str | None, str]]
    ) -> None:
        problems = self.check(split, **kwargs)
        assert [p.locality for p in problems] == [loc for loc, _ in expected]
        for problem, (_, message) in zip(problems, expected, strict=True):
            assert problem.indicator == "industrial-investment"
            assert problem.message.startswith(message), problem.message

    def test_validate_split_missing_reports_also_the_sum(self) -> None:
        problems = self.check({"甲镇": 50.0, "乙镇": 30.0})
        assert [p.locality for p in problems] == ["丙镇", None]

    def test_validate_split_accepts_a_drafted_split(self) -> None:
        split = draft_split(city_value=105.0, aggregation="sum", localities=LOCALITIES, basis={"镇隆镇": 1.0})
        assert validate_split(
            indicator="industrial-investment", city_value=105.0, aggregation="sum", localities=LOCALITIES, split=split
        ) == []

    def test_validate_split_rejects_unknown_aggregation(self) -> None:
        with pytest.raises(ValueError, match="invalid aggregation 'mean'"):
            self.check(self.GOOD, aggregation="mean")


class TestApplyAdjustments:
    def test_apply_adjustments_overrides_and_keeps_order(self) -> None:
        split = {"甲镇": 35.0, "乙镇": 35.0, "丙镇": 35.0}
        adjusted = apply_adjustments(split, [("乙镇", 40.0), ("丙镇", 30.0), ("乙镇", 41.0)])
        assert adjusted == {"甲镇": 35.0, "乙镇": 41.0, "丙镇": 30.0}
        assert list(adjusted) == ["甲镇", "乙镇", "丙镇"]
        assert split == {"甲镇": 35.0, "乙镇": 35.0, "丙镇": 35.0}

    def test_apply_adjustments_none(self) -> None:
        assert apply_adjustments({"甲镇": 1.0}, []) == {"甲镇": 1.0}

    def test_apply_adjustments_unknown_locality(self) -> None:
        with pytest.raises(ValueError, match="unknown locality '镇龙镇' in adjustments; known: 甲镇, 乙镇"):
            apply_adjustments({"甲镇": 1.0, "乙镇": 2.0}, [("镇龙镇", 3.0)])
