"""Time for duban: the one module that uses pendulum.

Every other module asks this one for "now", for the local date and for conversions, so that

* all deadlines are reasoned about in China Standard Time (``Asia/Shanghai``), and
* the clock is injectable: a simulation sets a :class:`FixedClock` and advances it through years in
  seconds, and a test pins "now" without patching anything.

Values handed out are plain stdlib ``datetime``/``date`` objects (aware, ``zoneinfo.ZoneInfo``) so callers
never need pendulum, and pendulum's ``DateTime``/``Interval`` arithmetic never leaks into the rules.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

import pendulum

LOCAL_TZ = "Asia/Shanghai"

_LOCAL_ZONE = ZoneInfo(LOCAL_TZ)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def local_tz() -> ZoneInfo:
    """Return the zone every deadline and send time is expressed in (Asia/Shanghai)."""
    return _LOCAL_ZONE


def _stdlib(value: datetime) -> datetime:
    """Return ``value`` as a plain stdlib datetime in the local zone (drops pendulum's subclass)."""
    local = value.astimezone(_LOCAL_ZONE)
    return datetime(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond,
        tzinfo=_LOCAL_ZONE,
    )


def to_local(dt: datetime) -> datetime:
    """Convert an aware datetime to Asia/Shanghai.

    Args:
        dt: an aware datetime in any zone.

    Returns:
        The same instant as an aware stdlib datetime in Asia/Shanghai.

    Raises:
        ValueError: if ``dt`` is naive — a naive time cannot be placed on the timeline safely.
    """
    if not isinstance(dt, datetime):
        raise ValueError(f"expected an aware datetime, got {type(dt).__name__} {dt!r}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(
            f"naive datetime {dt.isoformat()} rejected: attach a time zone (e.g. {LOCAL_TZ}) first"
        )
    return _stdlib(pendulum.instance(dt).in_timezone(LOCAL_TZ))


def local_datetime(d: date, t: time) -> datetime:
    """Combine a local date and a wall-clock time into an aware Asia/Shanghai datetime.

    Args:
        d: the local calendar date.
        t: a naive wall-clock time (a time carrying its own zone is rejected).

    Returns:
        The aware stdlib datetime for ``t`` on ``d`` in Asia/Shanghai.

    Raises:
        ValueError: if ``t`` carries a tzinfo.
    """
    if t.tzinfo is not None:
        raise ValueError(f"time {t.isoformat()} carries a time zone; pass a naive wall-clock time")
    moment = pendulum.datetime(d.year, d.month, d.day, t.hour, t.minute, t.second, t.microsecond, tz=LOCAL_TZ)
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


class Clock(Protocol):
    """Anything that can say what time it is."""

    def now(self) -> datetime:
        """Return the current instant as an aware datetime."""
        ...


class SystemClock:
    """The real clock, in Asia/Shanghai."""

    def now(self) -> datetime:
        """Return the real current time, aware, in Asia/Shanghai."""
        return _stdlib(pendulum.now(LOCAL_TZ))

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until told to move; for tests and simulations.

    Args:
        dt: the instant to show; must be aware (it is converted to Asia/Shanghai).
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
        moved = pendulum.instance(self._now).in_timezone(LOCAL_TZ).add(**kwargs)  # type: ignore[arg-type]
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
    """Return the current instant from the current clock, aware, in Asia/Shanghai."""
    return to_local(_clock.now())


def today() -> date:
    """Return the current local (Asia/Shanghai) date from the current clock."""
    current = now()
    return date(current.year, current.month, current.day)
