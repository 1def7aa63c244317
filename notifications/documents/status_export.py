"""The status board (督办总览) as an Excel workbook: one row per obligation, the light as the cell colour.

The rows are :func:`notifications.messages.board.board_table`'s (单位, 类别, 工作, 期次, 截止日期, 状态, 亮灯). The
亮灯 cell is filled red, yellow or blue for an open item with that light, and green once the item is handed
in or closed; the header is frozen and filterable, and the sheet prints landscape on A4.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from models.enums import Light
from notifications.documents.cells import (
    CENTRED,
    TABLE_BORDER,
    TITLE_FONT,
    print_landscape_a4,
    save_workbook,
    write_header_row,
)
from notifications.documents.cells import put as _put
from notifications.messages.board import DONE_STATUSES, LIGHT_LABEL, STATUS_LABEL, TABLE_COLUMNS

# --- User-facing text (Chinese) -------------------------------------------------------------------
SHEET = "督办总览"
# ---------------------------------------------------------------------------------------------------

STATUS_COLUMN, LIGHT_COLUMN = TABLE_COLUMNS[5], TABLE_COLUMNS[6]  # 状态, 亮灯
LIGHT_FILLS = {Light.RED: "FFC7CE", Light.YELLOW: "FFEB9C", Light.BLUE: "BDD7EE"}
DONE_FILL = "C6EFCE"
_FILL_BY_LABEL = {LIGHT_LABEL[light]: fill for light, fill in LIGHT_FILLS.items()}
_DONE_LABELS = frozenset(STATUS_LABEL[s] for s in DONE_STATUSES)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_WIDTH = 60


def _width(value: object) -> float:
    """Display width in Excel's character units: CJK characters count double."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return sum(2.0 if ord(ch) >= 0x2E80 else 1.0 for ch in text)


def light_fill(row: dict[str, object]) -> str | None:
    """The RGB fill of a board row's 亮灯 cell: green when handed in or closed, else its light's colour."""
    if row.get(STATUS_COLUMN) in _DONE_LABELS:
        return DONE_FILL
    return _FILL_BY_LABEL.get(str(row.get(LIGHT_COLUMN)))


def write_status_xlsx(rows: list[dict[str, object]], path: Path | str, *, title: str) -> Path:
    """Write the board rows to a one-sheet workbook.

    Args:
        rows: :func:`notifications.messages.board.board_table` rows (any dicts with the same keys work).
        path: where to write the .xlsx (overwritten).
        title: the line above the table, e.g. the board markdown's title.

    Returns:
        The path written.
    """
    path = Path(path)
    columns = list(rows[0]) if rows else list(TABLE_COLUMNS)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    head = _put(ws, 1, 1, title)
    head.font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.row_dimensions[1].height = 24
    widths = [_width(name) + 2 for name in columns]
    write_header_row(ws, 2, columns)
    for r, row in enumerate(rows, start=3):
        for c, name in enumerate(columns, start=1):
            value = row.get(name)
            if isinstance(value, str) and ISO_DATE.fullmatch(value):
                value = dt.date.fromisoformat(value)
            cell = _put(ws, r, c, value)
            cell.border = TABLE_BORDER
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            widths[c - 1] = max(widths[c - 1], _width(value) + 2)
        fill = light_fill(row)
        if fill is not None and LIGHT_COLUMN in columns:
            light = ws.cell(row=r, column=columns.index(LIGHT_COLUMN) + 1)
            light.fill = PatternFill("solid", fgColor=fill)
            light.alignment = CENTRED
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(width, MAX_WIDTH)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{2 + len(rows)}"
    ws.print_title_rows = "2:2"
    print_landscape_a4(ws)
    wb.properties.title = title
    return save_workbook(wb, path)
