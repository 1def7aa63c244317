"""Cell-level helpers shared by every workbook duban writes or reads (openpyxl).

Text is written with :func:`write_text`, never with ``cell.value = text``: openpyxl turns any string that
starts with ``=`` into a formula on plain assignment, so a project named ``=HYPERLINK(…)`` would become a
live formula in the official's Excel. :func:`write_text` stores every string as a string cell (``t="s"``
or an inline string, never ``<f>``) and sets the cell's *quote prefix* when the text starts with one of
:data:`FORMULA_TRIGGERS`, so that Excel keeps it as text even after the cell is edited. :func:`safe_text`
is the string half of that: the text to store (control characters removed, capped at Excel's cell limit).

Protection here is against accidents, not a security feature: sheets are protected without a password
so that nobody renames a sheet or types over a header by mistake; anybody may lift it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection

from models.dates import to_utc
from models.errors import WorkbookError
from notifications.documents.labels import SHEET_MARKER

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make spreadsheet software read text as a formula (OWASP's CSV-injection list)."""

EXCEL_MAX_CHARS = 32767
MARKER_TOOL = "duban"

INPUT_FILL = PatternFill("solid", fgColor="FFF59D")  # yellow: type here
LOCKED_FILL = PatternFill("solid", fgColor="E0E0E0")  # grey: locked
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
_THIN = Side(style="thin", color="9E9E9E")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="top")

# The exports' tables (breakdown, circular ranking, status board): light blue header row, darker grid.
TABLE_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_TABLE_LINE = Side(style="thin", color="808080")
TABLE_BORDER = Border(left=_TABLE_LINE, right=_TABLE_LINE, top=_TABLE_LINE, bottom=_TABLE_LINE)
CENTRED = Alignment(horizontal="center")


def new_workbook(title: str, made_at: dt.datetime | None = None) -> Workbook:
    """A new workbook whose file properties name duban as its creator, ``title`` as its title and, when
    given, ``made_at`` (aware) as when it was created and modified."""
    wb = Workbook()
    wb.properties.creator = MARKER_TOOL
    wb.properties.title = title
    if made_at is not None:
        wb.properties.created = wb.properties.modified = to_utc(made_at).replace(tzinfo=None)
    return wb


def safe_text(value: object) -> str:
    """The text to store for ``value``: ``""`` for None, XML-illegal control characters removed, capped
    at Excel's 32,767 characters. Write it with :func:`write_text` (plain assignment of a string starting
    with ``=`` makes openpyxl write a formula)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", text)
    return cleaned[:EXCEL_MAX_CHARS]


def write_text(cell: Any, value: object) -> None:
    """Store ``value`` in ``cell`` as text, never as a formula (see the module docstring)."""
    text = safe_text(value)
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"  # undo openpyxl's "starts with = so it is a formula"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def write_number(cell: Any, value: float | None) -> None:
    """Store a finite number, or leave the cell empty for None (or a non-finite value)."""
    if value is None or not math.isfinite(value):
        cell.value = None
        return
    cell.value = int(value) if float(value).is_integer() and abs(value) < 1e15 else float(value)


def style_input(cell: Any) -> None:
    """An input cell: unlocked, yellow, bordered."""
    cell.protection = Protection(locked=False)
    cell.fill = INPUT_FILL
    cell.border = BORDER


def style_locked(cell: Any, *, header: bool = False) -> None:
    """A locked cell: grey, bordered; bold when it is a header."""
    cell.protection = Protection(locked=True)
    cell.fill = LOCKED_FILL
    cell.border = BORDER
    if header:
        cell.font = HEADER_FONT


def write_header_row(ws: Any, row: int, headers: Iterable[str], *, font: Font = HEADER_FONT,
                     alignment: Alignment = CENTRED) -> None:
    """Write an export table's header row from column A: bold, light blue, centred, boxed."""
    for column, header in enumerate(headers, start=1):
        cell = put(ws, row, column, header)
        cell.font = font
        cell.fill = TABLE_HEADER_FILL
        cell.alignment = alignment
        cell.border = TABLE_BORDER


def print_landscape_a4(ws: Any) -> None:
    """Print the sheet on landscape A4, as wide as one page and as long as it needs."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def protect(ws: Any) -> None:
    """Protect a sheet's structure against accidents: no password, rows and columns may be resized."""
    ws.protection.sheet = True
    ws.protection.formatRows = False  # False = allowed: long text needs taller rows
    ws.protection.formatColumns = False


def protect_workbook(wb: Any) -> None:
    """Lock the workbook's structure (no renaming, adding, deleting or unhiding sheets); no password."""
    wb.security = WorkbookProtection(lockStructure=True)


def write_marker(wb: Any, entries: dict[str, str], lists: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Add the very hidden ``_duban`` sheet: ``key | value`` rows from A2, and one column per list
    from D (its name in row 1, values from row 2), for data validations to refer to.

    Returns:
        List name → absolute reference of its values, e.g. ``'_duban'!$D$2:$D$21``.
    """
    ws = wb.create_sheet(SHEET_MARKER)
    ws.sheet_state = "veryHidden"
    write_text(ws["A1"], "key")
    write_text(ws["B1"], "value")
    for row, (key, value) in enumerate({"made_by": MARKER_TOOL, **entries}.items(), start=2):
        write_text(ws.cell(row=row, column=1), key)
        write_text(ws.cell(row=row, column=2), value)
    refs: dict[str, str] = {}
    for col, (name, values) in enumerate((lists or {}).items(), start=4):
        write_text(ws.cell(row=1, column=col), name)
        for row, value in enumerate(values, start=2):
            write_text(ws.cell(row=row, column=col), value)
        letter = ws.cell(row=1, column=col).column_letter
        refs[name] = f"'{SHEET_MARKER}'!${letter}$2:${letter}${max(2, len(values) + 1)}"
    protect(ws)
    return refs


def read_marker(wb: Any) -> dict[str, str] | None:
    """The ``key → value`` rows of the ``_duban`` sheet, or None when the workbook has none."""
    if SHEET_MARKER not in wb.sheetnames:
        return None
    ws = wb[SHEET_MARKER]
    out: dict[str, str] = {}
    for key, value, *_ in ws.iter_rows(min_row=2, max_col=2, values_only=True):
        if key is None:
            break
        out[str(key)] = "" if value is None else str(value)
    return out


def save_workbook(wb: Any, path: Path | str) -> Path:
    """Save atomically (a temporary file in the same folder, then a rename); return the path.

    Raises:
        WorkbookError: when the folder or file cannot be written.
    """
    target = Path(path)
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # A fresh name rather than mkstemp: the file then gets the umask's usual mode, not 0600.
        tmp = str(target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.tmp.xlsx"))
        wb.save(tmp)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise WorkbookError([f"{target}: cannot write: {exc.strerror or exc}"]) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def put(ws: Any, row: int, column: int, value: object) -> Any:
    """Write one cell: text through :func:`write_text` (never a formula), anything else as it is."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        write_text(cell, value)
    else:
        cell.value = value
    return cell
