"""Reading a plan from the text of its notice: the seed against the hand-made plan, each form of the
notices in a table, the corpus under tests/corpus/notices, and mutated notices that must never crash."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.enums import Comparator, DutyKind, Frequency, HolidayPolicy, LocalityScope, Responsible
from models.errors import PlanError
from models.plan.breakdown import breakdown_rows
from models.plan.checks import check_plan
from models.plan.file import load_plan_file, parse_plan_text
from models.plan.schema import PlanSpec
from models.plan_text import build as plan_text_build
from models.plan_text.duties import due_dates, frequency
from models.plan_text.reader import (
    NoticeParse,
    decode_notice,
    notice_summary,
    notice_to_plan,
    parse_notice,
    plan_yaml,
)
from models.plan_text.units import find_responsibility, parse_unit_list, unit_kind
from models.plan_text.vocab import NORMALISE

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "corpus" / "notices"
SEED_TEXT = ROOT / "tests" / "corpus" / "seed" / "000_cabd027799485bb6.txt"
SEED_PLAN = ROOT / "config" / "plans" / "xinyi-2015-2017.yaml"
HAS_PINYIN = plan_text_build._pinyin() is not None


def seed_text() -> str:
    return decode_notice(SEED_TEXT.read_bytes(), source=SEED_TEXT.name)


def notice(*body: str, header: str = "") -> str:
    """A small notice: a title, a date and the given body lines."""
    head = header or "测试市人民政府关于印发测试市某某工作实施方案(2020-2022年)的通知\n\n测府〔2020〕1号\n\n" \
                     "测试市人民政府\n2020年3月2日\n\n测试市某某工作实施方案(2020-2022年)\n"
    return head + "\n".join(body) + "\n"


@pytest.fixture(scope="module")
def seed() -> NoticeParse:
    return parse_notice(seed_text(), source="seed.txt")


@pytest.fixture(scope="module")
def reference() -> PlanSpec:
    return load_plan_file(SEED_PLAN)


class TestSeed:
    def test_seed_reads_everything(self, seed: NoticeParse) -> None:
        assert (len(seed.items), len(seed.targets), len(seed.duties), seed.unread) == (24, 9, 4, [])

    def test_seed_metadata(self, seed: NoticeParse, reference: PlanSpec) -> None:
        assert seed.title == reference.title
        assert seed.notice_title == reference.notice_title
        assert (seed.doc_number, seed.issuer, seed.issued_on) == (reference.doc_number, reference.issuer,
                                                                  reference.issued_on)
        assert seed.coordinator == reference.coordinator == "市科工商务局"
        assert seed.period == (2015, 2017)

    def test_seed_items_match_the_hand_made_plan(self, seed: NoticeParse, reference: PlanSpec) -> None:
        assert [it.ref for it in seed.items] == [it.ref for it in reference.items]
        for got, want in zip(seed.items, reference.items, strict=True):
            assert (got.lead, got.cooperating, got.localities) == (
                want.lead, want.cooperating, want.localities), got.ref
            assert (got.kind, got.section, got.title, got.text, got.others_unnamed) == (
                want.kind, want.section, want.title, want.text, want.others_unnamed), got.ref

    def test_seed_targets_match(self, seed: NoticeParse, reference: PlanSpec) -> None:
        units = {x.code: x.unit for x in reference.indicators}
        # The notice's own targets: the plan's carried ones (2016/2017 copied from 2015) are not in the text.
        own = [t for t in reference.targets if t.carried_from is None]
        want = Counter((t.year, t.value, units[t.indicator], t.comparator) for t in own)
        got = Counter((t.year, t.value, t.unit, t.comparator) for t in seed.targets)
        assert got == want

    def test_seed_sub_target_and_baseline(self, seed: NoticeParse) -> None:
        sub = next(t for t in seed.targets if t.value == 15 and t.unit == "家")
        assert sub.parent is not None and seed.targets[sub.parent].value == 32
        rd = next(t for t in seed.targets if t.year == 2017)
        assert (rd.baseline, rd.value, rd.unit) == ((2014, 0.68), 1.0, "%")

    def test_seed_duties_due_dates_as_written(self, seed: NoticeParse, reference: PlanSpec) -> None:
        got = {d.kind: d.due_dates for d in seed.duties}
        assert got == {DutyKind.DECOMPOSITION: ["04-30"], DutyKind.PROGRESS_REPORT: ["06-05", "12-05"],
                       DutyKind.JOINT_MEETING: [], DutyKind.INSPECTION: []}
        fixed = {d.kind: d.schedule.dates for d in reference.duties if not d.schedule.default}
        assert {k: v for k, v in got.items() if v} == fixed

    def test_seed_duty_details(self, seed: NoticeParse) -> None:
        by_kind = {d.kind: d for d in seed.duties}
        assert by_kind[DutyKind.DECOMPOSITION].years == [2016, 2017]
        assert by_kind[DutyKind.DECOMPOSITION].holiday_policy is HolidayPolicy.PULL_EARLIER
        assert by_kind[DutyKind.PROGRESS_REPORT].responsible is Responsible.LOCALITIES
        assert by_kind[DutyKind.PROGRESS_REPORT].frequency is Frequency.SEMIANNUAL
        assert by_kind[DutyKind.INSPECTION].owner == "信宜市人民政府"
        assert by_kind[DutyKind.JOINT_MEETING].owner == "市科工商务局"

    def test_seed_with_roster_is_the_hand_made_table(self, seed: NoticeParse, reference: PlanSpec) -> None:
        plan = notice_to_plan(seed, roster=reference.all_units)
        assert breakdown_rows(plan) == breakdown_rows(reference)
        assert plan.units == reference.units and plan.localities == reference.localities
        by_code = {d.code: d for d in reference.duties}
        for duty in plan.duties:
            assert duty.schedule.dates == by_code[duty.code].schedule.dates, duty.code
            assert duty.holiday_policy == by_code[duty.code].holiday_policy, duty.code
            assert duty.owner == by_code[duty.code].owner, duty.code

    def test_seed_yaml_loads_as_a_plan(self, seed: NoticeParse) -> None:
        plan = notice_to_plan(seed)
        loaded = parse_plan_text(plan_yaml(plan, seed), source="out.yaml")
        assert loaded == plan
        assert len({u.code for u in plan.units}) == len(plan.units)
        if HAS_PINYIN:
            assert plan.code == "xinyi-2015-2017"
            assert {u.name: u.code for u in plan.units}["市科工商务局"] == "kgswj"

    def test_seed_json_summary(self, seed: NoticeParse) -> None:
        summary = notice_summary(seed, notice_to_plan(seed))
        assert summary["issued_on"] == "2015-07-06" and summary["doc_number"] == "信府〔2015〕30号"
        item = next(i for i in summary["items"] if i["ref"] == "三(二)5")
        assert item["cooperating"] == ["市统计局", "市政府金融工作局", "人民银行信宜市支行"]
        assert item["text"].startswith("开展技术改造投资动态监测和服务。")
        duties = {d["kind"]: d for d in summary["duties"]}
        assert duties["joint_meeting"]["frequency"] is None and duties["joint_meeting"]["schedule_default"]
        assert duties["progress_report"]["due_dates"] == ["06-05", "12-05"]
        json.dumps(summary, ensure_ascii=False)

    def test_seed_without_pinyin_falls_back_to_stable_ascii_codes(self, seed: NoticeParse,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(plan_text_build, "_pinyin", lambda: None)
        first, second = notice_to_plan(seed), notice_to_plan(seed)
        assert [u.code for u in first.units] == [u.code for u in second.units]
        assert all(u.code.isascii() for u in first.units) and check_plan(first) == []


class TestNumbering:
    def test_numbers_restart_in_each_group(self) -> None:
        text = notice("一、工作任务", "(一)第一组。", "1、甲任务。(市发改局)", "2、乙任务。(市财政局)",
                      "(二)第二组。", "1、丙任务。(市教育局)")
        assert [i.ref for i in parse_notice(text, source="t").items] == ["一(一)1", "一(一)2", "一(二)1"]

    def test_numbers_continue_across_groups(self) -> None:
        text = notice("三、重点任务", "(一)第一组", "1.甲任务。(市发改局)", "(二)第二组", "2.乙任务。(市财政局)",
                      "3.丙任务。(市教育局)")
        assert [i.ref for i in parse_notice(text, source="t").items] == ["三(一)1", "三(二)2", "三(二)3"]

    def test_parenthesised_arabic_under_dotted(self) -> None:
        text = notice("二、具体措施", "1.大项。", "(1)小项甲。责任单位:市财政局", "（2）小项乙。责任单位：市统计局")
        items = parse_notice(text, source="t").items
        assert [(i.ref, i.section, i.lead) for i in items] == [("二1(1)", "1.大项", "市财政局"),
                                                              ("二1(2)", "1.大项", "市统计局")]

    def test_heading_then_body_makes_a_measure(self) -> None:
        text = notice("四、保障措施", "(一)加强资金保障。", "统筹安排资金。(市财政局、市发改局等单位)")
        item = parse_notice(text, source="t").items[0]
        assert (item.ref, item.title, item.text) == ("四(一)", "加强资金保障", "统筹安排资金。")
        assert item.section == "四、保障措施"
        assert item.others_unnamed

    def test_responsibility_on_its_own_line(self) -> None:
        text = notice("二、主要任务", "1、推进改革。深化改革。", "责任单位:市发改局、市编办")
        item = parse_notice(text, source="t").items[0]
        assert (item.lead, item.cooperating, item.text) == ("市发改局", ["市编办"], "推进改革。深化改革。")

    def test_repeated_number_is_reported_not_merged(self) -> None:
        text = notice("二、主要任务", "1、甲。(市发改局)", "1、乙。(市财政局)")
        parse = parse_notice(text, source="t")
        assert [i.lead for i in parse.items] == ["市发改局"]
        assert len(parse.unread) == 1 and "repeats" in parse.unread[0]


class TestResponsibility:
    @pytest.mark.parametrize(("content", "units", "others", "scope"), [
        ("市科工商务局、市发改局,各镇人民政府、街道办事处", ["市科工商务局", "市发改局"], False, LocalityScope.ALL),
        ("市科工商务局,有关镇人民政府、街道办事处", ["市科工商务局"], False, LocalityScope.RELEVANT),
        ("牵头单位:市住建局;配合单位:市财政局、市水务局,各区", ["市住建局", "市财政局", "市水务局"], False,
         LocalityScope.ALL),
        ("牵头单位：市住建局；配合单位：市财政局，各区人民政府", ["市住建局", "市财政局"], False, LocalityScope.ALL),
        ("县农业农村局牵头,县财政局、县水利局配合,各乡镇", ["县农业农村局", "县财政局", "县水利局"], False,
         LocalityScope.ALL),
        ("县农业农村局牵头，县住建局配合，各乡镇人民政府负责落实", ["县农业农村局", "县住建局"], False,
         LocalityScope.ALL),
        ("责任单位:市发改局、市统计局", ["市发改局", "市统计局"], False, LocalityScope.NONE),
        ("市人社局、市教育局按职责分工负责", ["市人社局", "市教育局"], False, LocalityScope.NONE),
        ("市发改局、市编办等单位,各县(市、区)人民政府", ["市发改局", "市编办"], True, LocalityScope.ALL),
        ("省工信厅、省发展改革委,各县（市、区）人民政府", ["省工信厅", "省发展改革委"], False, LocalityScope.ALL),
        ("市民政局、市卫生健康委等部门,相关乡镇", ["市民政局", "市卫生健康委"], False, LocalityScope.RELEVANT),
        ("市科技局和市经信局", ["市科技局", "市经信局"], False, LocalityScope.NONE),
        ("市住房和城乡建设局", ["市住房和城乡建设局"], False, LocalityScope.NONE),
    ])
    def test_unit_list_forms(self, content: str, units: list[str], others: bool, scope: LocalityScope) -> None:
        got_units, got_others, got_scope, unknown = parse_unit_list(content.translate(NORMALISE))
        assert (got_units, got_scope, unknown) == (units, scope, [])
        assert got_others is others or (content.endswith("相关乡镇") and got_others)

    @pytest.mark.parametrize("paragraph", [
        "依托园区建设平台(以下简称“园区”)",
        "落实到各镇(街道)(见附件)",
        "贯彻落实《发展规划(2015-2025年)》",
        "推广应用新技术、新设备(产品)",
        "推进改造(含开发区)",
        "统筹推进各项工作。",
    ])
    def test_parentheses_that_are_not_responsibilities(self, paragraph: str) -> None:
        assert find_responsibility(paragraph.translate(NORMALISE)) is None

    def test_half_and_full_width_read_the_same(self) -> None:
        full = "开展工作。（市发改局、市财政局，各镇人民政府、街道办事处）。"
        half = "开展工作。(市发改局、市财政局,各镇人民政府、街道办事处)."
        a, b = (find_responsibility(x.translate(NORMALISE)) for x in (full, half))
        assert a is not None and b is not None and a.units == b.units and a.localities == b.localities

    def test_unknown_part_is_kept_for_the_report(self) -> None:
        found = find_responsibility("开展工作。(市发改局、某某某)")
        assert found is not None and found.unknown == ("某某某",)

    @pytest.mark.parametrize(("name", "kind"), [
        ("镇隆镇", "town"), ("东镇街道", "subdistrict"), ("市科工商务局", "department"), ("市编办", "department"),
        ("市土地储备中心", "department"), ("人民银行信宜市支行", "department"), ("信宜市人民政府", "other"),
    ])
    def test_unit_kinds(self, name: str, kind: str) -> None:
        assert unit_kind(name, "信宜市人民政府").value == kind


class TestTargets:
    @pytest.mark.parametrize(("clause", "name", "value", "unit", "comparator"), [
        ("全市工业投资达105亿元", "全市工业投资", 105.0, "亿元", Comparator.GE),
        ("设立研发机构比例不低于6%", "设立研发机构比例", 6.0, "%", Comparator.GE),
        ("新开工改造老旧小区120个以上", "新开工改造老旧小区", 120.0, "个", Comparator.GE),
        ("安排专项资金不少于5000万元", "安排专项资金", 5000.0, "万元", Comparator.GE),
        ("实现电机能效提升1.0万千瓦", "电机能效提升", 1.0, "万千瓦", Comparator.GE),
        ("化肥使用量控制在1.2万吨以内", "化肥使用量", 1.2, "万吨", Comparator.LE),
        ("普及率达到95%以上", "普及率", 95.0, "%", Comparator.GE),
        ("处理率保持在90%", "处理率", 90.0, "%", Comparator.EQ),
        ("PM2.5平均浓度控制在28微克/立方米以内", "PM2.5平均浓度", 28.0, "微克/立方米", Comparator.LE),
        ("培育标杆企业20家", "培育标杆企业", 20.0, "家", Comparator.GE),
    ])
    def test_target_forms(self, clause: str, name: str, value: float, unit: str, comparator: Comparator) -> None:
        parse = parse_notice(notice("一、主要目标", f"到2022年,{clause}。"), source="t")
        t = parse.targets[0]
        assert (t.year, t.name, t.value, t.unit, t.comparator) == (2022, name, value, unit, comparator)

    def test_sub_target_in_parentheses(self) -> None:
        parse = parse_notice(notice("一、主要目标", "2021年,培育标杆企业20家(其中国家级3家)。"), source="t")
        parent, sub = parse.targets
        assert sub.parent == 0 and sub.value == 3 and sub.name == "培育标杆企业(其中国家级)"
        assert parent.parent is None

    def test_range_and_out_of_period_targets_are_reported(self) -> None:
        parse = parse_notice(notice("一、主要目标", "到2022年,培育服务机构20至30家,到2030年建成示范区5个。",
                                    "二、主要任务", "1、甲任务。(市发改局)"), source="t")
        assert parse.targets == []
        assert ["range" in parse.unread[0], "outside" in parse.unread[1]] == [True, True]

    def test_comparison_year_is_not_the_target_year(self) -> None:
        parse = parse_notice(notice("一、主要目标", "到2022年,单位增加值能耗较2019年下降13.5%。"), source="t")
        assert parse.targets[0].year == 2022


class TestDuties:
    @pytest.mark.parametrize(("sentence", "dates", "relative", "freq"), [
        ("每年6月5日、12月5日前向市科工商务局报送进展情况", ["06-05", "12-05"], None, Frequency.SEMIANNUAL),
        ("由市科工商务局会同有关单位于当年4月底前分解落实", ["04-30"], None, Frequency.ANNUAL),
        ("各区要于每月底前报送进展情况", [f"{m:02d}-{d}" for m, d in zip(range(1, 13), (
            31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), strict=True)], None, Frequency.MONTHLY),
        ("每季度结束后5个工作日内报送工作进展情况", [], 5, Frequency.QUARTERLY),
        ("每季度结束后五个工作日内报送", [], 5, Frequency.QUARTERLY),
        ("每月5日前报送上月工作进展情况", [f"{m:02d}-05" for m in range(1, 13)], None, Frequency.MONTHLY),
        ("每季度首月10日前汇总上季度工作进展情况", ["01-10", "04-10", "07-10", "10-10"], None, Frequency.QUARTERLY),
        ("于2022年3月31日前将目标任务分解到各乡镇", ["03-31"], None, None),
        ("每年12月底前组织开展年度考核", ["12-31"], None, Frequency.ANNUAL),
        ("原则上每季度召开一次", [], None, Frequency.QUARTERLY),
        ("市政府定期组织专项督查", [], None, None),
    ])
    def test_deadline_forms(self, sentence: str, dates: list[str], relative: int | None,
                            freq: Frequency | None) -> None:
        got_dates, got_relative = due_dates(sentence)
        assert (got_dates, got_relative, frequency(sentence, got_dates)) == (dates, relative, freq)

    def test_heading_run_into_its_paragraph(self) -> None:
        parse = parse_notice(notice("五、工作要求", "(一)加强督促检查。市政府适时组织督查,对进度滞后的予以通报。"),
                             source="t")
        duty = parse.duties[0]
        assert (duty.kind, duty.title, duty.owner) == (DutyKind.INSPECTION, "加强督促检查", "测试市人民政府")

    def test_deadline_not_understood_is_reported(self) -> None:
        parse = parse_notice(notice("五、工作要求", "(一)报送进度。各镇每月中旬向市发改局报送工作进展情况。"),
                             source="t")
        assert parse.duties[0].due_dates == []
        assert len(parse.unread) == 1 and "deadline not understood" in parse.unread[0]


class TestUnread:
    def test_task_without_units_is_reported(self) -> None:
        parse = parse_notice(notice("二、主要任务", "1、甲任务。(市发改局)", "2、乙任务,营造良好氛围。"), source="t")
        assert [i.ref for i in parse.items] == ["二1"]
        assert parse.unread == ["line 11 (二2): no responsible units found: 「2、乙任务,营造良好氛围。」"]

    def test_units_not_understood_are_reported(self) -> None:
        parse = parse_notice(notice("二、主要任务", "1、甲任务。(市发改局、某某某)", "2、乙任务。(市财政局)"),
                             source="t")
        assert [i.ref for i in parse.items] == ["二2"]
        assert "某某某" in parse.unread[0]

    def test_only_localities_is_reported(self) -> None:
        parse = parse_notice(notice("二、主要任务", "1、甲任务。(各县(市、区)人民政府负责)", "2、乙。(市财政局)"),
                             source="t")
        assert "no lead unit" in parse.unread[0]


class TestDecode:
    @pytest.mark.parametrize(("raw", "message"), [
        (b"", "empty"),
        (b"  \n\r\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("一、甲".encode("utf-16"), "UTF-16"),
        (bytes(random.Random(6).randrange(256) for _ in range(4000)), "binary|neither|looks binary|not look"),
        ("第一章 山雨欲来\n\n　　那一年的春天来得特别早，柳树已经抽出了新芽。\n".encode(), "not look like a notice"),
        (b"hello world\n1. one\n2. two\n", "does not look like a notice"),
    ])
    def test_not_a_notice_is_one_clear_line(self, raw: bytes, message: str) -> None:
        with pytest.raises(PlanError, match=message) as info:
            decode_notice(raw, source="x.txt")
        assert len(info.value.problems) == 1 and info.value.problems[0].startswith("x.txt: ")

    def test_gb18030_and_bom(self) -> None:
        text = seed_text()
        assert decode_notice(text.encode("gb18030"), source="s") == text
        assert decode_notice(b"\xef\xbb\xbf" + text.encode(), source="s") == text

    def test_notice_without_any_plan_is_refused(self) -> None:
        with pytest.raises(PlanError, match="no task with responsible units"):
            parse_notice("一、总体要求\n坚持稳中求进。\n二、工作原则\n坚持问题导向。\n", source="t")


def _project(summary: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The summary cut down to the keys the expected file states."""
    out: dict[str, Any] = {}
    for key, want in expected.items():
        got = summary[key]
        if isinstance(want, list) and want and isinstance(want[0], dict):
            out[key] = [{k: row[k] for k in want[0]} for row in got]
        else:
            out[key] = got
    return out


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_corpus_notice_reads_as_expected(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    parse = parse_notice(decode_notice(path.read_bytes(), source=path.name), source=path.name)
    plan = notice_to_plan(parse)
    assert _project(notice_summary(parse, plan), expected) == expected
    assert parse_plan_text(plan_yaml(plan, parse), source=path.name) == plan


def test_corpus_covers_every_form() -> None:
    text = "".join(p.read_bytes().decode("utf-8") if "gb18030" not in p.name else p.read_bytes().decode("gb18030")
                   for p in CORPUS.glob("*.txt")).translate(NORMALISE)
    forms = ["(一)", "1、", "1.", "(1)", "牵头单位:", "配合单位:", "牵头,", "配合", "责任单位:", "按职责分工负责",
             "等单位",
             "各镇人民政府、街道办事处", "各乡镇", "各县(市、区)人民政府", "各区", "有关县(市、区)", "(以下简称",
             "(见附件)", "亿元", "万元", "%", "家", "个", "万千瓦", "不低于", "以上", "达到", "控制在", "以内",
             "每季度结束后5个工作日内", "每月底前"]
    assert [f for f in forms if f not in text] == []
    assert len(list(CORPUS.glob("*.expected.json"))) >= 4


# --- mutated notices never crash -----------------------------------------------------------------------

_SWAP = str.maketrans("(),:;!?%()，：；！？％", "（），：；！？％(),:;!?%")
_INSERTS = "()（）、,，。;；:：一二1.(（ \n牵头配合各镇月底"


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    text = SEED_TEXT.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["del", "dup", "swap", "ins", "del_line", "dup_line", "swap_lines", "width",
                                   "cut"]))
        lines = text.split("\n")
        i = draw(st.integers(0, max(0, len(text) - 2)))
        j = draw(st.integers(0, len(lines) - 1))
        k = draw(st.integers(0, len(lines) - 1))
        if op == "del":
            text = text[:i] + text[i + 1:]
        elif op == "dup":
            text = text[:i] + text[i:i + 1] + text[i:]
        elif op == "swap" and len(text) > i + 1:
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        elif op == "ins":
            text = text[:i] + draw(st.sampled_from(_INSERTS)) + text[i:]
        elif op == "del_line":
            text = "\n".join(lines[:j] + lines[j + 1:])
        elif op == "dup_line":
            text = "\n".join(lines[:j] + [lines[j]] + lines[j:])
        elif op == "swap_lines":
            lines[j], lines[k] = lines[k], lines[j]
            text = "\n".join(lines)
        elif op == "width":
            text = text[:i] + text[i:].translate(_SWAP) if draw(st.booleans()) else text.translate(_SWAP)
        elif op == "cut":
            text = text[: i]
    return text


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_seed())
def test_mutated_notices_never_crash(text: str) -> None:
    try:
        parse = parse_notice(text, source="mutant.txt")
    except PlanError:
        return
    assert isinstance(parse, NoticeParse)
    try:
        plan = notice_to_plan(parse)
    except PlanError:
        return
    assert check_plan(plan) == []
    notice_summary(parse, plan)
