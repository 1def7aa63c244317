"""What a unit can report done (办结) by itself: the obligations of duties whose only way to be closed is
the unit saying so — a meeting's action items, an inspection's rectifications, the plan's one-off duties
(kind ``action_item``, e.g. 建立镇(街道)协调工作机制). The reads :mod:`flows.ops.done` composes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.enums import DutyKind, ObligationStatus
from models.tables.engine import Obligation
from models.tables.plan import Duty, Unit

# Duties closed by the unit's word alone; every other kind has its own submission path.
CLOSABLE_KINDS: tuple[DutyKind, ...] = (DutyKind.ACTION_ITEM, DutyKind.RECTIFICATION)


@dataclass(frozen=True)
class DoneItem:
    """One obligation of a closable duty, with its unit and duty."""

    obligation_id: int
    unit: str
    unit_code: str
    duty_code: str
    clause: str
    period: str
    title: str
    due_on: dt.date
    nominal_due_on: dt.date
    due_wd: int
    light: str
    status: str
    source: str | None


def duty_by_code(*, session: Session, plan_id: int, code: str) -> Duty | None:
    """The plan's duty coded ``code`` or, for a task_report duty expanded per item, its first derived duty
    (``<code>-<hash>``, so its kind is known); None when there is neither."""
    duty = session.exec(select(Duty).where(Duty.plan_id == plan_id, Duty.code == code)).first()
    if duty is not None:
        return duty
    return session.exec(select(Duty).where(Duty.plan_id == plan_id, Duty.kind == DutyKind.TASK_REPORT,
                                           col(Duty.code).startswith(f"{code}-"))
                        .order_by(col(Duty.position))).first()


def closable_duties(*, session: Session, plan_id: int) -> list[Duty]:
    """The plan's duties that are closed by the unit's word (plan duties first, then duban's own)."""
    query = (select(Duty).where(Duty.plan_id == plan_id, col(Duty.kind).in_(list(CLOSABLE_KINDS)),
                                col(Duty.item_id).is_(None))
             .order_by(col(Duty.system), col(Duty.position), col(Duty.id)))
    return list(session.exec(query))


def done_items(*, session: Session, plan_id: int, unit_id: int | None = None, duty_id: int | None = None,
               open_only: bool = True) -> list[DoneItem]:
    """Obligations of the closable duties (only ``unit_id``'s, ``duty_id``'s, only open ones when asked), by
    due date, then unit and period."""
    query = (select(Obligation, Unit, Duty).join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .join(Duty, col(Duty.id) == col(Obligation.duty_id))
             .where(Obligation.plan_id == plan_id, col(Duty.kind).in_(list(CLOSABLE_KINDS))))
    if unit_id is not None:
        query = query.where(Obligation.unit_id == unit_id)
    if duty_id is not None:
        query = query.where(Obligation.duty_id == duty_id)
    if open_only:
        query = query.where(Obligation.status == ObligationStatus.OPEN)
    query = query.order_by(col(Obligation.due_on), col(Unit.position), col(Obligation.period), col(Obligation.id))
    return [DoneItem(obligation_id=ob.id or 0, unit=unit.name, unit_code=unit.code, duty_code=duty.code,
                     clause=duty.clause, period=ob.period, title=ob.title or duty.title, due_on=ob.due_on,
                     nominal_due_on=ob.nominal_due_on, due_wd=ob.due_wd, light=ob.light, status=ob.status,
                     source=ob.source)
            for ob, unit, duty in session.exec(query)]


def plan_unit_named(*, session: Session, plan_id: int, name: str) -> Unit | None:
    """The plan's unit called ``name`` (or coded ``name``), or None."""
    return session.exec(select(Unit).where(Unit.plan_id == plan_id,
                                           sa.or_(col(Unit.name) == name, col(Unit.code) == name))).first()


def plan_unit_names(*, session: Session, plan_id: int) -> list[str]:
    """Every unit name of the plan, in the plan's order."""
    return [str(n) for n in session.exec(select(Unit.name).where(Unit.plan_id == plan_id)
                                         .order_by(col(Unit.position)))]
