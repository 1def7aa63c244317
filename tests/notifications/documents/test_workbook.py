"""The progress-report workbook and the target sheet: structure, protection, validations, pre-filled values,
text that looks like a formula stays text, and a filled template reads back (no database here)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from models.errors import WorkbookError
from notifications.documents import labels as L
from notifications.documents.cells import EXCEL_MAX_CHARS, read_marker, safe_text, write_text
from notifications.documents.report_import import ParsedReport, read_report_workbook
from notifications.documents.targets_sheet import write_targets_sheet
from notifications.documents.workbook import TEMPLATE_VERSION, write_report_workbook

LOCALITIES = ["镇隆镇", "水口镇", "丁堡镇", "东镇街道", "玉都街道"]
PERIODS = ["2015-12-05", "2016-06-05", "2016-12-05"]
INDICATORS = [
    ("industrial-investment", "全市工业投资", "亿元", 5.25, 2.5),
    ("upgrading-firms", "开展技改的规模以上工业企业", "家", 2.0, None),
    ("rd-institution-ratio", "规模以上工业企业设立研发机构比例", "%", None, None),
]
NAMES = {code: name for code, name, *_ in INDICATORS}
PROJECTS = [{"name": "镇隆镇陶瓷产业园", "status": "在建", "investment": 1.5}]
RISKY = ["=1+1", "+86-668-1234567", "-新建厂房", "@SUM(A1:A2)", '=HYPERLINK("http://evil.example","点击")']


def make(path: Path, **overrides: Any) -> Path:
    args: dict[str, Any] = {
        "plan_title": "信宜市贯彻落实《广东省工业转型升级攻坚战三年行动计划(2015-2017年)》的实施方案",
        "doc_number": "信府〔2015〕30号", "coordinator": "市科工商务局", "locality": "镇隆镇",
        "period": "2016-06-05", "due_on": dt.date(2016, 6, 6), "indicators": INDICATORS, "projects": PROJECTS,
        "localities": LOCALITIES, "periods": PERIODS, "plan_code": "xinyi-2015-2017",
    }
    args.update(overrides)
    return write_report_workbook(path, **args)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make(tmp_path / "report.xlsx")


def read(path: Path) -> ParsedReport:
    return read_report_workbook(path, localities=LOCALITIES, periods=PERIODS, indicators=NAMES,
                                plan_code="xinyi-2015-2017")


def validations(ws: Any) -> dict[str, Any]:
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


class TestStructure:
    def test_sheets_in_order_with_a_very_hidden_marker(self, book: Path) -> None:
        wb = openpyxl.load_workbook(book)
        assert wb.sheetnames == [L.SHEET_GUIDE, L.SHEET_INDICATORS, L.SHEET_PROJECTS, L.SHEET_ISSUES, L.SHEET_MARKER]
        assert wb[L.SHEET_MARKER].sheet_state == "veryHidden"
        assert all(wb[s].sheet_state == "visible" for s in wb.sheetnames[:-1])
        assert wb.active.title == L.SHEET_INDICATORS
        marker = read_marker(wb)
        assert marker is not None
        assert marker["made_by"] == "duban"
        assert marker["kind"] == "progress-report"
        assert marker["template_version"] == str(TEMPLATE_VERSION)
        assert (marker["plan_code"], marker["locality"], marker["period"]) == ("xinyi-2015-2017", "镇隆镇",
                                                                               "2016-06-05")

    def test_every_sheet_is_protected_without_a_password_and_the_structure_is_locked(self, book: Path) -> None:
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            assert ws.protection.sheet, ws.title
            assert not ws.protection.password, ws.title
        assert wb.security is not None
        assert wb.security.lockStructure
        assert not wb.security.workbookPassword

    def test_input_cells_are_unlocked_and_yellow_everything_else_locked(self, book: Path) -> None:
        wb = openpyxl.load_workbook(book)
        ind, proj, issues = wb[L.SHEET_INDICATORS], wb[L.SHEET_PROJECTS], wb[L.SHEET_ISSUES]
        inputs = [ind["C3"], ind["C4"], ind["E8"], ind["E9"], ind["E10"], proj["A4"], proj["B4"], proj["C4"],
                  proj["A33"], proj["C33"], issues["B2"], issues["B3"]]
        for cell in inputs:
            assert cell.protection.locked is False, cell.coordinate
            assert cell.fill.fgColor.rgb.endswith("FFF59D"), cell.coordinate
        locked = [ind["B3"], ind["C5"], ind["A7"], ind["E7"], ind["A8"], ind["B8"], ind["C8"], ind["D8"],
                  proj["A3"], issues["A2"], issues["A3"]]
        for cell in locked:
            assert cell.protection.locked is True, cell.coordinate
            assert cell.fill.fgColor.rgb.endswith("E0E0E0"), cell.coordinate
        assert ind.column_dimensions["A"].hidden

    def test_headers_and_the_basic_information_block(self, book: Path) -> None:
        ws = openpyxl.load_workbook(book)[L.SHEET_INDICATORS]
        assert [ws[f"{c}7"].value for c in "ABCDE"] == [L.H_CODE, L.H_NAME, L.H_UNIT, L.H_TARGET, L.H_ACTUAL]
        assert [ws[f"B{r}"].value for r in (3, 4, 5)] == [L.INFO_LOCALITY, L.INFO_PERIOD, L.INFO_DUE]
        projects = openpyxl.load_workbook(book)[L.SHEET_PROJECTS]
        assert [projects[f"{c}3"].value for c in "ABC"] == [L.P_NAME, L.P_STATUS, L.P_INVESTMENT]

    def test_validations_lists_and_numbers(self, book: Path) -> None:
        wb = openpyxl.load_workbook(book)
        ind = validations(wb[L.SHEET_INDICATORS])
        assert ind["C3"].type == "list"
        assert ind["C3"].formula1 == '"' + ",".join(LOCALITIES) + '"'
        assert ind["C4"].type == "list"
        assert ind["C4"].formula1 == '"' + ",".join(PERIODS) + '"'
        numbers = ind["E8:E10"]
        assert (numbers.type, numbers.operator, numbers.formula1) == ("decimal", "greaterThanOrEqual", "0")
        assert numbers.showErrorMessage
        assert numbers.error == L.DV_NUMBER_ERROR
        proj = validations(wb[L.SHEET_PROJECTS])
        assert proj["B4:B33"].type == "list"
        assert proj["B4:B33"].formula1 == '"前期,在建,投产,停建"'
        assert (proj["C4:C33"].type, proj["C4:C33"].operator) == ("decimal", "greaterThanOrEqual")

    def test_a_long_list_of_localities_refers_to_the_hidden_sheet(self, tmp_path: Path) -> None:
        many = [f"第{i}镇" for i in range(1, 121)]
        wb = openpyxl.load_workbook(make(tmp_path / "big.xlsx", localities=many, locality="第1镇"))
        assert validations(wb[L.SHEET_INDICATORS])["C3"].formula1 == "'_duban'!$D$2:$D$121"
        assert wb[L.SHEET_MARKER]["D121"].value == "第120镇"

    def test_values_are_pre_filled(self, tmp_path: Path) -> None:
        path = make(tmp_path / "r.xlsx", problems="资金缺口较大", next_steps="加快审批")
        wb = openpyxl.load_workbook(path)
        ind = wb[L.SHEET_INDICATORS]
        assert (ind["C3"].value, ind["C4"].value, ind["C5"].value) == ("镇隆镇", "2016-06-05", "2016-06-06")
        rows = [[ind[f"{c}{r}"].value for c in "ABCDE"] for r in (8, 9, 10)]
        assert rows == [["industrial-investment", "全市工业投资", "亿元", 5.25, 2.5],
                        ["upgrading-firms", "开展技改的规模以上工业企业", "家", 2, None],
                        ["rd-institution-ratio", "规模以上工业企业设立研发机构比例", "%", L.T_PENDING, None]]
        proj = wb[L.SHEET_PROJECTS]
        assert [proj[f"{c}4"].value for c in "ABC"] == ["镇隆镇陶瓷产业园", "在建", 1.5]
        assert proj["A5"].value is None
        assert (wb[L.SHEET_ISSUES]["B2"].value, wb[L.SHEET_ISSUES]["B3"].value) == ("资金缺口较大", "加快审批")

    def test_more_projects_than_rows_get_spare_rows(self, tmp_path: Path) -> None:
        many = [{"name": f"项目{i}", "status": "前期", "investment": i} for i in range(40)]
        wb = openpyxl.load_workbook(make(tmp_path / "r.xlsx", projects=many))
        proj = wb[L.SHEET_PROJECTS]
        assert proj["A43"].value == "项目39"
        assert proj["A53"].protection.locked is False
        assert "B4:B53" in validations(proj)

    def test_instructions_say_what_by_when_how_and_the_colours(self, book: Path) -> None:
        ws = openpyxl.load_workbook(book)[L.SHEET_GUIDE]
        text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
        for needle in ("2016年6月6日", "市科工商务局", "2016年上半年", "信府〔2015〕30号", "黄色", "灰色", "锁定",
                       ".xlsx", "无需密码", "不是保密措施", "〈广东省工业转型升级攻坚战三年行动计划(2015-2017年)〉"):
            assert needle in text, needle

    def test_the_file_gets_the_usual_permissions(self, book: Path) -> None:
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(book.stat().st_mode) == 0o666 & ~umask
        assert [p.name for p in book.parent.iterdir()] == [book.name]  # no temporary file left behind

    def test_an_unwritable_path_is_a_workbook_error(self, tmp_path: Path) -> None:
        (tmp_path / "file").write_text("x")
        with pytest.raises(WorkbookError, match="cannot write"):
            make(tmp_path / "file" / "r.xlsx")


class TestSafeText:
    @pytest.mark.parametrize("text", RISKY)
    def test_formula_like_text_is_stored_as_text(self, tmp_path: Path, text: str) -> None:
        path = make(tmp_path / "r.xlsx", projects=[{"name": text, "status": "在建", "investment": 1}],
                    indicators=[("industrial-investment", text, "亿元", 1.0, None)], problems=text)
        wb = openpyxl.load_workbook(path)
        for cell in (wb[L.SHEET_PROJECTS]["A4"], wb[L.SHEET_INDICATORS]["B8"], wb[L.SHEET_ISSUES]["B2"]):
            assert cell.value == text
            assert cell.data_type == "s"
            assert cell.quotePrefix
        with zipfile.ZipFile(path) as zf:
            sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
            assert not any(b"<f>" in zf.read(n) for n in sheets)
        parsed = read_report_workbook(path, localities=LOCALITIES, periods=PERIODS,  # the one indicator written
                                      indicators={"industrial-investment": text}, plan_code="xinyi-2015-2017")
        assert parsed.projects[0]["name"] == text
        assert parsed.problems == text

    def test_plain_assignment_would_have_made_a_formula(self, tmp_path: Path) -> None:
        # The reason write_text exists: openpyxl turns "=…" into a formula on plain assignment.
        wb = openpyxl.Workbook()
        wb.active["A1"] = "=1+1"
        write_text(wb.active["A2"], "=1+1")
        wb.save(tmp_path / "t.xlsx")
        ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
        assert (ws["A1"].data_type, ws["A2"].data_type) == ("f", "s")

    def test_safe_text_cleans_and_caps(self) -> None:
        assert safe_text(None) == ""
        assert safe_text("a\x00b\x07c\td") == "abc\td"
        assert safe_text(12.5) == "12.5"
        assert len(safe_text("x" * 40000)) == EXCEL_MAX_CHARS

    def test_plain_text_gets_no_quote_prefix(self, book: Path) -> None:
        ws = openpyxl.load_workbook(book)[L.SHEET_PROJECTS]
        assert ws["A4"].data_type == "s"
        assert not ws["A4"].quotePrefix


class TestTargetsSheet:
    def test_structure_values_and_marker(self, tmp_path: Path) -> None:
        path = write_targets_sheet(tmp_path / "t.xlsx", plan_title="信宜市实施方案", coordinator="市科工商务局",
                                   locality="镇隆镇", year=2016,
                                   targets=[("全市工业投资", "亿元", 5.25), ("开展技改企业", "家", None),
                                            ("=1+1", "%", 6)])
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [L.SHEET_TARGETS, L.SHEET_MARKER]
        ws = wb[L.SHEET_TARGETS]
        assert ws["A1"].value == "镇隆镇2016年目标任务分解表"
        assert [ws[f"{c}4"].value for c in "ABCD"] == ["序号", "指标", "计量单位", "2016年目标"]
        assert [[ws[f"{c}{r}"].value for c in "ABCD"] for r in (5, 6, 7)] == [
            [1, "全市工业投资", "亿元", 5.25], [2, "开展技改企业", "家", L.T_PENDING], [3, "=1+1", "%", 6]]
        assert ws["B7"].data_type == "s"
        assert "市科工商务局" in str(ws["A9"].value)
        assert ws.protection.sheet
        assert wb.security is not None and wb.security.lockStructure
        assert all(ws[f"D{r}"].protection.locked for r in (5, 6, 7))
        marker = read_marker(wb)
        assert marker is not None
        assert (marker["kind"], marker["locality"], marker["year"]) == ("targets", "镇隆镇", "2016")


class TestReadBack:
    def test_an_untouched_template_reads_back_its_pre_filled_values(self, book: Path) -> None:
        assert read(book) == ParsedReport(
            locality="镇隆镇", period="2016-06-05", actuals={"industrial-investment": 2.5},
            projects=[{"name": "镇隆镇陶瓷产业园", "status": "在建", "investment": 1.5}], problems="", next_steps="",
            plan_code="xinyi-2015-2017")

    def test_a_filled_template_reads_back(self, book: Path) -> None:
        wb = openpyxl.load_workbook(book)
        ind, proj, issues = wb[L.SHEET_INDICATORS], wb[L.SHEET_PROJECTS], wb[L.SHEET_ISSUES]
        ind["C3"] = " 水口镇 "
        ind["C4"] = dt.datetime(2016, 12, 5)  # a date typed into the cell is a date, and that is fine
        ind["E8"] = 3.75
        ind["E9"] = "4"  # a number stored as text (pasted) is still a number
        ind["E10"] = 0
        proj["A5"], proj["B5"] = "新材料项目", None
        issues["B2"], issues["B3"] = "用地指标紧张", "加快项目审批"
        wb.save(book)
        parsed = read(book)
        assert (parsed.locality, parsed.period) == ("水口镇", "2016-12-05")
        assert parsed.actuals == {"industrial-investment": 3.75, "upgrading-firms": 4.0, "rd-institution-ratio": 0.0}
        assert all(isinstance(v, float) for v in parsed.actuals.values())
        assert parsed.projects == [{"name": "镇隆镇陶瓷产业园", "status": "在建", "investment": 1.5},
                                   {"name": "新材料项目", "status": "", "investment": 0.0}]
        assert (parsed.problems, parsed.next_steps) == ("用地指标紧张", "加快项目审批")

    def test_every_problem_is_listed_at_once(self, book: Path) -> None:
        wb = openpyxl.load_workbook(book)
        ind = wb[L.SHEET_INDICATORS]
        ind["C3"], ind["C4"], ind["E8"], ind["E9"] = "镇龙镇", "2016-6-5", "约12亿", -1
        wb[L.SHEET_PROJECTS]["B4"] = "建设中"
        wb[L.SHEET_ISSUES]["B3"] = "=A1"
        wb.save(book)
        with pytest.raises(WorkbookError) as info:
            read(book)
        problems = info.value.problems
        assert len(problems) == 6, problems
        assert str(info.value).startswith("6 problems:")
        for where in ("row 3, column C", "row 4, column C", "row 8, column E", "row 9, column E", "row 4, column B",
                      "sheet 问题与计划, row 3, column B"):
            assert any(where in p for p in problems), where

    @pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
    def test_a_workbook_saved_by_another_office_suite_reads_back(self, book: Path, tmp_path: Path) -> None:
        # An official may open and save it in LibreOffice (or WPS): shared strings instead of inline ones,
        # the marker merely hidden, the structure lock dropped. The values must still come back.
        fill = openpyxl.load_workbook(book)
        fill[L.SHEET_INDICATORS]["E9"] = 7
        write_text(fill[L.SHEET_PROJECTS]["A5"], "=不是公式")  # typed as '=不是公式 in Excel: text
        fill[L.SHEET_PROJECTS]["B5"] = "前期"
        fill.save(book)
        out = tmp_path / "lo"
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(book)],
                       check=True, capture_output=True, timeout=120)
        parsed = read(out / book.name)
        assert parsed.actuals == {"industrial-investment": 2.5, "upgrading-firms": 7.0}
        assert parsed.projects[1] == {"name": "=不是公式", "status": "前期", "investment": 0.0}
