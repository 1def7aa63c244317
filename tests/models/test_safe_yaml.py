"""The safe YAML loader, and every YAML file duban reads going through it."""

from __future__ import annotations

import datetime as dt
import resource
import time
from pathlib import Path

import pytest

from models.errors import CalendarError, LadderError, NotificationError, PlanError, YamlError
from models.plan.file import load_plan_file
from models.rules.calendar_data import load_year_file
from models.rules.ladder import load_escalation
from models.safe_yaml import DEFAULT_LIMITS, YamlLimits, load, load_with_node, read_text
from models.validation import shown
from notifications.channels.contacts import Contacts
from tests.conftest import ROOT

# The classic "billion laughs", 342 bytes: 9 levels of 9 aliases each, 9**9 strings once written out.
BILLION_LAUGHS = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _refusal(text: str, limits: YamlLimits = DEFAULT_LIMITS) -> YamlError:
    with pytest.raises(YamlError) as info:
        load(text, limits=limits)
    return info.value


class TestAccepts:
    def test_plain_values_load_as_safe_load_would(self) -> None:
        text = "a: 1\nb: [2.5, true, null, 'x', 2015-07-06]\nc: {d: e}\n"
        assert load(text) == {"a": 1, "b": [2.5, True, None, "x", dt.date(2015, 7, 6)], "c": {"d": "e"}}

    def test_dates_stay_text_when_asked(self) -> None:
        assert load("d: 2015-07-06\n", limits=YamlLimits(dates_as_text=True)) == {"d": "2015-07-06"}

    def test_a_few_aliases_within_the_budget_are_fine(self) -> None:
        assert load("a: &x [1, 2]\nb: *x\nc: *x\n") == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}

    def test_core_tags_are_allowed(self) -> None:
        assert load("a: !!str 2015\nb: !!int '7'\nc: !!float '1.5'\n") == {"a": "2015", "b": 7, "c": 1.5}

    def test_empty_document_is_none(self) -> None:
        assert load_with_node("") == (None, None)
        assert load_with_node("# only a comment\n") == (None, None)

    @pytest.mark.parametrize("path", ["config/plans/xinyi-2015-2017.yaml", "config/escalation.yaml"])
    def test_the_repository_files_load(self, path: str) -> None:
        assert isinstance(load((ROOT / path).read_text(encoding="utf-8")), dict)


class TestRefuses:
    def test_duplicate_key_names_both_lines(self) -> None:
        text = "code: x\nitems:\n  - a\ntitle: t\nitems:\n  - b\n"
        err = _refusal(text)
        assert (err.line, err.problem) == (5, "duplicate key 'items' (first at line 2)")
        assert str(err) == "line 5: duplicate key 'items' (first at line 2)"

    def test_duplicate_nested_key(self) -> None:
        err = _refusal("items:\n  - lead: 甲\n    coordinator: 乙\n    lead: 丙\n")
        assert (err.line, err.problem) == (4, "duplicate key 'lead' (first at line 2)")

    def test_keys_equal_as_values_are_duplicates(self) -> None:
        assert _refusal("1: a\n0x1: b\n").problem == "duplicate key 1 (first at line 1)"

    def test_billion_laughs_is_refused_in_milliseconds_and_little_memory(self) -> None:
        assert len(BILLION_LAUGHS.encode()) == 342
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        err = _refusal(BILLION_LAUGHS)
        elapsed = time.perf_counter() - start
        growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        assert err.problem.startswith("aliases would expand to more than 10000 values")
        assert err.line == 5  # b, c and d add 8289 values; the first *d on line 5 adds 7381 more
        print(f"\nbillion laughs refused in {elapsed * 1000:.2f} ms, peak RSS growth {growth_kb} kB")

    def test_recursive_alias(self) -> None:
        assert "recursive structure" in _refusal("a: &x [1, *x]\n").problem

    def test_undefined_alias_is_a_syntax_error(self) -> None:
        assert _refusal("a: *nope\n").problem == "not valid YAML: found undefined alias 'nope'"

    @pytest.mark.parametrize(
        ("text", "tag"),
        [
            ("a: !!python/object/apply:os.system ['true']\n", "'!!python/object/apply:os.system'"),
            ("a: !!python/name:os.system\n", "'!!python/name:os.system'"),
            ("a: !custom 1\n", "'!custom'"),
            ("a: !!binary aGVsbG8=\n", "'!!binary'"),
            ("a: !!set {x, y}\n", "'!!set'"),
            ("a: !!timestamp 2015-07-06\n", "'!!timestamp'"),
            ("a: !<tag:example.com,2020:x> 1\n", "'tag:example.com,2020:x'"),
        ],
    )
    def test_tags_beyond_the_core_ones(self, text: str, tag: str) -> None:
        err = _refusal(text)
        assert (err.line, err.problem) == (1, f"the tag {tag} is not allowed; write plain values")

    def test_nesting_past_the_limit_block_and_flow(self) -> None:
        block = "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "x\n"
        assert _refusal(block).problem == "nested deeper than 50 levels"
        flow = "a: " + "[" * 60 + "]" * 60 + "\n"
        assert _refusal(flow).problem == "nested deeper than 50 levels"
        assert load("a: " + "[" * 48 + "]" * 48 + "\n")  # 49 levels under the root mapping: fine

    def test_deep_brackets_never_raise_recursion_error(self) -> None:
        err = _refusal("[" * 200_000 + "]" * 200_000)
        assert err.problem.startswith("not valid YAML") or err.problem.startswith("nested deeper")

    def test_more_values_than_the_limit(self) -> None:
        err = _refusal("[" + "1, " * 20 + "1]", YamlLimits(max_nodes=10))
        assert err.problem == "more than 10 values in one document"

    def test_document_too_long_is_refused_before_parsing(self) -> None:
        err = _refusal("a: " + "x" * 100, YamlLimits(max_chars=50))
        assert (err.line, err.problem) == (None, "the document has 103 characters; at most 50 are read")

    def test_merge_keys(self) -> None:
        err = _refusal("base: &b {x: 1}\nitem:\n  <<: *b\n  y: 2\n")
        assert (err.line, err.problem) == (3, "merge keys (<<) are not supported; write the keys out")

    @pytest.mark.parametrize(
        ("text", "line", "problem"),
        [
            ("a: 1\nd: 2015-02-30\n", 2, "'2015-02-30' is not a date (day is out of range for month)"),
            ("a: " + "9" * 5000 + "\n", 1, "cannot be read as int"),
            ("? [a, b]\n: 1\n", 1, "a mapping key must be a plain value, not a list or a mapping"),
            ("a: 1\nx: !!bool maybe\n", 2, "'maybe' cannot be read as bool"),
            ("a: 1\nx: !!bool ''\n", 2, "'' cannot be read as bool"),
            ("x: !!int ''\n", 1, "'' cannot be read as int"),
            ("x: !!float ''\n", 1, "'' cannot be read as float"),
        ],
    )
    def test_unreadable_scalars_and_keys_are_one_line(self, text: str, line: int, problem: str) -> None:
        err = _refusal(text)
        assert err.line == line and err.problem.endswith(problem)

    @pytest.mark.parametrize(
        ("number", "kind"),
        [("0x" + "f" * 5000, "int"), ("1" + ":0" * 3000, "int"), ("1" * 101, "int"), ("1." + "5" * 200, "float"),
         ("1" + ":0" * 200 + ".5", "float")],
    )
    def test_numbers_longer_than_100_characters_are_refused_at_their_line(self, number: str, kind: str) -> None:
        err = _refusal(f"a: 1\nb: {number}\n")
        assert err.line == 2
        assert err.problem.endswith(f"is {len(number):,} characters long, more than the 100 a number may have; "
                                    f"it cannot be read as {kind}")

    def test_a_100_character_number_still_loads(self) -> None:
        assert load("a: " + "1" * 100 + "\n") == {"a": int("1" * 100)}

    def test_shown_survives_an_integer_past_pythons_digit_limit(self) -> None:
        assert shown(16 ** 5000 - 1) == "<an integer of 5,000 hex digits>"

    @pytest.mark.parametrize(
        ("text", "line"),
        [("code: [unclosed\n", 2), ("a: 1\n b: 2\n", 2), ("a: 1\n---\nb: 2\n", 2), ("甲: 乙\n丙: 丁\x00\n", 2)],
    )
    def test_syntax_errors_keep_their_line(self, text: str, line: int) -> None:
        err = _refusal(text)
        assert err.line == line and err.problem.startswith("not valid YAML: ") and "\n" not in err.problem


class TestReadText:
    def test_reads_utf8_with_bom(self, tmp_path: Path) -> None:
        path = tmp_path / "a.yaml"
        path.write_bytes("\ufeffa: 甲\n".encode())
        assert read_text(path) == "a: 甲\n"

    def test_refuses_oversized_and_non_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "a.yaml"
        path.write_bytes(b"a: " + b"x" * 100)
        with pytest.raises(YamlError, match="larger than 10 bytes"):
            read_text(path, max_bytes=10)
        path.write_bytes("a: 甲\n".encode("gbk"))
        with pytest.raises(YamlError, match=r"not UTF-8 text \(byte 3\)"):
            read_text(path)


DUPLICATE = "version: 1\nurls:\n  - json://127.0.0.1:9/x:\n      - tag: role-leader\nversion: 2\n"


class TestEveryYamlDubanReads:
    """Plans, contacts, the escalation ladder and the calendar files all refuse the same way."""

    def test_plan(self, tmp_path: Path) -> None:
        path = tmp_path / "plan.yaml"
        path.write_text("code: x\ntitle: t\nitems: []\ncode: y\n", encoding="utf-8")
        with pytest.raises(PlanError) as info:
            load_plan_file(path)
        assert info.value.problems == [f"{path}:4: duplicate key 'code' (first at line 1)"]

    def test_contacts(self, tmp_path: Path) -> None:
        path = tmp_path / "contacts.yaml"
        path.write_text(DUPLICATE, encoding="utf-8")
        with pytest.raises(NotificationError) as info:
            Contacts.from_file(path)
        assert str(info.value) == (f"contacts file {path} is refused at line 5: "
                                   "duplicate key 'version' (first at line 1)")

    def test_contacts_duplicate_url_key_is_masked(self, tmp_path: Path) -> None:
        path = tmp_path / "contacts.yaml"
        path.write_text('urls:\n  - "wecombot://PLANTEDKEY":\n      tag: a\n    "wecombot://PLANTEDKEY":\n'
                        "      tag: b\n", encoding="utf-8")
        with pytest.raises(NotificationError) as info:
            Contacts.from_file(path)
        assert "PLANTEDKEY" not in str(info.value) and "duplicate key 'wecombot://****'" in str(info.value)

    def test_contacts_alias_bomb_is_refused_before_apprise_parses_it(self, tmp_path: Path) -> None:
        path = tmp_path / "contacts.yaml"
        path.write_text("urls:\n  - json://127.0.0.1:9/x:\n      - tag: role-leader\n" + "x" + BILLION_LAUGHS[1:],
                        encoding="utf-8")
        with pytest.raises(NotificationError, match=r"is refused at line 8: aliases would expand"):
            Contacts.from_file(path)

    def test_escalation(self, tmp_path: Path) -> None:
        path = tmp_path / "escalation.yaml"
        path.write_text("default:\n  stages: []\ndefault:\n  stages: []\n", encoding="utf-8")
        with pytest.raises(LadderError) as info:
            load_escalation(path)
        assert str(info.value) == f"{path}:3: duplicate key 'default' (first at line 1)"

    def test_escalation_tag(self, tmp_path: Path) -> None:
        path = tmp_path / "escalation.yaml"
        path.write_text("default: !!python/object:os.system {}\n", encoding="utf-8")
        with pytest.raises(LadderError, match=r"escalation\.yaml:1: the tag '!!python/object:os\.system' is not"):
            load_escalation(path)

    def test_calendar(self, tmp_path: Path) -> None:
        path = tmp_path / "2027.yaml"
        path.write_text("year: 2027\nsource: 国办发明电〔2026〕1号\nyear: 2028\n", encoding="utf-8")
        with pytest.raises(CalendarError) as info:
            load_year_file(path, 2027)
        assert str(info.value) == f"invalid calendar file {path}: line 3: duplicate key 'year' (first at line 1)"

    def test_calendar_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "2027.yaml"
        path.write_bytes("year: 2027\nsource: 国办\n".encode("gbk"))
        with pytest.raises(CalendarError, match=r"invalid calendar file .*: not UTF-8 text \(byte 19\)"):
            load_year_file(path, 2027)
