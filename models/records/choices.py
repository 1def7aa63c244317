"""What the UI forms offer to choose from: the latest plan's units, localities, indicators and report periods.

The serving process reads these when it builds the forms, and again every minute: when they differ (a plan
loaded or changed, obligations of a new report period created), it rebuilds the forms' deployments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from models.enums import DutyKind, UnitKind
from models.plan.store import list_plans
from models.tables.engine import Obligation
from models.tables.plan import Duty, Indicator, Unit

LOCALITY_KINDS = (UnitKind.TOWN, UnitKind.SUBDISTRICT)


@dataclass(frozen=True)
class Choices:
    """What the forms offer, read from the database; empty lists give free-text fields.

    Two ``Choices`` are equal exactly when the forms built from them are the same, so comparing them is the
    serving process's test for "rebuild the forms"; ``plan_hash`` makes a changed plan (e.g. new duty dates,
    hence new schedules) count as a change even when the lists stay the same.
    """

    localities: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    indicators: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, unit of measure)
    periods: list[str] = field(default_factory=list)
    plan_hash: str = ""  # the content hash of the plan they come from; "" with no plan


def read_choices(*, session: Session) -> Choices:
    """The choices of the most recently loaded plan (empty when no plan is loaded).

    Periods are the progress-report periods (nominal due dates, YYYY-MM-DD) that have obligations, in order.
    """
    plans = list_plans(session=session)
    if not plans:
        return Choices()
    plan = plans[0]
    units = session.exec(select(Unit.name, Unit.kind).where(Unit.plan_id == plan.id)
                         .order_by(col(Unit.position))).all()
    indicators = session.exec(select(Indicator.code, Indicator.name, Indicator.unit)
                              .where(Indicator.plan_id == plan.id).order_by(col(Indicator.position))).all()
    periods = session.exec(
        select(Obligation.period).distinct().join(Duty, col(Duty.id) == col(Obligation.duty_id))
        .where(Obligation.plan_id == plan.id, Duty.kind == DutyKind.PROGRESS_REPORT)
        .order_by(col(Obligation.period))).all()
    return Choices(
        localities=[str(name) for name, kind in units if kind in LOCALITY_KINDS],
        units=[str(name) for name, _kind in units],
        indicators=[(str(code), str(name), str(unit)) for code, name, unit in indicators],
        periods=[str(p) for p in periods],
        plan_hash=plan.content_hash,
    )
