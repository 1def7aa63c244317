"""Joint meetings (部门间联席会议): convening with an agenda of what is red or overdue, and the minutes,
whose action items become obligations chased by the ladder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.dates import local_date
from models.engine.adhoc import close_obligation, create_adhoc_obligation, ensure_system_duties
from models.enums import Light, MeetingStatus, ObligationStatus
from models.errors import MeetingError
from models.rules.calendar import WorkingCalendar
from models.rules.ladder import EscalationSpec
from models.tables.duties import Meeting
from models.tables.engine import Obligation
from models.tables.plan import Unit


@dataclass(frozen=True)
class AgendaItem:
    """Something red or overdue to discuss."""

    unit: str
    what: str
    period: str
    due_on: dt.date
    light: str
    nominal_due_on: dt.date | None = None  # the date the period is named by (the obligation's nominal due date)
    frequency: str | None = None  # the duty's frequency (None: a one-off duty, a meeting's item, a rectification)
    kind: str | None = None  # the duty's kind (progress_report, task_report, action_item, ...)


@dataclass(frozen=True)
class ActionItem:
    """A decision of the meeting: what, which unit owns it, by when."""

    title: str
    owner: str
    due_on: dt.date


def agenda(*, session: Session, plan_id: int, today: dt.date, limit: int = 50) -> list[AgendaItem]:
    """Open obligations that are red or past their effective due date, oldest first (then in the plan's order of
    duties and units)."""
    rows = session.execute(sa.text(
        "SELECT u.name, COALESCE(o.title, d.title), o.period, o.due_on, o.light, o.nominal_due_on, d.frequency, d.kind "
        "FROM obligation o "
        "JOIN unit u ON u.id = o.unit_id JOIN duty d ON d.id = o.duty_id "
        f"WHERE o.plan_id = :p AND o.status = '{ObligationStatus.OPEN}' "
        f"AND (o.light = '{Light.RED}' OR o.due_on < :today) "
        "ORDER BY o.due_on, d.position, u.position, o.id LIMIT :n"
    ), {"p": plan_id, "today": today, "n": limit}).all()
    return [AgendaItem(str(u), str(w), str(p), _day(d), str(light), _day(nominal), str(freq) if freq else None,
                       str(kind))
            for u, w, p, d, light, nominal, freq, kind in rows]


def _day(value: object) -> dt.date:
    """A date column as a date (SQLite returns its ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def create_meeting(
    *, session: Session, plan_id: int, starts_at: dt.datetime, place: str, agenda_text: str,
    obligation_id: int | None,
) -> Meeting:
    """Record a convened meeting (its minutes obligation is the joint-meeting duty's one for that period)."""
    if starts_at.tzinfo is None:
        raise MeetingError("the meeting time must carry its zone")
    meeting = Meeting(plan_id=plan_id, obligation_id=obligation_id, starts_at=starts_at, place=place.strip(),
                      agenda=agenda_text)
    session.add(meeting)
    session.flush()
    return meeting


def open_meetings(*, session: Session, plan_id: int) -> list[Meeting]:
    """Meetings convened and not yet minuted, newest first."""
    return list(session.exec(select(Meeting).where(Meeting.plan_id == plan_id, Meeting.status == MeetingStatus.CONVENED)
                             .order_by(col(Meeting.starts_at).desc())))


def record_minutes(
    *,
    session: Session,
    meeting_id: int,
    attendance: list[str],
    decisions: str,
    action_items: list[ActionItem],
    now: dt.datetime,
    cal: WorkingCalendar,
    escalation: EscalationSpec,
) -> list[Obligation]:
    """Store the minutes, close the minutes obligation, and turn each action item into a chased obligation.

    Raises:
        MeetingError: unknown meeting or unit, or an action item due before the meeting; nothing written.
    """
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise MeetingError(f"no meeting with id {meeting_id}")
    units = {u.name: u for u in session.exec(select(Unit).where(Unit.plan_id == meeting.plan_id))}
    for name in [*attendance, *(a.owner for a in action_items)]:
        if name not in units:
            raise MeetingError(f"unknown unit {name!r}")
    held_on = local_date(meeting.starts_at)
    for item in action_items:
        if not item.title.strip():
            raise MeetingError("an action item needs a title")
        if item.due_on < held_on:
            raise MeetingError(f"action item {item.title!r} is due {item.due_on}, before the meeting ({held_on})")
    meeting.attendance = list(attendance)
    meeting.decisions = decisions.strip()
    meeting.status = MeetingStatus.MINUTED
    meeting.minuted_at = now
    duty = ensure_system_duties(session=session, plan_id=meeting.plan_id)["action-item"]
    created = [
        create_adhoc_obligation(session=session, duty=duty, unit_id=units[item.owner].id or 0,
                                title=item.title.strip(), nominal_due_on=item.due_on,
                                source=f"meeting:{meeting_id}#{n}", now=now, cal=cal, escalation=escalation)
        for n, item in enumerate(action_items, 1)
    ]
    if meeting.obligation_id is not None:
        close_obligation(session=session, obligation_id=meeting.obligation_id, status="closed", now=now,
                         note=f"minutes of meeting {meeting_id}")
    session.flush()
    return created
