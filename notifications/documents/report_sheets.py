"""Reading the sheets of a progress-report workbook: cell values checked, every problem collected.

:class:`SheetReader` reads the cells laid out by :mod:`notifications.documents.workbook` (opened with
``data_only=False``): a formula in a cell that is read is refused, never evaluated, and each problem names
the file, the sheet, the row, the column (Excel letters) and the bad value, with a suggestion where one is
near. :func:`notifications.documents.report_import.read_report_workbook` checks the file first, then
drives the reader sheet by sheet.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import MergedCell
from openpyxl.utils.cell import coordinate_from_string

from notifications.documents import labels as L
from notifications.documents.cells import read_marker
from notifications.documents.workbook import (
    IND_COLUMNS,
    IND_FIRST_ROW,
    IND_HEADER_ROW,
    INFO_LABEL_COL,
    INFO_VALUE_COL,
    ISSUES_CELLS,
    KIND_REPORT,
    PROJ_COLUMNS,
    PROJ_FIRST_ROW,
    PROJ_HEADER_ROW,
    ROW_LOCALITY,
    ROW_PERIOD,
    TEMPLATE_VERSION,
)

MAX_VALUE = 1e15  # no county indicator comes near; larger is a typo or a pasted ID number
MAX_TEXT_CHARS = 10_000  # 存在问题 / 下一步工作; a project's name is at most MAX_NAME_CHARS
MAX_NAME_CHARS = 200
MAX_PROJECTS = 500  # project rows a report may list (a county has dozens of major projects)
MAX_LISTED = 25  # choices quoted in one message

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE = {"nan", "+nan", "-nan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity", "#num!",
               "#div/0!"}
_LOOSE_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
REQUIRED_SHEETS = (L.SHEET_INDICATORS, L.SHEET_PROJECTS, L.SHEET_ISSUES)


# --- values ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Unreadable:
    """A stored cell value openpyxl could not convert (``<v>NaN</v>`` in a number cell, a shared-text index
    past the end…): its raw text and the type the cell claims (``n`` number, ``s`` shared text, ``b`` yes/no,
    ``d`` date, ``e`` error). :func:`notifications.documents.report_container.open_workbook` stores it in the
    cell; :meth:`SheetReader.value` refuses it at its cell."""

    raw: str
    kind: str

    def __str__(self) -> str:
        return self.raw

    def problem(self) -> str:
        """What is wrong with it, for a message at its cell."""
        if self.kind == "n" and self.raw.strip().lower() in _NON_FINITE:
            return f"{quoted(self.raw)} is not a finite number"
        what = {"n": "a number", "s": "shared text", "b": "a yes/no value", "d": "a date", "e": "an error value"}
        return (f"the stored value {quoted(self.raw)} is not {what.get(self.kind, 'a value')} as the cell claims "
                f"(type {quoted(self.kind)}); the file is damaged: type the value again")


def quoted(value: object) -> str:
    """A bad value as quoted in a message (long text shortened)."""
    if isinstance(value, bytes):
        return repr(value)
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 40 else f"'{value[:30]}…' ({len(value):,} characters)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    """A cell's value as text (numbers without a trailing .0, dates as YYYY-MM-DD)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _number(value: object) -> tuple[float | None, str | None]:
    """(the number, None) or (None, what is wrong). ``value`` is not blank."""
    if isinstance(value, bool):
        return None, f"{str(value).upper()} is a yes/no value, not a number"
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return None, f"{_text(value)} is a date or time, not a number"
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() in _NON_FINITE:
            return None, f"{quoted(value)} is not a finite number"
        if not _DECIMAL.fullmatch(text):
            return None, (f"{quoted(value)} is text, not a number; type a number ≥ 0 such as 12.5, "
                          "without units or words")
        number = float(text)  # a number stored as text (pasted from elsewhere) is still a number
    else:
        return None, f"{quoted(value)} is not a number"
    if not math.isfinite(number):
        return None, f"{quoted(value)} is not a finite number"
    if number < 0:
        return None, f"{quoted(value)} is negative; values are ≥ 0"
    if number > MAX_VALUE:
        return None, f"{quoted(value)} is too large (over {MAX_VALUE:g}); check the digits"
    return number, None


def rows_from(ws: Any, first: int) -> list[int]:
    """The rows from ``first`` down that hold a cell, in order: only those stored (openpyxl's ``ws[...]``
    would create every cell of a loop to ``max_row``, a million for one value typed in the last row)."""
    return sorted({row for row, _ in ws._cells if row >= first})


def _listed(choices: list[str]) -> str:
    shown = "、".join(choices[:MAX_LISTED])
    return shown + (f" … ({len(choices)} in all)" if len(choices) > MAX_LISTED else "")


def _near(value: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def _near_period(value: str, periods: list[str]) -> str | None:
    m = _LOOSE_DATE.search(value)
    if m:
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            day = ""
        if day in periods:
            return day
    return _near(value, periods)


def _did_you_mean(value: str, choices: list[str], near: Callable[[str, list[str]], str | None] = _near) -> str:
    """``"did you mean 'x'? "`` when a choice is near ``value``, else ``""``."""
    found = near(value, choices)
    return f"did you mean '{found}'? " if found else ""


class SheetReader:
    """Reads the sheets and collects every problem."""

    def __init__(self, src: str, *, localities: list[str], periods: list[str], indicators: dict[str, str]) -> None:
        self.src = src
        self.localities = localities
        self.periods = periods
        self.indicators = indicators
        self.problems: list[str] = []

    # -- reporting --

    def at(self, sheet: str, coord: str, label: str, message: str) -> None:
        """Record a problem at one cell: file, sheet, row, column (and its label), then ``message``."""
        col, row = coordinate_from_string(coord)
        what = f" ({label})" if label else ""
        self.problems.append(f"{self.src}: sheet {sheet}, row {row}, column {col}{what}: {message}")

    def sheet_missing(self, name: str, found: list[str]) -> None:
        """Record a missing sheet, naming the sheet it was most likely renamed to."""
        visible = [s for s in found if s != L.SHEET_MARKER]
        others = [s for s in visible if s not in REQUIRED_SHEETS and s != L.SHEET_GUIDE]
        near = _near(name, others)
        hint = f"; was it renamed to '{near}'? sheet names must not be changed" if near else ""
        self.problems.append(f"{self.src}: missing sheet '{name}' (sheets: {'、'.join(visible) or 'none'}){hint}")

    # -- cells --

    def value(self, ws: Any, coord: str, label: str) -> tuple[object, bool]:
        """(the value, True) for a plain value; (None, False) with a problem for a formula."""
        cell = ws[coord]
        if isinstance(cell, MergedCell):
            merged = next((str(r) for r in ws.merged_cells.ranges if coord in r), "another cell")
            self.at(ws.title, coord, label, f"is merged into {merged}, which hides its value; merged cells are not "
                                            "accepted: unmerge them (取消合并) and type each value")
            return None, False
        if cell.data_type == "f":
            formula = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "") or "formula"
            self.at(ws.title, coord, label, f"formula {quoted(formula)} is not accepted: values are read, never "
                                            "formulas; type (or paste as values) the value itself")
            return None, False
        if cell.data_type == "e":
            shown = cell.value if isinstance(cell.value, str) and len(cell.value) <= 40 else quoted(str(cell.value))
            self.at(ws.title, coord, label, f"the cell shows the error {shown}; type the value itself")
            return None, False
        if isinstance(cell.value, Unreadable):
            self.at(ws.title, coord, label, cell.value.problem())
            return None, False
        return cell.value, True

    def number(self, ws: Any, coord: str, label: str) -> float | None:
        """The cell's number, or None when it is blank or wrong (the problem recorded)."""
        value, ok = self.value(ws, coord, label)
        if not ok or _blank(value):
            return None
        number, problem = _number(value)
        if problem:
            self.at(ws.title, coord, label, problem)
        return number

    def text(self, ws: Any, coord: str, label: str, limit: int = MAX_TEXT_CHARS) -> str:
        """The cell's value as text; a problem when it is a formula or longer than ``limit``."""
        value, _ = self.value(ws, coord, label)
        text = _text(value)
        if len(text) > limit:
            self.at(ws.title, coord, label, f"{len(text):,} characters; at most {limit:,}")
        return text

    def choice(self, ws: Any, coord: str, label: str, choices: list[str], *, what: str, empty: str, known: str,
               near: Callable[[str, list[str]], str | None] = _near) -> str:
        """The value of a list cell (spaces removed), with a problem when it is empty or not one of ``choices``.

        Args:
            ws: the sheet.
            coord: the cell, e.g. ``C3``.
            label: the cell's label, quoted with each problem.
            choices: the valid values.
            what: what the value is, in "unknown <what> 'x'".
            empty: what to do when it is empty, followed by "from the list (<choices>)".
            known: the words before the listed choices when the value is unknown.
            near: finds the choice nearest a wrong value.
        """
        raw, ok = self.value(ws, coord, label)
        chosen = "".join(_text(raw).split())
        if ok and not chosen:
            self.at(ws.title, coord, label, f"is empty; {empty} from the list ({_listed(choices)})")
        elif ok and chosen not in choices:
            hint = _did_you_mean(chosen, choices, near)
            self.at(ws.title, coord, label, f"unknown {what} {quoted(raw)}; {hint}{known}: {_listed(choices)}")
        return chosen

    def label(self, ws: Any, coord: str, expected: str) -> None:
        """Record a problem when a fixed label of the layout was changed."""
        found = _text(ws[coord].value)
        if found != expected:
            shown = quoted(found) if found else "nothing"
            self.at(ws.title, coord, "", f"expected the label '{expected}', found {shown}; the layout must not change")

    def headers(self, ws: Any, row: int, expected: dict[str, str]) -> dict[str, str] | None:
        """Header → column letter for each expected header (found anywhere in ``row``); None if one is missing."""
        texts = {cell.column_letter: _text(cell.value) for cell in ws[row] if not _blank(cell.value)}
        where = {text: col for col, text in texts.items()}
        out: dict[str, str] = {}
        for header, col in expected.items():
            if header in where:
                out[header] = where[header]
                continue
            found = texts.get(col, "")
            if found and found not in expected:
                message = f"the header is {quoted(found)}, expected '{header}'; headers must not be changed"
            else:
                message = f"the header '{header}' is missing (was the column deleted or moved?)"
            self.at(ws.title, f"{col}{row}", header, message)
        return out if len(out) == len(expected) else None

    # -- sheets --

    def marker(self, wb: Any, plan_code: str | None) -> str:
        """Check the hidden ``_duban`` sheet (ours, a progress report, a version we read, this plan); its plan code."""
        marker = read_marker(wb)
        if marker is None or marker.get("made_by") != "duban":
            self.problems.append(
                f"{self.src}: not a duban progress-report workbook (its hidden sheet {L.SHEET_MARKER} is missing); "
                "fill in the workbook made by `duban report template` — copying its sheets into another "
                "workbook loses it")
            return ""
        kind = marker.get("kind", "")
        if kind != KIND_REPORT:
            self.problems.append(f"{self.src}: a duban {quoted(kind or 'unknown')} workbook, not a progress-report "
                                 "workbook; send back the progress-report workbook (进度填报)")
        version = marker.get("template_version", "")
        if not (version.isascii() and version.isdigit() and len(version) <= 6):
            self.problems.append(f"{self.src}: sheet {L.SHEET_MARKER}: template version {quoted(version)} "
                                 "is not a number")
        elif int(version) > TEMPLATE_VERSION:
            self.problems.append(f"{self.src}: made by a newer duban (template version {version}; this duban "
                                 f"reads up to {TEMPLATE_VERSION}); upgrade duban")
        made_for = marker.get("plan_code", "")
        if plan_code and made_for and made_for != plan_code:
            self.problems.append(f"{self.src}: made for plan {quoted(made_for)}, not the loaded plan '{plan_code}'")
        return made_for

    def info(self, ws: Any) -> tuple[str, str]:
        """The 基本信息 block: (locality, period), each validated against the choices."""
        self.label(ws, f"{INFO_LABEL_COL}{ROW_LOCALITY}", L.INFO_LOCALITY)
        self.label(ws, f"{INFO_LABEL_COL}{ROW_PERIOD}", L.INFO_PERIOD)
        locality = self.choice(ws, f"{INFO_VALUE_COL}{ROW_LOCALITY}", L.INFO_LOCALITY, self.localities,
                               what="locality", empty="choose your town or sub-district", known="known")
        period = self.choice(ws, f"{INFO_VALUE_COL}{ROW_PERIOD}", L.INFO_PERIOD, self.periods, what="period",
                             empty="choose the report's due date", known="periods (YYYY-MM-DD)", near=_near_period)
        return locality, period

    def indicator_rows(self, ws: Any) -> dict[str, float]:
        """指标完成情况's indicator rows: indicator code → the value reported (blank rows left out)."""
        cols = self.headers(ws, IND_HEADER_ROW, IND_COLUMNS)
        if cols is None:
            return {}
        code_col, value_col = cols[L.H_CODE], cols[L.H_ACTUAL]
        seen: dict[str, int] = {}
        actuals: dict[str, float] = {}
        for row in rows_from(ws, IND_FIRST_ROW):
            raw_code, ok = self.value(ws, f"{code_col}{row}", L.H_CODE)
            code = _text(raw_code)
            name = self.indicators.get(code) or _text(ws[f"{cols[L.H_NAME]}{row}"].value)
            label = f"{L.H_ACTUAL}, {name}" if name else L.H_ACTUAL
            raw_value = ws[f"{value_col}{row}"].value
            if not ok:
                continue
            if not code:
                if not _blank(raw_value):
                    self.at(ws.title, f"{value_col}{row}", label, f"{quoted(raw_value)} is on a row without an "
                            f"indicator code (column {code_col}); indicator rows must not be added or edited")
                continue
            if code not in self.indicators:
                hint = _did_you_mean(code, list(self.indicators))
                self.at(ws.title, f"{code_col}{row}", L.H_CODE,
                        f"unknown indicator code {quoted(raw_code)}; {hint}known: {_listed(list(self.indicators))}")
                continue
            if code in seen:
                self.at(ws.title, f"{code_col}{row}", L.H_CODE, f"duplicate indicator row: '{code}' ({name}) is "
                        f"already on row {seen[code]}; one row per indicator")
                continue
            seen[code] = row
            number = self.number(ws, f"{value_col}{row}", label)
            if number is not None:
                actuals[code] = number
        missing = [code for code in self.indicators if code not in seen]
        if missing:
            names = "、".join(f"{self.indicators[code]} ({code})" for code in missing[:MAX_LISTED])
            more = f" … ({len(missing)} in all)" if len(missing) > MAX_LISTED else ""
            self.problems.append(
                f"{self.src}: sheet {ws.title}: {len(missing)} indicator row{'' if len(missing) == 1 else 's'} "
                f"missing: {names}{more}; indicator rows must not be deleted — fill in the workbook as it was sent, "
                "or a new one from `duban report template`")
        return actuals

    def project_rows(self, ws: Any) -> list[dict[str, Any]]:
        """重大项目's filled rows as ``name``, ``status``, ``investment`` dicts."""
        cols = self.headers(ws, PROJ_HEADER_ROW, PROJ_COLUMNS)
        if cols is None:
            return []
        name_col, status_col, inv_col = cols[L.P_NAME], cols[L.P_STATUS], cols[L.P_INVESTMENT]
        statuses = list(L.PROJECT_STATUSES)
        projects: list[dict[str, Any]] = []
        filled = [row for row in rows_from(ws, PROJ_FIRST_ROW)
                  if not all(_blank(ws[f"{c}{row}"].value) for c in (name_col, status_col, inv_col))]
        if len(filled) > MAX_PROJECTS:
            self.problems.append(
                f"{self.src}: sheet {ws.title}: {len(filled):,} project rows are filled (rows {filled[0]} to "
                f"{filled[-1]}); a report lists at most {MAX_PROJECTS} projects — keep the major ones")
            return []
        for row in filled:
            cells = [ws[f"{c}{row}"] for c in (name_col, status_col, inv_col)]
            name = self.text(ws, f"{name_col}{row}", L.P_NAME, limit=MAX_NAME_CHARS)
            status = "".join(self.text(ws, f"{status_col}{row}", L.P_STATUS).split())
            investment = self.number(ws, f"{inv_col}{row}", L.P_INVESTMENT)
            if not name and cells[0].data_type != "f":
                data = ", ".join(f"{h} {quoted(c.value)}" for h, c in zip((L.P_STATUS, L.P_INVESTMENT), cells[1:],
                                                                         strict=True) if not _blank(c.value))
                self.at(ws.title, f"{name_col}{row}", L.P_NAME,
                        f"the project name is empty but the row has data ({data}); name the project or clear the row")
            if status and status not in statuses:
                hint = _did_you_mean(status, statuses)
                self.at(ws.title, f"{status_col}{row}", L.P_STATUS,
                        f"unknown status {quoted(status)}; {hint}choose one of {'、'.join(statuses)}")
            projects.append({"name": name, "status": status, "investment": investment or 0.0})
        return projects

    def issues(self, ws: Any) -> dict[str, str]:
        """问题与计划's two texts, keyed by their labels."""
        out: dict[str, str] = {}
        for label, (label_at, value_at) in ISSUES_CELLS.items():
            self.label(ws, label_at, label)
            out[label] = self.text(ws, value_at, label)
        return out
