"""Working days as a table, so that the sweep does working-day arithmetic in SQL.

Each materialised year stores ``base``: the running working-day index just before its 1 January. A
day's ``idx`` is ``base`` plus the working days of the year up to and including it, so a day off
carries the index of the working day before it and ``idx(b) - idx(a)`` counts working days in (a, b].
Only differences matter; years are added contiguously, forward or backward. When a year's calendar
data changes (an operator adds the State Council's notice), that year and every later year are
rebuilt and the obligations' indexes shifted to match.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.rules.calendar import WorkingCalendar, YearInfo
from models.tables.engine import CalendarYear, Workday


def _fingerprint(info: YearInfo) -> str:
    text = ";".join(sorted(d.isoformat() for d in info.holidays)) + "|" + ";".join(
        sorted(d.isoformat() for d in info.makeup_workdays)
    ) + "|" + info.source.value
    return hashlib.sha256(text.encode()).hexdigest()


def _year_rows(cal: WorkingCalendar, year: int, base: int, source: str) -> tuple[list[dict[str, object]], int]:
    rows = []
    idx = base
    day = dt.date(year, 1, 1)
    while day.year == year:
        working = cal.is_working_day(day)
        if working:
            idx += 1
        rows.append({"day": day, "idx": idx, "working": working, "source": source})
        day += dt.timedelta(days=1)
    return rows, idx - base


class _Years:
    """The calendar_year rows with their bases (base stored in the provenance-free ``workday`` table)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows = {r.year: r for r in session.exec(select(CalendarYear))}

    def base(self, year: int) -> int:
        first = self.session.exec(select(Workday).where(Workday.day == dt.date(year, 1, 1))).one()
        return first.idx - (1 if first.working else 0)


def ensure_years(session: Session, cal: WorkingCalendar, first: int, last: int) -> list[int]:
    """Make sure ``workday`` covers the years first..last with the calendar's current data.

    Returns:
        The years whose data changed (rebuilt), so callers can refresh due dates.
    """
    years = _Years(session)
    have = sorted(years.rows)
    lo, hi = (min(first, have[0]), max(last, have[-1])) if have else (first, last)
    changed: list[int] = []
    # Find the first stored year whose data differs from the calendar's.
    rebuild_from = None
    for y in have:
        info = cal.year_info(y)
        if years.rows[y].fingerprint != _fingerprint(info):
            rebuild_from = y
            break
    if not have:
        base = 0
        for y in range(lo, hi + 1):
            base = _write_year(session, cal, y, base)
            changed.append(y)
        return changed
    # Forward: from the earliest year that changed (or the first new year) to hi.
    start = rebuild_from if rebuild_from is not None else have[-1] + 1
    if start <= hi:
        base = years.base(start) if start in years.rows else _end_idx(session, start - 1)
        old_idx = _year_start_idx(session, start)
        session.execute(sa.delete(Workday).where(col(Workday.day) >= dt.date(start, 1, 1)))
        session.execute(sa.delete(CalendarYear).where(col(CalendarYear.year) >= start))
        for y in range(start, hi + 1):
            base = _write_year(session, cal, y, base)
            changed.append(y)
        if old_idx is not None:
            _shift_obligations(session, start)
    # Backward: years before the first stored one.
    if lo < have[0]:
        base = years.base(have[0])
        for y in range(have[0] - 1, lo - 1, -1):
            info = cal.year_info(y)
            _, count = _year_rows(cal, y, 0, info.source.value)
            base -= count
            _write_year(session, cal, y, base)
            changed.append(y)
    return sorted(changed)


def _year_start_idx(session: Session, year: int) -> int | None:
    row = session.exec(select(Workday).where(Workday.day == dt.date(year, 1, 1))).first()
    return row.idx if row else None


def _end_idx(session: Session, year: int) -> int:
    row = session.exec(select(Workday).where(Workday.day == dt.date(year, 12, 31))).one()
    return row.idx


def _write_year(session: Session, cal: WorkingCalendar, year: int, base: int) -> int:
    info = cal.year_info(year)
    rows, count = _year_rows(cal, year, base, info.source.value)
    session.execute(sa.insert(Workday), rows)
    session.add(CalendarYear(year=year, source=info.source.value, provenance=info.provenance,
                             fingerprint=_fingerprint(info)))
    session.flush()
    return base + count


def _shift_obligations(session: Session, year: int) -> None:
    """Re-read due_wd from the rebuilt table and move next_wd by the same amount."""
    session.execute(sa.text(
        "UPDATE obligation SET next_wd = next_wd + ((SELECT w.idx FROM workday w WHERE w.day = obligation.due_on)"
        " - due_wd), due_wd = (SELECT w.idx FROM workday w WHERE w.day = obligation.due_on)"
        " WHERE due_on >= :start"
    ), {"start": dt.date(year, 1, 1)})


def day_index(session: Session, day: dt.date) -> int:
    """The working-day index of ``day`` (a day off has the index of the working day before it)."""
    row = session.exec(select(Workday.idx).where(Workday.day == day)).first()
    if row is None:
        raise LookupError(f"{day} is outside the working-day table; call ensure_years first")
    return int(row)
