"""The rubric file (config/rubric.yaml) and the pace-to-date (序时进度) of cumulative indicators."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path

import pytest

from models.errors import ScoringError
from models.rules.rubric import RUBRIC, RUBRIC_FILE, Rubric, configured_rubric, load_rubric, pace_share
from models.rules.scoring import IndicatorLine, locality_progress


class TestPaceShare:
    @pytest.mark.parametrize(
        ("node", "share"),
        [
            (dt.date(2016, 6, 5), 5 / 12),  # the June report covers January–May
            (dt.date(2016, 12, 5), 11 / 12),
            (dt.date(2015, 12, 5), 11 / 12),
            (dt.date(2016, 6, 30), 6 / 12),  # the last day of a month completes it
            (dt.date(2016, 1, 1), 0.0),
            (dt.date(2016, 12, 31), 1.0),
            (dt.date(2016, 2, 29), 2 / 12),  # leap day is February's last
        ],
    )
    def test_months(self, node: dt.date, share: float) -> None:
        assert pace_share(node, "months") == pytest.approx(share)

    @pytest.mark.parametrize(
        ("node", "share"),
        [(dt.date(2016, 6, 5), 156 / 366), (dt.date(2015, 6, 5), 155 / 365), (dt.date(2017, 1, 1), 0.0)],
    )
    def test_days(self, node: dt.date, share: float) -> None:
        assert pace_share(node, "days") == pytest.approx(share)

    def test_unknown_method(self) -> None:
        with pytest.raises(ScoringError, match="unknown pace method 'weeks'; known: months, days"):
            pace_share(dt.date(2016, 6, 5), "weeks")


JUNE = dt.date(2016, 6, 5)


def invest(actual: float, target: float = 12.0) -> IndicatorLine:
    return IndicatorLine(name="工业投资", aggregation="sum", target=target, actual=actual)


class TestLocalityProgress:
    def test_exactly_on_pace_is_ratio_one_and_no_gap(self) -> None:
        assert locality_progress([invest(5.0)], JUNE) == (pytest.approx(1.0), 0.0, "工业投资")

    def test_behind_pace_gap_in_points_of_the_year_target(self) -> None:
        ratio, gap, name = locality_progress([invest(3.0)], JUNE)  # 25% done, 41.7% expected
        assert ratio == pytest.approx(0.6)
        assert (gap, name) == (16.7, "工业投资")

    def test_ahead_of_pace_counts_up_to_the_indicator_cap(self) -> None:
        ratio, gap, _ = locality_progress([invest(12.0)], JUNE)
        assert ratio == 1.5
        assert gap is not None and gap < 0

    def test_a_rate_is_compared_as_a_rate_not_paced(self) -> None:
        rate = IndicatorLine(name="研发机构比例", aggregation="level", target=6.0, actual=6.0)
        assert locality_progress([rate], JUNE) == (1.0, 0.0, "研发机构比例")
        half = IndicatorLine(name="研发机构比例", aggregation="level", target=6.0, actual=3.0)
        assert locality_progress([half], JUNE) == (0.5, 50.0, "研发机构比例")

    def test_an_at_most_rate_is_met_at_or_below_it(self) -> None:
        cap = IndicatorLine(name="能耗", aggregation="level", target=2.0, actual=1.5, comparator="<=")
        assert locality_progress([cap], JUNE)[0] == 1.0
        over = IndicatorLine(name="能耗", aggregation="level", target=2.0, actual=4.0, comparator="<=")
        assert locality_progress([over], JUNE)[0] == 0.5

    def test_the_worst_indicator_names_the_gap_and_the_mean_the_ratio(self) -> None:
        rate = IndicatorLine(name="研发机构比例", aggregation="level", target=6.0, actual=6.0)
        ratio, gap, name = locality_progress([rate, invest(2.5)], JUNE)
        assert ratio == pytest.approx(0.75)
        assert (gap, name) == (20.8, "工业投资")

    def test_days_method(self) -> None:
        days = Rubric(pace_method="days")
        assert locality_progress([invest(12 * 156 / 366)], JUNE, days)[0] == pytest.approx(1.0)

    def test_no_lines_is_not_assessable(self) -> None:
        assert locality_progress([], JUNE) == (None, None, None)


class TestRubricFile:
    def test_the_shipped_file_loads_and_equals_the_documented_defaults(self) -> None:
        loaded = configured_rubric()
        assert loaded.source == str(RUBRIC_FILE)
        assert {k: v for k, v in asdict(loaded).items() if k != "source"} == {
            k: v for k, v in asdict(RUBRIC).items() if k != "source"}

    def test_a_changed_value_is_used(self, tmp_path: Path) -> None:
        path = tmp_path / "rubric.yaml"
        path.write_text(RUBRIC_FILE.read_text(encoding="utf-8").replace("pace_method: months", "pace_method: days"),
                        encoding="utf-8")
        assert load_rubric(path).pace_method == "days"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("reports_weight: 50\n", r"rubric\.yaml: reports_weight \+ progress_weight \+ actions_weight is 110"),
            ("late_report_credit: 2\n", r"rubric\.yaml: late_report_credit: .*less than or equal to 1"),
            ("pace_method: weeks\n", r"rubric\.yaml: pace_method: "),
            ("pace_yellow_gap: 40\n", r"rubric\.yaml: .*pace_yellow_gap 40 is above pace_red_gap 30"),
            ("red_weight: 5\n", r"rubric\.yaml: red_weight: unknown field"),
            ("yellow_below: lots\n", r"rubric\.yaml: yellow_below: "),
            ("red_below: 60\nred_below: 50\n", r"rubric\.yaml:2: duplicate key 'red_below'"),
            ("- 1\n", r"rubric\.yaml: expected a mapping of rubric fields, got list"),
            ("a: [\n", r"rubric\.yaml:\d+: not valid YAML"),
        ],
    )
    def test_a_bad_file_is_one_error_naming_file_and_field(self, tmp_path: Path, text: str, message: str) -> None:
        path = tmp_path / "rubric.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ScoringError, match=message) as info:
            load_rubric(path)
        assert "\n" not in str(info.value)

    def test_a_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ScoringError, match=r"rubric\.yaml: no such file"):
            load_rubric(tmp_path / "rubric.yaml")


def test_a_count_is_due_in_whole_units_by_the_node() -> None:
    from models.rules.rubric import expected_share

    june = 5 / 12
    assert expected_share(1, june, whole=True) == 0.0  # one firm in the year: none due by June
    assert expected_share(32, june, whole=True) == 13 / 32  # floor(13.33)
    assert expected_share(105, june, whole=False) == june  # 亿元: pro rata
    assert expected_share(0, june, whole=True) == june


def test_one_firm_due_in_the_year_is_not_behind_pace_at_mid_year() -> None:
    import datetime as dt

    from models.rules.scoring import IndicatorLine, locality_progress

    node = dt.date(2016, 6, 5)
    firm = IndicatorLine(name="开展技改的规模以上工业企业", aggregation="sum", target=1, actual=0, whole=True)
    money = IndicatorLine(name="工业投资", aggregation="sum", target=12, actual=5)
    progress, gap, _ = locality_progress([firm, money], node)
    assert gap is not None and gap <= 0 and progress is not None and progress >= 1.0
    as_money = IndicatorLine(name="x", aggregation="sum", target=1, actual=0)
    assert locality_progress([as_money], node)[1] == 41.7  # the same 0 of 1, were it divisible, is behind
