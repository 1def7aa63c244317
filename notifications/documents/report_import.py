"""Reading a filled progress-report workbook back: values only, every problem at once.

:func:`read_report_workbook` checks the file before openpyxl sees it
(:func:`~notifications.documents.report_container.check_container`: size, zip signature, macros, external
links, unpacked size, and bounds on the XML — elements, cells, rows, merged and linked ranges — so that no
file makes openpyxl hang or swell), then reads the cells laid out by :mod:`notifications.documents.workbook`
with ``data_only=False`` through :class:`~notifications.documents.report_sheets.SheetReader`: a formula in
a cell that is read is refused, never evaluated ("values are read, never formulas"); so are NaN and
infinite numbers, deleted indicator rows, more than 500 project rows and over-long texts. It raises one
:class:`~models.errors.WorkbookError` listing every problem, each one line naming the file, the sheet, the
row, the column (Excel letters) and the bad value, with a suggestion where one is near. Nothing here
touches the database: the caller passes the valid choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.errors import WorkbookError
from notifications.documents import labels as L
from notifications.documents.report_container import MAX_WORKBOOK_BYTES, check_container, one_line, open_workbook
from notifications.documents.report_sheets import REQUIRED_SHEETS, SheetReader
from notifications.documents.workbook import ISSUES_CELLS

__all__ = ["MAX_WORKBOOK_BYTES", "ParsedReport", "read_report_workbook"]


@dataclass(frozen=True)
class ParsedReport:
    """What a valid workbook says: ready for :func:`models.records.reports.record_progress_report`."""

    locality: str
    period: str
    actuals: dict[str, float]
    projects: list[dict[str, Any]] = field(default_factory=list)
    problems: str = ""
    next_steps: str = ""
    plan_code: str = ""


def read_report_workbook(
    path: Path | str,
    *,
    localities: list[str],
    periods: list[str],
    indicators: dict[str, str],
    plan_code: str | None = None,
    max_bytes: int = MAX_WORKBOOK_BYTES,
) -> ParsedReport:
    """Read a filled progress-report workbook.

    Args:
        path: the returned .xlsx file.
        localities: the valid 单位 choices.
        periods: the valid 报送节点 choices (YYYY-MM-DD).
        indicators: indicator code → name, the valid indicator rows.
        plan_code: when given, a workbook made for another plan is refused.
        max_bytes: files larger than this are refused before they are opened.

    Returns:
        The report, values only.

    Raises:
        WorkbookError: listing every problem, each on one line; nothing is returned when there is one.
    """
    try:
        return _read(Path(path), localities=localities, periods=periods, indicators=indicators,
                     plan_code=plan_code, max_bytes=max_bytes)
    except WorkbookError as exc:
        raise WorkbookError([one_line(problem) for problem in exc.problems]) from None


def _read(p: Path, *, localities: list[str], periods: list[str], indicators: dict[str, str],
          plan_code: str | None, max_bytes: int) -> ParsedReport:
    check_container(p, max_bytes)
    wb = open_workbook(p)
    reader = SheetReader(str(p), localities=localities, periods=periods, indicators=indicators)
    marker_plan = reader.marker(wb, plan_code)
    if reader.problems:  # not our workbook (or not this plan's): every other message would be noise
        raise WorkbookError(reader.problems)
    missing = [name for name in REQUIRED_SHEETS if name not in wb.sheetnames]
    for name in missing:
        reader.sheet_missing(name, wb.sheetnames)
    locality = period = ""
    actuals: dict[str, float] = {}
    projects: list[dict[str, Any]] = []
    texts = dict.fromkeys(ISSUES_CELLS, "")
    if L.SHEET_INDICATORS not in missing:
        ws = wb[L.SHEET_INDICATORS]
        locality, period = reader.info(ws)
        actuals = reader.indicator_rows(ws)
    if L.SHEET_PROJECTS not in missing:
        projects = reader.project_rows(wb[L.SHEET_PROJECTS])
    if L.SHEET_ISSUES not in missing:
        texts = reader.issues(wb[L.SHEET_ISSUES])
    if reader.problems:
        raise WorkbookError(reader.problems)
    return ParsedReport(locality=locality, period=period, actuals=actuals, projects=projects,
                        problems=texts[L.I_PROBLEMS], next_steps=texts[L.I_NEXT_STEPS], plan_code=marker_plan)
