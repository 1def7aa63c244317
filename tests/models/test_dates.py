"""models.dates: the injectable clock and local-time helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from models import dates

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_local_tz_is_shanghai() -> None:
    assert dates.LOCAL_TZ == "Asia/Shanghai"
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
