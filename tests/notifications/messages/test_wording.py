"""The pieces of official wording computed from plan data (notifications.messages.wording)."""

from __future__ import annotations

import pytest

from notifications.messages.render import Contact
from notifications.messages.wording import (
    clause_words,
    contact_of,
    gov_short,
    is_report,
    leader_title,
    period_words,
    report_object,
    unit_kind,
    with_period,
)


@pytest.mark.parametrize(("clause", "words"), [
    ("五(三)", "第五部分第(三)项"),
    ("五(三)、五(四)", "第五部分第(三)、(四)项"),
    ("五（三）", "第五部分第（三）项"),
    ("附件1", "“附件1”"),
    ("四(一)、五(二)", "“四(一)、五(二)”"),  # two parts: quoted as written
    ("", ""),
])
def test_clause_words(clause: str, words: str) -> None:
    assert clause_words(clause) == words


@pytest.mark.parametrize(("issuer", "short"), [
    ("信宜市人民政府", "市政府"), ("广东省人民政府", "省政府"), ("市科工商务局", "市科工商务局")])
def test_gov_short_and_leader_title(issuer: str, short: str) -> None:
    assert gov_short(issuer) == short
    assert leader_title(issuer) == f"{short}分管领导"


def test_contact_of_reads_the_stored_json() -> None:
    stored = '{"person": "督查股 李明", "phone": "0668-8812345", "email": "dbk@kgswj.xinyi.example"}'
    assert contact_of("市科工商务局", stored) == Contact("市科工商务局", "督查股 李明", "0668-8812345",
                                                        "dbk@kgswj.xinyi.example")
    assert contact_of("市发改局", None) == Contact("市发改局")


@pytest.mark.parametrize(("period", "words"), [
    ("2016年第2季度", "2016年第二季度"), ("2016年第4季度", "2016年第四季度"), ("2016年上半年", "2016年上半年")])
def test_period_words(period: str, words: str) -> None:
    assert period_words(period) == words


@pytest.mark.parametrize(("period", "text", "joined"), [
    ("2016年度", "年度目标任务", "2016年度目标任务"),  # never 2016年度年度
    ("2016年第2季度", "部门间联席会议", "2016年第二季度部门间联席会议"),
    ("2016年上半年", "专项督查", "2016年上半年专项督查"),
])
def test_with_period_says_the_period_once(period: str, text: str, joined: str) -> None:
    assert with_period(period, text) == joined


@pytest.mark.parametrize(("title", "obj"), [
    ("报送项目建设和各项工作进展情况", "2016年上半年项目建设和各项工作进展情况"),
    ("报送“深化体制机制改革”落实情况", "2016年上半年“深化体制机制改革”落实情况"),
    ("工作进展情况报送", "2016年上半年工作进展情况"),  # the verb last
])
def test_report_object_drops_the_verb(title: str, obj: str) -> None:
    assert report_object(title, "2016年上半年") == obj


@pytest.mark.parametrize(("kind", "title", "report"), [
    ("progress_report", "报送项目建设和各项工作进展情况", True),
    ("task_report", "报送“深化体制机制改革”落实情况", True),
    ("action_item", "完善镇级重大工业项目库", False),
    ("rectification", "2016年上半年专项督查整改", False),
    ("something_new", "工作进展情况报送", True),
])
def test_is_report(kind: str, title: str, report: bool) -> None:
    assert is_report(kind, title) is report


@pytest.mark.parametrize(("name", "kind", "got"), [
    ("镇隆镇", "", "town"), ("东镇街道", "", "subdistrict"), ("市发改局", "", "department"),
    ("某某乡", "", "town"), ("人民银行信宜市支行", "vertical", "vertical"), ("镇隆镇", "other", "other"),
    ("市发改局", "nonsense", "department"),
])
def test_unit_kind_is_the_plans_or_read_from_the_name(name: str, kind: str, got: str) -> None:
    assert unit_kind(name, kind) == got
