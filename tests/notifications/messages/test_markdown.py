"""Escaping for artifacts: text from people and files renders as exactly its characters in every markdown
artifact and table artifact (checked with a CommonMark renderer, raw HTML allowed as Prefect's is), while
messages, the Word circular and the Excel files keep the plain text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from models.plan.file import load_plan_file
from models.rules.scoring import UnitFacts, score_units
from notifications.documents.circular_export import write_circular_docx, write_circular_xlsx
from notifications.documents.status_export import write_status_xlsx
from notifications.messages.board import BoardCell, board_markdown, board_table
from notifications.messages.breakdown import breakdown_markdown
from notifications.messages.circular import circular_markdown, circular_table, unit_result_message
from notifications.messages.markdown import md, md_plain, md_rows, md_runs
from tests.conftest import SEED_PLAN

SCRIPT = "<script>alert(1)</script>"
LINK = "[点我](http://evil)"
HOSTILE = [SCRIPT, LINK, "**粗体** _斜体_ `代码`", "# 标题", "1. 列表", "- 列表", "> 引用", "a|b", "![img](x.png)",
           "<img src=x onerror=alert(1)>", "http://evil.example www.evil.example a@evil.example", "&lt;b&gt;",
           "第一行\n\n# 第二行", "~~删除~~", "<http://evil>"]
RENDER = MarkdownIt("commonmark").enable(["table", "strikethrough"])  # html=True: raw HTML would pass


def rendered(markdown: str) -> str:
    return RENDER.render(markdown)


def assert_inert(html: str) -> None:
    """No markup the hostile texts could have made (the artifacts' own headings, tables and lists aside)."""
    for tag in ("<script", "<a ", "<img", "<blockquote", "<code", "<em>", "<s>", "<b>", "<h3"):
        assert tag not in html, (tag, html)


class TestMd:
    @pytest.mark.parametrize(("text", "escaped"), [
        (SCRIPT, "\\<script\\>alert(1)\\</script\\>"),
        (LINK, "\\[点我\\](http\\://evil)"),
        ("a|b", "a\\|b"),
        ("# 标题", "\\# 标题"),
        ("12. 项目", "12\\. 项目"),
        ("- 项目", "\\- 项目"),
        ("www.evil.example", "www\\.evil.example"),
        ("第一行\r\n\n第二行\t完", "第一行 第二行 完"),
        ("镇隆镇　陶瓷产业园", "镇隆镇　陶瓷产业园"),  # an ideographic space stays
        ("信宜市(2015-2017年)方案", "信宜市(2015-2017年)方案"),  # nothing to escape: unchanged
        (None, ""),
    ])
    def test_escapes(self, text: str | None, escaped: str) -> None:
        assert md(text) == escaped

    @pytest.mark.parametrize("text", HOSTILE)
    def test_renders_as_its_characters_in_text_and_in_a_table_cell(self, text: str) -> None:
        plain = " ".join(text.split())
        assert rendered(md(text)) == f"<p>{escapeHtml(plain)}</p>\n"
        table = rendered(f"| 单位 | 得分 |\n|---|---|\n| {md(text)} | 1 |\n")
        assert f"<td>{escapeHtml(plain)}</td>\n<td>1</td>" in table

    @given(st.text(alphabet=st.sampled_from(list("\\`*_[]<>|~&#+-=.!():/@ 0123456789wht镇隆\n\t\u3000")),
                   min_size=1, max_size=24))
    def test_any_text_renders_as_its_characters(self, text: str) -> None:
        plain = md_plain(md(text))
        assert plain == re.sub(r"[\n\t]+", " ", text).strip()  # a run of line breaks and tabs is one space
        if plain:
            assert rendered(md(text)) == f"<p>{escapeHtml(plain)}</p>\n"

    def test_rows_escape_strings_and_keep_numbers(self) -> None:
        rows = md_rows([{"单位": SCRIPT, "得分": 98.5, "排名": 1, "备注": None}])
        assert rows == [{"单位": "\\<script\\>alert(1)\\</script\\>", "得分": 98.5, "排名": 1, "备注": None}]

    def test_runs_read_back_bold_and_escapes(self) -> None:
        assert md_runs(f"1. **{md('a**b')}**（第1名）") == [("1. ", False), ("a**b", True), ("（第1名）", False)]
        assert md_runs("a ** b") == [("a ** b", False)]  # an unclosed ** is text


def board_cells() -> list[BoardCell]:
    due = dt.date(2016, 6, 6)
    return [BoardCell(SCRIPT, "town", "报送项目建设和各项工作进展情况", "2016年上半年", due, "open", "red"),
            BoardCell("镇隆镇", "town", LINK, "2016年上半年", due, "open", "yellow")]  # an action item's title


class TestArtifacts:
    def test_status_board_renders_a_script_unit_and_a_link_title_inert(self) -> None:
        as_of = dt.datetime(2016, 6, 7, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        board = board_markdown(board_cells(), as_of=as_of, plan_title="方案<b>加粗</b>")
        html = rendered(board)
        assert_inert(html)
        assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
        assert "[点我](http://evil) · 2016年上半年</th>" in html
        assert "<h1>督办总览 · 方案&lt;b&gt;加粗&lt;/b&gt; · " in html
        # The table artifact gets md_rows; the rows themselves stay plain for the Excel export.
        rows = board_table(board_cells())
        assert {r["单位"] for r in rows} == {SCRIPT, "镇隆镇"}
        assert_inert(rendered("\n\n".join(str(v) for r in md_rows(rows) for v in r.values())))

    def test_circular_names_hostile_units_inert(self) -> None:
        scores = score_units([UnitFacts(SCRIPT, "town", 2, 0, 0, 0.1, 0, 0, 2),  # red: named under 存在问题
                              UnitFacts(LINK, "town", 2, 2, 0, 1.0, 0, 0, 0),
                              UnitFacts("镇隆镇", "town", 2, 2, 0, 0.9, 0, 0, 0)])
        markdown = circular_markdown(plan_title="方案*", doc_number="信府〔2016〕1号", issuer="市政府<督查室>",
                                     period_label="2016年上半年", issued_on=dt.date(2016, 6, 20), scores=scores)
        html = rendered(markdown)
        assert_inert(html)
        assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>" in html  # named in bold, as text
        assert "<td>[点我](http://evil)</td>" in html
        assert "<p>市政府&lt;督查室&gt;</p>" in html
        assert_inert(rendered("\n\n".join(str(v) for r in md_rows(circular_table(scores)) for v in r.values())))
        # The unit's message is plain text: its name as written, never escaped.
        red = next(s for s in scores if s.unit == SCRIPT)
        title, body = unit_result_message(red, period_label="2016年上半年", total_units=3, coordinator="市科工商务局")
        assert title.startswith(f"【督查结果】{SCRIPT}2016年上半年") and body.startswith(f"{SCRIPT}：")

    def test_plan_breakdown_renders_hostile_plan_text_inert(self) -> None:
        spec = load_plan_file(SEED_PLAN)
        item = spec.items[0].model_copy(update={"title": LINK, "lead": SCRIPT})
        html = rendered(breakdown_markdown(spec.model_copy(update={"items": [item, *spec.items[1:]]})))
        assert_inert(html)
        assert f"<td>{escapeHtml(LINK)}</td>\n<td>{escapeHtml(SCRIPT)}</td>" in html


class TestDocumentsKeepPlainText:
    SCORES = [UnitFacts(SCRIPT, "town", 2, 0, 0, 0.1, 0, 0, 2), UnitFacts(LINK, "town", 2, 2, 0, 1.0, 0, 0, 0),
              UnitFacts("a*b_c\\d", "town", 2, 2, 0, 0.9, 0, 0, 0)]

    def test_the_word_circular_shows_the_names_as_written(self, tmp_path: Path) -> None:
        scores = score_units(self.SCORES)
        path = write_circular_docx(plan_title="方案[1]", doc_number="信府〔2016〕1号", issuer="市政府<督查室>",
                                   period_label="2016年上半年", issued_on=dt.date(2016, 6, 20), scores=scores,
                                   path=tmp_path / "c.docx")
        doc = Document(str(path))
        text = "\n".join(p.text for p in doc.paragraphs)
        cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
        assert {SCRIPT, LINK, "a*b_c\\d"} <= set(cells)
        assert f"{SCRIPT}（镇（街道）排名第3" in text and "《方案[1]》" in text
        assert doc.paragraphs[0].text == "市政府<督查室>"
        assert "\\<" not in text and "\\[" not in text and "\\" not in "".join(cells).replace("a*b_c\\d", "")
        bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold and SCRIPT in r.text]
        assert bold == [SCRIPT]
        assert doc.core_properties.title == "关于2016年上半年《方案[1]》落实情况专项督查结果的通报"

    def test_the_excel_files_keep_the_plain_names(self, tmp_path: Path) -> None:
        scores = score_units(self.SCORES)
        ranking = openpyxl.load_workbook(write_circular_xlsx(period_label="2016年上半年", scores=scores,
                                                             path=tmp_path / "r.xlsx")).active
        assert {SCRIPT, LINK} <= {c.value for row in ranking.iter_rows() for c in row}
        status = openpyxl.load_workbook(write_status_xlsx(board_table(board_cells()), tmp_path / "s.xlsx",
                                                          title="督办总览")).active
        assert {SCRIPT, LINK} <= {c.value for row in status.iter_rows() for c in row}
