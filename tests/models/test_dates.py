"""models.dates: the injectable clock and local-time helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from config.settings import get_settings
from models import dates
from models.rules.calendar import WorkingCalendar, WorkingHours, next_send_time

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_local_tz_is_shanghai() -> None:
    assert dates.local_zone_name() == "Asia/Shanghai"
    assert dates.local_tz().key == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (datetime(2016, 6, 4, 16, 0, tzinfo=UTC), datetime(2016, 6, 5, 0, 0, tzinfo=SHANGHAI)),
        (datetime(2016, 6, 5, 9, 0, tzinfo=SHANGHAI), datetime(2016, 6, 5, 9, 0, tzinfo=SHANGHAI)),
        (
            datetime(2016, 6, 5, 9, 0, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2016, 6, 5, 22, 0, tzinfo=SHANGHAI),
        ),
    ],
)
def test_to_local_converts_to_shanghai(given: datetime, expected: datetime) -> None:
    result = dates.to_local(given)
    assert result == expected
    assert result.utcoffset() == timedelta(hours=8)
    assert type(result) is datetime
    assert (result.year, result.month, result.day, result.hour) == (
        expected.year,
        expected.month,
        expected.day,
        expected.hour,
    )


def test_to_local_rejects_naive() -> None:
    with pytest.raises(ValueError, match="naive datetime 2016-06-05T09:00:00"):
        dates.to_local(datetime(2016, 6, 5, 9, 0))


def test_local_datetime_is_aware_shanghai() -> None:
    result = dates.local_datetime(date(2016, 6, 6), time(9, 0))
    assert result == datetime(2016, 6, 6, 1, 0, tzinfo=UTC)
    assert result.tzinfo is not None and result.utcoffset() == timedelta(hours=8)
    assert type(result) is datetime


def test_local_datetime_rejects_aware_time() -> None:
    with pytest.raises(ValueError, match="carries a time zone"):
        dates.local_datetime(date(2016, 6, 6), time(9, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "expected"), [("2016-06-05", date(2016, 6, 5)), ("2024-02-29", date(2024, 2, 29))]
)
def test_parse_date_accepts_iso(text: str, expected: date) -> None:
    assert dates.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("2016-6-5", "invalid date '2016-6-5': expected YYYY-MM-DD"),
        ("2016/06/05", "expected YYYY-MM-DD"),
        ("20160605", "expected YYYY-MM-DD"),
        ("2016-06-05T00:00", "expected YYYY-MM-DD"),
        (" 2016-06-05", "expected YYYY-MM-DD"),
        ("2023-02-29", "invalid date '2023-02-29': day is out of range"),
        ("2016-13-01", "invalid date '2016-13-01': month must be in 1..12"),
        ("", "invalid date ''"),
    ],
)
def test_parse_date_rejects_with_the_bad_value(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        dates.parse_date(text)


def test_system_clock_is_aware_shanghai() -> None:
    before = datetime.now(UTC)
    current = dates.SystemClock().now()
    assert current.utcoffset() == timedelta(hours=8)
    assert before - timedelta(seconds=5) <= current <= datetime.now(UTC) + timedelta(seconds=5)


class TestFixedClock:
    def test_now_returns_the_set_instant_in_shanghai(self) -> None:
        clock = dates.FixedClock(datetime(2016, 6, 4, 16, 0, tzinfo=UTC))
        assert clock.now() == datetime(2016, 6, 5, 0, 0, tzinfo=SHANGHAI)
        assert clock.now().hour == 0

    def test_rejects_naive(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            dates.FixedClock(datetime(2016, 6, 5))

    def test_set_moves_in_either_direction(self) -> None:
        clock = dates.FixedClock(datetime(2016, 6, 5, tzinfo=SHANGHAI))
        clock.set(datetime(2015, 1, 1, tzinfo=SHANGHAI))
        assert clock.now() == datetime(2015, 1, 1, tzinfo=SHANGHAI)

    @pytest.mark.parametrize(
        ("kwargs", "expected"),
        [
            ({"days": 1}, datetime(2016, 1, 31, 12, 0)),
            ({"hours": 13}, datetime(2016, 1, 31, 1, 0)),
            ({"months": 1}, datetime(2016, 2, 29, 12, 0)),
            ({"years": 1, "months": 1}, datetime(2017, 2, 28, 12, 0)),
            ({"weeks": 2, "minutes": 30}, datetime(2016, 2, 13, 12, 30)),
        ],
    )
    def test_advance_uses_calendar_units(self, kwargs: dict[str, int], expected: datetime) -> None:
        clock = dates.FixedClock(datetime(2016, 1, 30, 12, 0, tzinfo=SHANGHAI))
        result = clock.advance(**kwargs)
        assert result == clock.now() == expected.replace(tzinfo=SHANGHAI)
        assert type(result) is datetime


class TestClockInjection:
    def test_use_clock_sets_now_and_today_then_restores(self) -> None:
        original = dates.get_clock()
        fixed = dates.FixedClock(datetime(2016, 6, 4, 23, 30, tzinfo=UTC))
        with dates.use_clock(fixed) as active:
            assert active is fixed
            assert dates.get_clock() is fixed
            assert dates.now() == datetime(2016, 6, 5, 7, 30, tzinfo=SHANGHAI)
            assert dates.today() == date(2016, 6, 5)  # the local date, not UTC's June 4
            assert type(dates.today()) is date
            fixed.advance(days=1)
            assert dates.today() == date(2016, 6, 6)
        assert dates.get_clock() is original

    def test_use_clock_restores_after_an_error(self) -> None:
        original = dates.get_clock()
        with pytest.raises(RuntimeError), dates.use_clock(dates.FixedClock(datetime(2016, 1, 1, tzinfo=UTC))):
            raise RuntimeError("boom")
        assert dates.get_clock() is original

    def test_set_clock_returns_the_previous_clock(self) -> None:
        fixed = dates.FixedClock(datetime(2016, 1, 1, tzinfo=UTC))
        previous = dates.set_clock(fixed)
        try:
            assert dates.now() == datetime(2016, 1, 1, 8, 0, tzinfo=SHANGHAI)
        finally:
            assert dates.set_clock(previous) is fixed

    def test_now_converts_a_clock_in_another_zone(self) -> None:
        class UtcClock:
            def now(self) -> datetime:
                return datetime(2016, 6, 5, 20, 0, tzinfo=UTC)

        with dates.use_clock(UtcClock()):
            assert dates.now().utcoffset() == timedelta(hours=8)
            assert dates.today() == date(2016, 6, 6)


class TestZoneFromSettings:
    @pytest.fixture
    def berlin(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DUBAN_TIMEZONE", "Europe/Berlin")
        get_settings.cache_clear()

    @pytest.mark.usefixtures("berlin")
    def test_local_zone_follows_the_setting(self) -> None:
        assert dates.local_zone_name() == "Europe/Berlin"
        assert dates.local_tz() == ZoneInfo("Europe/Berlin")
        winter = dates.to_local(datetime(2016, 1, 5, 12, 0, tzinfo=UTC))
        summer = dates.to_local(datetime(2016, 7, 5, 12, 0, tzinfo=UTC))
        assert (winter.hour, winter.utcoffset()) == (13, timedelta(hours=1))
        assert (summer.hour, summer.utcoffset()) == (14, timedelta(hours=2))
        assert dates.local_datetime(date(2016, 7, 5), time(9, 0)) == datetime(2016, 7, 5, 7, 0, tzinfo=UTC)

    @pytest.mark.usefixtures("berlin")
    def test_clock_and_today_use_the_setting(self) -> None:
        # 21:30 UTC on June 4 is already June 5 05:30 in Shanghai but still June 4 23:30 in Berlin (CEST).
        with dates.use_clock(dates.FixedClock(datetime(2016, 6, 4, 21, 30, tzinfo=UTC))):
            assert dates.now() == datetime(2016, 6, 4, 23, 30, tzinfo=ZoneInfo("Europe/Berlin"))
            assert dates.today() == date(2016, 6, 4)  # Shanghai would say June 5
            assert dates.get_clock().now().utcoffset() == timedelta(hours=2)

    @pytest.mark.usefixtures("berlin")
    def test_repeated_hour_keeps_each_instant(self) -> None:
        # 2016-10-30 02:30 happens twice in Berlin; each UTC instant must keep its own offset.
        first = dates.to_local(datetime(2016, 10, 30, 0, 30, tzinfo=UTC))
        second = dates.to_local(datetime(2016, 10, 30, 1, 30, tzinfo=UTC))
        assert (first.hour, first.utcoffset()) == (2, timedelta(hours=2))
        assert (second.hour, second.utcoffset()) == (2, timedelta(hours=1))
        assert dates.to_utc(second) - dates.to_utc(first) == timedelta(hours=1)

    def test_unknown_zone_is_named(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DUBAN_TIMEZONE", "Asia/Shanghia")
        get_settings.cache_clear()
        with pytest.raises(ValueError, match="unknown time zone 'Asia/Shanghia' \\(setting DUBAN_TIMEZONE\\)"):
            dates.now()


def test_to_utc_returns_stdlib_utc() -> None:
    result = dates.to_utc(datetime(2016, 6, 5, 9, 30, tzinfo=SHANGHAI))
    assert result == datetime(2016, 6, 5, 1, 30, tzinfo=UTC)
    assert result.tzinfo is UTC and type(result) is datetime
    with pytest.raises(ValueError, match="naive"):
        dates.to_utc(datetime(2016, 6, 5, 9, 30))


def test_local_date_is_the_day_in_the_local_zone() -> None:
    assert dates.local_date(datetime(2016, 6, 4, 16, 0, tzinfo=UTC)) == date(2016, 6, 5)
    assert dates.local_date(datetime(2016, 6, 4, 15, 59, tzinfo=UTC)) == date(2016, 6, 4)


class TestWorkingHours:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("09:00-17:30", (time(9, 0), time(17, 30))),
            ("08:45-17:15", (time(8, 45), time(17, 15))),
            ("00:00-23:59", (time(0, 0), time(23, 59))),
        ],
    )
    def test_parse_keeps_the_minutes(self, text: str, expected: tuple[time, time]) -> None:
        assert dates.parse_working_hours(text) == expected

    @pytest.mark.parametrize(
        ("text", "match"),
        [
            ("9:00-17:30", "invalid working hours '9:00-17:30': invalid time '9:00': expected HH:MM"),
            ("09:00-24:00", "invalid time '24:00'"),
            ("09:60-17:30", "invalid time '09:60'"),
            ("09:00", "invalid working hours '09:00': expected HH:MM-HH:MM"),
            ("09:00 - 17:30", "invalid time '09:00 '"),
            ("17:30-09:00", "must start before it ends"),
            ("09:00-09:00", "must start before it ends"),
        ],
    )
    def test_parse_rejects_with_the_bad_value(self, text: str, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            dates.parse_working_hours(text)

    def test_settings_default_to_nine_to_half_past_five(self) -> None:
        assert dates.working_hours() == (time(9, 0), time(17, 30))
        assert WorkingHours.from_settings() == WorkingHours()

    def test_settings_keep_the_minutes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DUBAN_WORKING_HOURS_START", "08:45")
        monkeypatch.setenv("DUBAN_WORKING_HOURS_END", "17:15")
        get_settings.cache_clear()
        assert dates.working_hours() == (time(8, 45), time(17, 15))
        hours = WorkingHours.from_settings()
        cal = WorkingCalendar()
        monday = date(2016, 6, 6)
        # Minute-precise both ends: 08:44 waits one minute, 17:20 (past a 17:15 end) waits for Tuesday.
        assert next_send_time(cal, dates.local_datetime(monday, time(8, 50)), hours) == dates.local_datetime(
            monday, time(8, 50)
        )
        assert next_send_time(cal, dates.local_datetime(monday, time(8, 44)), hours) == dates.local_datetime(
            monday, time(8, 45)
        )
        assert next_send_time(cal, dates.local_datetime(monday, time(17, 20)), hours) == dates.local_datetime(
            date(2016, 6, 7), time(8, 45)
        )

    def test_bad_settings_are_named(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DUBAN_WORKING_HOURS_END", "5pm")
        get_settings.cache_clear()
        with pytest.raises(ValueError, match="invalid time '5pm'.*DUBAN_WORKING_HOURS_END"):
            WorkingHours.from_settings()
