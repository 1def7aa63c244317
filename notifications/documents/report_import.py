"""Reading a filled progress-report workbook back: values only, every problem at once.

:func:`read_report_workbook` checks the file before openpyxl sees it (size, zip signature, macros,
external links, unpacked size), then reads the cells laid out by :mod:`notifications.documents.workbook`
with ``data_only=False``: a formula in a cell that is read is refused, never evaluated ("values are
read, never formulas"). It raises one :class:`WorkbookError` listing every problem, each naming the file,
the sheet, the row, the column (Excel letters) and the bad value, with a suggestion where one is near.
Nothing here touches the database: the caller passes the valid choices.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string

from models.errors import WorkbookError
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

__all__ = ["MAX_WORKBOOK_BYTES", "ParsedReport", "WorkbookError", "read_report_workbook"]

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024  # the template is ~15 KB; a report with photos pasted in is not one
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a small zip that unpacks to gigabytes is refused before parsing
MAX_VALUE = 1e15  # no county indicator comes near; larger is a typo or a pasted ID number
MAX_TEXT_CHARS = 10_000
MAX_LISTED = 25  # choices quoted in one message

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and password-encrypted .xlsx
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE = {"nan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity", "#num!", "#div/0!"}
_LOOSE_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_REQUIRED_SHEETS = (L.SHEET_INDICATORS, L.SHEET_PROJECTS, L.SHEET_ISSUES)


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
        WorkbookError: listing every problem; nothing is returned when there is one.
    """
    p = Path(path)
    _check_container(p, max_bytes)
    wb = _open(p)
    reader = _Reader(str(p), localities=localities, periods=periods, indicators=indicators)
    marker_plan = reader.marker(wb, plan_code)
    if reader.problems:  # not our workbook (or not this plan's): every other message would be noise
        raise WorkbookError(reader.problems)
    missing = [name for name in _REQUIRED_SHEETS if name not in wb.sheetnames]
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


# --- the file, before openpyxl ------------------------------------------------------------------------

def _check_container(p: Path, max_bytes: int) -> None:
    """Refuse what is not a plain .xlsx, cheaply and before any XML is parsed."""
    src = str(p)
    send = "send back the .xlsx workbook made by `duban report template`"
    try:
        if p.is_dir():
            raise WorkbookError([f"{src}: is a directory, not a workbook"])
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(512)
    except FileNotFoundError:
        raise WorkbookError([f"{src}: no such file"]) from None
    except PermissionError:
        raise WorkbookError([f"{src}: permission denied"]) from None
    except OSError as exc:
        raise WorkbookError([f"{src}: cannot be read: {exc.strerror or exc}"]) from None
    suffix = p.suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlam"):
        raise WorkbookError([f"{src}: a macro-enabled workbook ({suffix}) is not accepted; {send}"])
    if size == 0:
        raise WorkbookError([f"{src}: the file is empty (0 bytes); {send}"])
    if size > max_bytes:
        raise WorkbookError([f"{src}: the file is {size:,} bytes, larger than the {max_bytes:,} bytes a report "
                             f"workbook may be; remove pasted pictures or objects and {send}"])
    if head.startswith(OLE_MAGIC):
        raise WorkbookError([f"{src}: an old-format .xls/.et workbook or a password-protected one, not an .xlsx; "
                             "remove any password and save it as an Excel workbook (.xlsx)"])
    if not head.startswith(ZIP_MAGIC):
        text = _as_text(head)
        kind = (f"a text file (CSV?) starting {_shown(text.splitlines()[0] if text.strip() else text)}"
                if text is not None else f"not a zip file: it starts {head[:8].hex(' ')}")
        raise WorkbookError([f"{src}: not an Excel .xlsx workbook ({kind}); {send}"])
    problems: list[str] = []
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            names = [i.filename.lower() for i in infos]
            if "xl/workbook.xml" not in names:
                problems.append(f"{src}: a zip file but not an Excel workbook (no xl/workbook.xml); {send}")
            if any(n.endswith("vbaproject.bin") for n in names):
                problems.append(f"{src}: contains macros (xl/vbaProject.bin); macros are not accepted, {send}")
            links = sorted(i.filename for i in infos if i.filename.lower().startswith("xl/externallinks/"))
            if links:
                problems.append(f"{src}: contains links to other workbooks ({', '.join(links[:3])}); copy the "
                                "values in (paste as values) and remove the links (数据 → 编辑链接 → 断开链接)")
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_UNPACKED_BYTES:
                problems.append(f"{src}: unpacks to {unpacked:,} bytes, more than the {MAX_UNPACKED_BYTES:,} "
                                "a report workbook may; it is not the template")
            elif not problems:
                bad = zf.testzip()
                if bad is not None:
                    problems.append(f"{src}: damaged: part {bad} fails its checksum; save the workbook again")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise WorkbookError([f"{src}: truncated or damaged: cannot be read as a zip file ({exc}); "
                             f"save the workbook again and {send}"]) from None
    if problems:
        raise WorkbookError(problems)


def _as_text(head: bytes) -> str | None:
    """The file's first bytes as text when they are text (UTF-8 or GB18030), else None."""
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut at the end of the sample
                return head[: exc.start].decode(encoding, errors="replace")
    return None


def _open(p: Path) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; we read values only
            return load_workbook(p, data_only=False, keep_vba=False, keep_links=False, rich_text=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file; one message
        raise WorkbookError([f"{p}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc}); "
                             "save it again as an Excel workbook (.xlsx)"]) from None


# --- values ---------------------------------------------------------------------------------------------

def _shown(value: object) -> str:
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
            return None, f"{_shown(value)} is not a finite number"
        if not _DECIMAL.fullmatch(text):
            return None, (f"{_shown(value)} is text, not a number; type a number ≥ 0 such as 12.5, "
                          "without units or words")
        number = float(text)  # a number stored as text (pasted from elsewhere) is still a number
    else:
        return None, f"{_shown(value)} is not a number"
    if not math.isfinite(number):
        return None, f"{_shown(value)} is not a finite number"
    if number < 0:
        return None, f"{_shown(value)} is negative; values are ≥ 0"
    if number > MAX_VALUE:
        return None, f"{_shown(value)} is too large (over {MAX_VALUE:g}); check the digits"
    return number, None


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


class _Reader:
    """Reads the sheets and collects every problem."""

    def __init__(self, src: str, *, localities: list[str], periods: list[str], indicators: dict[str, str]) -> None:
        self.src = src
        self.localities = localities
        self.periods = periods
        self.indicators = indicators
        self.problems: list[str] = []

    # -- reporting --

    def at(self, sheet: str, coord: str, label: str, message: str) -> None:
        col, row = coordinate_from_string(coord)
        what = f" ({label})" if label else ""
        self.problems.append(f"{self.src}: sheet {sheet}, row {row}, column {col}{what}: {message}")

    def sheet_missing(self, name: str, found: list[str]) -> None:
        visible = [s for s in found if s != L.SHEET_MARKER]
        others = [s for s in visible if s not in _REQUIRED_SHEETS and s != L.SHEET_GUIDE]
        near = _near(name, others)
        hint = f"; was it renamed to '{near}'? sheet names must not be changed" if near else ""
        self.problems.append(f"{self.src}: missing sheet '{name}' (sheets: {'、'.join(visible) or 'none'}){hint}")

    # -- cells --

    def value(self, ws: Any, coord: str, label: str) -> tuple[object, bool]:
        """(the value, True) for a plain value; (None, False) with a problem for a formula."""
        cell = ws[coord]
        if cell.data_type == "f":
            formula = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "") or "formula"
            self.at(ws.title, coord, label, f"formula {_shown(formula)} is not accepted: values are read, never "
                                            "formulas; type (or paste as values) the value itself")
            return None, False
        if cell.data_type == "e":
            self.at(ws.title, coord, label, f"the cell shows the error {cell.value}; type the value itself")
            return None, False
        return cell.value, True

    def number(self, ws: Any, coord: str, label: str) -> float | None:
        value, ok = self.value(ws, coord, label)
        if not ok or _blank(value):
            return None
        number, problem = _number(value)
        if problem:
            self.at(ws.title, coord, label, problem)
        return number

    def text(self, ws: Any, coord: str, label: str, limit: int = MAX_TEXT_CHARS) -> str:
        value, _ = self.value(ws, coord, label)
        text = _text(value)
        if len(text) > limit:
            self.at(ws.title, coord, label, f"{len(text):,} characters; at most {limit:,}")
        return text

    def label(self, ws: Any, coord: str, expected: str) -> None:
        found = _text(ws[coord].value)
        if found != expected:
            shown = _shown(found) if found else "nothing"
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
                message = f"the header is {_shown(found)}, expected '{header}'; headers must not be changed"
            else:
                message = f"the header '{header}' is missing (was the column deleted or moved?)"
            self.at(ws.title, f"{col}{row}", header, message)
        return out if len(out) == len(expected) else None

    # -- sheets --

    def marker(self, wb: Any, plan_code: str | None) -> str:
        marker = read_marker(wb)
        if marker is None or marker.get("made_by") != "duban":
            self.problems.append(
                f"{self.src}: not a duban progress-report workbook (its hidden sheet {L.SHEET_MARKER} is missing); "
                "fill in the workbook made by `duban report template` — copying its sheets into another "
                "workbook loses it")
            return ""
        kind = marker.get("kind", "")
        if kind != KIND_REPORT:
            self.problems.append(f"{self.src}: a duban '{kind or 'unknown'}' workbook, not a progress-report "
                                 "workbook; send back the progress-report workbook (进度填报)")
        version = marker.get("template_version", "")
        if not version.isdigit():
            self.problems.append(f"{self.src}: sheet {L.SHEET_MARKER}: template version {_shown(version)} "
                                 "is not a number")
        elif int(version) > TEMPLATE_VERSION:
            self.problems.append(f"{self.src}: made by a newer duban (template version {version}; this duban "
                                 f"reads up to {TEMPLATE_VERSION}); upgrade duban")
        made_for = marker.get("plan_code", "")
        if plan_code and made_for and made_for != plan_code:
            self.problems.append(f"{self.src}: made for plan '{made_for}', not the loaded plan '{plan_code}'")
        return made_for

    def info(self, ws: Any) -> tuple[str, str]:
        """The 基本信息 block: (locality, period), each validated against the choices."""
        self.label(ws, f"{INFO_LABEL_COL}{ROW_LOCALITY}", L.INFO_LOCALITY)
        self.label(ws, f"{INFO_LABEL_COL}{ROW_PERIOD}", L.INFO_PERIOD)
        at_unit, at_period = f"{INFO_VALUE_COL}{ROW_LOCALITY}", f"{INFO_VALUE_COL}{ROW_PERIOD}"
        raw, ok = self.value(ws, at_unit, L.INFO_LOCALITY)
        locality = "".join(_text(raw).split())
        if ok and not locality:
            self.at(ws.title, at_unit, L.INFO_LOCALITY,
                    f"is empty; choose your town or sub-district from the list ({_listed(self.localities)})")
        elif ok and locality not in self.localities:
            near = _near(locality, self.localities)
            hint = f"did you mean '{near}'? " if near else ""
            self.at(ws.title, at_unit, L.INFO_LOCALITY,
                    f"unknown locality {_shown(raw)}; {hint}known: {_listed(self.localities)}")
        raw, ok = self.value(ws, at_period, L.INFO_PERIOD)
        period = "".join(_text(raw).split())
        if ok and not period:
            self.at(ws.title, at_period, L.INFO_PERIOD,
                    f"is empty; choose the report's due date from the list ({_listed(self.periods)})")
        elif ok and period not in self.periods:
            near = _near_period(period, self.periods)
            hint = f"did you mean '{near}'? " if near else ""
            self.at(ws.title, at_period, L.INFO_PERIOD,
                    f"unknown period {_shown(raw)}; {hint}periods (YYYY-MM-DD): {_listed(self.periods)}")
        return locality, period

    def indicator_rows(self, ws: Any) -> dict[str, float]:
        cols = self.headers(ws, IND_HEADER_ROW, IND_COLUMNS)
        if cols is None:
            return {}
        code_col, value_col = cols[L.H_CODE], cols[L.H_ACTUAL]
        seen: dict[str, int] = {}
        actuals: dict[str, float] = {}
        for row in range(IND_FIRST_ROW, ws.max_row + 1):
            raw_code, ok = self.value(ws, f"{code_col}{row}", L.H_CODE)
            code = _text(raw_code)
            name = self.indicators.get(code) or _text(ws[f"{cols[L.H_NAME]}{row}"].value)
            label = f"{L.H_ACTUAL}, {name}" if name else L.H_ACTUAL
            raw_value = ws[f"{value_col}{row}"].value
            if not ok:
                continue
            if not code:
                if not _blank(raw_value):
                    self.at(ws.title, f"{value_col}{row}", label, f"{_shown(raw_value)} is on a row without an "
                            f"indicator code (column {code_col}); indicator rows must not be added or edited")
                continue
            if code not in self.indicators:
                near = _near(code, list(self.indicators))
                hint = f"did you mean '{near}'? " if near else ""
                self.at(ws.title, f"{code_col}{row}", L.H_CODE,
                        f"unknown indicator code {_shown(raw_code)}; {hint}known: {_listed(list(self.indicators))}")
                continue
            if code in seen:
                self.at(ws.title, f"{code_col}{row}", L.H_CODE, f"duplicate indicator row: '{code}' ({name}) is "
                        f"already on row {seen[code]}; one row per indicator")
                continue
            seen[code] = row
            number = self.number(ws, f"{value_col}{row}", label)
            if number is not None:
                actuals[code] = number
        return actuals

    def project_rows(self, ws: Any) -> list[dict[str, Any]]:
        cols = self.headers(ws, PROJ_HEADER_ROW, PROJ_COLUMNS)
        if cols is None:
            return []
        name_col, status_col, inv_col = cols[L.P_NAME], cols[L.P_STATUS], cols[L.P_INVESTMENT]
        statuses = list(L.PROJECT_STATUSES)
        projects: list[dict[str, Any]] = []
        for row in range(PROJ_FIRST_ROW, ws.max_row + 1):
            cells = [ws[f"{c}{row}"] for c in (name_col, status_col, inv_col)]
            if all(_blank(c.value) for c in cells):
                continue
            name = self.text(ws, f"{name_col}{row}", L.P_NAME, limit=200)
            status = "".join(self.text(ws, f"{status_col}{row}", L.P_STATUS).split())
            investment = self.number(ws, f"{inv_col}{row}", L.P_INVESTMENT)
            if not name and cells[0].data_type != "f":
                data = ", ".join(f"{h} {_shown(c.value)}" for h, c in zip((L.P_STATUS, L.P_INVESTMENT), cells[1:],
                                                                         strict=True) if not _blank(c.value))
                self.at(ws.title, f"{name_col}{row}", L.P_NAME,
                        f"the project name is empty but the row has data ({data}); name the project or clear the row")
            if status and status not in statuses:
                near = _near(status, statuses)
                hint = f"did you mean '{near}'? " if near else ""
                self.at(ws.title, f"{status_col}{row}", L.P_STATUS,
                        f"unknown status {_shown(status)}; {hint}choose one of {'、'.join(statuses)}")
            projects.append({"name": name, "status": status, "investment": investment or 0.0})
        return projects

    def issues(self, ws: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for label, (label_at, value_at) in ISSUES_CELLS.items():
            self.label(ws, label_at, label)
            out[label] = self.text(ws, value_at, label)
        return out
