"""models.rules.calendar: China's working calendar, deadlines under holiday policies, and send windows."""

from __future__ import annotations

import logging
import re
import shutil
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from holidays.countries.china import China as HolidaysChina
from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import HolidayPolicy
from models.errors import CalendarDataMissing, CalendarError
from models.rules.calendar import Due, WorkingCalendar, WorkingHours, YearInfo, YearSource, next_send_time
from models.rules.calendar_data import load_year_file

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "config" / "calendar" / "example.yaml.sample"

# One shared calendar for the read-only tests: years are cached, so the properties stay fast.
CAL = WorkingCalendar()

SEED_YEARS = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 31))
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def d(text: str) -> date:
    return date.fromisoformat(text)


def days_of(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(days=i) for i in range((date(year + 1, 1, 1) - start).days)]


# -- known days ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "weekday", "working"),
    [
        ("2016-06-05", "Sun", False),  # a plain Sunday, a seed deadline
        ("2016-06-12", "Sun", True),  # 调休: worked to make up for 端午节 2016
        ("2016-06-09", "Thu", False),  # 端午节
        ("2016-06-10", "Fri", False),  # the day off bought by 2016-06-12
        ("2016-06-06", "Mon", True),
        ("2016-04-30", "Sat", False),
        ("2016-04-29", "Fri", True),
        ("2016-05-02", "Mon", False),  # 劳动节 falls on Sunday 2016-05-01, so Monday is off
        ("2017-04-30", "Sun", False),
        ("2017-04-28", "Fri", True),
        ("2017-04-01", "Sat", True),  # 调休 for 清明节 2017
        ("2015-12-05", "Sat", False),
        ("2015-09-03", "Thu", False),  # 抗战胜利70周年纪念日
        ("2026-12-05", "Sat", False),
        ("2026-02-14", "Sat", True),  # 调休 for 春节 2026
    ],
)
def test_known_days(day: str, weekday: str, working: bool) -> None:
    assert d(day).strftime("%a") == weekday
    assert CAL.is_working_day(d(day)) is working


@pytest.mark.parametrize("year", range(2015, 2027))
def test_every_day_matches_chinese_calendar(year: int) -> None:
    assert [CAL.is_working_day(day) for day in days_of(year)] == [
        chinese_calendar.is_workday(day) for day in days_of(year)
    ]


@pytest.mark.parametrize("year", [2016, 2017, 2026])
def test_the_two_packages_agree_on_published_years(year: int) -> None:
    table = HolidaysChina(years=[year, year + 1])  # type: ignore[no-untyped-call]
    assert [CAL.is_working_day(day) for day in days_of(year)] == [
        table.is_working_day(day) for day in days_of(year)
    ]


def test_year_info_names_days_off_and_makeup_days() -> None:
    info = CAL.year_info(2016)
    assert info.holidays[d("2016-06-09")] == "端午节"
    assert info.holidays[d("2016-02-08")] == "春节"
    assert info.makeup_workdays[d("2016-06-12")] == "端午节"
    assert set(info.makeup_workdays) == {
        d(x) for x in ("2016-02-06", "2016-02-14", "2016-06-12", "2016-09-18", "2016-10-08", "2016-10-09")
    }
    with pytest.raises(TypeError):
        info.holidays[d("2016-06-06")] = "x"  # type: ignore[index]


def test_is_working_day_rejects_a_datetime() -> None:
    with pytest.raises(TypeError, match="expected a date, got datetime"):
        CAL.is_working_day(datetime(2016, 6, 5, 9, tzinfo=SHANGHAI))


def test_invalid_missing_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="invalid missing_policy 'ignore'"):
        WorkingCalendar(missing_policy="ignore")  # type: ignore[arg-type]


# -- holiday policies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nominal", "policy", "effective", "rule", "zh"),
    [
        (
            "2016-06-05",
            "roll_forward",
            "2016-06-06",
            "rolled_forward",
            "原定2016年6月5日(星期日)为休息日,顺延至2016年6月6日(星期一)",
        ),
        (
            "2016-04-30",
            "pull_earlier",
            "2016-04-29",
            "pulled_earlier",
            "原定2016年4月30日(星期六)为休息日,提前至2016年4月29日(星期五)",
        ),
        (
            "2016-04-30",
            "roll_forward",
            "2016-05-03",
            "rolled_forward",
            "原定2016年4月30日(星期六)为休息日,顺延至2016年5月3日(星期二)",
        ),
        (
            "2017-04-30",
            "pull_earlier",
            "2017-04-28",
            "pulled_earlier",
            "原定2017年4月30日(星期日)为休息日,提前至2017年4月28日(星期五)",
        ),
        (
            "2017-04-30",
            "roll_forward",
            "2017-05-02",
            "rolled_forward",
            "原定2017年4月30日(星期日)为休息日,顺延至2017年5月2日(星期二)",
        ),
        (
            "2015-12-05",
            "roll_forward",
            "2015-12-07",
            "rolled_forward",
            "原定2015年12月5日(星期六)为休息日,顺延至2015年12月7日(星期一)",
        ),
        (
            "2026-12-05",
            "pull_earlier",
            "2026-12-04",
            "pulled_earlier",
            "原定2026年12月5日(星期六)为休息日,提前至2026年12月4日(星期五)",
        ),
        (
            "2016-06-09",
            "pull_earlier",
            "2016-06-08",
            "pulled_earlier",
            "原定2016年6月9日(星期四)为休息日,提前至2016年6月8日(星期三)",
        ),
        ("2016-06-05", "keep", "2016-06-05", "kept", ""),
        ("2026-12-05", "keep", "2026-12-05", "kept", ""),
        ("2016-06-12", "roll_forward", "2016-06-12", "working_day", ""),  # a make-up Sunday is working
        ("2016-06-12", "pull_earlier", "2016-06-12", "working_day", ""),
        ("2016-06-06", "keep", "2016-06-06", "working_day", ""),
    ],
)
def test_effective_due(nominal: str, policy: str, effective: str, rule: str, zh: str) -> None:
    due = CAL.effective_due(d(nominal), HolidayPolicy(policy))
    assert due == Due(d(nominal), d(effective), HolidayPolicy(policy), rule)
    assert due.describe_zh() == zh


def test_effective_due_accepts_the_policy_as_text() -> None:
    assert CAL.effective_due(d("2016-06-05"), "roll_forward").effective == d("2016-06-06")


# -- working-day arithmetic ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2016-06-08", 1, "2016-06-12"),  # over 端午节 onto the make-up Sunday
        ("2016-06-08", 2, "2016-06-13"),
        ("2016-06-12", -1, "2016-06-08"),
        ("2016-06-05", 0, "2016-06-06"),  # n == 0: the day itself if working, else the next working day
        ("2016-06-06", 0, "2016-06-06"),
        ("2016-09-30", 1, "2016-10-08"),  # over 国庆节 onto the make-up Saturday
        ("2016-10-08", -1, "2016-09-30"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert CAL.add_working_days(d(start), n) == d(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2016-06-08", "2016-06-12", 1),
        ("2016-06-12", "2016-06-08", -1),
        ("2016-06-05", "2016-06-05", 0),
        ("2016-06-03", "2016-06-06", 1),  # (Fri, Mon]
        ("2016-06-04", "2016-06-05", 0),
    ],
)
def test_working_days_between(a: str, b: str, expected: int) -> None:
    assert CAL.working_days_between(d(a), d(b)) == expected


@pytest.mark.parametrize("year", range(2015, 2027))
def test_working_days_in_a_year_match_chinese_calendar(year: int) -> None:
    expected = len(chinese_calendar.get_workdays(date(year, 1, 1), date(year, 12, 31)))
    assert CAL.working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) == expected


@pytest.mark.parametrize(
    ("start", "inclusive", "forward", "backward"),
    [
        ("2016-06-12", False, "2016-06-13", "2016-06-08"),
        ("2016-06-12", True, "2016-06-12", "2016-06-12"),
        ("2016-06-05", True, "2016-06-06", "2016-06-03"),
    ],
)
def test_next_and_previous_working_day(start: str, inclusive: bool, forward: str, backward: str) -> None:
    assert CAL.next_working_day(d(start), inclusive=inclusive) == d(forward)
    assert CAL.previous_working_day(d(start), inclusive=inclusive) == d(backward)


# -- properties over the seed years -------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(nominal=SEED_YEARS, policy=st.sampled_from(list(HolidayPolicy)))
def test_property_effective_due(nominal: date, policy: HolidayPolicy) -> None:
    due = CAL.effective_due(nominal, policy)
    assert due.nominal == nominal and due.policy is policy
    if policy is HolidayPolicy.KEEP:
        assert due.effective == nominal
    else:
        assert CAL.is_working_day(due.effective)
    if policy is HolidayPolicy.ROLL_FORWARD:
        assert due.effective >= nominal
    if policy is HolidayPolicy.PULL_EARLIER:
        assert due.effective <= nominal
    if CAL.is_working_day(nominal):
        assert (due.effective, due.rule, due.describe_zh()) == (nominal, "working_day", "")
    elif policy is not HolidayPolicy.KEEP:
        # No working day is skipped between the nominal date and the effective one.
        low, high = sorted((nominal, due.effective))
        assert CAL.working_days_between(low, high) == (1 if high == due.effective else 0)
        assert due.describe_zh().startswith(f"原定{nominal.year}年{nominal.month}月{nominal.day}日")


@PROPERTY_SETTINGS
@given(start=SEED_YEARS, n=st.integers(min_value=-40, max_value=40))
def test_property_add_working_days_inverts_working_days_between(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.is_working_day(end)
    if n > 0:
        assert end > start
        assert CAL.working_days_between(start, end) == n
    elif n < 0:
        assert end < start
        # Counted over (end, start]: start itself counts only when it is a working day.
        assert CAL.working_days_between(start, end) == n + (0 if CAL.is_working_day(start) else 1)
    else:
        assert end == CAL.next_working_day(start, inclusive=True)


HOURS = WorkingHours()
ZONES = st.sampled_from([SHANGHAI, UTC, timezone(timedelta(hours=-5)), ZoneInfo("Europe/Berlin")])


@PROPERTY_SETTINGS
@given(moment=st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2026, 12, 31), timezones=ZONES))
def test_property_next_send_time(moment: datetime) -> None:
    sent = next_send_time(CAL, moment, HOURS)
    local = moment.astimezone(SHANGHAI)
    assert sent >= moment
    assert sent.utcoffset() == timedelta(hours=8)
    assert CAL.is_working_day(sent.date())
    assert HOURS.start <= sent.time() < HOURS.end
    if sent != moment:
        # Otherwise the earliest allowed moment: the start of the first window after ``moment``.
        assert sent.time() == HOURS.start
        assert sent.date() > local.date() or local.time() < HOURS.start
        assert CAL.working_days_between(local.date(), sent.date()) <= 1


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2016, 6, 5, 10, 0, tzinfo=SHANGHAI), datetime(2016, 6, 6, 9, 0)),  # Sunday
        (datetime(2016, 6, 12, 10, 0, tzinfo=SHANGHAI), datetime(2016, 6, 12, 10, 0)),  # make-up Sunday
        (datetime(2016, 6, 3, 18, 0, tzinfo=SHANGHAI), datetime(2016, 6, 6, 9, 0)),  # Friday evening
        (datetime(2016, 6, 8, 17, 30, tzinfo=SHANGHAI), datetime(2016, 6, 12, 9, 0)),  # end is exclusive
        (datetime(2016, 6, 6, 3, 0, tzinfo=SHANGHAI), datetime(2016, 6, 6, 9, 0)),  # 3 a.m.
        (datetime(2016, 6, 6, 1, 30, tzinfo=UTC), datetime(2016, 6, 6, 9, 30)),  # 09:30 in Shanghai
        (datetime(2016, 6, 5, 17, 0, tzinfo=UTC), datetime(2016, 6, 6, 9, 0)),  # Mon 01:00 in Shanghai
    ],
)
def test_next_send_time(moment: datetime, expected: datetime) -> None:
    sent = next_send_time(CAL, moment, HOURS)
    assert sent == expected.replace(tzinfo=SHANGHAI)
    assert sent.utcoffset() == timedelta(hours=8)


def test_next_send_time_custom_hours() -> None:
    hours = WorkingHours(start=time(8, 30), end=time(12, 0))
    assert next_send_time(CAL, datetime(2016, 6, 6, 12, 0, tzinfo=SHANGHAI), hours) == datetime(
        2016, 6, 7, 8, 30, tzinfo=SHANGHAI
    )


def test_working_hours_must_start_before_they_end() -> None:
    with pytest.raises(ValueError, match="start before they end"):
        WorkingHours(start=time(18, 0), end=time(9, 0))


# -- where a year comes from --------------------------------------------------------------------------------


def test_2016_is_official_from_chinese_calendar() -> None:
    cal = WorkingCalendar()
    info = cal.year_info(2016)
    assert info.source is YearSource.OFFICIAL
    assert info.provenance == f"chinese-calendar {chinese_calendar.__version__}"
    assert cal.year_info(2016) is info  # computed once
    assert cal.notices == []


def test_2027_is_labelled_and_noticed_once(caplog: pytest.LogCaptureFixture) -> None:
    holidays_has_2027 = any(day.year == 2027 for day in HolidaysChina(years=2027))  # type: ignore[no-untyped-call]
    cal = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="duban.calendar"):
        for day in days_of(2027):
            cal.is_working_day(day)
        cal.add_working_days(date(2026, 12, 1), 60)
    info = cal.year_info(2027)
    if holidays_has_2027:
        assert info.source is YearSource.ESTIMATED
        assert "holidays" in info.provenance and "estimated" in info.provenance
        assert not cal.is_working_day(d("2027-10-01"))  # 国庆节 is statutory, estimate or not
    else:
        assert info.source is YearSource.MISSING
        assert info.provenance == "no data: weekends only"
    assert len(cal.notices) == 1
    assert cal.notices[0].startswith("2027: ")
    assert "2027.yaml" in cal.notices[0]
    assert [r.getMessage() for r in caplog.records if r.name == "duban.calendar"] == cal.notices


def test_a_year_nobody_has_is_weekends_only_with_one_notice() -> None:
    cal = WorkingCalendar(missing_policy="weekends")
    info = cal.year_info(2200)
    assert (info.source, info.provenance) == (YearSource.MISSING, "no data: weekends only")
    assert [cal.is_working_day(day) for day in days_of(2200)] == [day.weekday() < 5 for day in days_of(2200)]
    assert len(cal.notices) == 1 and "2200" in cal.notices[0] and "Monday–Friday" in cal.notices[0]


def test_a_year_nobody_has_raises_under_the_error_policy(tmp_path: Path) -> None:
    cal = WorkingCalendar(data_dir=tmp_path, missing_policy="error")
    with pytest.raises(CalendarDataMissing, match=re.escape("no working-calendar data for 2200")) as caught:
        cal.is_working_day(date(2200, 3, 3))
    assert str(tmp_path / "2200.yaml") in str(caught.value)
    assert cal.year_info(2016).source is YearSource.OFFICIAL  # other years still work
    assert cal.notices == []


OPERATOR_2027 = """\
year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）
holidays:
  - name: 元旦
    days: [2027-01-01, 2027-01-02, 2027-01-03]
  - name: 国庆节
    days: [2027-10-01, 2027-10-02, 2027-10-03, 2027-10-04, 2027-10-05, 2027-10-06, 2027-10-07]
makeup_workdays:
  - {date: 2027-09-26, for: 国庆节}
  - {date: 2026-12-26, for: 元旦}
"""


def test_an_operator_file_makes_a_year_official(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(OPERATOR_2027, encoding="utf-8")
    cal = WorkingCalendar(data_dir=tmp_path, missing_policy="error")
    info = cal.year_info(2027)
    assert info.source is YearSource.OFFICIAL
    assert (
        info.provenance
        == f"{tmp_path / '2027.yaml'} (国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）)"
    )
    assert info.holidays[d("2027-10-06")] == "国庆节"
    assert dict(info.makeup_workdays) == {d("2027-09-26"): "国庆节"}
    assert cal.is_working_day(d("2027-09-26"))  # a Sunday
    assert not cal.is_working_day(d("2027-10-06"))
    assert cal.effective_due(d("2027-10-01"), HolidayPolicy.ROLL_FORWARD).effective == d("2027-10-08")
    assert cal.notices == []


def test_an_operator_file_can_put_a_makeup_day_in_the_previous_december(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(OPERATOR_2027, encoding="utf-8")
    cal = WorkingCalendar(data_dir=tmp_path)
    assert cal.is_working_day(d("2026-12-26"))  # a Saturday, worked for 元旦 2027
    info = cal.year_info(2026)
    assert info.source is YearSource.OFFICIAL
    assert info.makeup_workdays[d("2026-12-26")] == "元旦"
    assert "2027.yaml" in info.provenance


def test_operator_file_wins_over_chinese_calendar(tmp_path: Path) -> None:
    text = "year: 2016\nsource: test override\nholidays:\n  - {name: 测试, days: [2016-06-06]}\n"
    (tmp_path / "2016.yaml").write_text(text, encoding="utf-8")
    cal = WorkingCalendar(data_dir=tmp_path)
    assert cal.year_info(2016).provenance.endswith("2016.yaml (test override)")
    assert not cal.is_working_day(d("2016-06-06"))
    assert not cal.is_working_day(d("2016-06-12"))  # the file lists no make-up days


def test_the_sample_file_is_the_real_2026(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "2026.yaml")
    from_file = WorkingCalendar(data_dir=tmp_path)
    assert from_file.year_info(2026).provenance.startswith(str(tmp_path / "2026.yaml"))
    assert [from_file.is_working_day(day) for day in days_of(2026)] == [
        chinese_calendar.is_workday(day) for day in days_of(2026)
    ]
    assert WorkingCalendar(data_dir=SAMPLE.parent).year_info(2026).provenance.startswith("chinese-calendar")


BROKEN_FILES = [
    ("year: 2026\nsource: x\n", "year: 2026 does not match the file name, which says 2027"),
    ("year: 2027\n", "source: Field required"),
    ("year: 2027\nsource: '  '\n", "source: String should have at least 1 character"),
    (
        "year: 2027\nsource: x\nholidays:\n  - {name: 元旦, days: [2027-01-01, 2026-12-31]}\n",
        "holidays[0].days[1]: 2026-12-31 is not in 2027",
    ),
    (
        "year: 2027\nsource: x\nholidays:\n  - {name: 元旦, days: [2027-01-01]}\n"
        "  - {name: 春节, days: [2027-01-01]}\n",
        "holidays[1].days[0]: 2027-01-01 is listed twice (also at holidays[0].days[0])",
    ),
    (
        "year: 2027\nsource: x\nholidays:\n  - {name: 春节, days: [2027-02-30]}\n",
        "holidays[0].days[0]: invalid date '2027-02-30': day is out of range for month",
    ),
    (
        "year: 2027\nsource: x\nholidays:\n  - {name: 春节, days: [20270206]}\n",
        "holidays[0].days[0]: expected a date written YYYY-MM-DD, got 20270206",
    ),
    (
        "year: 2027\nsource: x\nholidays:\n  - {name: 春节, days: []}\n",
        "holidays[0].days: List should have at least 1 item",
    ),
    (
        "year: 2027\nsource: x\nmakeup_workdays:\n  - {date: 2027-02-08, for: 春节}\n",
        "makeup_workdays[0].date: 2027-02-08 is a Monday; a make-up working day must be a Saturday or Sunday",
    ),
    (
        "year: 2027\nsource: x\nmakeup_workdays:\n  - {date: 2026-11-28, for: 元旦}\n",
        "makeup_workdays[0].date: 2026-11-28 is not in 2027 (nor in December 2026)",
    ),
    (
        "year: 2027\nsource: x\nholidays:\n  - {name: 春节, days: [2027-02-06]}\n"
        "makeup_workdays:\n  - {date: 2027-02-06, for: 春节}\n",
        "makeup_workdays[0].date: 2027-02-06 is also listed as a holiday at holidays[0].days[0]",
    ),
    (
        "year: 2027\nsource: x\nmakeup_workdays:\n  - {date: 2027-02-20}\n",
        "makeup_workdays[0].for: Field required",
    ),
    ("year: 2027\nsource: x\nmakeup_days: []\n", "makeup_days: Extra inputs are not permitted"),
    ("- 2027-01-01\n", "expected a mapping with year, source, holidays, makeup_workdays"),
    ("year: 2027\nsource: [unclosed\n", "not valid YAML"),
]


@pytest.mark.parametrize(("text", "message"), BROKEN_FILES)
def test_broken_operator_files_are_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "2027.yaml"
    path.write_text(text, encoding="utf-8")
    cal = WorkingCalendar(data_dir=tmp_path)
    with pytest.raises(CalendarError, match=re.escape(message)) as caught:
        cal.is_working_day(date(2027, 3, 1))
    assert str(caught.value).startswith(f"invalid calendar file {path}: ")
    with pytest.raises(CalendarError, match=re.escape(message)):
        load_year_file(path, 2027)


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "2027.yaml"
    path.write_text("year: 2027\nsource: x\nholidays:\n  - {name: 春节, days: [2028-01-01, 2026-01-01]}\n")
    with pytest.raises(
        CalendarError, match=r"2 problems: holidays\[0\]\.days\[0\]: 2028-01-01 .*; holidays\[0\]"
    ):
        load_year_file(path, 2027)


def test_year_info_is_read_only() -> None:
    info = YearInfo(2030, YearSource.MISSING, "no data: weekends only")
    assert dict(info.holidays) == {} and dict(info.makeup_workdays) == {}
