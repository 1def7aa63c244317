"""The locality's target sheet (目标任务分解表): what one town or sub-district must reach in a year.

One protected sheet ``目标任务`` (A1 title, A2 the plan, header row 4: 序号, 指标, 计量单位, {year}年目标;
one indicator per row from row 5, then a note) and the very hidden ``_duban`` marker with
``kind=targets``. It is read-only for the official: nothing here is imported back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from notifications.documents import labels as L
from notifications.documents.cells import (
    TITLE_FONT,
    WRAP,
    new_workbook,
    protect,
    protect_workbook,
    save_workbook,
    style_locked,
    write_marker,
    write_number,
    write_text,
)
from notifications.documents.workbook import TEMPLATE_VERSION, quoted_title

KIND_TARGETS = "targets"
TARGETS_HEADER_ROW = 4
TARGETS_FIRST_ROW = 5


def _target_rows(ws: Any, targets: list[tuple[str, str, float | None]]) -> int:
    """One locked row per target from :data:`TARGETS_FIRST_ROW`; the last row written (that row when none)."""
    row = TARGETS_FIRST_ROW
    for row, (name, unit, value) in enumerate(targets, start=TARGETS_FIRST_ROW):
        write_number(ws.cell(row=row, column=1), row - TARGETS_FIRST_ROW + 1)
        write_text(ws.cell(row=row, column=2), name)
        ws.cell(row=row, column=2).alignment = WRAP
        write_text(ws.cell(row=row, column=3), unit)
        if value is None:
            write_text(ws.cell(row=row, column=4), L.T_PENDING)
        else:
            write_number(ws.cell(row=row, column=4), value)
        for col in range(1, 5):
            style_locked(ws.cell(row=row, column=col))
    return row


def write_targets_sheet(
    path: Path | str,
    *,
    plan_title: str,
    coordinator: str,
    locality: str,
    year: int,
    targets: list[tuple[str, str, float | None]],
    doc_number: str = "",
    plan_code: str = "",
) -> Path:
    """Write one locality's targets for ``year``.

    Args:
        path: the .xlsx file to write (its folder is created).
        plan_title: the plan's title.
        coordinator: the unit that set the targets, e.g. 市科工商务局.
        locality: the town or sub-district.
        year: the year the targets are for.
        targets: (indicator name, unit of measure, value or None when not yet split).
        doc_number: the notice's document number, shown with the title.
        plan_code: the plan's code, stored in the hidden marker.

    Returns:
        The path written.

    Raises:
        WorkbookError: when the file cannot be written.
    """
    wb = new_workbook(L.TITLE_TARGETS.format(locality=locality, year=year))
    ws = wb.active
    ws.title = L.SHEET_TARGETS
    for letter, width in {"A": 8, "B": 52, "C": 12, "D": 16}.items():
        ws.column_dimensions[letter].width = width
    write_text(ws["A1"], L.TITLE_TARGETS.format(locality=locality, year=year))
    ws["A1"].font = TITLE_FONT
    write_text(ws["A2"], L.SUBTITLE_PLAN.format(plan_title=quoted_title(plan_title), doc_number=doc_number))
    headers = (L.T_SEQ, L.T_NAME, L.T_UNIT, L.T_VALUE.format(year=year))
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=TARGETS_HEADER_ROW, column=col)
        write_text(cell, header)
        style_locked(cell, header=True)
    row = _target_rows(ws, targets)
    note = ws.cell(row=row + 2, column=1)
    write_text(note, L.TARGETS_NOTE.format(coordinator=coordinator, year=year))
    protect(ws)
    write_marker(wb, {"kind": KIND_TARGETS, "template_version": str(TEMPLATE_VERSION), "plan_code": plan_code,
                      "locality": locality, "year": str(year)})
    protect_workbook(wb)
    return save_workbook(wb, path)
