"""Importing a filled progress-report workbook: the round trip on both databases, dry runs, the CLI, and a
table of broken workbooks — each refused with its own message, and nothing written."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from config.settings import get_settings
from flows.cli.report import report_app
from flows.ops.commands import engine_for, init_database, load_plan_path
from flows.ops.documents import import_report, report_workbook_for, targets_sheet_for
from flows.ops.engine import engine_context, generate
from models.errors import WorkbookError
from models.plan.file import load_plan_file
from notifications.documents import labels as L
from notifications.documents.report_import import MAX_WORKBOOK_BYTES, read_report_workbook
from notifications.documents.targets_sheet import write_targets_sheet
from notifications.documents.workbook import write_report_workbook
from tests.conftest import ROOT, SEED_PLAN, count_rows

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2016, 6, 3, 10, 0, tzinfo=TZ)
SPEC = load_plan_file(SEED_PLAN)
LOCALITIES = SPEC.locality_names
PERIODS = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]
INDICATORS = {i.code: i.name for i in SPEC.indicators}
ROW = {i.code: 8 + n for n, i in enumerate(SPEC.indicators)}  # the indicator's row on 指标完成情况
INV = f"E{ROW['industrial-investment']}"  # 全市工业投资, row 9


def at(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 9, 30, tzinfo=TZ)


def seed() -> None:
    init_database()
    load_plan_path(SEED_PLAN)
    generate(engine_context(), at(2015, 7, 6))


@pytest.fixture
def seeded(db_url: str) -> str:
    seed()
    return db_url


def fill(path: Path, cells: dict[str, dict[str, object]]) -> Path:
    """Type values into a workbook as an official would (openpyxl standing in for Excel)."""
    wb = openpyxl.load_workbook(path)
    for sheet, values in cells.items():
        for coord, value in values.items():
            wb[sheet][coord] = value
    wb.save(path)
    return path


def q(sql: str, **params: object) -> list[tuple[Any, ...]]:
    with engine_for().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params).all()]


def obligation_status(locality: str, period: str) -> str:
    rows = q("SELECT o.status FROM obligation o JOIN unit u ON u.id = o.unit_id JOIN duty d ON d.id = o.duty_id "
             "WHERE u.name = :u AND o.period = :p AND d.code = 'progress-report'", u=locality, p=period)
    return str(rows[0][0])


def report_count() -> int:
    return int(q("SELECT COUNT(*) FROM progress_report")[0][0])


# --- the round trip, on SQLite and PostgreSQL ----------------------------------------------------------

def test_round_trip_records_once_then_a_new_version_on_change(seeded: str, tmp_path: Path) -> None:
    path = report_workbook_for("镇隆镇", "2016-06-05", tmp_path, NOW)
    assert path.name == "进度填报_镇隆镇_2016-06-05.xlsx"
    assert obligation_status("镇隆镇", "2016-06-05") == "open"
    fill(path, {L.SHEET_INDICATORS: {INV: 12.5, f"E{ROW['upgrading-firms']}": 3},
                L.SHEET_PROJECTS: {"A4": "镇隆镇陶瓷产业园", "B4": "在建", "C4": 2.25},
                L.SHEET_ISSUES: {"B2": "用地指标紧张", "B3": "加快项目审批"}})

    first = import_report(path, dry_run=False, now=NOW)
    assert (first.locality, first.period, first.version, first.created) == ("镇隆镇", "2016-06-05", 1, True)
    assert first.summary() == "imported 镇隆镇 2016-06-05: version 1 (new)"
    assert obligation_status("镇隆镇", "2016-06-05") == "submitted"
    rows = q("SELECT actuals, projects, problems, next_steps, source FROM progress_report")
    assert len(rows) == 1
    assert rows[0][2:] == ("用地指标紧张", "加快项目审批", "进度填报_镇隆镇_2016-06-05.xlsx")

    before = count_rows(engine_for())
    again = import_report(path, dry_run=False, now=NOW + dt.timedelta(hours=1))
    assert (again.version, again.created) == (1, False)
    assert again.summary() == "imported 镇隆镇 2016-06-05: version 1 (unchanged, already recorded)"
    assert count_rows(engine_for()) == before

    fill(path, {L.SHEET_INDICATORS: {INV: 13}})
    changed = import_report(path, dry_run=False, now=NOW + dt.timedelta(hours=2))
    assert (changed.version, changed.created) == (2, True)
    assert changed.summary() == "imported 镇隆镇 2016-06-05: version 2 (new)"
    assert report_count() == 2

    # The next template pre-fills what was reported, the projects too: nobody types a figure twice.
    later = report_workbook_for("镇隆镇", "2016-12-05", tmp_path, NOW)
    wb = openpyxl.load_workbook(later)
    assert wb[L.SHEET_INDICATORS][INV].value == 13
    assert wb[L.SHEET_INDICATORS][f"E{ROW['upgrading-firms']}"].value == 3
    assert [wb[L.SHEET_PROJECTS][f"{c}4"].value for c in "ABC"] == ["镇隆镇陶瓷产业园", "在建", 2.25]
    assert wb[L.SHEET_ISSUES]["B2"].value is None  # problems belong to a period; not carried over
    # An untouched pre-filled template for the next period imports as that period's report.
    assert import_report(later, dry_run=False, now=NOW).period == "2016-12-05"
    assert obligation_status("镇隆镇", "2016-12-05") == "submitted"


def test_dry_run_writes_nothing(seeded: str, tmp_path: Path) -> None:
    path = fill(report_workbook_for("水口镇", "2016-06-05", tmp_path, NOW), {L.SHEET_INDICATORS: {INV: 8}})
    before = count_rows(engine_for())
    dry = import_report(path, dry_run=True, now=NOW)
    assert (dry.version, dry.created, dry.dry_run) == (1, True, True)
    assert dry.actuals == {"industrial-investment": 8.0}
    assert dry.summary() == "dry run: 水口镇 2016-06-05 would be recorded as version 1 (new), 1 value; nothing written"
    assert count_rows(engine_for()) == before
    assert obligation_status("水口镇", "2016-06-05") == "open"
    real = import_report(path, dry_run=False, now=NOW)
    assert (real.version, real.created) == (1, True)
    assert import_report(path, dry_run=True, now=NOW).summary() == (
        "dry run: 水口镇 2016-06-05 same as the recorded version 1, 1 value; nothing written")


def test_a_broken_workbook_writes_nothing(seeded: str, tmp_path: Path) -> None:
    path = fill(report_workbook_for("镇隆镇", "2016-06-05", tmp_path, NOW),
                {L.SHEET_INDICATORS: {"C3": "镇龙镇", INV: 5}})
    before = count_rows(engine_for())
    with pytest.raises(WorkbookError, match="did you mean '镇隆镇'"):
        import_report(path, dry_run=False, now=NOW)
    assert count_rows(engine_for()) == before
    assert obligation_status("镇隆镇", "2016-06-05") == "open"


def test_template_and_targets_refuse_unknown_choices_with_a_suggestion(seeded: str, tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="unknown locality '镇龙镇'; did you mean '镇隆镇'"):
        report_workbook_for("镇龙镇", "2016-06-05", tmp_path, NOW)
    with pytest.raises(WorkbookError, match="unknown report period '2016-06-06'; did you mean '2016-06-05'"):
        report_workbook_for("镇隆镇", "2016-06-06", tmp_path, NOW)
    with pytest.raises(WorkbookError, match="no approved targets for 镇隆镇 in 2016"):
        targets_sheet_for("镇隆镇", 2016, tmp_path)
    assert not list(tmp_path.glob("*.xlsx"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_targets_sheet_from_the_approved_split(seeded: str, tmp_path: Path) -> None:
    from models.db import session_scope
    from models.plan.store import find_plan
    from models.records.reports import save_allocations

    with session_scope(engine_for()) as session:
        plan = find_plan(None, session=session)
        save_allocations(session=session, plan_id=plan.id or 0, year=2016, now=NOW,
                         split={"industrial-investment": {"镇隆镇": 6.5, "水口镇": 5}},
                         city={"industrial-investment": 105})
    path = targets_sheet_for("镇隆镇", 2016, tmp_path)
    assert path.name == "目标任务_镇隆镇_2016.xlsx"
    ws = openpyxl.load_workbook(path)[L.SHEET_TARGETS]
    values = {ws[f"B{r}"].value: ws[f"D{r}"].value for r in range(5, 5 + len(SPEC.indicators))}
    assert values["全市工业投资"] == 6.5
    assert values["工业技改投资"] == L.T_PENDING
    # ... and the progress-report template shows the allocation as 分解目标.
    report = openpyxl.load_workbook(report_workbook_for("镇隆镇", "2016-06-05", tmp_path, NOW))
    assert report[L.SHEET_INDICATORS][f"D{ROW['industrial-investment']}"].value == 6.5


# --- the CLI ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_template_import_dry_run_and_errors(seeded: str, tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(report_app, ["template", "--locality", "镇隆镇", "--period", "2016-06-05",
                                      "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    path = tmp_path / "进度填报_镇隆镇_2016-06-05.xlsx"
    assert made.stdout.strip() == f"wrote {path}"
    fill(path, {L.SHEET_INDICATORS: {INV: 9}})

    dry = runner.invoke(report_app, ["import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("dry run: 镇隆镇 2016-06-05") and dry.stdout.strip().endswith("nothing written")
    assert report_count() == 0
    done = runner.invoke(report_app, ["import", str(path)])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "imported 镇隆镇 2016-06-05: version 1 (new)"

    fill(path, {L.SHEET_INDICATORS: {"C3": "镇龙镇", INV: "约12亿"}})
    bad = runner.invoke(report_app, ["import", str(path)])
    assert bad.exit_code == 1
    assert bad.stdout == ""
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("duban: error: ") for line in lines)
    assert "did you mean '镇隆镇'" in lines[0]
    assert "'约12亿' is text, not a number" in lines[1]
    assert "Traceback" not in bad.output
    assert report_count() == 1

    missing = runner.invoke(report_app, ["template", "--locality", "镇龙镇", "--period", "2016-06-05",
                                         "--out", str(tmp_path)])
    assert missing.exit_code == 1
    assert missing.stderr.startswith("duban: error: unknown locality '镇龙镇'; did you mean '镇隆镇'?")


def test_the_report_commands_do_not_import_prefect() -> None:
    code = ("import sys, flows.cli.report, flows.ops.documents\n"
            "print(sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- broken workbooks: a table, parsed without a database, then imported into one ------------------------

@pytest.fixture(scope="session")
def base_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid filled workbook for 镇隆镇 2016-06-05 with one project; every case below breaks one thing."""
    path = write_report_workbook(
        tmp_path_factory.mktemp("base") / "base.xlsx", plan_title=SPEC.title, doc_number=SPEC.doc_number,
        coordinator=SPEC.coordinator, locality="镇隆镇", period="2016-06-05", due_on=dt.date(2016, 6, 6),
        indicators=[(i.code, i.name, i.unit, None, None) for i in SPEC.indicators],
        projects=[{"name": "镇隆镇陶瓷产业园", "status": "在建", "investment": 1.5}],
        localities=LOCALITIES, periods=PERIODS, plan_code=SPEC.code)
    return fill(path, {L.SHEET_INDICATORS: {INV: 10}})


Build = Callable[[Path, Path], Path]


def edit(cells: dict[str, dict[str, object]]) -> Build:
    def build(base: Path, tmp: Path) -> Path:
        return fill(Path(shutil.copy(base, tmp / "case.xlsx")), cells)
    return build


def workbook(change: Callable[[Any], None], name: str = "case.xlsx") -> Build:
    def build(base: Path, tmp: Path) -> Path:
        wb = openpyxl.load_workbook(base)
        change(wb)
        wb.save(tmp / name)
        return tmp / name
    return build


def add_part(part: str, data: bytes) -> Build:
    def build(base: Path, tmp: Path) -> Path:
        path = Path(shutil.copy(base, tmp / "case.xlsx"))
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(part, data)
        return path
    return build


def raw(data: bytes, name: str = "case.xlsx") -> Build:
    def build(base: Path, tmp: Path) -> Path:
        (tmp / name).write_bytes(data)
        return tmp / name
    return build


def copy_as(name: str) -> Build:
    def build(base: Path, tmp: Path) -> Path:
        return Path(shutil.copy(base, tmp / name))
    return build


def truncated(base: Path, tmp: Path) -> Path:
    data = base.read_bytes()
    (tmp / "case.xlsx").write_bytes(data[: len(data) // 2])
    return tmp / "case.xlsx"


def oversized(base: Path, tmp: Path) -> Path:
    path = Path(shutil.copy(base, tmp / "case.xlsx"))
    with path.open("r+b") as fh:
        fh.truncate(MAX_WORKBOOK_BYTES + 1)  # sparse: no 5 MB is really written
    return path


def rename_sheet(old: str, new: str) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        wb[old].title = new
    return change


def delete_value_column(wb: Any) -> None:
    wb[L.SHEET_INDICATORS].delete_cols(5)


def drop_projects(wb: Any) -> None:
    del wb[L.SHEET_PROJECTS]


def set_marker(key: str, value: str) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        for row in wb[L.SHEET_MARKER].iter_rows(min_row=2, max_col=2):
            if row[0].value == key:
                row[1].value = value
    return change


def not_ours(base: Path, tmp: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = L.SHEET_INDICATORS
    wb.create_sheet(L.SHEET_PROJECTS)
    wb.create_sheet(L.SHEET_ISSUES)
    wb.save(tmp / "case.xlsx")
    return tmp / "case.xlsx"


def a_targets_sheet(base: Path, tmp: Path) -> Path:
    return write_targets_sheet(tmp / "case.xlsx", plan_title=SPEC.title, coordinator=SPEC.coordinator,
                               locality="镇隆镇", year=2016, targets=[("全市工业投资", "亿元", 6.5)])


def plain_zip(base: Path, tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "case.xlsx", "w") as zf:
        zf.writestr("readme.txt", "hello")
    return tmp / "case.xlsx"


def no_file(base: Path, tmp: Path) -> Path:
    return tmp / "nowhere.xlsx"


def a_directory(base: Path, tmp: Path) -> Path:
    (tmp / "case.xlsx").mkdir()
    return tmp / "case.xlsx"


IND, PROJ, ISS = L.SHEET_INDICATORS, L.SHEET_PROJECTS, L.SHEET_ISSUES
AT_INV = r"sheet 指标完成情况, row 9, column E \(本年累计完成, 全市工业投资\): "

BROKEN: list[tuple[str, Build, str]] = [
    ("wrong sheet name", workbook(rename_sheet(IND, "指标完成")),
     r"missing sheet '指标完成情况' \(sheets: .*\); was it renamed to '指标完成'\?"),
    ("missing sheet", workbook(drop_projects), r"missing sheet '重大项目'"),
    ("missing column", workbook(delete_value_column),
     r"sheet 指标完成情况, row 7, column E \(本年累计完成\): the header '本年累计完成' is missing"),
    ("renamed header", edit({IND: {"E7": "完成值"}}),
     r"row 7, column E \(本年累计完成\): the header is '完成值', expected '本年累计完成'"),
    ("label changed", edit({IND: {"B3": "单位名称"}}),
     r"row 3, column B: expected the label '单位', found '单位名称'"),
    ("text in a number cell", edit({IND: {"E9": "约12亿"}}), AT_INV + r"'约12亿' is text, not a number"),
    ("unknown unit", edit({IND: {"C3": "镇龙镇"}}),
     r"row 3, column C \(单位\): unknown locality '镇龙镇'; did you mean '镇隆镇'\? known: 镇隆镇、水口镇"),
    ("unknown period", edit({IND: {"C4": "2016-6-5"}}),
     r"row 4, column C \(报送节点\): unknown period '2016-6-5'; did you mean '2016-06-05'\?"),
    ("period not a report date", edit({IND: {"C4": "2016-07-01"}}),
     r"unknown period '2016-07-01'; .*periods \(YYYY-MM-DD\): 2015-12-05、2016-06-05"),
    ("negative value", edit({IND: {"E9": -3}}), AT_INV + r"-3 is negative; values are ≥ 0"),
    ("NaN text", edit({IND: {"E9": "NaN"}}), AT_INV + r"'NaN' is not a finite number"),
    ("huge numeric string", edit({IND: {"E9": "9" * 400}}),
     AT_INV + r"'9{30}…' \(400 characters\) is not a finite number"),
    ("absurdly large", edit({IND: {"E9": 1e300}}), AT_INV + r"1e\+300 is too large"),
    ("yes/no value", edit({IND: {"E9": True}}), AT_INV + r"TRUE is a yes/no value, not a number"),
    ("a date in a number cell", edit({IND: {"E9": dt.datetime(2016, 6, 1)}}), AT_INV + r"2016-06-01 is a date"),
    ("duplicate indicator row", edit({IND: {"A10": "industrial-investment"}}),
     r"row 10, column A \(指标代码\): duplicate indicator row: 'industrial-investment' \(全市工业投资\) is already "
     r"on row 9"),
    ("unknown indicator code", edit({IND: {"A9": "industrial-investmnt"}}),
     r"row 9, column A \(指标代码\): unknown indicator code 'industrial-investmnt'; did you mean "
     r"'industrial-investment'\?"),
    ("value without an indicator", edit({IND: {"E20": 5}}),
     r"row 20, column E \(本年累计完成\): 5 is on a row without an indicator code"),
    ("formula in an input cell", edit({IND: {"E9": "=1+1"}}),
     AT_INV + r"formula '=1\+1' is not accepted: values are read, never formulas"),
    ("formula in the locality", edit({IND: {"C3": "=_duban!D2"}}), r"row 3, column C \(单位\): formula"),
    ("formula in a text cell", edit({ISS: {"B2": '=HYPERLINK("http://x")'}}),
     r"sheet 问题与计划, row 2, column B \(存在问题\): formula"),
    ("locality empty", edit({IND: {"C3": None}}), r"row 3, column C \(单位\): is empty; choose your town"),
    ("period empty", edit({IND: {"C4": "  "}}), r"row 4, column C \(报送节点\): is empty"),
    ("blank project name with investment", edit({PROJ: {"B5": "在建", "C5": 3}}),
     r"sheet 重大项目, row 5, column A \(项目名称\): the project name is empty but the row has data "
     r"\(进展状态 '在建', 本年完成投资\(亿元\) 3\)"),
    ("unknown project status", edit({PROJ: {"B4": "建设中"}}),
     r"row 4, column B \(进展状态\): unknown status '建设中'; choose one of 前期、在建、投产、停建"),
    ("negative investment", edit({PROJ: {"C4": -1.5}}), r"row 4, column C \(本年完成投资\(亿元\)\): -1.5 is negative"),
    ("macro-enabled workbook", add_part("xl/vbaProject.bin", b"\x00" * 64),
     r"contains macros \(xl/vbaProject.bin\)"),
    ("saved as .xlsm", copy_as("case.xlsm"), r"a macro-enabled workbook \(\.xlsm\) is not accepted"),
    ("external link", add_part("xl/externalLinks/externalLink1.xml", b"<externalLink/>"),
     r"contains links to other workbooks \(xl/externalLinks/externalLink1.xml\)"),
    ("zip bomb", add_part("xl/media/image1.bin", b"\x00" * (60 * 1024 * 1024)), r"unpacks to 6\d,\d{3},\d{3} bytes"),
    ("huge file", oversized, r"the file is 5,242,881 bytes, larger than the 5,242,880 bytes"),
    ("text file renamed .xlsx", raw("这不是表格\n".encode()),
     r"not an Excel .xlsx workbook \(a text file \(CSV\?\) starting '这不是表格'\)"),
    ("CSV", raw("单位,报送节点,全市工业投资\n镇隆镇,2016-06-05,12\n".encode("gb18030"), "report.csv"),
     r"report.csv: not an Excel .xlsx workbook \(a text file \(CSV\?\) starting '单位,报送节点,全市工业投资'"),
    ("binary junk", raw(bytes(range(256)) * 4),
     r"not an Excel .xlsx workbook \(not a zip file: it starts 00 01 02 03 04 05 06 07\)"),
    ("old .xls", raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "case.xls"),
     r"an old-format .xls/.et workbook or a password-protected one"),
    ("empty file", raw(b""), r"the file is empty \(0 bytes\)"),
    ("truncated zip", truncated, r"truncated or damaged"),
    ("a zip but not a workbook", plain_zip, r"a zip file but not an Excel workbook \(no xl/workbook.xml\)"),
    ("not a duban workbook", not_ours, r"not a duban progress-report workbook \(its hidden sheet _duban is missing\)"),
    ("the targets sheet sent back", a_targets_sheet, r"a duban 'targets' workbook, not a progress-report workbook"),
    ("made by a newer duban", workbook(set_marker("template_version", "99")),
     r"made by a newer duban \(template version 99"),
    ("made for another plan", workbook(set_marker("plan_code", "other-plan")),
     r"made for plan 'other-plan', not the loaded plan 'xinyi-2015-2017'"),
    ("an error value", edit({IND: {"E9": "#DIV/0!"}}), AT_INV + r"the cell shows the error #DIV/0!"),
    ("a directory", a_directory, r"is a directory, not a workbook"),
    ("no such file", no_file, r"nowhere.xlsx: no such file"),
]


IDS = [case[0] for case in BROKEN]


def test_the_base_workbook_is_valid(base_book: Path) -> None:
    parsed = read_report_workbook(base_book, localities=LOCALITIES, periods=PERIODS, indicators=INDICATORS,
                                  plan_code=SPEC.code)
    assert parsed.actuals == {"industrial-investment": 10.0}
    assert len(BROKEN) >= 20


@pytest.mark.parametrize(("name", "build", "message"), BROKEN, ids=IDS)
def test_a_broken_workbook_is_refused_with_its_message(
    name: str, build: Build, message: str, base_book: Path, tmp_path: Path
) -> None:
    path = build(base_book, tmp_path)
    with pytest.raises(WorkbookError, match=message) as info:
        read_report_workbook(path, localities=LOCALITIES, periods=PERIODS, indicators=INDICATORS,
                             plan_code=SPEC.code)
    assert all(p.startswith(str(path)) for p in info.value.problems), info.value.problems


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One seeded SQLite database for the whole table (seeding per case would dominate the run time)."""
    folder = tmp_path_factory.mktemp("shared")
    url = f"sqlite:///{folder / 'duban.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUBAN_VAR_DIR", str(folder / "var"))
        mp.setenv("DUBAN_DATABASE_URL", url)
        get_settings.cache_clear()
        seed()
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.mark.parametrize(("name", "build", "message"), BROKEN, ids=IDS)
def test_a_broken_workbook_imports_nothing(
    name: str, build: Build, message: str, base_book: Path, tmp_path: Path, shared_db: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DUBAN_DATABASE_URL", shared_db)
    get_settings.cache_clear()
    path = build(base_book, tmp_path)
    before = count_rows(engine_for())
    for dry_run in (False, True):
        with pytest.raises(WorkbookError, match=message):
            import_report(path, dry_run=dry_run, now=NOW)
    assert count_rows(engine_for()) == before
