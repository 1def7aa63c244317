"""The checks before openpyxl and the lenient load (no database): bounds, one-line problems, unconvertible
cells kept for the sheet reader, and openpyxl left as it was found."""

from __future__ import annotations

import datetime as dt
import threading
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._reader import WorkSheetParser

from models.errors import WorkbookError
from notifications.documents import labels as L
from notifications.documents.report_container import _lenient_cells, check_container, one_line, open_workbook
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


def _one_sheet(tmp_path: Path, sheet_data: bytes, extra: bytes = b"") -> Path:
    """A one-sheet workbook whose ``<sheetData>`` is ``sheet_data`` (and ``extra`` after it), as a tool writes it."""
    wb = Workbook()
    wb.active["A1"] = 1
    made, out = tmp_path / "made.xlsx", tmp_path / "one-sheet.xlsx"
    wb.save(made)
    with zipfile.ZipFile(made) as zi, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                start, end = data.index(b"<sheetData"), data.index(b"</sheetData>") + len(b"</sheetData>")
                data = data[:start] + b"<sheetData>" + sheet_data + b"</sheetData>" + extra + data[end:]
            zo.writestr(info.filename, data)
    return out


def test_an_unreadable_cell_without_a_reference_does_not_shift_the_next_ones(tmp_path: Path) -> None:
    path = _one_sheet(tmp_path, b'<row r="1"><c><v>abc</v></c><c><v>5</v></c><c><v>7</v></c></row>')
    check_container(path)
    row = [(c.coordinate, c.value) for c in open_workbook(path).active[1]]
    assert row == [("A1", Unreadable("abc", "n")), ("B1", 5), ("C1", 7)]


@pytest.mark.parametrize(
    ("sheet_data", "extra", "what"),
    [(b'<row r="1"><c r="A1"><v>1</v></c></row>',
      b'<hyperlinks><hyperlink tooltip="a>b" display="x" ref="A1:XFD1048576"/></hyperlinks>', "hyperlink on the range"),
     (b'<row r="1"><c r="A1"><v>1</v></c></row>',
      b"<hyperlinks><hyperlink tooltip='ref=\"A1\"' ref=\"A1:XFD1048576\"/></hyperlinks>", "hyperlink on the range"),
     (b'<row r="1"><c r="A1"><v>1</v></c></row><!-- <c a=" -->',
      b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells><!-- " -->', "merged range")],
)
def test_a_whole_sheet_range_is_counted_whatever_its_attributes_hold(
        tmp_path: Path, sheet_data: bytes, extra: bytes, what: str) -> None:
    path = _one_sheet(tmp_path, sheet_data, extra)
    with pytest.raises(WorkbookError) as info:
        check_container(path)
    assert f"{what} 'A1:XFD1048576' covers 17,179,869,184 cells" in info.value.problems[0]


def test_a_sheet_after_blanks_without_a_declaration_is_still_scanned(tmp_path: Path) -> None:
    path = _one_sheet(tmp_path, b'<row r="1"><c r="A1"><v>1</v></c></row>',
                      b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')
    out = tmp_path / "blanks.xlsx"
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = b"\xef\xbb\xbf" + b" \n" * 100 + data
            zo.writestr(info.filename, data)
    with pytest.raises(WorkbookError) as info:
        check_container(out)
    assert "merged range 'A1:XFD1048576' covers 17,179,869,184 cells" in info.value.problems[0]


def test_a_tag_longer_than_a_read_chunk_is_counted_whole(tmp_path: Path) -> None:
    long_tooltip = b"x" * (3 * (1 << 20))  # the scanner reads 1 MB at a time
    path = _one_sheet(tmp_path, b'<row r="1"><c r="A1"><v>1</v></c></row>',
                      b'<hyperlinks><hyperlink tooltip="' + long_tooltip + b'" ref="A1:XFD1048576"/></hyperlinks>')
    with pytest.raises(WorkbookError) as info:
        check_container(path)
    assert "hyperlink on the range 'A1:XFD1048576'" in info.value.problems[0]


def test_two_imports_at_once_leave_openpyxl_as_found() -> None:
    original = WorkSheetParser.parse_cell
    first, second = _lenient_cells(), _lenient_cells()
    started = threading.Event()

    def other_import() -> None:
        started.set()
        with second:
            pass

    first.__enter__()
    thread = threading.Thread(target=other_import)
    thread.start()
    started.wait(5)
    time.sleep(0.2)  # let the other import reach the lock while the first holds the patch (not an assert)
    first.__exit__(None, None, None)
    thread.join(5)
    assert not thread.is_alive()
    assert WorkSheetParser.parse_cell is original


def test_the_lenient_load_acts_only_in_the_importing_thread(tmp_path: Path) -> None:
    path = _one_sheet(tmp_path, b'<row r="1"><c r="A1"><v>NaN</v></c></row>')
    elsewhere: list[BaseException] = []

    def plain_load() -> None:
        try:
            load_workbook(path)
        except ValueError as exc:  # openpyxl's own behaviour on NaN stored as an integer
            elsewhere.append(exc)

    with _lenient_cells():
        thread = threading.Thread(target=plain_load)
        thread.start()
        thread.join(10)
        mine = load_workbook(path).active["A1"].value
    assert len(elsewhere) == 1
    assert mine == Unreadable("NaN", "n")
