"""The inspection circular: groups ranked apart, the green praised, the late and red named, its rubric quoted."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest

from models.errors import NotificationError
from models.rules.scoring import Rubric, Score, UnitFacts, score_units
from notifications.messages.circular import circular_markdown, circular_table, praised, unit_result_message
from tests.conftest import ROOT

TOWNS = (
    "镇隆镇",
    "水口镇",
    "丁堡镇",
    "池洞镇",
    "贵子镇",
    "怀乡镇",
    "茶山镇",
    "洪冠镇",
    "白石镇",
    "大成镇",
    "钱排镇",
    "合水镇",
    "新宝镇",
    "平塘镇",
    "思贺镇",
    "金垌镇",
    "朱砂镇",
    "北界镇",
)
SUBDISTRICTS = ("东镇街道", "玉都街道")
DEPARTMENTS = ("市科工商务局", "市发改局", "市统计局", "市财政局")
PLAN = "信宜市贯彻落实〈广东省工业转型升级攻坚战三年行动计划(2015-2017年)〉实施方案"
ISSUED = date(2016, 6, 20)
RECTIFY_BY = date(2016, 7, 15)


def good(unit: str, kind: str, progress: float | None = 1.0) -> UnitFacts:
    return UnitFacts(unit, kind, 2, 2, 0, progress, 2, 2, 0)


def city_facts() -> list[UnitFacts]:
    """20 localities and 4 departments with a clear top, risers, yellows and reds."""
    items = [good(t, "town", 0.95 - i * 0.01) for i, t in enumerate(TOWNS)]  # 98.0, 97.6, ... all green
    items += [good(s, "subdistrict", 0.6) for s in SUBDISTRICTS]  # 84.0
    items += [good(d, "department", p) for d, p in zip(DEPARTMENTS, (1.0, 0.9, 0.8, 0.7), strict=True)]
    by_unit = {f.unit: f for f in items}
    # the red: a missing report, three red items, a low total
    by_unit["金垌镇"] = replace(by_unit["金垌镇"], reports_on_time=1)
    by_unit["朱砂镇"] = replace(by_unit["朱砂镇"], open_red=3)
    by_unit["北界镇"] = replace(by_unit["北界镇"], progress=0.1, actions_on_time=0, reports_on_time=1, reports_late=1)
    # yellows: an open red item; a total under 80
    by_unit["思贺镇"] = replace(by_unit["思贺镇"], open_red=1)
    by_unit["市统计局"] = replace(by_unit["市统计局"], actions_on_time=1, progress=0.5)  # 70
    return list(by_unit.values())


PREVIOUS = {unit: rank for rank, unit in enumerate([*DEPARTMENTS, *SUBDISTRICTS, *TOWNS], start=1)}


def city_scores(previous: dict[str, int] | None = PREVIOUS) -> list[Score]:
    return score_units(city_facts(), previous)


def markdown(scores: list[Score], **changes: object) -> str:
    args: dict[str, object] = {
        "plan_title": PLAN,
        "doc_number": "信府督通〔2016〕5号",
        "issuer": "信宜市人民政府办公室",
        "period_label": "2016年上半年",
        "issued_on": ISSUED,
        "scores": scores,
        "rectification_due_on": RECTIFY_BY,
    }
    args.update(changes)
    return circular_markdown(**args)  # type: ignore[arg-type]


def section(text: str, heading: str) -> str:
    """The text of one '## ' section."""
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match, f"no section {heading!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return [row for row in rows if row[0] not in ("排名", ":-:")]  # without each table's header and rule


class TestCircularMarkdown:
    def test_official_layout_in_order(self) -> None:
        text = markdown(city_scores())
        assert text.startswith(f"# 关于2016年上半年《{PLAN}》落实情况专项督查结果的通报\n")
        assert "\n信府督通〔2016〕5号\n" in text
        assert "\n各镇人民政府、街道办事处，市府直属各单位：\n" in text
        headings = re.findall(r"^## (.+)$", text, flags=re.M)
        assert headings == ["一、基本情况", "二、排名情况", "三、表扬", "四、存在问题", "五、下一步工作要求"]
        assert text.rstrip().endswith("信宜市人民政府办公室\n\n2016年6月20日")
        assert "{" not in text and "None" not in text

    def test_basic_facts_count_units_and_lights(self) -> None:
        scores = city_scores()
        basics = section(markdown(scores), "一、基本情况")
        lights = {light: sum(s.light == light for s in scores) for light in ("green", "yellow", "red")}
        assert lights == {"green": 19, "yellow": 2, "red": 3}
        assert "有督查任务的24个单位进行评分，其中镇（街道）20个、市直部门4个" in basics
        assert "亮绿灯19个、亮黄灯2个、亮红灯3个" in basics
        assert "评分办法：镇（街道）、市直部门分别排名" in basics
        assert "个单位本期无督查任务" not in basics  # everyone had something due

    def test_every_unit_appears_once_in_the_ranking_table(self) -> None:
        scores = city_scores()
        ranking = section(markdown(scores), "二、排名情况")
        assert ranking.index("（一）镇（街道）（20个）") < ranking.index("（二）市直部门（4个）")
        rows = table_rows(ranking)
        assert sorted(row[1] for row in rows) == sorted([*TOWNS, *SUBDISTRICTS, *DEPARTMENTS])
        assert [s.rank for s in scores if s.group == "department"] == [1, 2, 3, 4]  # ranked among themselves
        assert [(int(row[0]), row[1], row[2]) for row in rows] == [(s.rank, s.unit, f"{s.total:.1f}") for s in scores]
        assert {row[4] for row in rows} == {"绿灯", "黄灯", "红灯"}

    def test_the_green_are_praised_towns_first_in_rank_order(self) -> None:
        scores = city_scores()
        praise = section(markdown(scores), "三、表扬")
        green = [s for s in scores if s.light == "green"]
        assert len(green) == 19
        towns_first = praise.index("镇（街道）：镇隆镇（第1名）、水口镇（第2名）")
        assert towns_first < praise.index("市直部门：市科工商务局（第1名）")
        for s in scores:
            assert (s.unit in praise) == (s.light == "green"), s.unit

    def test_never_praised_nothing_due_a_late_report_or_a_resident_body(self) -> None:
        items = [good("镇隆镇", "town"), replace(good("水口镇", "town"), reports_on_time=1, reports_late=1),
                 UnitFacts("市编办", "department", 0, 0, 0, None, 0, 0, 0),
                 good("人民银行信宜市支行", "vertical")]
        scores = score_units(items)
        assert {s.unit: s.light for s in scores} == {"镇隆镇": "green", "水口镇": "green",
                                                     "人民银行信宜市支行": "green", "市编办": None}
        text = markdown(scores)
        praise = section(text, "三、表扬")
        assert "镇隆镇" in praise
        for unit in ("水口镇", "市编办", "人民银行信宜市支行"):
            assert unit not in praise
        ranking = section(text, "二、排名情况")
        assert "驻地单位（不参加排名）：人民银行信宜市支行" in ranking
        assert "本期无督查任务：市编办。" in ranking
        assert "市编办" not in "".join(row[1] for row in table_rows(ranking))
        assert "逾期报送材料的单位：水口镇（逾期1份）" in section(text, "四、存在问题")

    def test_invents_no_consequence(self) -> None:
        text = markdown(city_scores())
        assert "纳入年度考核" not in text and "考核" not in text
        for s in city_scores():
            _, body = unit_result_message(s, period_label="2016年上半年", total_units=20, coordinator="X",
                                          rectification_due_on=RECTIFY_BY)
            assert "考核" not in body

    def test_the_rubric_is_quoted_with_the_pace_and_the_tie_rule(self) -> None:
        text = markdown(city_scores(), period_node=date(2016, 6, 5))
        rubric = next(line for line in text.splitlines() if line.startswith("评分办法："))
        for words in ("按时报送40分", "逾期报送按50%计分，未报送不得分", "累计类指标对照序时进度",
                      "比率类指标对照目标值",
                      "序时进度按报告节点前已过完整月份数除以12计算，本期为5/12，即41.7%", "督办事项按期办结20分",
                      "低于序时进度30个百分点以上的亮红灯", "本期无督查任务的单位不评分、不排名",
                      "得分相同的，依次按按时报送份数多、报送完成时间早、进度完成比例高排列，仍相同的并列同一名次。"):
            assert words in rubric, words

    def test_the_rubric_quoted_is_the_one_given(self) -> None:
        rubric = Rubric(reports_weight=50.0, progress_weight=30.0, late_report_credit=0.25, pace_method="days")
        text = markdown(city_scores(), rubric=rubric, period_node=date(2016, 6, 5))
        assert "按时报送50分" in text and "逾期报送按25%计分" in text and "工作进度30分" in text
        assert "按报告节点前已过天数除以全年天数计算，本期为156/366，即42.6%" in text

    def test_red_units_are_named_with_what_they_lacked(self) -> None:
        problems = section(markdown(city_scores()), "四、存在问题")
        assert "以下3个单位亮红灯" in problems
        assert re.search(r"\*\*金垌镇\*\*（镇（街道）排名第\d+，[\d.]+分）：应报送材料2份，未报送1份", problems)
        assert re.search(r"\*\*朱砂镇\*\*.*尚有3项红灯事项未销号", problems)
        north = re.search(r"\*\*北界镇\*\*.*", problems)
        assert north
        for words in ("逾期报送材料1份", "督办事项2项中有2项未按期办结", "低于60分"):
            assert words in north.group(0)
        assert ("以下2个单位亮黄灯：思贺镇（尚有1项红灯事项未销号）；"
                "市统计局（督办事项2项中有1项未按期办结）") in problems
        assert "未报送材料的单位：金垌镇（未报送1份）" in problems
        assert "逾期报送材料的单位：北界镇（逾期1份）" in problems

    def test_requirements_name_the_red_and_the_deadline_in_chinese(self) -> None:
        asks = section(markdown(city_scores()), "五、下一步工作要求")
        assert "（一）亮红灯的单位（" in asks
        assert all(unit in asks.split("\n")[0] + asks for unit in ("金垌镇", "朱砂镇", "北界镇"))
        assert "于2016年7月15日前将整改情况书面报送信宜市人民政府办公室" in asks
        assert "（二）亮黄灯的单位" in asks
        assert "（三）各单位要严格按照" in asks
        assert "2016-07-15" not in asks

    def test_rectification_goes_to_the_receiver_the_units_are_told(self) -> None:
        asks = section(markdown(city_scores(), receiver="市科工商务局"), "五、下一步工作要求")
        assert "于2016年7月15日前将整改情况书面报送市科工商务局" in asks
        assert "书面报送信宜市人民政府办公室" not in asks

    def test_without_a_rectification_date_the_time_limit_is_general(self) -> None:
        asks = section(markdown(city_scores(), rectification_due_on=None), "五、下一步工作要求")
        assert "在规定时限内将整改情况书面报送" in asks

    def test_no_red_unit_says_so(self) -> None:
        scores = score_units([good(t, "town", 0.9 + i * 0.001) for i, t in enumerate(TOWNS)])
        text = markdown(scores)
        assert "本次督查没有亮红灯的单位。" in section(text, "四、存在问题")
        asks = section(text, "五、下一步工作要求")
        assert "亮红灯" not in asks and "整改" not in asks
        assert asks.strip().startswith("（一）各单位要严格按照")

    def test_everyone_tied_shares_the_first_rank(self) -> None:
        scores = score_units([good(t, "town") for t in TOWNS[:5]])
        text = markdown(scores)
        assert {row[0] for row in table_rows(text)} == {"1"}
        assert all(t in section(text, "三、表扬") for t in TOWNS[:5])

    def test_one_unit_only(self) -> None:
        scores = score_units([good("镇隆镇", "town")])
        text = markdown(scores)
        assert "有督查任务的1个单位进行评分，其中镇（街道）1个。" in section(text, "一、基本情况")
        assert [row[1] for row in table_rows(text)] == ["镇隆镇"]

    def test_first_circular_shows_no_change_of_rank(self) -> None:
        text = markdown(city_scores(previous=None))
        ranking = section(text, "二、排名情况")
        assert "本次为首次排名，不计名次变化" in ranking
        assert {row[3] for row in table_rows(ranking)} == {"—"}
        assert "名次进步明显" not in text

    def test_no_one_to_praise(self) -> None:
        scores = score_units([good(t, "town", 0.3 + i * 0.01) for i, t in enumerate(TOWNS[:4])])  # all yellow
        assert "本次督查没有符合表扬条件的单位。" in section(markdown(scores), "三、表扬")

    @pytest.mark.parametrize(
        ("note", "expected", "absent"),
        [
            (None, "评分办法：镇（街道）、市直部门分别排名", None),
            ("按《督查考评办法》计分。", "评分办法：按《督查考评办法》计分。", "分别排名"),
            ("", None, "评分办法："),
        ],
    )
    def test_rubric_note(self, note: str | None, expected: str | None, absent: str | None) -> None:
        text = markdown(city_scores(), rubric_note=note)
        if expected:
            assert expected in text
        if absent:
            assert absent not in text

    def test_empty_doc_number_leaves_the_line_out(self) -> None:
        text = markdown(city_scores(), doc_number="")
        assert text.split("\n\n")[1] == "各镇人民政府、街道办事处，市府直属各单位："

    def test_no_scores_is_an_error(self) -> None:
        with pytest.raises(NotificationError, match="no unit scores for the circular of '2016年上半年'"):
            markdown([])


class TestCircularTable:
    COLUMNS = ["分组", "排名", "单位", "类别", "得分", "报送", "进度", "督办事项", "红灯扣分", "名次变化", "亮灯"]

    def test_every_unit_with_the_chinese_columns(self) -> None:
        scores = city_scores()
        rows = circular_table(scores)
        assert len(rows) == 24
        assert all(list(row) == self.COLUMNS for row in rows)
        assert [row["单位"] for row in rows] == [s.unit for s in scores]
        assert {row["类别"] for row in rows} == {"镇", "街道", "市直部门"}
        first = rows[0]
        assert (first["分组"], first["排名"], first["得分"], first["亮灯"]) == ("镇（街道）", 1, 98.0, "绿灯")
        assert (first["报送"], first["进度"], first["督办事项"], first["红灯扣分"]) == (40.0, 38.0, 20.0, 0.0)

    @pytest.mark.parametrize(
        ("previous", "labels"),
        [
            ({"A": 3, "B": 1, "C": 3}, ["↑2", "↓1", "—", "—"]),
            ({"A": 1, "B": 2}, ["—", "—", "新", "—"]),
            (None, ["—", "—", "—", "—"]),  # first circular: no change shown, nobody is "new"
        ],
    )
    def test_change_labels(self, previous: dict[str, int] | None, labels: list[str]) -> None:
        items = [good("A", "town"), good("B", "town", 0.9), good("C", "town", 0.8), good("D", "other", 0.8)]
        rows = circular_table(score_units(items, previous))
        assert [row["名次变化"] for row in rows] == labels
        assert (rows[3]["类别"], rows[3]["分组"], rows[3]["排名"]) == ("其他单位", "驻地单位", "—")

    def test_nothing_due_has_no_score_and_no_light(self) -> None:
        (row,) = circular_table(score_units([UnitFacts("市编办", "department", 0, 0, 0, None, 0, 0, 0)]))
        assert (row["排名"], row["得分"], row["亮灯"], row["分组"]) == ("—", None, "本期无督查任务", "本期无督查任务")

    def test_markdown_uses_the_same_change_labels(self) -> None:
        items = [good("A", "town"), good("B", "town", 0.9), good("C", "town", 0.8)]
        rows = table_rows(markdown(score_units(items, {"A": 3, "B": 1})))
        assert [row[3] for row in rows] == ["↑2", "↓1", "新"]


class TestUnitResultMessage:
    def message(self, unit: str, **changes: object) -> tuple[str, str]:
        score = next(s for s in city_scores() if s.unit == unit)
        args: dict[str, object] = {
            "period_label": "2016年上半年",
            "total_units": 20,
            "coordinator": "市科工商务局",
            "rectification_due_on": RECTIFY_BY,
        }
        args.update(changes)
        return unit_result_message(score, **args)  # type: ignore[arg-type]

    def test_red_unit_is_told_to_rectify_by_the_date(self) -> None:
        title, body = self.message("金垌镇")
        assert "\n" not in title
        assert title.startswith("【督查结果】金垌镇2016年上半年专项督查得分")
        assert "亮红灯" in title and "/20" in title
        assert body.startswith("金垌镇：")
        assert "应报送材料2份，未报送1份" in body
        assert "于2016年7月15日(星期五)前将整改情况书面报送市科工商务局" in body
        assert "督办单位：市科工商务局" in body
        assert "{" not in body and "None" not in body

    def test_red_unit_without_a_date(self) -> None:
        _, body = self.message("朱砂镇", rectification_due_on=None)
        assert "在规定时限内将整改情况书面报送市科工商务局" in body
        assert "红灯扣分-15.0分" in body

    def test_yellow_unit_is_told_to_catch_up(self) -> None:
        title, body = self.message("市统计局", total_units=4)
        assert "亮黄灯" in title
        assert "督办事项2项中有1项未按期办结" in body
        assert "赶上序时进度" in body and "整改" not in body

    def test_green_unit(self) -> None:
        title, body = self.message("镇隆镇")
        assert "排名第1/20，亮绿灯" in title
        assert "比上次上升" in body and "请继续保持" in body
        assert "存在的主要问题" not in body and "红灯扣分" not in body

    def test_first_ranking_and_a_fall(self) -> None:
        _, body = unit_result_message(
            score_units([good("镇隆镇", "town")])[0], period_label="2016年上半年", total_units=1, coordinator="X"
        )
        assert "首次参加排名" in body
        fallen = next(s for s in city_scores() if s.unit == "市统计局")  # 3rd before, 4th of 4 departments now
        _, body = unit_result_message(fallen, period_label="2016年上半年", total_units=4, coordinator="X")
        assert "在4个市直部门中排名第4名，比上次下降1位" in body

    def test_total_units_below_rank_is_an_error(self) -> None:
        with pytest.raises(NotificationError, match="ranked 20 but total_units is 19"):
            self.message("北界镇", total_units=19)

    def test_a_resident_body_is_told_without_a_rank(self) -> None:
        (score,) = score_units([good("人民银行信宜市支行", "vertical")])
        title, body = unit_result_message(score, period_label="2016年上半年", total_units=1, coordinator="X")
        assert "排名" not in title and "驻地单位不参加排名" in body

    def test_nothing_due_gets_no_message(self) -> None:
        (score,) = score_units([UnitFacts("市编办", "department", 0, 0, 0, None, 0, 0, 0)])
        with pytest.raises(NotificationError, match="had nothing due"):
            unit_result_message(score, period_label="2016年上半年", total_units=1, coordinator="X")


def test_praised_is_the_green_of_the_ranked_groups_towns_first() -> None:
    names = [s.unit for s in praised(city_scores())]
    assert names[:3] == ["镇隆镇", "水口镇", "丁堡镇"]
    assert names[-3:] == ["市科工商务局", "市发改局", "市财政局"]


def test_scoring_and_circular_import_without_prefect() -> None:
    code = "import sys, models.rules.scoring, notifications.messages.circular; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
