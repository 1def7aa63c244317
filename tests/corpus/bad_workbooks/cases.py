"""The bad-workbook corpus: returned progress-report workbooks that duban must refuse, each with the first
error line `duban report import` must print.

Every case starts from the real template (:func:`notifications.documents.workbook.write_report_workbook`,
for 镇隆镇's 2016-06-05 report of the seed plan, one value filled in) and damages a copy
(:mod:`tests.corpus.bad_workbooks.damage`), so the corpus moves with the template. Expected lines are
written with ``{file}`` for the file as printed and ``«N»`` for a number that depends on the template's
size (``«…»`` for zlib's wording of a damage); :func:`expected_pattern` turns one into a regular
expression for the whole line.

``python -m tests.corpus.bad_workbooks.cases OUT`` writes the corpus into OUT, with ``expected.tsv``
(file name, expected first line), to try it by hand: ``duban report import OUT/<file>``.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from models.plan.file import load_plan_file
from notifications.documents import labels as L
from notifications.documents.report_container import MAX_WORKBOOK_BYTES
from notifications.documents.workbook import write_report_workbook
from tests.conftest import SEED_PLAN
from tests.corpus.bad_workbooks import damage as D

SPEC = load_plan_file(SEED_PLAN)
LOCALITY, PERIOD = "镇隆镇", "2016-06-05"
PERIODS = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]
ROW = {i.code: 8 + n for n, i in enumerate(SPEC.indicators)}  # an indicator's row on 指标完成情况
INV = ROW["industrial-investment"]  # 全市工业投资
IND, PROJ, ISS, MARK = L.SHEET_INDICATORS, L.SHEET_PROJECTS, L.SHEET_ISSUES, L.SHEET_MARKER
SEND = "send back the .xlsx workbook made by `duban report template`"
AT_INV = f"{{file}}: sheet {IND}, row {INV}, column E (本年累计完成, 全市工业投资): "
KNOWN = "、".join(SPEC.locality_names)
N = "«N»"
ANY = "«…»"


@dataclass(frozen=True)
class Case:
    """One bad workbook: its name, how to make it from the base, and the first error line expected."""

    name: str
    build: D.Build
    first_line: str


def write_base(folder: Path) -> Path:
    """The valid workbook every case damages: 镇隆镇's template for 2016-06-05 with one value and a project."""
    path = write_report_workbook(
        folder / "base.xlsx", plan_title=SPEC.title, doc_number=SPEC.doc_number, coordinator=SPEC.coordinator,
        locality=LOCALITY, period=PERIOD, due_on=dt.date(2016, 6, 6),
        indicators=[(i.code, i.name, i.unit, None, None) for i in SPEC.indicators],
        projects=[{"name": "镇隆镇陶瓷产业园", "status": "在建", "investment": 1.5}],
        localities=SPEC.locality_names, periods=PERIODS, plan_code=SPEC.code)
    wb = openpyxl.load_workbook(path)
    wb[IND][f"E{INV}"] = 10
    wb.save(path)
    return path


def expected_pattern(first_line: str, file: str) -> re.Pattern[str]:
    """The expected line as a regular expression: ``{file}`` is ``file``, ``«N»`` any number with commas,
    ``«…»`` any text (only for a library's own wording of a damage, such as zlib's)."""
    def literal(text: str) -> str:
        return r"[\d,]+".join(re.escape(p).replace(re.escape("{file}"), re.escape(file)) for p in text.split(N))
    return re.compile(".+?".join(literal(p) for p in first_line.split(ANY)))


def _value(xml_value: str, kind: str = "n") -> D.Build:
    """A value stored in 全市工业投资's cell as a broken tool would write it (openpyxl cannot write these)."""
    return D.rewrite({}, sheets={IND: D.set_cell(f"E{INV}", f'<c r="E{INV}" t="{kind}"><v>{xml_value}</v></c>')})


def _delete_rows(first: int, count: int) -> Any:
    def change(wb: Any) -> None:
        wb[IND].delete_rows(first, count)
    return change


def _del_sheet(name: str) -> Any:
    def change(wb: Any) -> None:
        del wb[name]
    return change


def _rename(old: str, new: str) -> Any:
    def change(wb: Any) -> None:
        wb[old].title = new
    return change


def _marker(key: str, value: str) -> Any:
    def change(wb: Any) -> None:
        for row in wb[MARK].iter_rows(min_row=2, max_col=2):
            if row[0].value == key:
                row[1].value = value
    return change


def _merge(rng: str) -> Any:
    def change(wb: Any) -> None:
        wb[IND].merge_cells(rng)
    return change


_UNPROTECT = {"xl/workbook.xml": D.drop(r"<workbookProtection[^>]*/>")}
_NO_SHEET_LOCK = D.drop(r"<sheetProtection[^>]*/>")
# "Billion laughs": 10 nested entities, each ten of the one before; &lol9; is a billion "lol"s.
_LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
           + "]>")


def _laughs(data: bytes) -> bytes:
    """Declare the entities in a sheet's XML and use the biggest in 存在问题."""
    data = D.set_cell("B2", '<c r="B2" t="inlineStr"><is><t>&lol9;</t></is></c>')(data)
    return data.replace(b"<worksheet", _LAUGHS.encode() + b"<worksheet", 1)


def _blanks_first(data: bytes) -> bytes:
    """The sheet's XML without its declaration, after 100 blanks (XML allows neither; openpyxl reads it)."""
    data = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    return b" " * 100 + data


def _utf16(data: bytes) -> bytes:
    text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').replace("encoding='UTF-8'", "")
    return text.encode("utf-16")


CASES: list[Case] = [
    # --- not a workbook at all ------------------------------------------------------------------------
    Case("empty-file", D.raw(b""), f"{{file}}: the file is empty (0 bytes); {SEND}"),
    Case("a-directory", D.directory, "{file}: is a directory, not a workbook"),
    Case("a-named-pipe", D.fifo, "{file}: not a regular file (a device, pipe or socket), not a workbook"),
    Case("dev-zero-link", D.device, "{file}: not a regular file (a device, pipe or socket), not a workbook"),
    Case("csv-renamed-xlsx", D.raw("单位,报送节点,全市工业投资\n镇隆镇,2016-06-05,12\n".encode("gb18030")),
         f"{{file}}: not an Excel .xlsx workbook (a text file (CSV?) starting '单位,报送节点,全市工业投资'); {SEND}"),
    Case("xls-renamed-xlsx", D.raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4088),
         "{file}: an old-format .xls/.et workbook or a password-protected one, not an .xlsx; remove any password "
         "and save it as an Excel workbook (.xlsx)"),
    Case("png-renamed-xlsx", D.raw(b"\x89PNG\r\n\x1a\n" + b"\0" * 200),
         f"{{file}}: not an Excel .xlsx workbook (not a zip file: it starts 89 50 4e 47 0d 0a 1a 0a); {SEND}"),
    Case("truncated-zip", D.truncated,
         f"{{file}}: truncated or damaged: cannot be read as a zip file (File is not a zip file); save the workbook "
         f"again and {SEND}"),
    Case("corrupted-sheet-data", D.corrupted,
         f"{{file}}: truncated or damaged: cannot be read as a zip file (Error -3 while decompressing data: {ANY}); "
         f"save the workbook again and {SEND}"),
    Case("zip-not-a-workbook", D.plain_zip,
         f"{{file}}: a zip file but not an Excel workbook (no xl/workbook.xml); {SEND}"),
    Case("zip-bomb-200mb", D.bomb(200),
         "{file}: unpacks to «N» bytes, more than the 52,428,800 a report workbook may; it is not the template"),
    Case("zip-bomb-lying-size", D.lying_bomb,
         "{file}: truncated or damaged: cannot be read as a zip file (Bad CRC-32 for file 'xl/media/big.xml'); "
         f"save the workbook again and {SEND}"),
    Case("larger-than-5mb", D.oversized(MAX_WORKBOOK_BYTES),
         f"{{file}}: the file is 5,242,881 bytes, larger than the 5,242,880 bytes a report workbook may be; remove "
         f"pasted pictures or objects and {SEND}"),
    Case("macros", D.rewrite({}, add={"xl/vbaProject.bin": b"\0" * 64}),
         f"{{file}}: contains macros (xl/vbaProject.bin); macros are not accepted, {SEND}"),
    Case("saved-as-xlsm", D.renamed("case.xlsm"),
         f"{{file}}: a macro-enabled workbook (.xlsm) is not accepted; {SEND}"),
    Case("external-link", D.rewrite({}, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
         "{file}: contains links to other workbooks (xl/externalLinks/externalLink1.xml); copy the values in "
         "(paste as values) and remove the links (数据 → 编辑链接 → 断开链接)"),
    Case("sheet-xml-garbage", D.rewrite({}, sheets={IND: lambda data: data[: len(data) // 2]}),
         "{file}: cannot be read as an Excel workbook (ParseError: unclosed token: line 1, column «N»); save it "
         "again as an Excel workbook (.xlsx)"),
    Case("sheet-in-utf16", D.rewrite({}, sheets={IND: _utf16}),
         f"{{file}}: part xl/worksheets/sheet2.xml is XML in UTF-16, which Excel and WPS never write; save the "
         f"workbook again and {SEND}"),
    Case("xml-entity-bomb", D.rewrite({}, sheets={ISS: _laughs}),
         "{file}: part xl/worksheets/sheet4.xml declares a DTD or entities (<!DOCTYPE, <!ENTITY), which Excel and WPS "
         f"never write (it is how an XML bomb expands); save the workbook again and {SEND}"),
    # --- too much for a report: bounded before openpyxl -------------------------------------------------
    Case("100k-project-rows", D.rewrite({}, sheets={PROJ: D.insert("</sheetData>", D.project_rows(34, 100_000))}),
         f"{{file}}: its sheets hold {N} cells (sheet '{PROJ}': {N}), more than the 25,000 a report workbook may; "
         "a report lists at most 500 projects: delete the rows below them"),
    Case("501-project-rows", D.rewrite({}, sheets={PROJ: D.insert("</sheetData>", D.project_rows(34, 501))}),
         f"{{file}}: sheet {PROJ}: 502 project rows are filled (rows 4 to 534); a report lists at most 500 "
         "projects — keep the major ones"),
    Case("empty-rows-bomb", D.rewrite({}, sheets={ISS: D.insert("</sheetData>", lambda: b"".join(
        b'<row r="%d" ht="30" customHeight="1"/>' % r for r in range(10, 200_010)))}),
         f"{{file}}: its sheets hold {N} rows (sheet '{ISS}': 200,003), more than the 25,000 a report workbook "
         "may; a report lists at most 500 projects: delete the rows below them"),
    Case("merged-whole-sheet", D.rewrite({}, sheets={IND: D.insert(
        "</worksheet>", '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')}),
         f"{{file}}: sheet '{IND}': merged range 'A1:XFD1048576' covers 17,179,869,184 cells (merged and linked "
         "ranges cover 17,179,869,184 in all; at most 10,000); unmerge the cells and remove the links"),
    Case("hyperlink-whole-sheet", D.rewrite({}, sheets={PROJ: D.insert(
        "</worksheet>", "<hyperlinks><hyperlink ref=\"A1:XFD1048576\" location=\"'重大项目'!A1\"/></hyperlinks>")}),
         f"{{file}}: sheet '{PROJ}': hyperlink on the range 'A1:XFD1048576' covers 17,179,869,184 cells (merged "
         "and linked ranges cover 17,179,869,184 in all; at most 10,000); unmerge the cells and remove the links"),
    Case("merged-whole-sheet-after-blanks", D.rewrite({}, sheets={IND: D.chain(D.insert(
        "</worksheet>", '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'), _blanks_first)}),
         f"{{file}}: sheet '{IND}': merged range 'A1:XFD1048576' covers 17,179,869,184 cells (merged and linked "
         "ranges cover 17,179,869,184 in all; at most 10,000); unmerge the cells and remove the links"),
    Case("hyperlink-whole-sheet-behind-a-gt", D.rewrite({}, sheets={PROJ: D.insert(
        "</worksheet>", '<hyperlinks><hyperlink tooltip="a>b" display=\'ref="A1"\' ref="A1:XFD1048576"/>'
                        "</hyperlinks>")}),
         f"{{file}}: sheet '{PROJ}': hyperlink on the range 'A1:XFD1048576' covers 17,179,869,184 cells (merged "
         "and linked ranges cover 17,179,869,184 in all; at most 10,000); unmerge the cells and remove the links"),
    Case("sheet-part-not-xml", D.rewrite({}, sheets={ISS: lambda data: b"\x89PNG\r\n" + data}),
         "{file}: part xl/worksheets/sheet4.xml should be XML but is not (it does not start with '<'); save the "
         f"workbook again and {SEND}"),
    Case("styles-bomb", D.rewrite({"xl/styles.xml": D.insert("</cellXfs>", lambda: b'<xf numFmtId="0"/>' * 300_000)}),
         f"{{file}}: its XML holds {N} elements in {N} bytes, more than the 100,000 elements or 10,485,760 bytes a "
         "report workbook may (the template: about 1,000 elements, 50 KB); it is not the template"),
    Case("huge-text-cell", D.cells({ISS: {"B2": "问题" * 16_000}}),
         f"{{file}}: sheet {ISS}, row 2, column B (存在问题): 32,000 characters; at most 10,000"),
    Case("long-project-name", D.cells({PROJ: {"A5": "项" * 201, "B5": "在建"}}),
         f"{{file}}: sheet {PROJ}, row 5, column A (项目名称): 201 characters; at most 200"),
    Case("value-in-the-last-row", D.cells({IND: {"E1048576": 5}}),
         f"{{file}}: sheet {IND}, row 1048576, column E (本年累计完成): 5 is on a row without an indicator code "
         "(column A); indicator rows must not be added or edited"),
    # --- not this workbook ---------------------------------------------------------------------------------
    Case("not-a-duban-workbook", D.not_ours,
         "{file}: not a duban progress-report workbook (its hidden sheet _duban is missing); fill in the workbook "
         "made by `duban report template` — copying its sheets into another workbook loses it"),
    Case("marker-made-by-tampered", D.book(_marker("made_by", "excel")),
         "{file}: not a duban progress-report workbook (its hidden sheet _duban is missing); fill in the workbook "
         "made by `duban report template` — copying its sheets into another workbook loses it"),
    Case("marker-kind-tampered", D.book(_marker("kind", "targets")),
         "{file}: a duban 'targets' workbook, not a progress-report workbook; send back the progress-report "
         "workbook (进度填报)"),
    Case("marker-version-newer", D.book(_marker("template_version", "99")),
         "{file}: made by a newer duban (template version 99; this duban reads up to 1); upgrade duban"),
    Case("marker-version-not-a-number", D.book(_marker("template_version", "1" * 5000)),
         "{file}: sheet _duban: template version '111111111111111111111111111111…' (5,000 characters) is not a "
         "number"),
    Case("another-plan", D.book(_marker("plan_code", "maoming-2016-2018")),
         "{file}: made for plan 'maoming-2016-2018', not the loaded plan 'xinyi-2015-2017'"),
    Case("another-countys-workbook",
         D.chain_builds(D.book(_marker("locality", "长坡镇")), D.cells({IND: {"C3": "长坡镇"}})),
         f"{{file}}: sheet {IND}, row 3, column C (单位): unknown locality '长坡镇'; known: {KNOWN}"),
    Case("misspelt-locality", D.cells({IND: {"C3": "镇龙镇"}}),
         f"{{file}}: sheet {IND}, row 3, column C (单位): unknown locality '镇龙镇'; did you mean '镇隆镇'? known: "
         f"{KNOWN}"),
    Case("locality-empty", D.cells({IND: {"C3": None}}),
         f"{{file}}: sheet {IND}, row 3, column C (单位): is empty; choose your town or sub-district from the list "
         f"({KNOWN})"),
    Case("period-not-a-report-date", D.cells({IND: {"C4": "2016-07-01"}}),
         f"{{file}}: sheet {IND}, row 4, column C (报送节点): unknown period '2016-07-01'; did you mean "
         f"'2016-06-05'? periods (YYYY-MM-DD): {'、'.join(PERIODS)}"),
    Case("period-written-in-chinese", D.cells({IND: {"C4": "2016年6月5日"}}),
         f"{{file}}: sheet {IND}, row 4, column C (报送节点): unknown period '2016年6月5日'; did you mean "
         f"'2016-06-05'? periods (YYYY-MM-DD): {'、'.join(PERIODS)}"),
    # --- sheets and layout ---------------------------------------------------------------------------------
    Case("renamed-sheet", D.book(_rename(IND, "指标完成")),
         f"{{file}}: missing sheet '{IND}' (sheets: 填报说明、指标完成、{PROJ}、{ISS}); was it renamed to '指标完成'? "
         "sheet names must not be changed"),
    Case("deleted-projects-sheet", D.book(_del_sheet(PROJ)),
         f"{{file}}: missing sheet '{PROJ}' (sheets: 填报说明、{IND}、{ISS})"),
    Case("deleted-issues-sheet", D.book(_del_sheet(ISS)),
         f"{{file}}: missing sheet '{ISS}' (sheets: 填报说明、{IND}、{PROJ})"),
    Case("deleted-indicator-rows", D.book(_delete_rows(ROW["upgrading-firms"], 2)),
         f"{{file}}: sheet {IND}: 2 indicator rows missing: "
         + "、".join(f"{i.name} ({i.code})" for i in SPEC.indicators[ROW['upgrading-firms'] - 8:][:2])
         + "; indicator rows must not be deleted — fill in the workbook as it was sent, or a new one from "
           "`duban report template`"),
    Case("unprotected-then-code-edited", D.rewrite(_UNPROTECT, sheets={IND: D.chain(_NO_SHEET_LOCK, D.set_cell(
        f"A{INV}", f'<c r="A{INV}" t="inlineStr"><is><t>industrial-investmnt</t></is></c>'))}),
         f"{{file}}: sheet {IND}, row {INV}, column A (指标代码): unknown indicator code 'industrial-investmnt'; did "
         "you mean 'industrial-investment'? known: " + "、".join(i.code for i in SPEC.indicators)),
    Case("unprotected-then-row-added", D.rewrite(_UNPROTECT, sheets={IND: D.chain(_NO_SHEET_LOCK, D.insert(
        "</sheetData>", '<row r="40"><c r="A40" t="inlineStr"><is><t>my-own-indicator</t></is></c>'
                        '<c r="E40"><v>99</v></c></row>'))}),
         f"{{file}}: sheet {IND}, row 40, column A (指标代码): unknown indicator code 'my-own-indicator'; known: "
         + "、".join(i.code for i in SPEC.indicators)),
    Case("unprotected-then-header-typed-over", D.cells({IND: {"E7": "完成值"}}),
         f"{{file}}: sheet {IND}, row 7, column E (本年累计完成): the header is '完成值', expected '本年累计完成'; "
         "headers must not be changed"),
    Case("label-changed", D.cells({IND: {"B3": "单位名称"}}),
         f"{{file}}: sheet {IND}, row 3, column B: expected the label '单位', found '单位名称'; the layout must not "
         "change"),
    Case("duplicate-indicator-row", D.cells({IND: {f"A{INV + 1}": "industrial-investment"}}),
         f"{{file}}: sheet {IND}, row {INV + 1}, column A (指标代码): duplicate indicator row: 'industrial-investment' "
         f"(全市工业投资) is already on row {INV}; one row per indicator"),
    Case("value-without-indicator", D.cells({IND: {"E20": 5}}),
         f"{{file}}: sheet {IND}, row 20, column E (本年累计完成): 5 is on a row without an indicator code "
         "(column A); indicator rows must not be added or edited"),
    Case("merged-input-cells", D.book(_merge(f"E{INV}:E{INV + 1}")),
         f"{{file}}: sheet {IND}, row {INV + 1}, column E (本年累计完成, "
         + SPEC.indicators[INV + 1 - 8].name + f"): is merged into E{INV}:E{INV + 1}, which hides its value; merged "
         "cells are not accepted: unmerge them (取消合并) and type each value"),
    # --- values --------------------------------------------------------------------------------------------
    Case("text-in-number-cell", D.cells({IND: {f"E{INV}": "约12亿"}}),
         AT_INV + "'约12亿' is text, not a number; type a number ≥ 0 such as 12.5, without units or words"),
    Case("negative-value", D.cells({IND: {f"E{INV}": -3}}), AT_INV + "-3 is negative; values are ≥ 0"),
    Case("nan-stored", _value("NaN"), AT_INV + "'NaN' is not a finite number"),
    Case("inf-stored", _value("INF"), AT_INV + "'INF' is not a finite number"),
    Case("minus-infinity-stored", _value("-Infinity"), AT_INV + "'-Infinity' is not a finite number"),
    Case("overflowing-exponent", _value("1E999"), AT_INV + "inf is not a finite number"),
    Case("1e308", _value("1e308"), AT_INV + "1e+308 is too large (over 1e+15); check the digits"),
    Case("nan-typed-as-text", D.cells({IND: {f"E{INV}": "NaN"}}), AT_INV + "'NaN' is not a finite number"),
    Case("number-stored-as-junk", _value("12abc"),
         AT_INV + "the stored value '12abc' is not a number as the cell claims (type 'n'); the file is damaged: "
                  "type the value again"),
    Case("shared-text-past-the-end", _value("999", "s"),
         AT_INV + "the stored value '999' is not shared text as the cell claims (type 's'); the file is damaged: "
                  "type the value again"),
    Case("yes-no-value", D.cells({IND: {f"E{INV}": True}}), AT_INV + "TRUE is a yes/no value, not a number"),
    Case("date-in-number-cell", D.cells({IND: {f"E{INV}": dt.datetime(2016, 6, 1)}}),
         AT_INV + "2016-06-01 is a date or time, not a number"),
    Case("formula-in-number-cell", D.cells({IND: {f"E{INV}": "=1+1"}}),
         AT_INV + "formula '=1+1' is not accepted: values are read, never formulas; type (or paste as values) the "
                  "value itself"),
    Case("formula-in-locality", D.cells({IND: {"C3": "=_duban!D2"}}),
         f"{{file}}: sheet {IND}, row 3, column C (单位): formula '=_duban!D2' is not accepted: values are read, "
         "never formulas; type (or paste as values) the value itself"),
    Case("hyperlink-formula-in-text", D.cells({ISS: {"B2": '=HYPERLINK("http://evil.example","点我")'}}),
         f"{{file}}: sheet {ISS}, row 2, column B (存在问题): formula "
         "'=HYPERLINK(\"http://evil.example\",\"点我\")' is not accepted: values are read, never formulas; type "
         "(or paste as values) the value itself"),
    Case("error-value", _value("#DIV/0!", "e"), AT_INV + "the cell shows the error #DIV/0!; type the value itself"),
    Case("unknown-project-status", D.cells({PROJ: {"B4": "建设中"}}),
         f"{{file}}: sheet {PROJ}, row 4, column B (进展状态): unknown status '建设中'; choose one of "
         "前期、在建、投产、停建"),
    Case("negative-investment", D.cells({PROJ: {"C4": -1.5}}),
         f"{{file}}: sheet {PROJ}, row 4, column C (本年完成投资(亿元)): -1.5 is negative; values are ≥ 0"),
    Case("project-without-name", D.cells({PROJ: {"B5": "在建", "C5": 3}}),
         f"{{file}}: sheet {PROJ}, row 5, column A (项目名称): the project name is empty but the row has data "
         "(进展状态 '在建', 本年完成投资(亿元) 3); name the project or clear the row"),
    Case("line-break-in-file-name", D.raw(b"", "进度\n填报.xlsx"), f"{{file}}: the file is empty (0 bytes); {SEND}"),
    Case("gbk-file-name", D.gbk_name(D.cells({IND: {f"E{INV}": "约12亿"}})),
         AT_INV + "'约12亿' is text, not a number; type a number ≥ 0 such as 12.5, without units or words"),
]


def main(out: Path) -> None:
    """Write the corpus into ``out`` (one file per case, named after it) and ``expected.tsv``."""
    out.mkdir(parents=True, exist_ok=True)
    base = write_base(out)
    lines = []
    for case in CASES:
        folder = out / case.name
        folder.mkdir(exist_ok=True)
        path = case.build(base, folder)
        lines.append(f"{path.relative_to(out)}\t{case.first_line}")
    (out / "expected.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
    print(f"wrote {len(CASES)} bad workbooks and expected.tsv to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
