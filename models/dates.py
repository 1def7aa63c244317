"""Time for duban: the one module that uses pendulum.

Every other module asks this one for "now", for the local date, for conversions and for working hours, so that

* all deadlines are reasoned about in one local zone, read from the ``timezone`` setting
  (``DUBAN_TIMEZONE``, default ``Asia/Shanghai``), and
* the clock is injectable: a simulation sets a :class:`FixedClock` and advances it through years in
  seconds, and a test pins "now" without patching anything.

pendulum does the zone work inside this module. Values handed out are plain stdlib ``datetime``/``date``/
``time`` objects (aware datetimes carry a ``zoneinfo.ZoneInfo``) so callers and the database layer never
need pendulum, and pendulum's ``DateTime``/``Interval`` arithmetic never leaks into the rules.

The zone is read from settings when first asked for, never at import, so importing needs no environment.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import pendulum

from config.settings import Settings, get_settings

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HHMM = re.compile(r"(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)")
_HOURS = re.compile(r"(?P<start>[^-]*)-(?P<end>[^-]*)")


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    """Return the stdlib zone called ``name`` (checked with pendulum), cached per name."""
    try:
        pendulum.timezone(name)
    except pendulum.tz.exceptions.InvalidTimezone as exc:
        raise ValueError(
            f"unknown time zone {name!r} (setting DUBAN_TIMEZONE): expected an IANA name such as Asia/Shanghai"
        ) from exc
    return ZoneInfo(name)


def local_zone_name() -> str:
    """Return the IANA name of the local zone, from the ``timezone`` setting (default ``Asia/Shanghai``).

    Raises:
        ValueError: naming the bad value, if the setting is not a known zone.
    """
    name = get_settings().timezone
    _zone(name)
    return name


def local_tz() -> ZoneInfo:
    """Return the zone every deadline and send time is expressed in (the ``timezone`` setting).

    Settings are read once per process (``get_settings`` is cached) and the zone once per name, so this is
    cheap enough to call per conversion.
    """
    return _zone(get_settings().timezone)


def _stdlib(value: datetime) -> datetime:
    """Return ``value`` as a plain stdlib datetime in the local zone (drops pendulum's subclass)."""
    zone = local_tz()
    local = value.astimezone(zone)
    return datetime(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond,
        tzinfo=zone,
        fold=local.fold,
    )


def _require_aware(dt: datetime) -> None:
    """Reject anything but an aware datetime: a naive time cannot be placed on the timeline safely."""
    if not isinstance(dt, datetime):
        raise ValueError(f"expected an aware datetime, got {type(dt).__name__} {dt!r}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(
            f"naive datetime {dt.isoformat()} rejected: attach a time zone (e.g. {local_zone_name()}) first"
        )


def to_local(dt: datetime) -> datetime:
    """Convert an aware datetime to the local zone.

    Args:
        dt: an aware datetime in any zone.

    Returns:
        The same instant as an aware stdlib datetime in the local zone.

    Raises:
        ValueError: if ``dt`` is naive — a naive time cannot be placed on the timeline safely.
    """
    _require_aware(dt)
    return _stdlib(pendulum.instance(dt).in_timezone(local_zone_name()))


def to_utc(dt: datetime) -> datetime:
    """Convert an aware datetime to UTC.

    Args:
        dt: an aware datetime in any zone.

    Returns:
        The same instant as an aware stdlib datetime whose tzinfo is ``datetime.UTC``.

    Raises:
        ValueError: if ``dt`` is naive.
    """
    _require_aware(dt)
    utc = pendulum.instance(dt).in_timezone("UTC")
    return datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tzinfo=UTC)


def local_date(dt: datetime) -> date:
    """Return the local calendar date of an aware datetime (the day it is in the local zone).

    Raises:
        ValueError: if ``dt`` is naive.
    """
    return to_local(dt).date()


def local_datetime(d: date, t: time) -> datetime:
    """Combine a local date and a wall-clock time into an aware datetime in the local zone.

    Args:
        d: the local calendar date.
        t: a naive wall-clock time (a time carrying its own zone is rejected).

    Returns:
        The aware stdlib datetime for ``t`` on ``d`` in the local zone.

    Raises:
        ValueError: if ``t`` carries a tzinfo.
    """
    if t.tzinfo is not None:
        raise ValueError(f"time {t.isoformat()} carries a time zone; pass a naive wall-clock time")
    moment = pendulum.datetime(
        d.year, d.month, d.day, t.hour, t.minute, t.second, t.microsecond, tz=local_zone_name()
    )
    return _stdlib(moment)


def parse_date(text: str) -> date:
    """Parse a strict ``YYYY-MM-DD`` date.

    Args:
        text: the date as written, e.g. ``"2016-06-05"``.

    Returns:
        The date.

    Raises:
        ValueError: naming the bad value, if it is not a string of exactly that shape or not a real date.
    """
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2016-06-05")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"invalid date {text!r}: {exc}") from exc


def parse_clock_time(text: str) -> time:
    """Parse a strict 24-hour ``HH:MM`` wall-clock time, minutes kept.

    Args:
        text: the time as written, e.g. ``"17:30"``.

    Returns:
        The naive time.

    Raises:
        ValueError: naming the bad value, if it is not ``HH:MM`` with hours 00-23 and minutes 00-59.
    """
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"invalid time {text!r}: expected HH:MM on a 24-hour clock, e.g. 09:00 or 17:30")
    return time(int(match["hour"]), int(match["minute"]))


def parse_working_hours(text: str) -> tuple[time, time]:
    """Parse a working-hours window ``HH:MM-HH:MM`` into its start and end times.

    Args:
        text: the window as written, e.g. ``"09:00-17:30"``; the end is exclusive.

    Returns:
        ``(start, end)`` as naive wall-clock times, minutes kept.

    Raises:
        ValueError: naming the bad value, if either side is not ``HH:MM`` or the window does not start
            before it ends.
    """
    match = _HOURS.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"invalid working hours {text!r}: expected HH:MM-HH:MM, e.g. 09:00-17:30")
    try:
        start, end = parse_clock_time(match["start"]), parse_clock_time(match["end"])
    except ValueError as exc:
        raise ValueError(f"invalid working hours {text!r}: {exc}") from exc
    if not start < end:
        raise ValueError(f"invalid working hours {text!r}: the window must start before it ends")
    return start, end


def working_hours(settings: Settings | None = None) -> tuple[time, time]:
    """Return the configured working hours (``working_hours_start``/``working_hours_end``) as times.

    Args:
        settings: the settings to read; defaults to the process's settings.

    Returns:
        ``(start, end)``, e.g. ``(time(9, 0), time(17, 30))`` by default.

    Raises:
        ValueError: naming the settings and the bad value, if they do not form ``HH:MM-HH:MM``.
    """
    settings = settings or get_settings()
    text = f"{settings.working_hours_start}-{settings.working_hours_end}"
    try:
        return parse_working_hours(text)
    except ValueError as exc:
        raise ValueError(f"{exc} (settings DUBAN_WORKING_HOURS_START and DUBAN_WORKING_HOURS_END)") from exc


class Clock(Protocol):
    """Anything that can say what time it is."""

    def now(self) -> datetime:
        """Return the current instant as an aware datetime."""
        ...


class SystemClock:
    """The real clock, in the local zone."""

    def now(self) -> datetime:
        """Return the real current time, aware, in the local zone."""
        return _stdlib(pendulum.now(local_zone_name()))

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until told to move; for tests and simulations.

    Args:
        dt: the instant to show; must be aware (it is converted to the local zone).
    """

    def __init__(self, dt: datetime) -> None:
        self._now = to_local(dt)

    def now(self) -> datetime:
        """Return the instant the clock is set to."""
        return self._now

    def set(self, dt: datetime) -> None:
        """Move the clock to ``dt`` (aware; backwards is allowed)."""
        self._now = to_local(dt)

    def advance(self, **kwargs: int | float) -> datetime:
        """Move the clock forward by a pendulum duration and return the new time.

        Args:
            **kwargs: pendulum ``add`` units: ``years``, ``months``, ``weeks``, ``days``, ``hours``,
                ``minutes``, ``seconds``, ``microseconds``. Calendar units follow local wall-clock
                rules (``months=1`` from Jan 31 lands on Feb 28/29).

        Returns:
            The new current time.
        """
        moved = pendulum.instance(self._now).in_timezone(local_zone_name()).add(**kwargs)  # type: ignore[arg-type]
        self._now = _stdlib(moved)
        return self._now

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"


_clock_lock = threading.Lock()
_clock: Clock = SystemClock()


def get_clock() -> Clock:
    """Return the clock currently in use."""
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` process-wide and return the one it replaces."""
    global _clock
    with _clock_lock:
        previous, _clock = _clock, clock
    return previous


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Use ``clock`` inside a ``with`` block, restoring the previous clock afterwards."""
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def now() -> datetime:
    """Return the current instant from the current clock, aware, in the local zone."""
    return to_local(_clock.now())


def today() -> date:
    """Return the current local date from the current clock."""
    current = now()
    return date(current.year, current.month, current.day)
