"""The task breakdown table (任务分解表) of a plan as the files offices pass around: an Excel workbook and a
Word document.

Both carry the rows of :func:`models.plan.breakdown.breakdown_rows` plus each item's own text (任务内容), and the
plan's targets (主要目标) from :func:`models.plan.breakdown.target_rows`. The workbook has a title block, a
frozen header, wrapped text and a landscape A4 print setup that repeats the header on every page; the Word
document is landscape A4 with the fonts Chinese offices expect (仿宋_GB2312 body, 方正小标宋简体 title,
黑体 headings; Word and LibreOffice substitute what the machine lacks). User-facing text is in the block
below.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.plan.breakdown import HEADERS, TARGET_HEADERS, breakdown_rows, target_rows
from models.plan.schema import PlanSpec
from notifications.documents.cells import TABLE_BORDER, print_landscape_a4, save_workbook, write_header_row
from notifications.documents.cells import put as _put
from notifications.documents.word import repeat_header, set_default_font, set_font

# --- User-facing text (Chinese) -------------------------------------------------------------------
SHEET_ITEMS = "任务分解表"
SHEET_TARGETS = "主要目标"
TITLE = "{plan_title}任务分解表"
SUBTITLE = "{doc_number}　{issuer}　{issued_on}"  # ideographic spaces between the parts
TARGETS_HEADING = "主要目标"
CONTENT_HEADER = "任务内容"
COMPARATORS = {">=": "≥", "<=": "≤", "=": "="}
FONT_BODY = "仿宋_GB2312"
FONT_TITLE = "方正小标宋简体"
FONT_HEADING = "黑体"
FONT_TABLE = "宋体"
# ---------------------------------------------------------------------------------------------------

COLUMNS = (*HEADERS, CONTENT_HEADER)
XLSX_WIDTHS = (10, 28, 16, 30, 18, 70)  # characters, per column of COLUMNS
TARGET_WIDTHS = (8, 48, 10, 10, 8)
DOCX_WIDTHS_MM = (18, 42, 28, 42, 30, 97)  # 257 mm: A4 landscape less 20 mm margins
TARGET_DOCX_WIDTHS_MM = (20, 140, 30, 30, 20)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _official_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _subtitle(plan: PlanSpec) -> str:
    parts = SUBTITLE.format(doc_number=plan.doc_number, issuer=plan.issuer, issued_on=_official_date(plan.issued_on))
    return parts.strip("　")


def _item_values(plan: PlanSpec) -> list[tuple[str, ...]]:
    """Each item's breakdown row plus its own text, in document order."""
    rows = breakdown_rows(plan)
    return [(r.ref, r.title, r.lead, r.cooperating, r.localities, it.text or r.title)
            for r, it in zip(rows, plan.items, strict=True)]


def _target_values(plan: PlanSpec) -> list[tuple[object, ...]]:
    """Targets with the year and value as numbers (so Excel can sum and sort them)."""
    return [(t.year, name, t.value, unit, COMPARATORS.get(cmp, cmp))
            for t, (_, name, _, unit, cmp) in zip(plan.targets, target_rows(plan), strict=True)]


# --- Excel ------------------------------------------------------------------------------------------

def _title_block(ws: Worksheet, title: str, subtitle: str, width: int) -> None:
    for row, text, size in ((1, title, 16), (2, subtitle, 11)):
        cell = _put(ws, row, 1, text)
        cell.font = Font(name=FONT_TITLE if row == 1 else FONT_BODY, size=size, bold=row == 1)
        cell.alignment = CENTRE
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[1].height = 42


def _table(ws: Worksheet, headers: tuple[str, ...], rows: list[tuple[object, ...]], widths: tuple[int, ...]) -> None:
    """Header on row 3, data below; frozen, wrapped, boxed, printed landscape A4 with the header repeated."""
    write_header_row(ws, 3, headers, font=Font(name=FONT_HEADING, bold=True), alignment=CENTRE)
    for col, (_, width) in enumerate(zip(headers, widths, strict=True), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, values in enumerate(rows, start=4):
        for col, value in enumerate(values, start=1):
            cell = _put(ws, r, col, value)
            cell.alignment = WRAP_TOP
            cell.border = TABLE_BORDER
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    print_landscape_a4(ws)
    ws.print_options.horizontalCentered = True


def write_breakdown_xlsx(plan: PlanSpec, path: Path | str) -> Path:
    """Write the 任务分解表 workbook: sheet 任务分解表 (one row per item) and sheet 主要目标.

    Args:
        plan: the plan (usually :func:`flows.ops.commands.stored_plan`).
        path: where to write the .xlsx (overwritten).

    Returns:
        The path written.
    """
    path = Path(path)
    wb = Workbook()
    items = wb.active
    items.title = SHEET_ITEMS
    _title_block(items, TITLE.format(plan_title=plan.title), _subtitle(plan), len(COLUMNS))
    _table(items, COLUMNS, list(_item_values(plan)), XLSX_WIDTHS)
    targets = wb.create_sheet(SHEET_TARGETS)
    _title_block(targets, TARGETS_HEADING, f"{plan.title}　{plan.doc_number}".strip("　"), len(TARGET_HEADERS))
    _table(targets, TARGET_HEADERS, _target_values(plan), TARGET_WIDTHS)
    wb.properties.title = TITLE.format(plan_title=plan.title)
    wb.properties.creator = plan.issuer
    return save_workbook(wb, path)


# --- Word -------------------------------------------------------------------------------------------

def _paragraph(doc: Any, text: str, east_asia: str, size: float, *, bold: bool = False,
               align: Any = WD_ALIGN_PARAGRAPH.CENTER, space_after: float = 6) -> Any:
    p = doc.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    set_font(p.add_run(text), east_asia, size, bold=bold)
    return p


def _word_table(doc: Any, headers: tuple[str, ...], rows: list[tuple[object, ...]],
                widths_mm: tuple[int, ...]) -> Any:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width)
    repeat_header(table.rows[0])
    for cell, header, width in zip(table.rows[0].cells, headers, widths_mm, strict=True):
        cell.width = Mm(width)
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(p.add_run(header), FONT_HEADING, 11, bold=True)
    for values in rows:
        cells = table.add_row().cells
        for cell, value, width in zip(cells, values, widths_mm, strict=True):
            cell.width = Mm(width)
            set_font(cell.paragraphs[0].add_run(f"{value:g}" if isinstance(value, float) else str(value)),
                     FONT_TABLE, 10.5)
    return table


def write_breakdown_docx(plan: PlanSpec, path: Path | str) -> Path:
    """Write the 任务分解表 as a landscape A4 Word document: title, 文号 line, the items table, the targets.

    Args:
        plan: the plan (usually :func:`flows.ops.commands.stored_plan`).
        path: where to write the .docx (overwritten).

    Returns:
        The path written.
    """
    path = Path(path)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin = section.right_margin = Mm(20)
    set_default_font(doc, FONT_BODY)
    _paragraph(doc, TITLE.format(plan_title=plan.title), FONT_TITLE, 18)
    _paragraph(doc, _subtitle(plan), FONT_BODY, 14, space_after=12)
    _word_table(doc, COLUMNS, list(_item_values(plan)), DOCX_WIDTHS_MM)
    if plan.targets:
        heading = _paragraph(doc, TARGETS_HEADING, FONT_HEADING, 14, align=WD_ALIGN_PARAGRAPH.LEFT)
        heading.paragraph_format.space_before = Pt(18)
        _word_table(doc, TARGET_HEADERS, _target_values(plan), TARGET_DOCX_WIDTHS_MM)
    doc.core_properties.title = TITLE.format(plan_title=plan.title)
    doc.core_properties.author = plan.issuer
    doc.save(str(path))
    return path
