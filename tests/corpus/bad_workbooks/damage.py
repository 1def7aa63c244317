"""Ways to damage a workbook, for the bad-workbook corpus (:mod:`tests.corpus.bad_workbooks.cases`).

Each helper returns a builder ``(base, out) -> path``: it copies the base workbook (the real template,
filled) into ``out`` and damages the copy — through openpyxl as an official's Excel would, or in the zip
and its XML as a broken tool or an attacker would.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import openpyxl

from notifications.documents import labels as L

Build = Callable[[Path, Path], Path]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part holding ``sheet`` (from xl/workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as zf:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG}Relationship")}
    for s in book.iter(f"{_MAIN}sheet"):
        if s.get("name") == sheet:
            target = targets[s.get(f"{_REL}id")]
            return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    raise KeyError(sheet)


def _copy(base: Path, out: Path, name: str = "case.xlsx") -> Path:
    return Path(shutil.copy(base, out / name))


def cells(values: dict[str, dict[str, object]], name: str = "case.xlsx") -> Build:
    """Type values into cells, as an official would (openpyxl standing in for Excel)."""
    def build(base: Path, out: Path) -> Path:
        path = _copy(base, out, name)
        wb = openpyxl.load_workbook(path)
        for sheet, entries in values.items():
            for coord, value in entries.items():
                wb[sheet][coord] = value
        wb.save(path)
        return path
    return build


def book(change: Callable[[Any], None]) -> Build:
    """Change the workbook through openpyxl (delete a sheet, merge cells…)."""
    def build(base: Path, out: Path) -> Path:
        path = _copy(base, out)
        wb = openpyxl.load_workbook(path)
        change(wb)
        wb.save(path)
        return path
    return build


def rewrite(parts: dict[str, Callable[[bytes], bytes]], *, sheets: dict[str, Callable[[bytes], bytes]] | None = None,
            add: dict[str, bytes] | None = None, name: str = "case.xlsx") -> Build:
    """Rewrite zip parts (by part name, or by sheet name), and add new ones."""
    def build(base: Path, out: Path) -> Path:
        edits = dict(parts)
        for sheet, fn in (sheets or {}).items():
            edits[sheet_part(base, sheet)] = fn
        path = out / name
        with zipfile.ZipFile(base) as zi, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zo:
            for info in zi.infolist():
                data = zi.read(info)
                if info.filename in edits:
                    data = edits[info.filename](data)
                zo.writestr(info.filename, data)
            for part, data in (add or {}).items():
                zo.writestr(part, data)
        return path
    return build


def set_cell(coord: str, xml: str) -> Callable[[bytes], bytes]:
    """Replace cell ``coord`` of a sheet's XML with ``xml`` (a whole ``<c>`` element)."""
    pattern = re.compile(rf'<c r="{coord}"(?:[^>]*/>|[^>]*>.*?</c>)'.encode(), re.S)

    def edit(data: bytes) -> bytes:
        new, n = pattern.subn(xml.encode(), data, count=1)
        assert n == 1, f"cell {coord} not found"
        return new
    return edit


def insert(before: str, xml: str | Callable[[], bytes]) -> Callable[[bytes], bytes]:
    """Insert ``xml`` before the first ``before`` tag of a part."""
    def edit(data: bytes) -> bytes:
        payload = xml().decode() if callable(xml) else xml
        assert before.encode() in data, before
        return data.replace(before.encode(), payload.encode() + before.encode(), 1)
    return edit


def drop(pattern: str) -> Callable[[bytes], bytes]:
    """Remove every match of a regex from a part."""
    def edit(data: bytes) -> bytes:
        return re.sub(pattern.encode(), b"", data)
    return edit


def chain(*edits: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        for e in edits:
            data = e(data)
        return data
    return edit


def project_rows(first: int, count: int) -> Callable[[], bytes]:
    """``count`` filled rows of 重大项目 from row ``first``, as sheet XML (fast: no openpyxl)."""
    def rows() -> bytes:
        return "".join(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>项目{r}</t></is></c><c r="B{r}" t="inlineStr"><is><t>'
            f'在建</t></is></c><c r="C{r}"><v>1.5</v></c></row>' for r in range(first, first + count)).encode()
    return rows


def chain_builds(first: Build, then: Build) -> Build:
    """``first``, then ``then`` on its result."""
    def build(base: Path, out: Path) -> Path:
        made = first(base, out)
        tmp = out / "step"
        tmp.mkdir(exist_ok=True)
        return Path(shutil.move(str(then(made, tmp)), str(made)))
    return build


def raw(data: bytes, name: str = "case.xlsx") -> Build:
    def build(base: Path, out: Path) -> Path:
        (out / name).write_bytes(data)
        return out / name
    return build


def renamed(name: str) -> Build:
    def build(base: Path, out: Path) -> Path:
        return _copy(base, out, name)
    return build


def truncated(base: Path, out: Path) -> Path:
    data = base.read_bytes()
    (out / "case.xlsx").write_bytes(data[: len(data) // 2])
    return out / "case.xlsx"


def corrupted(base: Path, out: Path) -> Path:
    """Flip bytes inside the compressed data of the 指标完成情况 sheet (the zip's directory stays intact)."""
    part = sheet_part(base, L.SHEET_INDICATORS)
    data = bytearray(base.read_bytes())
    with zipfile.ZipFile(base) as zf:
        info = zf.getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + 40):
        data[i] ^= 0x5A
    (out / "case.xlsx").write_bytes(bytes(data))
    return out / "case.xlsx"


def oversized(limit: int) -> Build:
    def build(base: Path, out: Path) -> Path:
        path = _copy(base, out)
        with path.open("r+b") as fh:
            fh.truncate(limit + 1)  # sparse: nothing is really written
        return path
    return build


def bomb(megabytes: int) -> Build:
    """A real zip bomb: a part of ``megabytes`` MB of zeros, deflated to about a thousandth of that."""
    def build(base: Path, out: Path) -> Path:
        path = _copy(base, out)
        block = b"\0" * (1 << 20)
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
                zf.open("xl/media/image1.png", "w", force_zip64=True) as fh:
            for _ in range(megabytes):
                fh.write(block)
        return path
    return build


def lying_bomb(base: Path, out: Path) -> Path:
    """A zip bomb whose directory lies: a 64 MB part declared as 1,000 bytes (both headers patched)."""
    path = _copy(base, out)
    name = "xl/media/big.xml"
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf, zf.open(name, "w") as fh:
        for _ in range(64):
            fh.write(b"<x/>" * (1 << 18))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        local, pos = zf.getinfo(name).header_offset, zf.start_dir
    fake = struct.pack("<I", 1000)
    data[local + 22: local + 26] = fake  # the local header's uncompressed size
    while data[pos: pos + 4] == b"PK\x01\x02":  # the central directory's entry for the part
        n, m, k = struct.unpack("<HHH", data[pos + 28: pos + 34])
        if data[pos + 46: pos + 46 + n] == name.encode():
            data[pos + 24: pos + 28] = fake
            break
        pos += 46 + n + m + k
    else:
        raise AssertionError("central directory entry not found")
    path.write_bytes(bytes(data))
    return path


def directory(base: Path, out: Path) -> Path:
    (out / "case.xlsx").mkdir()
    return out / "case.xlsx"


def fifo(base: Path, out: Path) -> Path:
    """A named pipe called .xlsx: opening it to read would wait for a writer forever."""
    os.mkfifo(out / "case.xlsx")
    return out / "case.xlsx"


def device(base: Path, out: Path) -> Path:
    """A link to /dev/zero called .xlsx: a file that never ends."""
    (out / "case.xlsx").symlink_to("/dev/zero")
    return out / "case.xlsx"


def gbk_name(inner: Build) -> Build:
    """``inner``'s file, renamed to a name in GBK bytes (as copied from a Windows share): not UTF-8."""
    def build(base: Path, out: Path) -> Path:
        made = inner(base, out)
        target = os.fsencode(out) + b"/" + "进度填报_镇隆镇.xlsx".encode("gbk")
        os.rename(os.fsencode(made), target)
        return Path(os.fsdecode(target))
    return build


def not_ours(base: Path, out: Path) -> Path:
    """A workbook with the right sheet names, but not made by duban (no hidden marker)."""
    wb = openpyxl.Workbook()
    wb.active.title = L.SHEET_INDICATORS
    wb.create_sheet(L.SHEET_PROJECTS)
    wb.create_sheet(L.SHEET_ISSUES)
    wb.save(out / "case.xlsx")
    return out / "case.xlsx"


def plain_zip(base: Path, out: Path) -> Path:
    with zipfile.ZipFile(out / "case.xlsx", "w") as zf:
        zf.writestr("readme.txt", "hello")
    return out / "case.xlsx"
