"""China's working calendar: which days are working days, and where a deadline lands.

Working days follow the State Council's yearly notice, with make-up working weekends (调休). Every year's
data is labelled with where it came from — never guessed silently:

1. an operator file ``<data_dir>/<year>.yaml`` typed in from the notice  → ``official``
2. ``chinese-calendar`` (covers 2004–2026 in 1.11.0; raises beyond)     → ``official``
3. ``holidays.China`` (statutory days by rule, no 调休 for unpublished years) → ``estimated``
4. nothing                                                        → ``missing``: Mon–Fri, or refuse

An estimated or missing year is recorded once in :attr:`WorkingCalendar.notices` and logged once.
Everything here is pure: no clock, no database, no Prefect.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import chinese_calendar
from holidays.countries.china import China as HolidaysChina
from holidays.version import __version__ as HOLIDAYS_VERSION

from config.settings import Settings
from models.dates import local_datetime, parse_working_hours, to_local, working_hours
from models.enums import HolidayPolicy
from models.errors import CalendarDataMissing, CalendarError
from models.rules.calendar_data import OperatorYear, load_year_file

log = logging.getLogger("duban.calendar")

# User-facing Chinese text, kept in one place.
_ZH_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_ZH_MOVED = {
    "rolled_forward": "原定{nominal}为休息日,顺延至{effective}",
    "pulled_earlier": "原定{nominal}为休息日,提前至{effective}",
}
_ZH_MAKEUP_UNKNOWN = "调休"
# chinese-calendar's short names, lengthened to the names the notices use.
_CC_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}

_ONE_DAY = timedelta(days=1)
_MAX_RUN = 400  # days: no real run of days off comes near this; a longer one means broken data
_ISO_IN_LABEL = re.compile(r"\d{4}-\d{2}-\d{2}")
_LABEL_SUFFIX = re.compile(r"（[^）]*）$")  # holidays' "（补假）", "（推定）" decorations


class YearSource(StrEnum):
    """How much a year's working-day data can be trusted."""

    OFFICIAL = "official"
    ESTIMATED = "estimated"
    MISSING = "missing"


@dataclass(frozen=True)
class YearInfo:
    """One year of the working calendar and where it came from.

    Attributes:
        year: the calendar year.
        source: official, estimated or missing.
        provenance: where the data came from, for people (e.g. ``"chinese-calendar 1.11.0"``).
        holidays: day off → holiday name (statutory days and the weekdays moved to make up a break).
        makeup_workdays: weekend working day (调休) → the holiday it makes up for.
    """

    year: int
    source: YearSource
    provenance: str
    holidays: Mapping[date, str] = field(default_factory=dict)
    makeup_workdays: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", MappingProxyType(dict(sorted(self.holidays.items()))))
        object.__setattr__(
            self, "makeup_workdays", MappingProxyType(dict(sorted(self.makeup_workdays.items())))
        )

    def is_working_day(self, d: date) -> bool:
        """Return whether ``d`` (a day of this year) is a working day."""
        if d in self.makeup_workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays


def _zh_day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日({_ZH_WEEKDAYS[d.weekday()]})"


@dataclass(frozen=True)
class Due:
    """A deadline after the holiday policy was applied.

    Attributes:
        nominal: the date the plan states.
        effective: the date that counts.
        policy: the policy applied.
        rule: what happened: ``working_day`` (nominal is a working day), ``rolled_forward``,
            ``pulled_earlier`` or ``kept`` (a day off left as it is).
    """

    nominal: date
    effective: date
    policy: HolidayPolicy
    rule: str

    def describe_zh(self) -> str:
        """Return a Chinese sentence explaining the move, or ``""`` when the date is unchanged."""
        template = _ZH_MOVED.get(self.rule)
        if template is None or self.effective == self.nominal:
            return ""
        return template.format(nominal=_zh_day(self.nominal), effective=_zh_day(self.effective))


def _cc_name(english: str) -> str:
    try:
        chinese: str = chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english
    return _CC_NAMES.get(chinese, chinese)


def _from_chinese_calendar(year: int) -> YearInfo | None:
    """The year from chinese-calendar, or None when it has no data (it raises NotImplementedError)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    return YearInfo(
        year=year,
        source=YearSource.OFFICIAL,
        provenance=f"chinese-calendar {chinese_calendar.__version__}",
        holidays={d: _cc_name(n) for d, n in chinese_calendar.holidays.items() if d.year == year},
        makeup_workdays={d: _cc_name(n) for d, n in chinese_calendar.workdays.items() if d.year == year},
    )


def _makeup_reason(table: Mapping[date, str], day: date) -> str:
    """Name the holiday a holidays.China weekend workday makes up for (the package does not say).

    The day off it pays for is labelled "休息日（由 <day> 调休）"; the nearest named holiday to that day off
    is the one the make-up day belongs to.
    """
    anchor = next((d for d, name in table.items() if day.isoformat() in name), day)
    plain = {d: n for d, n in table.items() if not _ISO_IN_LABEL.search(n)}
    named = [(abs((d - anchor).days), _LABEL_SUFFIX.sub("", n)) for d, n in plain.items()]
    return min(named)[1] if named else _ZH_MAKEUP_UNKNOWN


def _from_holidays_package(year: int) -> YearInfo | None:
    """The year as holidays.China computes it, or None when it has nothing for the year."""
    # The next year is included because a notice can put a make-up day in the year before (2011-12-31).
    years = [year, year + 1] if year < date.max.year else [year]
    try:
        computed = HolidaysChina(years=years, language="zh_CN")  # type: ignore[no-untyped-call]
        table: dict[date, str] = dict(computed.items())
        workdays: set[date] = set(computed.weekend_workdays)
    except (NotImplementedError, ValueError, OverflowError):
        return None
    days_off = {d: n for d, n in table.items() if d.year == year}
    if not days_off:
        return None
    return YearInfo(
        year=year,
        source=YearSource.ESTIMATED,
        provenance=(
            f"holidays {HOLIDAYS_VERSION} (estimated: no State Council notice for {year} is on file; "
            "statutory days by rule, make-up working days may be missing)"
        ),
        holidays=days_off,
        makeup_workdays={d: _makeup_reason(table, d) for d in workdays if d.year == year},
    )


class WorkingCalendar:
    """China's working calendar, one cached :class:`YearInfo` per year.

    Args:
        data_dir: directory of operator files ``<year>.yaml`` (see ``config/calendar/README.md``);
            None for none.
        missing_policy: for a year nobody has data for: ``"weekends"`` treats Monday–Friday as working
            days (and says so in :attr:`notices`); ``"error"`` raises :class:`CalendarDataMissing`.

    Attributes:
        notices: one human-readable line per estimated or missing year, in the order they were met.
    """

    def __init__(
        self, *, data_dir: Path | None = None, missing_policy: Literal["weekends", "error"] = "weekends"
    ) -> None:
        if missing_policy not in ("weekends", "error"):
            raise ValueError(f"invalid missing_policy {missing_policy!r}; expected 'weekends' or 'error'")
        self.data_dir = data_dir
        self.missing_policy = missing_policy
        self.notices: list[str] = []
        self._years: dict[int, YearInfo] = {}
        self._files: dict[int, OperatorYear | None] = {}
        self._noticed: set[int] = set()
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"WorkingCalendar(data_dir={self.data_dir!r}, missing_policy={self.missing_policy!r})"

    # -- years ---------------------------------------------------------------------------------------------

    def year_info(self, year: int) -> YearInfo:
        """Return the year's working-day data, computing and caching it on first use.

        Raises:
            CalendarError: if the year's operator file is invalid.
            CalendarDataMissing: if no source has the year and ``missing_policy`` is ``"error"``.
        """
        info = self._years.get(year)
        if info is None:
            with self._lock:
                info = self._years.get(year)
                if info is None:
                    info = self._years[year] = self._compute(year)
        return info

    def _data_file(self, year: int) -> Path | None:
        return None if self.data_dir is None else self.data_dir / f"{year}.yaml"

    def _operator_year(self, year: int) -> OperatorYear | None:
        if year not in self._files:
            path = self._data_file(year)
            self._files[year] = load_year_file(path, year) if path is not None and path.is_file() else None
        return self._files[year]

    def _how_to_add(self, year: int) -> str:
        path = self._data_file(year)
        if path is None:
            return f"configure a calendar data directory and add {year}.yaml from the State Council notice"
        return f"add {path} from the State Council notice (see config/calendar/README.md)"

    def _compute(self, year: int) -> YearInfo:
        operator = self._operator_year(year)
        info: YearInfo | None
        if operator is not None:
            info = YearInfo(
                year=year,
                source=YearSource.OFFICIAL,
                provenance=f"{operator.path} ({operator.source})",
                holidays=operator.holidays,
                makeup_workdays={d: n for d, n in operator.makeup_workdays.items() if d.year == year},
            )
        else:
            info = _from_chinese_calendar(year) or _from_holidays_package(year)
        if info is None:
            if self.missing_policy == "error":
                raise CalendarDataMissing(
                    f"no working-calendar data for {year}: chinese-calendar {chinese_calendar.__version__} "
                    f"and holidays {HOLIDAYS_VERSION} have none; {self._how_to_add(year)}"
                )
            info = YearInfo(year=year, source=YearSource.MISSING, provenance="no data: weekends only")
        info = self._with_carried_makeups(info)
        if info.source is YearSource.ESTIMATED:
            self._notice(year, f"{year}: working days from {info.provenance}; {self._how_to_add(year)}")
        elif info.source is YearSource.MISSING:
            self._notice(
                year,
                f"{year}: no working-calendar data, Monday–Friday are treated as working days; "
                f"{self._how_to_add(year)}",
            )
        return info

    def _with_carried_makeups(self, info: YearInfo) -> YearInfo:
        """Add make-up days that next year's operator file puts in this year's December."""
        following = self._operator_year(info.year + 1)
        if following is None:
            return info
        carried = {d: n for d, n in following.makeup_workdays.items() if d.year == info.year}
        if not carried:
            return info
        return replace(
            info,
            provenance=f"{info.provenance}; make-up {', '.join(map(str, carried))} from {following.path}",
            holidays={d: n for d, n in info.holidays.items() if d not in carried},
            makeup_workdays={**info.makeup_workdays, **carried},
        )

    def _notice(self, year: int, text: str) -> None:
        if year not in self._noticed:
            self._noticed.add(year)
            self.notices.append(text)
            log.warning("%s", text)

    # -- days ----------------------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Return whether ``d`` is a working day (make-up weekends are; holidays and weekends are not).

        Raises:
            TypeError: if ``d`` is a datetime — convert it with ``models.dates.to_local(dt).date()`` first.
        """
        if isinstance(d, datetime):
            raise TypeError(f"expected a date, got datetime {d.isoformat()}; use to_local(dt).date()")
        return self.year_info(d.year).is_working_day(d)

    def _scan(self, d: date, step: timedelta, inclusive: bool) -> date:
        day = d if inclusive else d + step
        for _ in range(_MAX_RUN):
            if self.is_working_day(day):
                return day
            day += step
        raise CalendarError(f"no working day within {_MAX_RUN} days of {d}; check the calendar data")

    def next_working_day(self, d: date, *, inclusive: bool = False) -> date:
        """Return the first working day after ``d`` (or ``d`` itself if ``inclusive`` and it is working)."""
        return self._scan(d, _ONE_DAY, inclusive)

    def previous_working_day(self, d: date, *, inclusive: bool = False) -> date:
        """Return the last working day before ``d`` (or ``d`` itself if ``inclusive`` and it is working)."""
        return self._scan(d, -_ONE_DAY, inclusive)

    def add_working_days(self, d: date, n: int) -> date:
        """Count ``n`` working days from ``d``.

        Args:
            d: the starting day (need not be a working day).
            n: ``n > 0``: the n-th working day after ``d``; ``n < 0``: the |n|-th working day before ``d``;
                ``n == 0``: ``d`` if it is a working day, else the next working day.

        Returns:
            A working day.
        """
        if n == 0:
            return self.next_working_day(d, inclusive=True)
        step: Callable[[date], date] = self.next_working_day if n > 0 else self.previous_working_day
        day = d
        for _ in range(abs(n)):
            day = step(day)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Count the working days in ``(a, b]``; if ``b < a``, minus the count in ``(b, a]``.

        For ``n > 0``, ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a + _ONE_DAY
        while day <= b:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def effective_due(self, nominal: date, policy: HolidayPolicy | str) -> Due:
        """Apply a holiday policy to a nominal deadline.

        Args:
            nominal: the date the plan states.
            policy: ``roll_forward`` (next working day), ``pull_earlier`` (last working day before) or
                ``keep`` (unchanged).

        Returns:
            The :class:`Due`, with the rule that was applied.
        """
        policy = HolidayPolicy(policy)
        if self.is_working_day(nominal):
            return Due(nominal, nominal, policy, "working_day")
        if policy is HolidayPolicy.ROLL_FORWARD:
            return Due(nominal, self.next_working_day(nominal), policy, "rolled_forward")
        if policy is HolidayPolicy.PULL_EARLIER:
            return Due(nominal, self.previous_working_day(nominal), policy, "pulled_earlier")
        return Due(nominal, nominal, policy, "kept")


@dataclass(frozen=True)
class WorkingHours:
    """The local wall-clock window in which people may be messaged: ``[start, end)``, minute-precise.

    The defaults match the settings' defaults; build from text with :meth:`parse` or from settings with
    :meth:`from_settings` (both use :func:`models.dates.parse_working_hours`, the one parser).
    """

    start: time = time(9, 0)
    end: time = time(17, 30)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times; pass naive times")
        if not self.start < self.end:
            raise ValueError(f"working hours must start before they end, got {self.start}–{self.end}")

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Build the window from ``HH:MM-HH:MM`` text, e.g. ``"08:45-17:15"``.

        Raises:
            ValueError: naming the bad value.
        """
        return cls(*parse_working_hours(text))

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> WorkingHours:
        """Build the window from the ``working_hours_start``/``working_hours_end`` settings.

        Raises:
            ValueError: naming the settings and the bad value.
        """
        return cls(*working_hours(settings))


def next_send_time(cal: WorkingCalendar, dt: datetime, hours: WorkingHours | None = None) -> datetime:
    """Return the earliest moment at or after ``dt`` inside working hours on a working day.

    Args:
        cal: the working calendar.
        dt: an aware datetime in any zone (converted to the local zone).
        hours: the sending window; defaults to 09:00–17:30.

    Returns:
        ``dt`` itself (in the local zone) if it is inside the window on a working day; else the start of the
        next window: today's start if before it on a working day, otherwise the next working day's start.
    """
    hours = hours or WorkingHours()
    local = to_local(dt)
    day, clock = local.date(), local.time()
    if cal.is_working_day(day):
        if hours.start <= clock < hours.end:
            return local
        if clock < hours.start:
            return local_datetime(day, hours.start)
    return local_datetime(cal.next_working_day(day), hours.start)
