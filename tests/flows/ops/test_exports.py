"""Exports: the 任务分解表, the inspection circular and the status board as Word and Excel files, reopened
with python-docx and openpyxl (and the circular rendered by LibreOffice when it is installed)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.shared import Pt
from openpyxl import load_workbook
from typer.testing import CliRunner

from flows.cli.export import export_app
from flows.ops.commands import init_database, load_plan_path
from flows.ops.engine import engine_context, generate, run_sweep
from flows.ops.exports import export_breakdown, export_circular, export_status
from models.errors import DubanError
from models.plan.file import load_plan_file
from models.plan.schema import PlanSpec
from models.rules.scoring import Score, UnitFacts, score_units
from notifications.documents.breakdown_export import write_breakdown_docx, write_breakdown_xlsx
from notifications.documents.circular_export import circular_blocks, write_circular_docx, write_circular_xlsx
from notifications.documents.status_export import write_status_xlsx
from notifications.messages.board import BoardCell, board_table
from notifications.messages.circular import circular_markdown
from tests.conftest import ROOT, SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))
PLAN_TITLE = "信宜市贯彻落实〈广东省工业转型升级攻坚战三年行动计划(2015-2017年)〉的实施方案"
DOC_NUMBER = "信督〔2016〕3号"
ISSUER = "信宜市人民政府"
INJECTIONS = ('=HYPERLINK("http://x")', "+86", "-1", "@SUM(A1)")
HEADINGS = ["一、基本情况", "二、排名情况", "三、表扬", "四、存在问题", "五、下一步工作要求"]


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture(scope="module")
def seed() -> PlanSpec:
    return load_plan_file(SEED_PLAN)


def facts(seed: PlanSpec) -> list[UnitFacts]:
    """The seed's 20 localities and four departments with task reports due: mostly green, two red, one yellow."""
    out = [UnitFacts(name, "town" if name.endswith("镇") else "subdistrict", 1, 1, 0, 0.95 - i * 0.02, 0, 0, 0)
           for i, name in enumerate(seed.locality_names)]
    out[-1] = UnitFacts(out[-1].unit, out[-1].kind, 1, 0, 0, None, 0, 0, 0)  # report missing: red
    out[-2] = UnitFacts(out[-2].unit, out[-2].kind, 1, 1, 0, 0.9, 0, 0, 3)  # three red items: red
    out += [UnitFacts(d, "department", 1, 1, 0, 1.0, 0, 0, 0) for d in ("市科工商务局", "市发改局", "市统计局")]
    out.append(UnitFacts("市财政局", "department", 1, 1, 0, 1.0, 0, 0, 1))  # an open red item: yellow
    return out


def circular_args(scores: list[Score]) -> dict[str, Any]:
    return {"plan_title": PLAN_TITLE, "doc_number": DOC_NUMBER, "issuer": ISSUER, "period_label": "2016年上半年",
            "issued_on": dt.date(2016, 6, 21), "scores": scores, "rectification_due_on": dt.date(2016, 7, 5)}


def mm(*lengths: Any) -> tuple[int, ...]:
    return tuple(round(length.mm) for length in lengths)


def docx_text(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def east_asia(run: Any) -> str | None:
    fonts = run._element.rPr.rFonts
    return None if fonts is None else fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def cells_with(path: Path, values: tuple[str, ...]) -> dict[str, list[tuple[Any, str]]]:
    """Every cell of the workbook holding one of ``values``: value → [(value, data_type)]."""
    found: dict[str, list[tuple[Any, str]]] = {v: [] for v in values}
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in found:
                    found[cell.value].append((cell.value, cell.data_type))
    return found


# --- the writers, without a database -----------------------------------------------------------------

class TestFormulaInjection:
    def check(self, path: Path) -> None:
        found = cells_with(path, INJECTIONS)
        for text, cells in found.items():
            assert cells, f"{text!r} not written"
            assert all(value == text and kind == "s" for value, kind in cells), (text, cells)

    def test_breakdown_workbook(self, seed: PlanSpec, tmp_path: Path) -> None:
        items = [it.model_copy(update={"title": title, "lead": title})
                 for it, title in zip(seed.items, INJECTIONS * 6, strict=False)]
        self.check(write_breakdown_xlsx(seed.model_copy(update={"items": items}), tmp_path / "b.xlsx"))

    def test_circular_workbook(self, tmp_path: Path) -> None:
        scores = score_units([UnitFacts(name, "other", 1, 1, 0, None, 0, 0, 0) for name in INJECTIONS])
        self.check(write_circular_xlsx(period_label="2016年上半年", scores=scores, path=tmp_path / "c.xlsx"))

    def test_status_workbook(self, tmp_path: Path) -> None:
        cells = [BoardCell(name, "other", name, "2016年上半年", dt.date(2016, 6, 6), "open", "red")
                 for name in INJECTIONS]
        self.check(write_status_xlsx(board_table(cells), tmp_path / "s.xlsx", title=INJECTIONS[0]))


class TestBreakdownFiles:
    def test_workbook_has_every_item_a_title_block_and_a_print_setup(self, seed: PlanSpec, tmp_path: Path) -> None:
        wb = load_workbook(write_breakdown_xlsx(seed, tmp_path / "b.xlsx"))
        assert wb.sheetnames == ["任务分解表", "主要目标"]
        ws = wb["任务分解表"]
        assert seed.title in ws["A1"].value and seed.doc_number in ws["A2"].value
        assert [c.value for c in ws[3]] == ["序号", "任务", "牵头单位", "配合单位", "镇(街道)", "任务内容"]
        refs = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
        assert refs == [it.ref for it in seed.items] and len(refs) == 24
        assert ws.freeze_panes == "A4" and ws["F4"].alignment.wrap_text
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.column_dimensions["F"].width > ws.column_dimensions["A"].width
        targets = wb["主要目标"]
        assert targets.max_row - 3 == len(seed.targets) and targets["C5"].data_type == "n"

    def test_document_is_landscape_a4_with_chinese_fonts(self, seed: PlanSpec, tmp_path: Path) -> None:
        doc = Document(str(write_breakdown_docx(seed, tmp_path / "b.docx")))
        section = doc.sections[0]
        assert mm(section.page_width, section.page_height) == (297, 210)
        assert seed.title in doc.paragraphs[0].text and seed.doc_number in doc.paragraphs[1].text
        items, targets = doc.tables
        assert [c.text for c in items.rows[0].cells] == ["序号", "任务", "牵头单位", "配合单位", "镇(街道)", "任务内容"]
        assert [r.cells[0].text for r in items.rows[1:]] == [it.ref for it in seed.items]
        assert len(targets.rows) == 1 + len(seed.targets)
        assert east_asia(doc.paragraphs[0].runs[0]) == "方正小标宋简体"
        assert east_asia(items.rows[1].cells[1].paragraphs[0].runs[0]) == "宋体"


class TestCircularDocument:
    def test_official_layout(self, seed: PlanSpec, tmp_path: Path) -> None:
        scores = score_units(facts(seed))
        doc = Document(str(write_circular_docx(**circular_args(scores), path=tmp_path / "c.docx")))
        section = doc.sections[0]
        assert mm(section.page_width, section.page_height) == (210, 297)
        assert mm(section.top_margin, section.bottom_margin, section.left_margin, section.right_margin) == (
            37, 35, 28, 26)
        head, number = doc.paragraphs[:2]
        assert head.text == ISSUER and head.runs[0].bold and str(head.runs[0].font.color.rgb) == "FF0000"
        assert number.text == DOC_NUMBER
        assert 'w:color="FF0000"' in number._p.xml and "<w:bottom" in number._p.xml  # the red rule
        texts = [p.text for p in doc.paragraphs]
        title = next(t for t in texts if t.startswith("关于"))
        assert title.endswith("的通报") and "2016年上半年" in title
        assert [t for t in texts if t in HEADINGS] == HEADINGS
        assert texts[texts.index(title) + 1] == "各镇人民政府、街道办事处，市府直属各单位："
        body = next(p for p in doc.paragraphs if p.text.startswith("为推动"))
        assert body.runs[0].font.size == Pt(16) and east_asia(body.runs[0]) == "仿宋_GB2312"
        issuer, date = doc.paragraphs[-2:]
        assert (issuer.text, date.text) == (ISSUER, "2016年6月21日")
        assert issuer.alignment == date.alignment == 2  # right
        assert 'w:instr="PAGE"' in section.footer.paragraphs[0]._p.xml

    def test_ranking_table_lists_every_locality(self, seed: PlanSpec, tmp_path: Path) -> None:
        scores = score_units(facts(seed))
        doc = Document(str(write_circular_docx(**circular_args(scores), path=tmp_path / "c.docx")))
        towns, departments = doc.tables  # ranked apart
        for table in (towns, departments):
            assert [c.text for c in table.rows[0].cells] == ["排名", "单位", "得分", "名次变化", "亮灯"]
        units = [r.cells[1].text for r in towns.rows[1:]]
        assert units == [s.unit for s in scores if s.group == "locality"] and set(units) == set(seed.locality_names)
        assert [r.cells[1].text for r in departments.rows[1:]][-1] == "市财政局"
        for table in (towns, departments):
            first = table.rows[1].cells
            assert (first[0].text, first[4].text) == ("1", "绿灯")

    def test_same_words_as_the_markdown_circular(self, seed: PlanSpec, tmp_path: Path) -> None:
        scores = score_units(facts(seed), {s.unit: i for i, s in enumerate(reversed(score_units(facts(seed))), 1)})
        args = circular_args(scores)
        text = "\n".join(docx_text(write_circular_docx(**args, path=tmp_path / "c.docx")))
        for block in circular_blocks(circular_markdown(**args), doc_number=DOC_NUMBER, issuer=ISSUER):
            if block.kind != "table":
                assert block.text.replace("**", "") in text, block
        assert "存在问题" in text and "予以通报表扬" in text and "于2016年7月5日前" in text

    def test_blocks_keep_an_escaped_bar_in_a_unit_name(self) -> None:
        scores = score_units([UnitFacts("甲|乙单位", "town", 1, 1, 0, None, 0, 0, 0),
                              UnitFacts("丙单位", "town", 1, 0, 0, None, 0, 0, 0)])
        args = circular_args(scores)
        (table,) = [b for b in circular_blocks(circular_markdown(**args), doc_number=DOC_NUMBER, issuer=ISSUER)
                    if b.kind == "table"]
        assert [row[1] for row in table.rows] == ["单位", "甲|乙单位", "丙单位"]
        assert table.aligns == ("center", "left", "right", "center", "center")

    def test_without_a_document_number_the_rule_follows_the_header(self, seed: PlanSpec, tmp_path: Path) -> None:
        args = {**circular_args(score_units(facts(seed))), "doc_number": ""}
        doc = Document(str(write_circular_docx(**args, path=tmp_path / "c.docx")))
        assert 'w:color="FF0000"' in doc.paragraphs[0]._p.xml and doc.paragraphs[1].text.startswith("关于")

    def test_converts_to_pdf_with_libreoffice(self, seed: PlanSpec, tmp_path: Path) -> None:
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            pytest.skip("LibreOffice (soffice) is not installed")
        docx = write_circular_docx(**circular_args(score_units(facts(seed))), path=tmp_path / "通报.docx")
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                       check=True, capture_output=True, timeout=120)
        pdf = tmp_path / "通报.pdf"
        assert pdf.read_bytes().startswith(b"%PDF")
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout
            words = "".join(text.split())  # pdftotext spaces CJK from Latin text
            assert ISSUER in words and DOC_NUMBER in words  # the CJK text survives (a font was found)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
                           check=True, capture_output=True, timeout=60)
            assert [p.name for p in tmp_path.glob("p*.png")] == ["p-1.png"]


def test_circular_workbook_has_fills_and_a_bar_chart(seed: PlanSpec, tmp_path: Path) -> None:
    scores = score_units(facts(seed))
    ws = load_workbook(write_circular_xlsx(period_label="2016年上半年", scores=scores, path=tmp_path / "c.xlsx")).active
    assert "2016年上半年" in ws["A1"].value
    header = [c.value for c in ws[2]]
    assert header[:5] == ["分组", "排名", "单位", "类别", "得分"] and header[-1] == "亮灯"
    fills = {ws.cell(row=r, column=3).value: (ws.cell(row=r, column=len(header)).value,
                                               ws.cell(row=r, column=len(header)).fill.fgColor.rgb[-6:])
             for r in range(3, 3 + len(scores))}
    assert set(seed.locality_names) <= set(fills)
    assert fills[seed.locality_names[-1]] == ("红灯", "FFC7CE")
    assert fills["市财政局"] == ("黄灯", "FFEB9C") and fills[seed.locality_names[0]] == ("绿灯", "C6EFCE")
    (chart,) = ws._charts
    assert chart.type == "bar" and len(chart.series[0].dPt) == len(scores)
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:K{2 + len(scores)}"


def test_status_workbook_colours_the_light(tmp_path: Path) -> None:
    day = dt.date(2016, 6, 6)
    cells = [BoardCell(unit, "town", "报送工作进展情况", "2016年上半年", day, status, light)
             for unit, status, light in (("镇隆镇", "open", "red"), ("水口镇", "open", "yellow"),
                                         ("丁堡镇", "open", "blue"), ("池洞镇", "submitted", "none"),
                                         ("贵子镇", "open", "none"))]
    ws = load_workbook(write_status_xlsx(board_table(cells), tmp_path / "s.xlsx", title="督办总览")).active
    assert [c.value for c in ws[2]] == ["单位", "类别", "工作", "期次", "截止日期", "状态", "亮灯"]
    colours = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=7).fill for r in range(3, ws.max_row + 1)}
    assert {u: f.fgColor.rgb[-6:] for u, f in colours.items() if f.fill_type == "solid"} == {
        "镇隆镇": "FFC7CE", "水口镇": "FFEB9C", "丁堡镇": "BDD7EE", "池洞镇": "C6EFCE"}
    assert colours["贵子镇"].fill_type is None
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:G7"
    assert ws["E3"].value == dt.datetime(2016, 6, 6) and ws["E3"].number_format == "yyyy-mm-dd"


def test_export_modules_do_not_import_prefect() -> None:
    code = ("import sys, flows.cli.export, flows.ops.exports\n"
            "print(sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# --- from the database ---------------------------------------------------------------------------------

@pytest.fixture
def loaded(db_url: str) -> str:
    init_database()
    load_plan_path(SEED_PLAN)
    return db_url


@pytest.fixture
def inspected(loaded: str) -> str:
    """The seed with its obligations, five localities' first-half reports (one late) and the inspection."""
    from flows.ops.duties import submit_report
    from flows.ops.inspections import run_inspection

    ctx = engine_context()
    generate(ctx, at(2015, 7, 6))
    for day, locality in ((3, "镇隆镇"), (3, "水口镇"), (6, "丁堡镇"), (6, "东镇街道"), (8, "池洞镇")):
        submit_report(ctx, at(2015, 12, 4), locality=locality, period="2015-12-05",
                      actuals={"industrial-investment": 8.0}, projects=[], problems="", next_steps="")
        submit_report(ctx, at(2016, 6, day), locality=locality, period="2016-06-05",
                      actuals={"industrial-investment": 3.0}, projects=[], problems="", next_steps="")
    run_sweep(ctx, at(2016, 6, 21))
    run_inspection(ctx, at(2016, 6, 21), "2016-06-05")
    return loaded


def test_export_breakdown_writes_both_files(loaded: str, seed: PlanSpec, tmp_path: Path) -> None:
    xlsx, docx = export_breakdown(tmp_path / "out")
    assert (xlsx.name, docx.name) == ("任务分解表.xlsx", "任务分解表.docx")
    ws = load_workbook(xlsx)["任务分解表"]
    assert [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)] == [it.ref for it in seed.items]
    (items, _targets) = Document(str(docx)).tables
    assert len(items.rows) == 1 + 24


def test_export_circular_from_the_stored_inspection(inspected: str, seed: PlanSpec, tmp_path: Path) -> None:
    docx, xlsx = export_circular("2016-06-05", tmp_path)
    assert (docx.name, xlsx.name) == ("2016年上半年专项督查通报.docx", "2016年上半年专项督查排名.xlsx")
    doc = Document(str(docx))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["信宜市人民政府", "督查〔2016〕1号"]  # the plan's issuer; the circular's own number
    assert any("2016年上半年" in t and t.endswith("的通报") for t in texts)
    units = [r.cells[1].text for r in doc.tables[0].rows[1:]]
    assert set(seed.locality_names) == set(units)  # departments owed nothing: not ranked
    praise = texts[texts.index("三、表扬") + 1]
    assert "池洞镇" not in praise and any(t.startswith("逾期报送材料的单位：池洞镇") for t in texts)  # late
    assert "信宜市人民政府" not in texts[texts.index("一、基本情况") + 1]  # the issuer is not inspected
    assert "本期无督查任务" in texts[texts.index("一、基本情况") + 1]
    assert texts[-1] == "2016年6月21日"
    assert len(load_workbook(xlsx).active._charts) == 1
    by_label, _ = export_circular("2016年上半年", tmp_path / "again", doc_number=DOC_NUMBER)
    assert docx_text(by_label)[1] == DOC_NUMBER


def test_export_circular_of_an_unknown_period_names_the_known(inspected: str, tmp_path: Path) -> None:
    with pytest.raises(DubanError, match=r"no inspection for period '2016-12-05'.*known: 2016-06-05 \(2016年上半年\)"):
        export_circular("2016-12-05", tmp_path)


def test_export_circular_before_any_inspection(loaded: str, tmp_path: Path) -> None:
    with pytest.raises(DubanError, match="none has run yet"):
        export_circular("2016-06-05", tmp_path)


def test_export_status_board(inspected: str, tmp_path: Path) -> None:
    path = export_status(tmp_path, at(2016, 6, 21))
    assert path.name == "督办总览-2016-06-21.xlsx"
    ws = load_workbook(path).active
    assert ws["A1"].value.startswith("督办总览") and "2016年6月21日" in ws["A1"].value
    fills = {ws.cell(row=r, column=7).fill.fgColor.rgb[-6:] for r in range(3, ws.max_row + 1)
             if ws.cell(row=r, column=7).fill.fill_type == "solid"}
    assert {"FFC7CE", "C6EFCE"} <= fills  # red (late reports) and done (the submitted ones)


class TestCli:
    def test_breakdown_prints_the_paths(self, loaded: str, tmp_path: Path) -> None:
        result = CliRunner().invoke(export_app, ["breakdown", "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [str(tmp_path / "任务分解表.xlsx"), str(tmp_path / "任务分解表.docx")]

    def test_circular_error_is_one_line(self, loaded: str, tmp_path: Path) -> None:
        result = CliRunner().invoke(export_app, ["circular", "--period", "2016-06-05", "--out", str(tmp_path)])
        assert result.exit_code == 1
        (line,) = result.stderr.splitlines()
        assert line.startswith("duban: error: no inspection for period '2016-06-05'") and not result.stdout

    def test_status_without_a_database(self, tmp_path: Path) -> None:
        result = CliRunner().invoke(export_app, ["status", "--out", str(tmp_path)])
        assert result.exit_code == 1 and result.stderr.startswith("duban: error:")
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
