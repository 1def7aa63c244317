"""Inspections (专项督查) as stored facts: the facts each unit is scored on, and the stored scores and ranks.

An inspection follows a report period. Its scores are stored as JSON on the ``inspection`` row (so the
next one can show each unit's change of rank) and read back as :class:`~models.rules.scoring.Score`; the
rectification obligations it opens carry :func:`inspection_source` as their ``source``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.dates import to_local
from models.enums import DutyKind, Light, ObligationStatus, UnitKind
from models.records.obligations import first_obligation_from
from models.records.reports import allocations, period_reports
from models.records.units import plan_units
from models.rules.scoring import Score, UnitFacts
from models.tables.duties import Inspection
from models.tables.engine import Obligation
from models.tables.plan import Duty, Unit


def inspection_source(inspection_id: int) -> str:
    """The ``source`` of the obligations an inspection opens, e.g. ``inspection:3``."""
    return f"inspection:{inspection_id}"


def stored_scores(inspection: Inspection) -> list[Score]:
    """The inspection's scores, as stored in its JSON, back as :class:`Score` objects."""
    return [_score(stored) for stored in inspection.scores]


def _score(stored: dict[str, Any]) -> Score:
    facts = stored.get("facts")
    return Score(**{**stored, "reasons": tuple(stored.get("reasons", ())),
                    "facts": UnitFacts(**facts) if isinstance(facts, dict) else None})


def stored_ranks(inspection: Inspection) -> dict[str, int]:
    """Unit name → its rank in the inspection."""
    return {s["unit"]: int(s["rank"]) for s in inspection.scores}


def record_inspection(
    *, session: Session, plan_id: int, period: str, as_of: dt.date, run_at: dt.datetime, scores: list[Score],
) -> Inspection:
    """Store an inspection's scores and ranks (its id is set on return)."""
    inspection = Inspection(plan_id=plan_id, period=period, as_of=as_of, run_at=run_at,
                            scores=[asdict(s) for s in scores])
    session.add(inspection)
    session.flush()
    return inspection


def find_inspection(*, session: Session, plan_id: int, period: str) -> Inspection | None:
    """The plan's inspection that followed report period ``period``, if it has run."""
    query = select(Inspection).where(Inspection.plan_id == plan_id, Inspection.period == period)
    return session.exec(query).first()


def latest_inspection(*, session: Session, plan_id: int) -> Inspection | None:
    """The plan's most recently run inspection, if any."""
    query = select(Inspection).where(Inspection.plan_id == plan_id).order_by(col(Inspection.run_at).desc())
    return session.exec(query).first()


def plan_inspections(*, session: Session, plan_id: int) -> list[Inspection]:
    """The plan's inspections, by report period."""
    query = select(Inspection).where(Inspection.plan_id == plan_id).order_by(col(Inspection.period))
    return list(session.exec(query))


def inspection_ordinal(*, session: Session, inspection: Inspection) -> int:
    """Which of its plan's inspections run in the same (local) year this one is: 1 for the first."""
    year = to_local(inspection.run_at).year
    query = select(Inspection).where(Inspection.plan_id == inspection.plan_id)
    return len([i for i in session.exec(query)
                if to_local(i.run_at).year == year and (i.id or 0) <= (inspection.id or 0)])


def rectification_due_on(*, session: Session, inspection_id: int) -> dt.date | None:
    """The nominal due date of the rectifications the inspection opened; None when it opened none."""
    first = first_obligation_from(session=session, source=inspection_source(inspection_id))
    return first.nominal_due_on if first is not None else None


def unit_facts(*, session: Session, plan_id: int, period: str, as_of: dt.date) -> list[UnitFacts]:
    """Each locality's and department's facts for the inspection that follows report period ``period``.

    Args:
        session: the open session.
        plan_id: the plan.
        period: the report period assessed (its progress reports and allocations of its year).
        as_of: action items due on or before this day count.
    """
    allocated = allocations(session=session, plan_id=plan_id, year=int(period[:4]))
    reports = {r.unit: r for r in period_reports(session=session, plan_id=plan_id, period=period)}
    actions = _action_items_due(session=session, plan_id=plan_id, as_of=as_of)
    red = _open_red(session=session, plan_id=plan_id)
    out = []
    for u in plan_units(session=session, plan_id=plan_id):
        if u.kind == UnitKind.OTHER:
            continue
        report = reports.get(u.name)
        due = report.due_on if report is not None else None
        first = report.first_submitted_at if report is not None else None
        values = report.actuals if report is not None else {}
        on_time = first is not None and due is not None and to_local(first).date() <= due
        ratios = [min(values.get(code, 0.0) / shares[u.name], 1.5)
                  for code, shares in allocated.items() if shares.get(u.name)]
        mine = [(d, c) for name, d, c in actions if name == u.name]
        out.append(UnitFacts(
            unit=u.name, kind=u.kind.value, reports_due=1 if due is not None else 0,
            reports_on_time=1 if on_time else 0, reports_late=1 if first is not None and not on_time else 0,
            progress=(sum(ratios) / len(ratios)) if ratios and first is not None else None,
            actions_due=len(mine),
            actions_on_time=sum(1 for d, c in mine if c is not None and to_local(c).date() <= d),
            open_red=red.get(u.name, 0),
        ))
    return out


def _action_items_due(
    *, session: Session, plan_id: int, as_of: dt.date,
) -> list[tuple[str, dt.date, dt.datetime | None]]:
    """(unit name, due date, when closed) of every meeting action item due on or before ``as_of``."""
    query = (sa.select(col(Unit.name), col(Obligation.due_on), col(Obligation.closed_at))
             .select_from(Obligation).join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .join(Duty, col(Duty.id) == col(Obligation.duty_id))
             .where(col(Obligation.plan_id) == plan_id, col(Duty.kind) == DutyKind.ACTION_ITEM,
                    col(Obligation.due_on) <= as_of))
    return [(name, due, closed) for name, due, closed in session.execute(query)]


def _open_red(*, session: Session, plan_id: int) -> dict[str, int]:
    """Unit name → how many of its obligations are open and red."""
    query = (sa.select(col(Unit.name), sa.func.count())
             .select_from(Obligation).join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .where(col(Obligation.plan_id) == plan_id, col(Obligation.status) == ObligationStatus.OPEN,
                    col(Obligation.light) == Light.RED)
             .group_by(col(Unit.name)))
    return {name: int(count) for name, count in session.execute(query)}
