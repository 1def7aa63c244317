"""The status board's rows: every obligation of a plan with its unit, duty, due dates, status and light."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.enums import Frequency, UnitKind
from models.tables.engine import Obligation
from models.tables.plan import Duty, Unit


@dataclass(frozen=True)
class BoardRow:
    """One obligation as the status board shows it.

    Attributes:
        unit: the responsible unit's name.
        unit_kind: what the unit is.
        duty: what is owed: the obligation's own title, else its duty's.
        nominal_due_on: the nominal due date (names the period).
        frequency: how often the duty recurs; None for one-off duties.
        due_on: the effective due date.
        status: the obligation's status (an :class:`~models.enums.ObligationStatus` value).
        light: its light (a :class:`~models.enums.Light` value).
    """

    unit: str
    unit_kind: UnitKind
    duty: str
    nominal_due_on: dt.date
    frequency: Frequency | None
    due_on: dt.date
    status: str
    light: str


def board_rows(*, session: Session, plan_id: int) -> list[BoardRow]:
    """Every obligation of the plan, by unit (in the plan's order) and then by effective due date."""
    query = (sa.select(col(Unit.name), col(Unit.kind), sa.func.coalesce(col(Obligation.title), col(Duty.title)),
                       col(Obligation.nominal_due_on), col(Duty.frequency), col(Obligation.due_on),
                       col(Obligation.status), col(Obligation.light))
             .select_from(Obligation)
             .join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .join(Duty, col(Duty.id) == col(Obligation.duty_id))
             .where(col(Obligation.plan_id) == plan_id)
             .order_by(col(Unit.position), col(Obligation.due_on)))
    return [BoardRow(unit=unit, unit_kind=kind, duty=duty, nominal_due_on=nominal, frequency=frequency,
                     due_on=due_on, status=status, light=light)
            for unit, kind, duty, nominal, frequency, due_on, status, light in session.execute(query)]
