"""Reading a filled progress-report workbook back: values only, every problem at once.

:func:`read_report_workbook` checks the file before openpyxl sees it (size, zip signature, macros,
external links, unpacked size), then reads the cells laid out by :mod:`notifications.documents.workbook`
with ``data_only=False`` through :class:`~notifications.documents.report_sheets.SheetReader`: a formula in
a cell that is read is refused, never evaluated ("values are read, never formulas"). It raises one
:class:`~models.errors.WorkbookError` listing every problem, each naming the file, the sheet, the row, the
column (Excel letters) and the bad value, with a suggestion where one is near. Nothing here touches the
database: the caller passes the valid choices.
"""

from __future__ import annotations

import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from models.errors import WorkbookError
from notifications.documents import labels as L
from notifications.documents.report_sheets import REQUIRED_SHEETS, SheetReader, quoted
from notifications.documents.workbook import ISSUES_CELLS

__all__ = ["MAX_WORKBOOK_BYTES", "ParsedReport", "read_report_workbook"]

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024  # the template is ~15 KB; a report with photos pasted in is not one
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a small zip that unpacks to gigabytes is refused before parsing

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and password-encrypted .xlsx


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
        kind = (f"a text file (CSV?) starting {quoted(text.splitlines()[0] if text.strip() else text)}"
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
