"""The checks before openpyxl and the lenient load (no database): bounds, one-line problems, unconvertible
cells kept for the sheet reader, and openpyxl left as it was found."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl.worksheet._reader import WorkSheetParser

from models.errors import WorkbookError
from notifications.documents import labels as L
from notifications.documents.report_container import check_container, one_line, open_workbook
from notifications.documents.report_import import read_report_workbook
from notifications.documents.report_sheets import Unreadable, rows_from
from notifications.documents.workbook import write_report_workbook

INDICATORS = [("industrial-investment", "全市工业投资", "亿元", 5.25, None),
              ("upgrading-firms", "开展技改的规模以上工业企业", "家", 2.0, None)]
NAMES = {code: name for code, name, *_ in INDICATORS}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_report_workbook(
        tmp_path / "r.xlsx", plan_title="方案", doc_number="信府〔2015〕30号", coordinator="市科工商务局",
        locality="镇隆镇", period="2016-06-05", due_on=dt.date(2016, 6, 6), indicators=INDICATORS,
        localities=["镇隆镇", "水口镇"], periods=["2016-06-05"], plan_code="p")


def read(path: Path) -> object:
    return read_report_workbook(path, localities=["镇隆镇", "水口镇"], periods=["2016-06-05"], indicators=NAMES,
                                plan_code="p")


def rewrite_sheet(path: Path, sheet_no: int, edit: dict[bytes, bytes]) -> Path:
    """Replace byte strings in ``xl/worksheets/sheet<n>.xml`` (the template writes 指标完成情况 as sheet 2)."""
    out = path.with_name("edited.xlsx")
    part = f"xl/worksheets/sheet{sheet_no}.xml"
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == part:
                for old, new in edit.items():
                    assert old in data
                    data = data.replace(old, new)
            zo.writestr(info.filename, data)
    return out


def test_the_template_passes_the_checks_and_openpyxl_is_left_as_found(book: Path) -> None:
    check_container(book)
    original = WorkSheetParser.parse_cell
    wb = open_workbook(book)
    assert WorkSheetParser.parse_cell is original
    assert wb[L.SHEET_INDICATORS]["C3"].value == "镇隆镇"


def test_every_unconvertible_value_is_listed_at_its_cell(book: Path) -> None:
    path = rewrite_sheet(book, 2, {b'<c r="E8" s="9" t="n"></c>': b'<c r="E8" t="n"><v>NaN</v></c>',
                                   b'<c r="E9" s="9" t="n"></c>': b'<c r="E9" t="b"><v>maybe</v></c>'})
    wb = open_workbook(path)
    assert wb[L.SHEET_INDICATORS]["E8"].value == Unreadable("NaN", "n")
    with pytest.raises(WorkbookError) as info:
        read(path)
    assert info.value.problems == [
        f"{path}: sheet 指标完成情况, row 8, column E (本年累计完成, 全市工业投资): 'NaN' is not a finite number",
        f"{path}: sheet 指标完成情况, row 9, column E (本年累计完成, 开展技改的规模以上工业企业): the stored value "
        "'maybe' is not a yes/no value as the cell claims (type 'b'); the file is damaged: type the value again",
    ]


def test_deleted_indicator_rows_are_named(book: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    wb[L.SHEET_INDICATORS].delete_rows(9)
    wb.save(book)
    with pytest.raises(WorkbookError, match=r"sheet 指标完成情况: 1 indicator row missing: 开展技改的规模以上工业企业 "
                                            r"\(upgrading-firms\); indicator rows must not be deleted"):
        read(book)


def test_500_projects_are_accepted_and_501_refused(book: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb[L.SHEET_PROJECTS]
    for row in range(4, 504):
        ws[f"A{row}"], ws[f"B{row}"], ws[f"C{row}"] = f"项目{row}", "在建", 1
    wb.save(book)
    assert len(read(book).projects) == 500  # type: ignore[attr-defined]
    ws["A504"] = "项目504"
    wb.save(book)
    with pytest.raises(WorkbookError, match=r"sheet 重大项目: 501 project rows are filled \(rows 4 to 504\); a "
                                            r"report lists at most 500 projects"):
        read(book)


def test_rows_from_lists_only_the_rows_stored(book: Path) -> None:
    import openpyxl

    ws = openpyxl.load_workbook(book)[L.SHEET_INDICATORS]
    ws["E1048576"] = 1
    assert rows_from(ws, 8) == [8, 9, 1048576]
    assert len(ws._cells) < 100  # nothing was created on the way


@pytest.mark.parametrize(("text", "line"), [
    ("a\nb\r\tc", "a\\nb\\r\\tc"),
    ("进度填报.xlsx", "进度填报.xlsx"),
    ("\udcbd\udcf8.xlsx", "\\xbd\\xf8.xlsx"),  # bytes of a GBK name, as Python decodes a file name
    ("a\u202eb", "a\\u202eb"),  # right-to-left override: shown, not obeyed
])
def test_one_line_shows_breaks_controls_and_undecodable_bytes(text: str, line: str) -> None:
    assert one_line(text) == line
