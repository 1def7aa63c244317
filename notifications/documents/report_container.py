"""A returned report workbook as a file: checked before openpyxl parses its XML, then opened leniently.

openpyxl builds the whole workbook in memory and expands what it reads: 100,000 rows cost it 11 s and
150 MB; one merged range or hyperlink on ``A1:XFD1048576`` — a few bytes — makes it create 17 billion
cells; a value it cannot convert (``<v>NaN</v>``) ends the read with a multi-line error naming no cell.
:func:`check_container` therefore refuses, in milliseconds and a few MB, what is not a plain .xlsx (a
folder, an empty or oversized file, an .xls or CSV renamed, macros, links to other workbooks, a damaged
zip) and what no report workbook holds: parts that unpack too large, more XML elements, cells or rows than
the bounds below, or merged and hyperlinked ranges covering too many cells. It streams each XML part and
counts tags (never building a tree); sizes come from the zip's directory and are enforced while reading
(zipfile stops at the declared size and fails the checksum). :func:`open_workbook` then loads the file,
keeping each value openpyxl cannot convert as an :class:`Unreadable` for the sheet reader to refuse at
its cell.

The template (:mod:`notifications.documents.workbook`) unpacks to ~50 KB with ~1,000 elements; the bounds
leave room for 500 projects, long texts, pasted pictures and another office suite's saving.
"""

from __future__ import annotations

import re
import stat
import threading
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

from models.errors import WorkbookError
from notifications.documents.report_sheets import MAX_PROJECTS, Unreadable, quoted

__all__ = ["MAX_WORKBOOK_BYTES", "check_container", "one_line", "open_workbook"]

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024  # the template is ~15 KB; a report with photos pasted in is not one
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # every part, pictures included: a small zip that unpacks to gigabytes
MAX_XML_BYTES = 10 * 1024 * 1024  # the parts openpyxl parses
MAX_ELEMENTS = 100_000  # XML elements in all parts (the template has ~1,000; 300,000 cost openpyxl 4 s, 200 MB)
MAX_CELLS = 25_000  # cells stored in all sheets (500 project rows are 1,500)
MAX_ROWS = 25_000  # row elements in all sheets
MAX_SPANNED = 10_000  # cells covered by merged ranges and hyperlinked ranges (the template has none)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and password-encrypted .xlsx
SEND = "send back the .xlsx workbook made by `duban report template`"

_CHUNK = 1 << 20
_ELEMENT = re.compile(rb"<[A-Za-z_]")
# A tag's attributes: quoted values may hold ">" (XML allows it) but never "<", so a match never runs past
# the next tag, whatever an attacker puts in a comment or a value.
_TAG = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(c|row|mergeCell|hyperlink)(?=[\s/>])((?:"[^"<]*"|'[^'<]*'|[^<>])*)""")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_BOM = b"\xef\xbb\xbf"
_XML_SUFFIXES = (".xml", ".rels")  # the parts openpyxl parses as XML (and any other part that starts like XML)
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class _Tally:
    """What the XML parts hold, counted while streaming them."""

    elements: int = 0
    xml_bytes: int = 0
    cells: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    spans: list[tuple[str, str, str, int]] = field(default_factory=list)  # (part, merge|link, ref, cells)
    wide: list[str] = field(default_factory=list)  # parts in UTF-16, which Excel and WPS never write
    dtd: list[str] = field(default_factory=list)  # parts declaring a DTD or entities (an XML bomb's tool)
    not_xml: list[str] = field(default_factory=list)  # .xml/.rels parts that do not start like XML


def check_container(p: Path, max_bytes: int = MAX_WORKBOOK_BYTES) -> None:
    """Refuse what is not a plain .xlsx or is larger than a report workbook can be, before openpyxl parses it.

    Raises:
        WorkbookError: one line per problem found (the first check that fails stops the rest).
    """
    src = str(p)
    head, size = _head(p)
    suffix = p.suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlam"):
        raise WorkbookError([f"{src}: a macro-enabled workbook ({suffix}) is not accepted; {SEND}"])
    if size == 0:
        raise WorkbookError([f"{src}: the file is empty (0 bytes); {SEND}"])
    if size > max_bytes:
        raise WorkbookError([f"{src}: the file is {size:,} bytes, larger than the {max_bytes:,} bytes a report "
                             f"workbook may be; remove pasted pictures or objects and {SEND}"])
    if head.startswith(OLE_MAGIC):
        raise WorkbookError([f"{src}: an old-format .xls/.et workbook or a password-protected one, not an .xlsx; "
                             "remove any password and save it as an Excel workbook (.xlsx)"])
    if not head.startswith(ZIP_MAGIC):
        text = _as_text(head)
        kind = (f"a text file (CSV?) starting {quoted(text.splitlines()[0] if text.strip() else text)}"
                if text is not None else f"not a zip file: it starts {head[:8].hex(' ')}")
        raise WorkbookError([f"{src}: not an Excel .xlsx workbook ({kind}); {SEND}"])
    try:
        with zipfile.ZipFile(p) as zf:
            problems = _zip_problems(zf, src)
            if not problems:
                problems = _bounds_problems(_tally(zf), _sheet_parts(zf), src)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise WorkbookError([f"{src}: truncated or damaged: cannot be read as a zip file ({one_line(str(exc))}); "
                             f"save the workbook again and {SEND}"]) from None
    if problems:
        raise WorkbookError(problems)


def _head(p: Path) -> tuple[bytes, int]:
    """The file's first 512 bytes and its size; one line when it is not a readable file."""
    src = str(p)
    try:
        if p.is_dir():
            raise WorkbookError([f"{src}: is a directory, not a workbook"])
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):  # reading a FIFO would wait forever, a device never end
            raise WorkbookError([f"{src}: not a regular file (a device, pipe or socket), not a workbook"])
        size = info.st_size
        with p.open("rb") as fh:
            return fh.read(512), size
    except FileNotFoundError:
        raise WorkbookError([f"{src}: no such file"]) from None
    except PermissionError:
        raise WorkbookError([f"{src}: permission denied"]) from None
    except OSError as exc:
        raise WorkbookError([f"{src}: cannot be read: {exc.strerror or exc}"]) from None


def _zip_problems(zf: zipfile.ZipFile, src: str) -> list[str]:
    """Not a workbook, macros, external links, too large unpacked, or a part failing its checksum."""
    problems: list[str] = []
    infos = zf.infolist()
    names = [i.filename.lower() for i in infos]
    if "xl/workbook.xml" not in names:
        problems.append(f"{src}: a zip file but not an Excel workbook (no xl/workbook.xml); {SEND}")
    if any(n.endswith("vbaproject.bin") for n in names):
        problems.append(f"{src}: contains macros (xl/vbaProject.bin); macros are not accepted, {SEND}")
    links = sorted(i.filename for i in infos if i.filename.lower().startswith("xl/externallinks/"))
    if links:
        problems.append(f"{src}: contains links to other workbooks ({', '.join(links[:3])}); copy the "
                        "values in (paste as values) and remove the links (数据 → 编辑链接 → 断开链接)")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        problems.append(f"{src}: unpacks to {unpacked:,} bytes, more than the {MAX_UNPACKED_BYTES:,} "
                        "a report workbook may; it is not the template")
    return problems


def _tally(zf: zipfile.ZipFile) -> _Tally:
    """Stream every part once (checking its CRC) and count what openpyxl would build from the XML ones.

    A part is scanned when its first bytes are XML, whatever blanks or byte-order mark come first; a
    .xml/.rels part (what openpyxl parses) that does not start like XML is noted for refusal, never skipped.
    """
    tally = _Tally()
    for info in zf.infolist():
        if info.is_dir():
            continue
        with zf.open(info) as fh:
            first = fh.read(_CHUNK)
            named_xml = info.filename.lower().endswith(_XML_SUFFIXES)
            if first[:2] in (b"\xff\xfe", b"\xfe\xff") or b"<\x00" in first[:4] or b"\x00<" in first[:4]:
                tally.wide.append(info.filename)  # UTF-16 XML: the byte counts below would not see its tags
            elif first.removeprefix(_BOM).lstrip().startswith(b"<") or (first and not first.strip()):
                _scan(fh, first, info.filename, tally)  # XML, or a first MB of blanks that may lead to some
                continue
            elif named_xml and first:
                tally.not_xml.append(info.filename)
            while fh.read(_CHUNK):  # a picture or other binary part: read to its end for the CRC check
                pass
    return tally


def _scan(fh: Any, first: bytes, part: str, tally: _Tally) -> None:
    """Count the elements, cells, rows and spanned ranges of one XML part, a chunk at a time."""
    carry, chunk = b"", first
    while True:
        data = carry + chunk
        tally.xml_bytes += len(chunk)
        if chunk:
            cut = data.rfind(b"<")  # a tag cut by the chunk's end is counted with the next chunk, however long
            data, carry = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
        tally.elements += len(_ELEMENT.findall(data))
        if _DTD.search(data) and part not in tally.dtd:
            tally.dtd.append(part)
        for m in _TAG.finditer(data):
            name = m[1]
            if name == b"c":
                tally.cells[part] += 1
            elif name == b"row":
                tally.rows[part] += 1
            else:
                for attr in _ATTR.finditer(m[2]):
                    if attr[1] == b"ref":
                        text = (attr[2] if attr[2] is not None else attr[3]).decode("ascii", "replace")
                        tally.spans.append((part, "merge" if name == b"mergeCell" else "link", text, _area(text)))
        if not chunk:
            return
        chunk = fh.read(_CHUNK)


def _area(ref: str) -> int:
    """Cells in a range such as ``A1:C3`` (a whole column or row counts in full); 1 when it is not a range."""
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return 1
    cols = (max_col or 16384) - (min_col or 1) + 1
    rows = (max_row or 1048576) - (min_row or 1) + 1
    return max(cols, 1) * max(rows, 1)


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet name, from xl/workbook.xml and its relationships ({} when they cannot be read)."""
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_NS}Relationship")}
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        out[part] = sheet.get("name", "")
    return out


def _bounds_problems(tally: _Tally, sheets: dict[str, str], src: str) -> list[str]:
    """One line per bound the workbook's XML exceeds (see the module docstring)."""
    def where(part: str) -> str:
        return f"sheet {quoted(sheets[part])}" if part in sheets else f"part {part}"

    if tally.wide:
        return [f"{src}: part {tally.wide[0]} is XML in UTF-16, which Excel and WPS never write; save the workbook "
                f"again and {SEND}"]
    if tally.not_xml:
        return [f"{src}: part {tally.not_xml[0]} should be XML but is not (it does not start with '<'); save the "
                f"workbook again and {SEND}"]
    problems: list[str] = []
    if tally.dtd:
        problems.append(f"{src}: part {tally.dtd[0]} declares a DTD or entities (<!DOCTYPE, <!ENTITY), which Excel "
                        f"and WPS never write (it is how an XML bomb expands); save the workbook again and {SEND}")
    for what, counts, bound in (("cells", tally.cells, MAX_CELLS), ("rows", tally.rows, MAX_ROWS)):
        total = sum(counts.values())
        if total > bound:
            part, most = counts.most_common(1)[0]
            problems.append(f"{src}: its sheets hold {total:,} {what} ({where(part)}: {most:,}), more than the "
                            f"{bound:,} a report workbook may; a report lists at most {MAX_PROJECTS} projects: "
                            "delete the rows below them")
    spanned = sum(area for *_, area in tally.spans)
    if spanned > MAX_SPANNED:
        part, kind, ref, area = max(tally.spans, key=lambda s: s[3])
        what = "merged range" if kind == "merge" else "hyperlink on the range"
        problems.append(f"{src}: {where(part)}: {what} {quoted(ref)} covers {area:,} cells (merged and linked "
                        f"ranges cover {spanned:,} in all; at most {MAX_SPANNED:,}); unmerge the cells and remove "
                        "the links")
    if tally.xml_bytes > MAX_XML_BYTES or tally.elements > MAX_ELEMENTS:
        problems.append(f"{src}: its XML holds {tally.elements:,} elements in {tally.xml_bytes:,} bytes, more than "
                        f"the {MAX_ELEMENTS:,} elements or {MAX_XML_BYTES:,} bytes a report workbook may (the "
                        "template: about 1,000 elements, 50 KB); it is not the template")
    return problems


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


def one_line(text: str) -> str:
    """``text`` on one printable line: line breaks and control characters shown as escapes, bytes that
    are not UTF-8 (a file name from another system) as ``\\xNN``."""
    safe = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
                   for ch in safe)


# --- opening it -------------------------------------------------------------------------------------------

_LENIENT = threading.Lock()
_LOADING = threading.local()  # .on: this thread is inside _lenient_cells


@contextmanager
def _lenient_cells() -> Iterator[None]:
    """While loading, a value openpyxl cannot convert becomes an :class:`Unreadable` instead of ending the read.

    openpyxl offers no hook for this: ``WorkSheetParser.parse_cell`` is wrapped for the duration of the load
    (under a lock, so two imports in one process do not interleave) and restored after.
    The wrapper acts only in the thread doing the load (another thread's openpyxl load meanwhile gets
    openpyxl's own behaviour), and ``original`` is read under the lock, so it is never another load's wrapper.
    """
    with _LENIENT:
        original: Any = WorkSheetParser.parse_cell

        def parse_cell(self: WorkSheetParser, element: Any) -> dict[str, Any]:
            if not getattr(_LOADING, "on", False):
                plain: dict[str, Any] = original(self, element)
                return plain
            col_counter = self.col_counter  # a <c> without r= advances it before the value fails to convert
            try:
                cell: dict[str, Any] = original(self, element)
                return cell
            except (ValueError, TypeError, IndexError, OverflowError, KeyError):
                self.col_counter = col_counter
                cell = original(self, _without_value(element))
                cell["value"] = Unreadable(str(element.findtext(VALUE_TAG) or ""), str(element.get("t", "n")))
                cell["data_type"] = "s"
                return cell

        WorkSheetParser.parse_cell = parse_cell
        _LOADING.on = True
        try:
            yield
        finally:
            _LOADING.on = False
            WorkSheetParser.parse_cell = original


def _without_value(element: Any) -> Any:
    """A copy of a ``<c>`` element without its value, for openpyxl to read its position and style."""
    copy = ElementTree.Element(element.tag, dict(element.attrib))
    copy.set("t", "n")
    return copy


def open_workbook(p: Path) -> Any:
    """Load a workbook that passed :func:`check_container`, formulas kept as formulas (never evaluated).

    Raises:
        WorkbookError: one line when openpyxl cannot read it.
    """
    try:
        with warnings.catch_warnings(), _lenient_cells():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; we read values only
            return load_workbook(p, data_only=False, keep_vba=False, keep_links=False, rich_text=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file; one message
        cause = exc.__cause__ or exc.__context__ or exc
        detail = one_line(str(cause).splitlines()[0] if str(cause).strip() else "")
        raise WorkbookError([f"{p}: cannot be read as an Excel workbook ({type(cause).__name__}: {detail}); "
                             "save it again as an Excel workbook (.xlsx)"]) from None
