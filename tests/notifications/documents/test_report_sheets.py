"""The sheet reader's list cells and value checks, on a sheet built in memory (no file, no database)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from notifications.documents import labels as L
from notifications.documents.report_sheets import SheetReader, quoted

LOCALITIES = ["镇隆镇", "水口镇", "东镇街道"]
PERIODS = ["2015-12-05", "2016-06-05"]


def reader() -> SheetReader:
    return SheetReader("r.xlsx", localities=LOCALITIES, periods=PERIODS, indicators={})


def choose(value: object, choices: list[str]) -> tuple[str, list[str]]:
    ws = openpyxl.Workbook().active
    ws.title = L.SHEET_INDICATORS
    ws["C3"] = value
    r = reader()
    return r.choice(ws, "C3", "单位", choices, what="locality", empty="choose your town", known="known"), r.problems


def info(locality: object, period: object) -> tuple[tuple[str, str], list[str]]:
    """The 基本信息 block as the template lays it out, read by :meth:`SheetReader.info`."""
    ws = openpyxl.Workbook().active
    ws.title = L.SHEET_INDICATORS
    ws["B3"], ws["C3"], ws["B4"], ws["C4"] = L.INFO_LOCALITY, locality, L.INFO_PERIOD, period
    r = reader()
    return r.info(ws), r.problems


class TestChoice:
    def test_a_listed_value_is_returned_without_its_spaces(self) -> None:
        assert choose(" 镇隆 镇 ", LOCALITIES) == ("镇隆镇", [])

    def test_an_empty_cell_lists_the_choices(self) -> None:
        value, problems = choose(None, LOCALITIES)
        assert value == ""
        assert problems == ["r.xlsx: sheet 指标完成情况, row 3, column C (单位): is empty; choose your town from the "
                            "list (镇隆镇、水口镇、东镇街道)"]

    def test_an_unknown_value_gets_the_nearest_choice(self) -> None:
        _, problems = choose("镇龙镇", LOCALITIES)
        assert problems == ["r.xlsx: sheet 指标完成情况, row 3, column C (单位): unknown locality '镇龙镇'; did you "
                            "mean '镇隆镇'? known: 镇隆镇、水口镇、东镇街道"]

    def test_an_unknown_value_with_nothing_near_gets_no_guess(self) -> None:
        _, problems = choose("北京", LOCALITIES)
        assert problems[0].endswith("unknown locality '北京'; known: 镇隆镇、水口镇、东镇街道")

    def test_info_reads_both_list_cells_and_finds_a_loosely_written_date(self) -> None:
        assert info("水口镇", "2016-06-05") == (("水口镇", "2016-06-05"), [])
        (locality, period), problems = info("水口镇", "2016年6月5日")
        assert (locality, period) == ("水口镇", "2016年6月5日")
        assert problems == ["r.xlsx: sheet 指标完成情况, row 4, column C (报送节点): unknown period '2016年6月5日'; "
                            "did you mean '2016-06-05'? periods (YYYY-MM-DD): 2015-12-05、2016-06-05"]

    def test_info_lists_a_problem_per_cell_in_order(self) -> None:
        _, problems = info(None, "  ")
        assert [p.split(": ", 2)[1] for p in problems] == ["sheet 指标完成情况, row 3, column C (单位)",
                                                           "sheet 指标完成情况, row 4, column C (报送节点)"]
        assert "choose the report's due date from the list (2015-12-05、2016-06-05)" in problems[1]

    def test_a_formula_is_refused_not_read(self) -> None:
        value, problems = choose("=A1", LOCALITIES)
        assert value == ""
        assert len(problems) == 1 and "formula '=A1' is not accepted" in problems[0]


@pytest.mark.parametrize(("value", "shown"), [
    ("镇隆镇", "'镇隆镇'"),
    ("9" * 41, "'" + "9" * 30 + "…' (41 characters)"),
    (1e300, "1e+300"),
    (12.5, "12.5"),
    (True, "True"),
    (dt.date(2016, 6, 5), "2016-06-05"),
    (b"\x00", "b'\\x00'"),
])
def test_quoted_shows_a_bad_value_shortened(value: object, shown: str) -> None:
    assert quoted(value) == shown
