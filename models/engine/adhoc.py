"""Obligations duban creates itself — a meeting's action items, an inspection's rectifications — and closing
any obligation. These are chased by the same ladder and sweep as the plan's own duties.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from models.engine.workdays import day_index, ensure_years
from models.enums import DutyKind, EventKind, HolidayPolicy, ObligationStatus, OutboxStatus, Responsible, SystemStage
from models.rules.authority import is_own
from models.rules.calendar import WorkingCalendar
from models.rules.ladder import EscalationSpec, first_offset
from models.tables.engine import Obligation, ObligationEvent
from models.tables.plan import Duty, Plan, Unit

SYSTEM_DUTIES = {
    "action-item": (DutyKind.ACTION_ITEM, "联席会议议定事项"),
    "rectification": (DutyKind.RECTIFICATION, "督查整改"),
}
CLOSED_STATUSES: tuple[ObligationStatus, ...] = tuple(s for s in ObligationStatus if s is not ObligationStatus.OPEN)


def ensure_system_duties(*, session: Session, plan_id: int) -> dict[str, Duty]:
    """The plan's system duties (action-item, rectification), created on first use; owned by the coordinator."""
    plan = session.get(Plan, plan_id)
    assert plan is not None
    owner = session.exec(select(Unit).where(Unit.plan_id == plan_id, Unit.name == plan.coordinator)).one()
    out: dict[str, Duty] = {}
    for code, (kind, title) in SYSTEM_DUTIES.items():
        duty = session.exec(select(Duty).where(Duty.plan_id == plan_id, Duty.code == code)).first()
        if duty is None:
            duty = Duty(plan_id=plan_id, code=code, kind=kind, title=title, owner_id=owner.id or 0,
                        responsible=Responsible.OWNER, schedule={}, holiday_policy=HolidayPolicy.ROLL_FORWARD,
                        position=1000, system=True)
            session.add(duty)
            session.flush()
        out[code] = duty
    return out


def create_adhoc_obligation(
    *,
    session: Session,
    duty: Duty,
    unit_id: int,
    title: str,
    nominal_due_on: dt.date,
    source: str,
    now: dt.datetime,
    cal: WorkingCalendar,
    escalation: EscalationSpec,
) -> Obligation:
    """Create (or find, when ``source`` was seen before) an obligation outside the plan's schedule."""
    existing = session.exec(select(Obligation).where(
        Obligation.duty_id == duty.id, Obligation.unit_id == unit_id, Obligation.period == source)).first()
    if existing is not None:
        return existing
    plan = session.get(Plan, duty.plan_id)
    unit = session.get(Unit, unit_id)
    own = plan is not None and unit is not None and is_own(plan, unit.name)
    due = cal.effective_due(nominal_due_on, duty.holiday_policy)
    ensure_years(session, cal, due.effective.year - 1, due.effective.year + 1)
    due_wd = day_index(session, due.effective)
    ob = Obligation(
        plan_id=duty.plan_id, duty_id=duty.id or 0, unit_id=unit_id, period=source, nominal_due_on=nominal_due_on,
        due_on=due.effective, holiday_policy=due.policy.value, holiday_rule=due.rule,
        calendar_source=cal.year_info(due.effective.year).source.value, due_wd=due_wd,
        next_wd=due_wd + first_offset(escalation.for_obligation(duty.code, own)), own=own,
        created_at=now, updated_at=now, title=title[:500], source=source[:64],
    )
    session.add(ob)
    session.flush()
    session.add(ObligationEvent(obligation_id=ob.id or 0, at=now, kind=EventKind.CREATED, new=ObligationStatus.OPEN,
                                note=source))
    return ob


def close_obligation(*, session: Session, obligation_id: int, status: str, now: dt.datetime, note: str = "") -> bool:
    """Move an obligation out of ``open`` (the ladder stops; pending messages are cancelled by the next sweep).

    Returns:
        True if it was open.
    """
    if status not in CLOSED_STATUSES:
        raise ValueError(f"unknown closing status {status!r}; known: {', '.join(CLOSED_STATUSES)}")
    changed = session.execute(
        sa.update(Obligation.__table__)  # type: ignore[attr-defined]
        .where(Obligation.__table__.c.id == obligation_id, Obligation.__table__.c.status == ObligationStatus.OPEN)  # type: ignore[attr-defined]
        .values(status=status, closed_at=now, next_wd=None, updated_at=now)
    ).rowcount
    if changed:
        session.add(ObligationEvent(obligation_id=obligation_id, at=now, kind=EventKind.STATUS,
                                    old=ObligationStatus.OPEN, new=status, note=note[:500]))
        system_stages = ", ".join(f"'{stage}'" for stage in SystemStage)
        session.execute(sa.text(f"UPDATE outbox SET status = '{OutboxStatus.CANCELLED}' "
                                f"WHERE status = '{OutboxStatus.PENDING}' "
                                f"AND obligation_id = :id AND stage NOT IN ({system_stages})"),
                        {"id": obligation_id})
    return bool(changed)
