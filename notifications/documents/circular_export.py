"""The inspection circular (通报) as an official Word document, and its ranking as an Excel workbook.

The words are not written here. :func:`write_circular_docx` renders
:func:`notifications.messages.circular.circular_markdown` (the same text the ``inspection`` flow shows as
an artifact) and lays its blocks out in the usual official layout (after GB/T 9704-2012, roughly):

- A4 portrait; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; page numbers "— N —" at the foot.
- 版头: the issuing body in red, bold, centred, as large as fits; the document number (发文字号) centred
  below it; a red rule under the number.
- The title (关于…的通报) centred in 方正小标宋简体 二号 (22 pt); the addressees (主送机关) flush left.
- Body in 仿宋_GB2312 三号 (16 pt) at a fixed 29 pt line pitch, first lines indented two characters;
  section headings 一、… in 黑体; the ranking table in the markdown's own columns and alignment.
- The issuer and the date at the bottom right, the issuer centred over the date, the date four
  characters from the right margin.

Fonts are named, not embedded: Word and LibreOffice fall back to what the machine has (Noto CJK, SimSun).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.enums import ScoreLight
from models.rules.rubric import Rubric
from models.rules.scoring import Score, display_order
from notifications.documents.cells import (
    CENTRED,
    TABLE_BORDER,
    TITLE_FONT,
    print_landscape_a4,
    save_workbook,
    write_header_row,
)
from notifications.documents.cells import put as _put
from notifications.documents.word import repeat_header, set_default_font, set_font
from notifications.messages.circular import circular_markdown, circular_table
from notifications.messages.markdown import md, md_plain, md_runs

# --- User-facing text (Chinese) -------------------------------------------------------------------
SHEET = "督查排名"
XLSX_TITLE = "{period_label}专项督查得分排名"
CHART_TITLE = "{period_label}专项督查得分"
FONT_BODY = "仿宋_GB2312"
FONT_TITLE = "方正小标宋简体"
FONT_HEADING = "黑体"
FONT_PAGE_NUMBER = "宋体"
# ---------------------------------------------------------------------------------------------------

RED = RGBColor(0xFF, 0x00, 0x00)
BODY_PT = 16.0  # 三号
TITLE_PT = 22.0  # 二号
TABLE_PT = 12.0  # 小四
LINE_PT = 29.0  # 22 lines on the type area of GB/T 9704
TEXT_WIDTH_PT = (210 - 28 - 26) / 25.4 * 72  # width of the type area
TABLE_WIDTHS_MM = (20, 52, 28, 28, 26)  # 排名 单位 得分 名次变化 亮灯 (the markdown table's columns)
LIGHT_FILLS: dict[str, str] = {ScoreLight.GREEN: "C6EFCE", ScoreLight.YELLOW: "FFEB9C", ScoreLight.RED: "FFC7CE"}
BAR_COLOURS: dict[str, str] = {ScoreLight.GREEN: "70AD47", ScoreLight.YELLOW: "FFC000", ScoreLight.RED: "E0301E"}
_ALIGN = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": WD_ALIGN_PARAGRAPH.LEFT}
# w:pPr children that come after w:pBdr in the schema (a border must be inserted before them).
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


# --- The circular's blocks, read back from its markdown -----------------------------------------------

@dataclass(frozen=True)
class Block:
    """One block of the circular: kind is title | number | addressee | heading | paragraph | item | table |
    issuer | date. A table block has ``rows`` (header first) and ``aligns`` (left | center | right)."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    aligns: tuple[str, ...] = ()


def _cells(line: str) -> tuple[str, ...]:
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return tuple(md_plain(p.strip()) for p in parts)


def _table_block(lines: list[str]) -> Block:
    rows = [_cells(line) for line in lines]
    aligns: tuple[str, ...] = ("left",) * len(rows[0])
    if len(rows) > 1 and all(re.fullmatch(r":?-+:?", c) for c in rows[1]):
        aligns = tuple("center" if c.startswith(":") and c.endswith(":") else "right" if c.endswith(":")
                       else "left" for c in rows[1])
        del rows[1]
    return Block("table", rows=tuple(rows), aligns=aligns)


def circular_blocks(markdown: str, *, doc_number: str, issuer: str) -> list[Block]:
    """Split the circular's markdown into blocks, marking the document number, addressees and signature.

    The circular template writes one paragraph per line: ``# `` title, ``## `` headings, ``|`` table rows,
    ``1. `` named units; the document number (when given) follows the title, the addressees come next,
    and the issuer and the date close it.
    """
    blocks: list[Block] = []
    table: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            blocks.append(_table_block(table))
            table = []
        text = line.strip()
        if not text:
            continue
        if text.startswith("# "):
            blocks.append(Block("title", text[2:].strip()))
        elif text.startswith("## "):
            blocks.append(Block("heading", text[3:].strip()))
        elif re.match(r"\d+\. ", text):
            blocks.append(Block("item", text))
        else:
            blocks.append(Block("paragraph", text))
    paragraphs = [i for i, b in enumerate(blocks) if b.kind == "paragraph"]
    if doc_number and paragraphs and blocks[paragraphs[0]].text == md(doc_number):
        blocks[paragraphs.pop(0)] = Block("number", md(doc_number))
    if paragraphs:
        blocks[paragraphs[0]] = Block("addressee", blocks[paragraphs[0]].text)
    if len(paragraphs) >= 3 and blocks[paragraphs[-2]].text == md(issuer) and paragraphs[-2] == len(blocks) - 2:
        blocks[-2] = Block("issuer", md(issuer))
        blocks[-1] = Block("date", blocks[-1].text)
    return blocks


# --- Word -------------------------------------------------------------------------------------------

def _text_width(text: str) -> float:
    """Rough printed width in em: CJK characters are one em, the rest half."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.5 for ch in text)


def _paragraph(doc: Any, text: str = "", *, east_asia: str = FONT_BODY, size: float = BODY_PT,
               align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False, line: float | None = LINE_PT,
               bold: bool = False, colour: RGBColor | None = None) -> Any:
    """A paragraph at a fixed line pitch; ``text`` is a line of the circular's markdown: its escapes are undone
    and its ``**bold**`` spans become bold runs."""
    p = doc.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    if indent:
        fmt.first_line_indent = Pt(2 * size)
    for part, strong in md_runs(text):
        set_font(p.add_run(part), east_asia, size, bold=bold or strong, colour=colour)
    return p


def _red_rule(paragraph: Any) -> None:
    """A red line under the paragraph (w:pBdr/w:bottom), the rule that closes the 版头."""
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "12"), ("w:color", "FF0000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(border, *_AFTER_PBDR)


def _page_number(section: Any) -> None:
    """"— N —" centred in the footer (a PAGE field), 宋体 四号."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), FONT_PAGE_NUMBER, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    set_font(p.add_run(" —"), FONT_PAGE_NUMBER, 14)


def _header(doc: Any, issuer: str, doc_number: str) -> None:
    size = min(42.0, round(0.95 * TEXT_WIDTH_PT / max(_text_width(issuer), 1.0)))
    head = _paragraph(doc, md(issuer), east_asia=FONT_TITLE, size=size, align=WD_ALIGN_PARAGRAPH.CENTER,
                      line=None, bold=True, colour=RED)
    last = head
    if doc_number:
        last = _paragraph(doc, md(doc_number), align=WD_ALIGN_PARAGRAPH.CENTER, line=None)
        last.paragraph_format.space_before = Pt(2 * LINE_PT)
    _red_rule(last)


def _word_table(doc: Any, block: Block) -> None:
    widths = TABLE_WIDTHS_MM if len(block.rows[0]) == len(TABLE_WIDTHS_MM) else None
    table = doc.add_table(rows=0, cols=len(block.rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, values in enumerate(block.rows):
        row = table.add_row()
        if r == 0:
            repeat_header(row)
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            if widths:
                cell.width = Mm(widths[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell._tc.remove(cell.paragraphs[0]._p)
            align = WD_ALIGN_PARAGRAPH.CENTER if r == 0 else _ALIGN[block.aligns[c]]
            _paragraph(cell, md(value), east_asia=FONT_HEADING if r == 0 else FONT_BODY, size=TABLE_PT,
                       align=align, line=20)
    if widths:
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Mm(width)
    _paragraph(doc, line=LINE_PT / 2)


def _page_layout(doc: Any) -> None:
    """A4 portrait with the official margins, the body font as the default, page numbers at the foot."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    set_default_font(doc, FONT_BODY, BODY_PT)
    _page_number(section)


def _body(doc: Any, blocks: list[Block]) -> None:
    """Everything after the 版头: title, addressees, headings, paragraphs, the table, issuer and date."""
    date_text = next((b.text for b in blocks if b.kind == "date"), "")
    last: Any = None
    for block in blocks:
        if block.kind == "issuer" and last is not None:
            last.paragraph_format.keep_with_next = True  # the signature never stands alone on a page
        if block.kind == "title":
            title = _paragraph(doc, block.text, east_asia=FONT_TITLE, size=TITLE_PT,
                               align=WD_ALIGN_PARAGRAPH.CENTER, line=36)
            title.paragraph_format.space_before = Pt(2 * LINE_PT)
            title.paragraph_format.space_after = Pt(LINE_PT)
        elif block.kind == "addressee":
            _paragraph(doc, block.text)
        elif block.kind == "heading":
            last = _paragraph(doc, block.text, east_asia=FONT_HEADING, indent=True)
            last.paragraph_format.keep_with_next = True
        elif block.kind in ("paragraph", "item"):
            last = _paragraph(doc, block.text, indent=True)
        elif block.kind == "table":
            _word_table(doc, block)
        elif block.kind == "issuer":
            _paragraph(doc).paragraph_format.keep_with_next = True
            p = _paragraph(doc, block.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.keep_with_next = True
            shift = (_text_width(md_plain(date_text)) - _text_width(md_plain(block.text))) / 2
            p.paragraph_format.right_indent = Pt(BODY_PT * max(4 + shift, 0))
        elif block.kind == "date":
            p = _paragraph(doc, block.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(4 * BODY_PT)


def write_circular_docx(
    *,
    plan_title: str,
    doc_number: str,
    issuer: str,
    period_label: str,
    issued_on: date,
    scores: list[Score],
    rectification_due_on: date | None = None,
    period_node: date | None = None,
    rubric: Rubric | None = None,
    receiver: str | None = None,
    path: Path | str,
) -> Path:
    """Write the circular (通报) as an official A4 Word document; the words are :func:`circular_markdown`'s.

    Args:
        plan_title: the plan's title without outer 《》 (inner ones already turned into 〈〉).
        doc_number: the circular's document number (发文字号), or "" to leave the line out.
        issuer: the issuing body: the red 版头, the signature, and to whom rectification is reported.
        period_label: the period assessed, e.g. "2016年上半年".
        issued_on: the date under the signature.
        scores: every unit inspected.
        rectification_due_on: when red units must report their rectification (None: 在规定时限内).
        period_node: the report node assessed, to state its pace-to-date in the 评分办法 (None: not stated).
        rubric: the rubric the scores were computed with (None: ``config/rubric.yaml``).
        path: where to write the .docx (overwritten).

    Returns:
        The path written.

    Raises:
        NotificationError: no scores, or the circular's template cannot be rendered.
    """
    markdown = circular_markdown(plan_title=plan_title, doc_number=doc_number, issuer=issuer,
                                 period_label=period_label, issued_on=issued_on, scores=scores,
                                 rectification_due_on=rectification_due_on, period_node=period_node,
                                 rubric=rubric, receiver=receiver)
    path = Path(path)
    doc = Document()
    _page_layout(doc)
    _header(doc, issuer, doc_number)
    blocks = circular_blocks(markdown, doc_number=doc_number, issuer=issuer)
    _body(doc, blocks)
    title_block = next((b.text for b in blocks if b.kind == "title"), period_label)
    doc.core_properties.title = md_plain(title_block)
    doc.core_properties.author = issuer
    doc.save(str(path))
    return path


# --- Excel ------------------------------------------------------------------------------------------

def _chart(ws: Worksheet, ordered: list[Score], *, unit_col: int, total_col: int, title: str) -> BarChart:
    """Horizontal bars of the totals, best at the top, each bar in its unit's light colour."""
    last = 2 + len(ordered)
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.add_data(Reference(ws, min_col=total_col, min_row=2, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=unit_col, min_row=3, max_row=last))
    series = chart.series[0]
    for i, score in enumerate(ordered):
        point = DataPoint(idx=i)
        point.graphicalProperties.solidFill = BAR_COLOURS.get(score.light or "", "808080")
        series.dPt.append(point)
    chart.legend = None
    chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height = max(7.5, 0.55 * len(ordered) + 2)
    chart.width = 18
    return chart


def write_circular_xlsx(*, period_label: str, scores: list[Score], path: Path | str) -> Path:
    """Write the ranking (the rows of :func:`circular_table`) with the lights as cell fills, and a bar chart.

    Args:
        period_label: the period assessed, e.g. "2016年上半年" (title row and chart title).
        scores: every unit inspected.
        path: where to write the .xlsx (overwritten).

    Returns:
        The path written.
    """
    path = Path(path)
    ordered = display_order(scores)  # circular_table's order
    rows = circular_table(scores)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    columns = list(rows[0]) if rows else []
    title = _put(ws, 1, 1, XLSX_TITLE.format(period_label=period_label))
    title.font = TITLE_FONT
    title.alignment = CENTRED
    if columns:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    write_header_row(ws, 2, columns)
    for c in range(1, len(columns) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 18 if c in (1, 3) else 10
    for r, (row, score) in enumerate(zip(rows, ordered, strict=True), start=3):
        for c, value in enumerate(row.values(), start=1):
            cell = _put(ws, r, c, value)
            cell.border = TABLE_BORDER
            if isinstance(value, float):
                cell.number_format = "0.0"
            elif c in (1, 2, len(columns) - 1):  # 分组, 排名, 名次变化
                cell.alignment = CENTRED
        light = ws.cell(row=r, column=len(columns))
        light.fill = PatternFill("solid", fgColor=LIGHT_FILLS.get(score.light or "", "FFFFFF"))
        light.alignment = CENTRED
    if rows:
        ws.freeze_panes = "A3"
        ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{2 + len(rows)}"
        # circular_table's documented column order: 分组, 排名, 单位, 类别, 得分, ...
        chart = _chart(ws, ordered, unit_col=3, total_col=5, title=CHART_TITLE.format(period_label=period_label))
        ws.add_chart(chart, f"{get_column_letter(len(columns) + 2)}2")
    ws.row_dimensions[1].height = 24
    print_landscape_a4(ws)
    wb.properties.title = XLSX_TITLE.format(period_label=period_label)
    return save_workbook(wb, path)
