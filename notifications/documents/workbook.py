"""The progress-report workbook (进度填报表) a locality fills in and returns.

Layout (the importer, :mod:`notifications.documents.report_sheets`, relies on it; labels in
:mod:`notifications.documents.labels`):

=============  =====================================================================================
sheet          cells
=============  =====================================================================================
填报说明        instructions: what, by when, how to return it, yellow = input, grey = locked
指标完成情况    B1 title; B3 ``单位`` → **C3** locality (list); B4 ``报送节点`` → **C4** period (list, text
               ``YYYY-MM-DD``); B5 ``截止日期`` → C5 due date (locked). Header row **7**: A 指标代码 (hidden,
               locked), B 指标, C 计量单位, D 分解目标, **E 本年累计完成** (input, decimal ≥ 0,
               pre-filled with the value already reported this year); one indicator per row from row 8.
重大项目        A1 title, A2 hint; header row **3**: A 项目名称, B 进展状态 (list 前期/在建/投产/停建),
               C 本年完成投资(亿元) (decimal ≥ 0); input rows from row 4 (the known projects, then blanks).
问题与计划      A1 title; A2 ``存在问题`` → **B2**; A3 ``下一步工作`` → **B3** (input, wrapped).
_duban         very hidden: ``key | value`` rows from A2 (made_by=duban, kind=progress-report,
               template_version, plan_code, locality, period, due_on, made_at); lists for the validations in D…F.
=============  =====================================================================================

Every visible sheet is protected without a password and the workbook's structure is locked: this is
against accidents (a renamed sheet, a header typed over), not a security feature. Input cells are
unlocked and yellow; everything else is locked and grey.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl.worksheet.datavalidation import DataValidation

from notifications.documents import labels as L
from notifications.documents.cells import (
    HEADER_FONT,
    TITLE_FONT,
    WRAP,
    new_workbook,
    protect,
    protect_workbook,
    save_workbook,
    style_input,
    style_locked,
    write_marker,
    write_number,
    write_text,
)

TEMPLATE_VERSION = 1
KIND_REPORT = "progress-report"

# 指标完成情况
INFO_LABEL_COL = "B"
INFO_VALUE_COL = "C"
ROW_LOCALITY = 3
ROW_PERIOD = 4
ROW_DUE = 5
IND_HEADER_ROW = 7
IND_FIRST_ROW = 8
IND_COLUMNS = {L.H_CODE: "A", L.H_NAME: "B", L.H_UNIT: "C", L.H_TARGET: "D", L.H_ACTUAL: "E"}

# 重大项目
PROJ_HEADER_ROW = 3
PROJ_FIRST_ROW = 4
PROJ_COLUMNS = {L.P_NAME: "A", L.P_STATUS: "B", L.P_INVESTMENT: "C"}
PROJ_MIN_ROWS = 30  # input rows offered at least
PROJ_SPARE_ROWS = 10  # blank rows after the known projects

# 问题与计划
ISSUES_CELLS = {L.I_PROBLEMS: ("A2", "B2"), L.I_NEXT_STEPS: ("A3", "B3")}

INLINE_LIST_MAX = 255  # Excel's limit on an inline list validation


def half_year(period: str) -> str:
    """2016-06-05 → 2016年上半年."""
    day = dt.date.fromisoformat(period)
    return L.HALF_YEAR.format(year=day.year, half=L.HALF_FIRST if day.month <= 6 else L.HALF_SECOND)


def date_zh(day: dt.date) -> str:
    """2016-06-06 → 2016年6月6日."""
    return L.DATE_ZH.format(year=day.year, month=day.month, day=day.day)


def quoted_title(title: str) -> str:
    """A title to put inside 《》: inner book-title marks become 〈〉."""
    return title.replace("《", "〈").replace("》", "〉")


def list_validation(values: list[str], ref: str, *, title: str, error: str) -> DataValidation:
    """A dropdown of ``values``: inline when short enough, else a reference to the hidden list."""
    inline = ",".join(values)
    formula = f'"{inline}"' if len(inline) + 2 <= INLINE_LIST_MAX and "," not in "".join(values) else ref
    return DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                          errorTitle=title, error=error, showInputMessage=True, promptTitle=title)


def number_validation() -> DataValidation:
    """Decimal ≥ 0, with a Chinese error message."""
    return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                          showErrorMessage=True, errorTitle=L.DV_NUMBER_TITLE, error=L.DV_NUMBER_ERROR,
                          showInputMessage=True, promptTitle=L.DV_NUMBER_TITLE, prompt=L.DV_NUMBER_PROMPT)


def write_report_workbook(
    path: Path | str,
    *,
    plan_title: str,
    doc_number: str,
    coordinator: str,
    locality: str,
    period: str,
    due_on: dt.date,
    indicators: list[tuple[str, str, str, float | None, float | None]],
    projects: list[dict[str, Any]] | None = None,
    localities: list[str],
    periods: list[str],
    plan_code: str = "",
    problems: str = "",
    next_steps: str = "",
    made_at: dt.datetime | None = None,
) -> Path:
    """Write the pre-filled progress-report workbook for one locality and period.

    Args:
        path: the .xlsx file to write (its folder is created).
        plan_title: the plan's title, shown in the instructions.
        doc_number: the notice's document number, e.g. 信府〔2015〕30号.
        coordinator: the unit the workbook goes back to, e.g. 市科工商务局.
        locality: the town or sub-district (pre-selected in 单位).
        period: the report's nominal due date, YYYY-MM-DD (pre-selected in 报送节点).
        due_on: the effective due date shown to the official.
        indicators: (code, name, unit, allocated target or None, value already reported this year or None).
        projects: known projects (``name``, ``status``, ``investment``) pre-filled in 重大项目.
        localities: the choices of 单位.
        periods: the choices of 报送节点.
        plan_code: the plan's code, stored in the hidden marker.
        problems: pre-filled 存在问题 (when this period was already reported).
        next_steps: pre-filled 下一步工作.
        made_at: when it was made (aware), stored in the marker and the file's properties.

    Returns:
        The path written.

    Raises:
        WorkbookError: when the file cannot be written.
    """
    wb = new_workbook(L.TITLE_REPORT.format(locality=locality, half=half_year(period)), made_at)
    refs = _marker(wb, plan_code=plan_code, locality=locality, period=period, due_on=due_on, made_at=made_at,
                   localities=localities, periods=periods)
    fields = {"locality": locality, "plan_title": quoted_title(plan_title), "doc_number": doc_number,
              "coordinator": coordinator, "half": half_year(period), "due": date_zh(due_on)}
    _guide(wb.active, fields)
    _indicators(wb.create_sheet(L.SHEET_INDICATORS), locality, period, due_on, indicators, localities, periods,
                refs)
    _projects(wb.create_sheet(L.SHEET_PROJECTS), locality, projects or [], refs)
    _issues(wb.create_sheet(L.SHEET_ISSUES), locality, problems, next_steps)
    wb.move_sheet(L.SHEET_MARKER, offset=len(wb.sheetnames) - 1)  # keep the hidden sheet last
    wb.active = 1  # open on 指标完成情况
    protect_workbook(wb)
    return save_workbook(wb, path)


def _marker(wb: Any, *, plan_code: str, locality: str, period: str, due_on: dt.date, made_at: dt.datetime | None,
            localities: list[str], periods: list[str]) -> dict[str, str]:
    """The hidden ``_duban`` sheet: what the workbook is for, and the lists its dropdowns offer."""
    return write_marker(wb, {
        "kind": KIND_REPORT, "template_version": str(TEMPLATE_VERSION), "plan_code": plan_code,
        "locality": locality, "period": period, "due_on": due_on.isoformat(),
        "made_at": made_at.isoformat() if made_at else "",
    }, {"localities": localities, "periods": periods, "statuses": list(L.PROJECT_STATUSES)})


def _guide(ws: Any, fields: dict[str, str]) -> None:
    ws.title = L.SHEET_GUIDE
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 90
    write_text(ws["A1"], L.TITLE_REPORT.format(locality=fields["locality"], half=fields["half"]))
    ws["A1"].font = TITLE_FONT
    write_text(ws["A2"], L.SUBTITLE_PLAN.format(**fields))
    write_text(ws["A3"], L.GUIDE_TITLE)
    ws["A3"].font = TITLE_FONT
    for row, (head, line) in enumerate(L.GUIDE_LINES, start=4):
        write_text(ws.cell(row=row, column=1), head)
        ws.cell(row=row, column=1).font = HEADER_FONT
        write_text(ws.cell(row=row, column=2), line.format(**fields))
        ws.cell(row=row, column=2).alignment = WRAP
        ws.row_dimensions[row].height = 32
    protect(ws)


def _indicators(
    ws: Any, locality: str, period: str, due_on: dt.date,
    indicators: list[tuple[str, str, str, float | None, float | None]],
    localities: list[str], periods: list[str], refs: dict[str, str],
) -> None:
    for col, width in {"A": 24, "B": 48, "C": 12, "D": 14, "E": 16}.items():
        ws.column_dimensions[col].width = width
    ws.column_dimensions["A"].hidden = True
    write_text(ws["B1"], L.TITLE_INDICATORS.format(locality=locality, period=period))
    ws["B1"].font = TITLE_FONT
    write_text(ws["B2"], L.INFO_HEADING)
    ws["B2"].font = HEADER_FONT
    info = ((ROW_LOCALITY, L.INFO_LOCALITY, locality), (ROW_PERIOD, L.INFO_PERIOD, period),
            (ROW_DUE, L.INFO_DUE, due_on.isoformat()))
    for row, label, value in info:
        label_cell, value_cell = ws[f"{INFO_LABEL_COL}{row}"], ws[f"{INFO_VALUE_COL}{row}"]
        write_text(label_cell, label)
        style_locked(label_cell, header=True)
        write_text(value_cell, value)
        value_cell.number_format = "@"  # typed dates stay text, as the list offers them
        (style_locked if row == ROW_DUE else style_input)(value_cell)
    write_text(ws[f"D{ROW_LOCALITY}"], L.INFO_HINT)
    unit_dv = list_validation(localities, refs["localities"], title=L.DV_LOCALITY_TITLE, error=L.DV_LOCALITY_ERROR)
    period_dv = list_validation(periods, refs["periods"], title=L.DV_PERIOD_TITLE, error=L.DV_PERIOD_ERROR)
    for dv, row in ((unit_dv, ROW_LOCALITY), (period_dv, ROW_PERIOD)):
        ws.add_data_validation(dv)
        dv.add(f"{INFO_VALUE_COL}{row}")
    for header, col in IND_COLUMNS.items():
        write_text(ws[f"{col}{IND_HEADER_ROW}"], header)
        style_locked(ws[f"{col}{IND_HEADER_ROW}"], header=True)
    numbers = number_validation()
    ws.add_data_validation(numbers)
    for row, (code, name, unit, allocated, reported) in enumerate(indicators, start=IND_FIRST_ROW):
        for col, value in (("A", code), ("B", name), ("C", unit)):
            write_text(ws[f"{col}{row}"], value)
            style_locked(ws[f"{col}{row}"])
        ws[f"B{row}"].alignment = WRAP
        write_number(ws[f"D{row}"], allocated)
        if allocated is None:
            write_text(ws[f"D{row}"], L.T_PENDING)
        style_locked(ws[f"D{row}"])
        write_number(ws[f"E{row}"], reported)
        style_input(ws[f"E{row}"])
    if indicators:
        numbers.add(f"E{IND_FIRST_ROW}:E{IND_FIRST_ROW + len(indicators) - 1}")
    ws.freeze_panes = f"A{IND_FIRST_ROW}"
    protect(ws)


def _projects(ws: Any, locality: str, projects: list[dict[str, Any]], refs: dict[str, str]) -> None:
    for col, width in {"A": 48, "B": 14, "C": 20}.items():
        ws.column_dimensions[col].width = width
    write_text(ws["A1"], L.TITLE_PROJECTS.format(locality=locality))
    ws["A1"].font = TITLE_FONT
    write_text(ws["A2"], L.PROJECTS_HINT)
    for header, col in PROJ_COLUMNS.items():
        write_text(ws[f"{col}{PROJ_HEADER_ROW}"], header)
        style_locked(ws[f"{col}{PROJ_HEADER_ROW}"], header=True)
    rows = max(PROJ_MIN_ROWS, len(projects) + PROJ_SPARE_ROWS)
    last = PROJ_FIRST_ROW + rows - 1
    for offset in range(rows):
        row = PROJ_FIRST_ROW + offset
        for col in PROJ_COLUMNS.values():
            style_input(ws[f"{col}{row}"])
        ws[f"A{row}"].number_format = "@"
        if offset < len(projects):
            project = projects[offset]
            write_text(ws[f"A{row}"], project.get("name"))
            write_text(ws[f"B{row}"], project.get("status"))
            investment = project.get("investment")
            write_number(ws[f"C{row}"], float(investment) if isinstance(investment, int | float) else None)
    status = list_validation(list(L.PROJECT_STATUSES), refs["statuses"], title=L.DV_STATUS_TITLE,
                             error=L.DV_STATUS_ERROR)
    numbers = number_validation()
    for dv, col in ((status, "B"), (numbers, "C")):
        ws.add_data_validation(dv)
        dv.add(f"{col}{PROJ_FIRST_ROW}:{col}{last}")
    ws.freeze_panes = f"A{PROJ_FIRST_ROW}"
    protect(ws)


def _issues(ws: Any, locality: str, problems: str, next_steps: str) -> None:
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 90
    write_text(ws["A1"], L.TITLE_ISSUES.format(locality=locality))
    ws["A1"].font = TITLE_FONT
    for (label, (label_at, value_at)), value in zip(ISSUES_CELLS.items(), (problems, next_steps), strict=True):
        write_text(ws[label_at], label)
        style_locked(ws[label_at], header=True)
        write_text(ws[value_at], value)
        style_input(ws[value_at])
        ws[value_at].alignment = WRAP
        ws.row_dimensions[ws[value_at].row].height = 160
    protect(ws)
