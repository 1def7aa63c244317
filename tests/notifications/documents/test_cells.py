"""The helpers the exports share: the workbook header row, the landscape print setup, a new workbook's
properties, and the Word fonts and repeated header row; each saved and read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from docx import Document
from docx.shared import Pt, RGBColor

from notifications.documents.cells import new_workbook, print_landscape_a4, write_header_row
from notifications.documents.word import repeat_header, set_default_font, set_font

TZ = dt.timezone(dt.timedelta(hours=8))


def saved(wb: Any, path: Path) -> Any:
    wb.save(path)
    return openpyxl.load_workbook(path)


def test_write_header_row_styles_every_header_from_column_a(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    write_header_row(wb.active, 2, ["单位", "=SUM(A1)", "亮灯"])
    ws = saved(wb, tmp_path / "h.xlsx").active
    assert [ws.cell(row=2, column=c).value for c in (1, 2, 3, 4)] == ["单位", "=SUM(A1)", "亮灯", None]
    assert ws["B2"].data_type == "s"  # a header that looks like a formula stays text
    for cell in ws[2][:3]:
        assert cell.font.b and cell.fill.fgColor.rgb.endswith("D9E1F2") and cell.alignment.horizontal == "center"
        assert {cell.border.left.style, cell.border.bottom.style} == {"thin"}
        assert cell.border.top.color.rgb.endswith("808080")


def test_write_header_row_takes_another_font_and_alignment(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    write_header_row(wb.active, 3, ["任务"], font=openpyxl.styles.Font(name="黑体", bold=True),
                     alignment=openpyxl.styles.Alignment(horizontal="center", vertical="center", wrap_text=True))
    cell = saved(wb, tmp_path / "h.xlsx").active["A3"]
    assert (cell.font.name, cell.alignment.vertical, cell.alignment.wrap_text) == ("黑体", "center", True)
    assert cell.fill.fgColor.rgb.endswith("D9E1F2")


def test_print_landscape_a4_fits_one_page_wide(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    print_landscape_a4(wb.active)
    ws = saved(wb, tmp_path / "p.xlsx").active
    assert (ws.page_setup.orientation, int(ws.page_setup.paperSize)) == ("landscape", 9)
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_new_workbook_names_duban_and_stores_when_it_was_made_in_utc(tmp_path: Path) -> None:
    made = new_workbook("进度填报", dt.datetime(2016, 6, 3, 10, 0, tzinfo=TZ))
    assert made.properties.created == made.properties.modified == dt.datetime(2016, 6, 3, 2, 0)
    wb = saved(made, tmp_path / "n.xlsx")  # openpyxl stamps "modified" itself when saving
    assert (wb.properties.creator, wb.properties.title) == ("duban", "进度填报")
    assert wb.properties.created == dt.datetime(2016, 6, 3, 2, 0)


def test_new_workbook_without_a_time_keeps_openpyxls_own() -> None:
    wb = new_workbook("目标任务")
    assert wb.properties.title == "目标任务" and wb.properties.created is not None


def test_word_fonts_and_the_repeated_header_row(tmp_path: Path) -> None:
    doc = Document()
    set_default_font(doc, "仿宋_GB2312", 16)
    run = doc.add_paragraph().add_run("通报")
    set_font(run, "黑体", 12, bold=True, colour=RGBColor(0xFF, 0, 0))
    table = doc.add_table(rows=2, cols=1)
    repeat_header(table.rows[0])
    doc.save(str(tmp_path / "w.docx"))
    back = Document(str(tmp_path / "w.docx"))
    normal = back.styles["Normal"]
    assert (normal.font.name, normal.font.size) == ("Times New Roman", Pt(16))
    assert 'w:eastAsia="仿宋_GB2312"' in normal.element.xml
    run = back.paragraphs[0].runs[0]
    assert (run.font.name, run.font.size, run.bold, str(run.font.color.rgb)) == ("Times New Roman", Pt(12), True,
                                                                                "FF0000")
    assert 'w:eastAsia="黑体"' in run._element.xml
    first, second = back.tables[0].rows
    assert "w:tblHeader" in first._tr.xml and "w:tblHeader" not in second._tr.xml
