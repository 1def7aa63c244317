"""Who is scored and how they are ranked: groups, nothing due, pace lights, late < on time, tie-breaks."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from models.rules.scoring import IndicatorLine, Score, UnitFacts, locality_progress, score_units

JUNE = dt.date(2016, 6, 5)


def town(name: str, actual: float | None, *, late: bool = False, at: str = "2016-06-03T02:00:00+00:00",
         kind: str = "town") -> UnitFacts:
    """A town with an industrial-investment target of 12 亿元, reporting ``actual`` (None: nothing reported)."""
    if actual is None:
        return UnitFacts(name, kind, 1, 0, 0, 0.0, 0, 0, 0)
    ratio, gap, lagging = locality_progress([IndicatorLine("工业投资", "sum", 12.0, actual)], JUNE)
    return UnitFacts(name, kind, 1, 0 if late else 1, 1 if late else 0, ratio, 0, 0, 0, pace_gap=gap,
                     lagging=lagging, submitted_at=at)


def dept(name: str, due: int, on_time: int, moving: int, *, lagging: int = 0, kind: str = "department",
         at: str | None = "2016-06-03T02:00:00+00:00") -> UnitFacts:
    progress = moving / due if due else None
    return UnitFacts(name, kind, due, on_time, 0, progress, 0, 0, 0, tasks_lagging=lagging,
                     submitted_at=at if on_time == due else None)


def by_unit(scores: list[Score]) -> dict[str, Score]:
    return {s.unit: s for s in scores}


class TestPace:
    def test_on_pace_at_the_june_node_is_full_progress_and_green(self) -> None:
        (score,) = score_units([town("镇隆镇", 5.0)])  # 5/12 of the year's 12 亿元 by 5 June
        assert score.components["progress"] == 40.0
        assert (score.total, score.light, score.reasons) == (100.0, "green", ())

    def test_behind_pace_by_more_than_10_points_is_yellow(self) -> None:
        (score,) = score_units([town("镇隆镇", 3.0)])  # 25% done, 16.7 points behind
        assert score.light == "yellow"
        assert "pace_yellow" in score.reasons

    def test_behind_pace_by_more_than_30_points_is_red(self) -> None:
        (score,) = score_units([town("镇隆镇", 0.5)])  # 4.2% done, 37.5 points behind
        assert score.light == "red"
        assert "pace_red" in score.reasons

    def test_nothing_reported_scores_nothing_and_is_red(self) -> None:
        reported, silent = score_units([town("镇隆镇", 1.0), town("水口镇", None)])
        assert silent.unit == "水口镇"
        assert silent.components["progress"] == 0.0 < reported.components["progress"]
        assert (silent.total, silent.light) == (0.0, "red")
        assert "report_missing" in silent.reasons

    def test_a_late_report_scores_less_than_an_on_time_one(self) -> None:
        scores = by_unit(score_units([town("镇隆镇", 5.0), town("水口镇", 5.0, late=True)]))
        late, on_time = scores["水口镇"], scores["镇隆镇"]
        assert late.total is not None and on_time.total is not None
        assert late.total < on_time.total
        assert (on_time.rank, late.rank) == (1, 2)


class TestWhoIsScored:
    def test_towns_and_departments_are_ranked_separately(self) -> None:
        scores = by_unit(score_units([town("镇隆镇", 5.0), town("水口镇", 2.0),
                                      town("东镇街道", 4.0, kind="subdistrict"),
                                      dept("市发改局", 2, 2, 2), dept("市财政局", 2, 2, 1)]))
        assert [(scores[u].group, scores[u].rank) for u in ("镇隆镇", "东镇街道", "水口镇")] == [
            ("locality", 1), ("locality", 2), ("locality", 3)]
        assert [(scores[u].group, scores[u].rank) for u in ("市发改局", "市财政局")] == [
            ("department", 1), ("department", 2)]

    def test_nothing_due_is_listed_not_ranked_not_lit(self) -> None:
        scores = by_unit(score_units([dept("市发改局", 2, 2, 2), dept("市编办", 0, 0, 0)]))
        idle = scores["市编办"]
        assert (idle.group, idle.rank, idle.total, idle.light, idle.components) == ("no_task", None, None, None, {})
        assert scores["市发改局"].rank == 1

    def test_vertical_and_other_bodies_are_scored_but_never_ranked(self) -> None:
        scores = by_unit(score_units([dept("人民银行信宜市支行", 1, 1, 1, kind="vertical"),
                                      dept("某驻地单位", 1, 1, 1, kind="other"), dept("市发改局", 1, 1, 1)]))
        for name in ("人民银行信宜市支行", "某驻地单位"):
            assert (scores[name].group, scores[name].rank, scores[name].light) == ("resident", None, "green")
        assert scores["市发改局"].rank == 1

    def test_a_department_is_scored_on_its_task_reports(self) -> None:
        scores = by_unit(score_units([dept("市发改局", 2, 2, 2), dept("市财政局", 2, 2, 1, lagging=1),
                                      dept("市统计局", 2, 0, 0)]))
        assert scores["市发改局"].components == {"reports": 40.0, "progress": 40.0, "red_penalty": 0.0}
        assert (scores["市财政局"].total, scores["市财政局"].light) == (75.0, "yellow")
        assert "tasks_lagging" in scores["市财政局"].reasons
        assert (scores["市统计局"].total, scores["市统计局"].light) == (0.0, "red")

    def test_rank_change_only_within_the_ranked_groups(self) -> None:
        scores = by_unit(score_units([town("镇隆镇", 5.0), dept("人民银行信宜市支行", 1, 1, 1, kind="vertical")],
                                     {"镇隆镇": 3, "人民银行信宜市支行": 1}))
        assert (scores["镇隆镇"].previous_rank, scores["镇隆镇"].change) == (3, 2)
        assert (scores["人民银行信宜市支行"].previous_rank, scores["人民银行信宜市支行"].change) == (None, None)

    def test_display_order_is_towns_departments_residents_then_nothing_due(self) -> None:
        scores = score_units([dept("市编办", 0, 0, 0), dept("人民银行信宜市支行", 1, 1, 1, kind="vertical"),
                              dept("市发改局", 1, 1, 1), town("水口镇", 5.0)])
        assert [s.group for s in scores] == ["locality", "department", "resident", "no_task"]


class TestTies:
    def test_same_total_more_reports_on_time_first(self) -> None:
        punctual = dept("甲局", 4, 4, 2)  # 40 + 20 = 60 of 80 → 75
        late = replace(dept("乙局", 4, 2, 3), reports_late=2)  # 30 + 30 = 60 of 80 → 75
        scores = score_units([late, punctual])
        assert [(s.unit, s.total, s.rank) for s in scores] == [("甲局", 75.0, 1), ("乙局", 75.0, 2)]

    def test_same_total_same_on_time_earlier_submission_first(self) -> None:
        early = town("镇隆镇", 5.0, at="2016-06-01T02:00:00+00:00")
        later = town("水口镇", 5.0, at="2016-06-03T02:00:00+00:00")
        scores = score_units([later, early])
        assert [(s.unit, s.rank) for s in scores] == [("镇隆镇", 1), ("水口镇", 2)]

    def test_same_total_same_submission_higher_progress_first(self) -> None:
        # Both capped at 100 points; 镇隆镇 is further ahead of the pace.
        ahead, on_pace = town("镇隆镇", 8.0), town("水口镇", 5.0)
        scores = score_units([on_pace, ahead])
        assert [(s.unit, s.total, s.rank) for s in scores] == [("镇隆镇", 100.0, 1), ("水口镇", 100.0, 2)]

    def test_equal_on_everything_shares_the_rank(self) -> None:
        scores = score_units([town("水口镇", 5.0), town("镇隆镇", 5.0), town("丁堡镇", 2.0)])
        assert [(s.unit, s.rank) for s in scores] == [("水口镇", 1), ("镇隆镇", 1), ("丁堡镇", 3)]
