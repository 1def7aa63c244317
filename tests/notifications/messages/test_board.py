"""The status board: which periods show, the marks, the units' order, and the table artifact's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.enums import Light, ObligationStatus, UnitKind
from notifications.messages.board import (
    KIND_LABEL,
    LIGHT_EMOJI,
    LIGHT_LABEL,
    STATUS_LABEL,
    BoardCell,
    board_markdown,
    board_table,
)

TZ = ZoneInfo("Asia/Shanghai")
PLAN = "信宜市贯彻落实《广东省工业转型升级攻坚战三年行动计划(2015-2017年)》的实施方案"
LOCALITIES = [
    "镇隆镇", "水口镇", "丁堡镇", "池洞镇", "贵子镇", "怀乡镇", "茶山镇", "洪冠镇", "白石镇", "大成镇",
    "钱排镇", "合水镇", "新宝镇", "平塘镇", "思贺镇", "金垌镇", "朱砂镇", "北界镇", "东镇街道", "玉都街道",
]
PROGRESS = "报送项目建设和各项工作进展情况"
SPLIT = "分解年度目标任务"
INSPECTION = "专项督查"
PERIODS = [  # effective due dates after the holiday rule
    ("2015年下半年", date(2015, 12, 7)),
    ("2016年上半年", date(2016, 6, 6)),
    ("2016年下半年", date(2016, 12, 5)),
    ("2017年上半年", date(2017, 6, 5)),
    ("2017年下半年", date(2017, 12, 5)),
]
JUNE_7 = datetime(2016, 6, 7, 9, 30, tzinfo=TZ)


def _kind(name: str) -> str:
    return "subdistrict" if name.endswith("街道") else "town"


def progress_cells() -> list[BoardCell]:
    """20 localities × 5 half-years; 2015H2 all in but 镇隆镇; 2016H1 a mix; later ones not due yet."""
    cells = []
    for i, name in enumerate(LOCALITIES):
        for period, due in PERIODS:
            status, light = "open", "none"
            if period == "2015年下半年":
                status, light = ("open", "red") if i == 0 else ("accepted", "none")
            elif period == "2016年上半年":
                status, light = [("open", "red"), ("open", "yellow"), ("submitted", "red"), ("waived", "none"),
                                 ("closed", "blue")][i % 5]
            cells.append(BoardCell(name, _kind(name), PROGRESS, period, due, status, light))
    return cells


def department_cells() -> list[BoardCell]:
    """市科工商务局 splits the 2016 and 2017 targets; the city government runs a 2017 inspection."""
    return [
        BoardCell("市科工商务局", "department", SPLIT, "2016年度", date(2016, 5, 3), "accepted", "none"),
        BoardCell("市科工商务局", "department", SPLIT, "2017年度", date(2017, 5, 2), "open", "none"),
        BoardCell("信宜市人民政府", "other", INSPECTION, "2017年", date(2017, 9, 30), "open", "none"),
    ]


def parse_table(markdown: str) -> tuple[list[str], dict[str, list[str]]]:
    """The board's table as (column headers, unit → marks)."""
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    split = [[part.strip() for part in row.strip("|").split(" | ")] for row in rows]
    header, body = split[0], split[2:]
    return header[1:], {row[0]: row[1:] for row in body}


class TestBoardMarkdown:
    def test_board_markdown_title_legend_and_counts(self) -> None:
        board = board_markdown(department_cells() + progress_cells(), as_of=JUNE_7, plan_title=PLAN)
        lines = board.splitlines()
        assert lines[0] == f"# 督办总览 · {PLAN} · 截至2016年6月7日 09:30"
        assert "🔵 临近截止 🟡 进度滞后 🔴 逾期 ✅ 已办结 ⚪ 未到期" in lines
        # due by 2016-07-07: 40 progress items (2015H2 + 2016H1) + the 2016 split.
        # open: 镇隆镇 2015H2 (red) + 2016H1 i%5==0 (4 red) and i%5==1 (4 yellow) = 9
        assert "未办结 9 项:🔴 5 · 🟡 4 · 🔵 0 · ⚪ 0;✅ 已办结 32 项" in lines

    def test_board_markdown_shows_recent_periods_due_within_30_days(self) -> None:
        board = board_markdown(department_cells() + progress_cells(), as_of=JUNE_7, plan_title=PLAN)
        header, _ = parse_table(board)
        assert header == [
            f"{SPLIT} · 2016年度",
            f"{PROGRESS} · 2015年下半年",
            f"{PROGRESS} · 2016年上半年",
        ]

    def test_board_markdown_window_moves_with_as_of(self) -> None:
        cells = progress_cells() + department_cells()
        board = board_markdown(cells, as_of=datetime(2016, 11, 10, 8, 0, tzinfo=TZ), plan_title=PLAN)
        header, grid = parse_table(board)
        # 2016H2 is due 2016-12-05, within 30 days; 2015H2 drops off (limit 2); 2017 is not shown yet.
        assert header == [f"{PROGRESS} · 2016年上半年", f"{PROGRESS} · 2016年下半年", f"{SPLIT} · 2016年度"]
        # 镇隆镇's 2015H2 report is still open: counted, and said to be off the table.
        assert "另有 1 项未办结事项属于较早期次,未列入下表,见督办明细表。" in board.splitlines()
        assert grid["镇隆镇"] == ["🔴", "⚪", ""]

    def test_board_markdown_limit_periods(self) -> None:
        board = board_markdown(progress_cells(), as_of=datetime(2017, 12, 1, tzinfo=TZ), plan_title=PLAN,
                               limit_periods=1)
        header, _ = parse_table(board)
        assert header == [f"{PROGRESS} · 2017年下半年"]

    def test_board_markdown_rejects_bad_limit(self) -> None:
        with pytest.raises(ValueError, match="invalid limit_periods 0"):
            board_markdown(progress_cells(), as_of=JUNE_7, plan_title=PLAN, limit_periods=0)

    def test_board_markdown_units_localities_first_then_departments_then_others(self) -> None:
        cells = department_cells() + progress_cells()
        cells.append(BoardCell("信宜市人民政府", "other", INSPECTION, "2016年", date(2016, 6, 30), "open", "blue"))
        board = board_markdown(cells, as_of=JUNE_7, plan_title=PLAN)
        _, grid = parse_table(board)
        assert list(grid) == [*LOCALITIES, "市科工商务局", "信宜市人民政府"]
        # columns by each duty's first appearance: the split, the inspection, then the progress reports
        assert grid["市科工商务局"] == ["✅", "", "", ""]
        assert grid["信宜市人民政府"] == ["", "🔵", "", ""]
        assert grid["镇隆镇"] == ["", "", "🔴", "🔴"]

    def test_board_markdown_omits_units_with_nothing_shown(self) -> None:
        # The city government's only item is the 2017 inspection: not on the June 2016 board.
        board = board_markdown(department_cells() + progress_cells(), as_of=JUNE_7, plan_title=PLAN)
        _, grid = parse_table(board)
        assert "信宜市人民政府" not in grid
        assert len(grid) == 21

    def test_board_markdown_marks(self) -> None:
        board = board_markdown(progress_cells(), as_of=JUNE_7, plan_title=PLAN)
        _, grid = parse_table(board)
        assert grid["镇隆镇"] == ["🔴", "🔴"]  # open red, twice
        assert grid["水口镇"] == ["✅", "🟡"]  # open yellow
        assert grid["丁堡镇"] == ["✅", "✅"]  # submitted, though its light was red
        assert grid["池洞镇"] == ["✅", "✅"]  # waived
        assert grid["贵子镇"] == ["✅", "✅"]  # closed

    @pytest.mark.parametrize(
        ("status", "light", "mark"),
        [
            ("open", "red", "🔴"),
            ("open", "yellow", "🟡"),
            ("open", "blue", "🔵"),
            ("open", "none", "⚪"),
            ("submitted", "red", "✅"),
            ("accepted", "none", "✅"),
            ("waived", "yellow", "✅"),
            ("closed", "blue", "✅"),
        ],
    )
    def test_board_markdown_mark_per_status_and_light(self, status: str, light: str, mark: str) -> None:
        cell = BoardCell("镇隆镇", "town", PROGRESS, "2016年上半年", date(2016, 6, 6), status, light)
        _, grid = parse_table(board_markdown([cell], as_of=JUNE_7, plan_title=PLAN))
        assert grid == {"镇隆镇": [mark]}

    def test_board_markdown_escapes_pipes(self) -> None:
        cell = BoardCell("甲|乙镇", "town", "报送|进展", "2016年上半年", date(2016, 6, 6), "open", "red")
        board = board_markdown([cell], as_of=JUNE_7, plan_title=PLAN)
        rows = [line for line in board.splitlines() if line.startswith("|")]
        assert rows[0] == "| 单位 | 报送\\|进展 · 2016年上半年 |"
        assert rows[2] == "| 甲\\|乙镇 | 🔴 |"

    @pytest.mark.parametrize("cells", [[], department_cells()[1:]])
    def test_board_markdown_nothing_due(self, cells: list[BoardCell]) -> None:
        board = board_markdown(cells, as_of=JUNE_7, plan_title=PLAN)
        assert board == f"# 督办总览 · {PLAN} · 截至2016年6月7日 09:30\n\n目前没有到期或临近截止的督办事项。\n"

    def test_board_markdown_shows_as_of_in_china_time(self) -> None:
        board = board_markdown([], as_of=datetime(2016, 6, 7, 1, 30, tzinfo=UTC), plan_title=PLAN)
        assert board.startswith(f"# 督办总览 · {PLAN} · 截至2016年6月7日 09:30\n")

    def test_board_markdown_rejects_naive_as_of(self) -> None:
        with pytest.raises(ValueError, match="naive datetime"):
            board_markdown([], as_of=datetime(2016, 6, 7, 9, 30), plan_title=PLAN)

    @pytest.mark.parametrize(
        ("change", "match"),
        [
            ({"status": "done"}, "invalid status 'done' for 镇隆镇"),
            ({"light": "green"}, "invalid light 'green' for 镇隆镇"),
            ({"unit_kind": "village"}, "invalid unit kind 'village' for 镇隆镇"),
        ],
    )
    def test_board_rejects_unknown_values(self, change: dict[str, str], match: str) -> None:
        fields = {"unit": "镇隆镇", "unit_kind": "town", "duty": PROGRESS, "period": "2016年上半年",
                  "due_on": date(2016, 6, 6), "status": "open", "light": "red"} | change
        cell = BoardCell(**fields)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=match):
            board_markdown([cell], as_of=JUNE_7, plan_title=PLAN)
        with pytest.raises(ValueError, match=match):
            board_table([cell])


def test_board_words_cover_every_status_light_and_unit_kind() -> None:
    assert set(STATUS_LABEL) == set(ObligationStatus)
    assert set(LIGHT_LABEL) == set(LIGHT_EMOJI) == set(Light)
    assert set(KIND_LABEL) == set(UnitKind)


class TestBoardTable:
    def test_board_table_row_per_cell_in_chinese(self) -> None:
        cells = [
            BoardCell("市科工商务局", "department", SPLIT, "2016年度", date(2016, 5, 3), "accepted", "none"),
            BoardCell("东镇街道", "subdistrict", PROGRESS, "2016年上半年", date(2016, 6, 6), "open", "yellow"),
            BoardCell("镇隆镇", "town", PROGRESS, "2016年上半年", date(2016, 6, 6), "open", "red"),
            BoardCell("信宜市人民政府", "other", INSPECTION, "2016年", date(2016, 6, 30), "open", "blue"),
            BoardCell("水口镇", "town", PROGRESS, "2015年下半年", date(2015, 12, 7), "submitted", "red"),
            BoardCell("丁堡镇", "town", PROGRESS, "2016年上半年", date(2016, 6, 6), "waived", "none"),
            BoardCell("池洞镇", "town", PROGRESS, "2016年上半年", date(2016, 6, 6), "closed", "none"),
        ]
        rows = board_table(cells)
        assert rows[0] == {
            "单位": "水口镇", "类别": "镇", "工作": PROGRESS, "期次": "2015年下半年",
            "截止日期": "2015-12-07", "状态": "已报送", "亮灯": "红",
        }
        assert [(r["单位"], r["类别"], r["状态"], r["亮灯"]) for r in rows] == [
            ("水口镇", "镇", "已报送", "红"),
            ("镇隆镇", "镇", "办理中", "红"),
            ("市科工商务局", "部门", "已确认", "—"),
            ("东镇街道", "街道", "办理中", "黄"),
            ("丁堡镇", "镇", "已豁免", "—"),
            ("池洞镇", "镇", "已办结", "—"),
            ("信宜市人民政府", "其他", "办理中", "蓝"),
        ]
        assert all(list(r) == ["单位", "类别", "工作", "期次", "截止日期", "状态", "亮灯"] for r in rows)

    def test_board_table_full_plan(self) -> None:
        rows = board_table(progress_cells() + department_cells())
        assert len(rows) == 103
        reds = [r for r in rows if r["亮灯"] == "红"]
        assert rows[: len(reds)] == reds
        rest = [str(r["截止日期"]) for r in rows[len(reds):]]
        assert rest == sorted(rest)

    def test_board_table_empty(self) -> None:
        assert board_table([]) == []
