"""Inspections (专项督查) as stored facts: the facts each unit is scored on, and the stored scores and ranks.

An inspection follows a report period. Its scores are stored as JSON on the ``inspection`` row (so the
next one can show each unit's change of rank) and read back as :class:`~models.rules.scoring.Score`; the
rectification obligations it opens carry :func:`inspection_source` as their ``source``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.dates import to_local
from models.enums import Comparator, DutyKind, IndicatorScope, Light, ObligationStatus, TaskStatus, UnitKind
from models.plan.schema import COUNT_UNITS, LOCALITY_KINDS
from models.records.obligations import first_obligation_from
from models.records.reports import PeriodReport, find_duty, period_reports, report_periods
from models.records.units import plan_units
from models.rules.rubric import RUBRIC, Rubric
from models.rules.scoring import (
    GROUP_DEPARTMENT,
    GROUP_LOCALITY,
    GROUP_RESIDENT,
    IndicatorLine,
    Score,
    UnitFacts,
    locality_progress,
)
from models.tables.duties import Allocation, Inspection, TaskReport
from models.tables.engine import Obligation
from models.tables.plan import Duty, Indicator, Plan, Target, Unit


def inspection_source(inspection_id: int) -> str:
    """The ``source`` of the obligations an inspection opens, e.g. ``inspection:3``."""
    return f"inspection:{inspection_id}"


def stored_scores(inspection: Inspection) -> list[Score]:
    """The inspection's scores, as stored in its JSON, back as :class:`Score` objects."""
    return [_score(stored) for stored in inspection.scores]


def _score(stored: dict[str, Any]) -> Score:
    facts = stored.get("facts")
    kind = str(stored.get("kind", ""))
    # Inspections stored before groups existed: derive the group from the kind.
    group = stored.get("group") or (GROUP_LOCALITY if kind in LOCALITY_KINDS else
                                    GROUP_DEPARTMENT if kind == UnitKind.DEPARTMENT else GROUP_RESIDENT)
    return Score(**{**stored, "group": group, "reasons": tuple(stored.get("reasons", ())),
                    "facts": UnitFacts(**facts) if isinstance(facts, dict) else None})


def stored_ranks(inspection: Inspection) -> dict[str, int]:
    """Unit name → its rank in the inspection (ranked units only)."""
    return {s["unit"]: int(s["rank"]) for s in inspection.scores if s.get("rank") is not None}


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


def previous_inspection(*, session: Session, plan_id: int, period: str) -> Inspection | None:
    """The plan's inspection of the latest report period before ``period`` (by period, not by run order)."""
    query = (select(Inspection).where(Inspection.plan_id == plan_id, col(Inspection.period) < period)
             .order_by(col(Inspection.period).desc()))
    return session.exec(query).first()


def plan_inspections(*, session: Session, plan_id: int) -> list[Inspection]:
    """The plan's inspections, by report period."""
    query = select(Inspection).where(Inspection.plan_id == plan_id).order_by(col(Inspection.period))
    return list(session.exec(query))


def inspection_ordinal(*, session: Session, inspection: Inspection) -> int:
    """Which of its plan's inspections of the same period year this one is, in period order: 1 for the first.

    The 2015-12 inspection is 〔2015〕1号, 2016-06 〔2016〕1号, 2016-12 〔2016〕2号, whatever order they ran in.
    """
    year = inspection.period[:4]
    query = select(Inspection.period).where(Inspection.plan_id == inspection.plan_id)
    return len([p for p in session.exec(query) if p[:4] == year and p <= inspection.period])


def rectification_due_on(*, session: Session, inspection_id: int) -> dt.date | None:
    """The nominal due date of the rectifications the inspection opened; None when it opened none."""
    first = first_obligation_from(session=session, source=inspection_source(inspection_id))
    return first.nominal_due_on if first is not None else None


@dataclass(frozen=True)
class _Due:
    """One report due from a unit in the period: when, when first submitted, and the lead's latest status."""

    due_on: dt.date
    first: dt.datetime | None
    status: str | None = None


def unit_facts(
    *, session: Session, plan_id: int, period: str, as_of: dt.date, rubric: Rubric = RUBRIC,
) -> list[UnitFacts]:
    """Every unit's facts for the inspection that follows report period ``period`` (see :mod:`models.rules.scoring`).

    What was due from a unit in the period: its progress-report obligation of ``period`` (localities), its
    task-report obligations (per-item ``task_report`` duties) due after the previous report period and on or
    before ``period``, and meeting action items due in that window up to ``as_of``. Waived obligations are
    not due. The plan's issuer and leader are not among the units (they inspect). A locality's progress is
    measured on the locality-scope indicators allocated to it, at the pace
    of the report node ``period``.
    """
    node = dt.date.fromisoformat(period)
    since = _window_start(session=session, plan_id=plan_id, period=period)
    progress_due = _progress_reports(session=session, plan_id=plan_id, period=period)
    tasks_due = _task_reports(session=session, plan_id=plan_id, since=since, until=node)
    lines = _locality_lines(session=session, plan_id=plan_id, year=node.year)
    actions = _action_items_due(session=session, plan_id=plan_id, since=since, as_of=as_of)
    red = _open_red(session=session, plan_id=plan_id)
    out = []
    plan = session.get(Plan, plan_id)
    top = {plan.issuer, plan.leader} if plan is not None else set()
    for u in plan_units(session=session, plan_id=plan_id):
        if u.name in top:
            continue  # the issuer and the leader inspect; they are not inspected
        report = progress_due.get(u.name)
        tasks = tasks_due.get(u.name, [])
        dues = ([_Due(report.due_on, report.first_submitted_at)] if report is not None else []) + tasks
        on_time = [d for d in dues if d.first is not None and to_local(d.first).date() <= d.due_on]
        late = [d for d in dues if d.first is not None and to_local(d.first).date() > d.due_on]
        progress, gap, lagging = _progress(report, tasks, lines.get(u.name, []), node, rubric)
        mine = [(d, c) for name, d, c in actions if name == u.name]
        firsts = [d.first for d in dues if d.first is not None]
        out.append(UnitFacts(
            unit=u.name, kind=u.kind.value, reports_due=len(dues), reports_on_time=len(on_time),
            reports_late=len(late), progress=progress, actions_due=len(mine),
            actions_on_time=sum(1 for d, c in mine if c is not None and to_local(c).date() <= d),
            open_red=red.get(u.name, 0), pace_gap=gap, lagging=lagging,
            tasks_lagging=sum(1 for t in tasks if t.status in LAGGING_STATUSES),
            submitted_at=(max(firsts).astimezone(dt.UTC).isoformat()
                          if dues and len(firsts) == len(dues) else None),
        ))
    return out


LAGGING_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.LAGGING)
MOVING_STATUSES = (TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED)


def _progress(
    report: PeriodReport | None, tasks: list[_Due], lines: list[_Line], node: dt.date, rubric: Rubric,
) -> tuple[float | None, float | None, str | None]:
    """(progress, pace gap, lagging indicator): a locality's against its targets, else a department's tasks."""
    if report is not None:
        if report.first_submitted_at is None:
            return 0.0, None, None  # nothing reported: nothing scored
        measured = [replace(x.line, actual=report.actuals.get(x.code, 0.0)) for x in lines]
        return locality_progress(measured, node, rubric)
    if tasks:
        return sum(1 for t in tasks if t.status in MOVING_STATUSES) / len(tasks), None, None
    return None, None, None


@dataclass(frozen=True)
class _Line:
    """An allocated target of a locality, with its indicator's code (the key of the reported actuals)."""

    code: str
    line: IndicatorLine


def _window_start(*, session: Session, plan_id: int, period: str) -> dt.date:
    """The previous progress-report period's node (exclusive start of this period's window), else date.min."""
    earlier = [p for p in report_periods(session=session, plan_id=plan_id) if p < period]
    return dt.date.fromisoformat(earlier[-1]) if earlier else dt.date.min


def _progress_reports(*, session: Session, plan_id: int, period: str) -> dict[str, PeriodReport]:
    """Unit name → its progress-report obligation of ``period`` and what it reported (waived ones left out)."""
    if find_duty(session=session, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT) is None:
        return {}
    return {r.unit: r for r in period_reports(session=session, plan_id=plan_id, period=period)
            if r.status != ObligationStatus.WAIVED}


def _task_reports(*, session: Session, plan_id: int, since: dt.date, until: dt.date) -> dict[str, list[_Due]]:
    """Unit name → its per-item task-report obligations with a nominal due date in (since, until].

    Each with the first submission of the lead's own report (not a cooperating unit's contribution) and
    the status of the lead's latest version.
    """
    lead = (col(TaskReport.obligation_id) == col(Obligation.id)) & (col(TaskReport.unit_id) == col(Obligation.unit_id))
    mine = lead & ~col(TaskReport.contribution)
    first = sa.select(sa.func.min(col(TaskReport.submitted_at))).where(mine).scalar_subquery()
    status = (sa.select(col(TaskReport.status)).where(mine).order_by(col(TaskReport.version).desc())
              .limit(1).scalar_subquery())
    query = (sa.select(col(Unit.name), col(Obligation.due_on), first, status)
             .select_from(Obligation).join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .join(Duty, col(Duty.id) == col(Obligation.duty_id))
             .where(col(Obligation.plan_id) == plan_id, col(Duty.kind) == DutyKind.TASK_REPORT,
                    col(Duty.item_id).is_not(None), col(Obligation.status) != ObligationStatus.WAIVED,
                    col(Obligation.nominal_due_on) > since, col(Obligation.nominal_due_on) <= until)
             .order_by(col(Obligation.nominal_due_on), col(Obligation.id)))
    out: dict[str, list[_Due]] = {}
    for name, due_on, first_at, latest in session.execute(query):
        out.setdefault(name, []).append(_Due(due_on, first_at, latest))
    return out


def _locality_lines(*, session: Session, plan_id: int, year: int) -> dict[str, list[_Line]]:
    """Unit name → its allocated targets of ``year`` on locality-scope indicators (city and park ones never)."""
    comparators: dict[str, str] = {}
    for code, comparator in session.execute(
        sa.select(col(Indicator.code), col(Target.comparator)).select_from(Target)
        .join(Indicator, col(Indicator.id) == col(Target.indicator_id))
        .where(col(Indicator.plan_id) == plan_id, col(Target.year) <= year).order_by(col(Target.year))):
        comparators[str(code)] = str(comparator)  # the latest year's comparator wins
    query = (sa.select(col(Unit.name), col(Indicator.code), col(Indicator.name), col(Indicator.local_name),
                       col(Indicator.aggregation), col(Allocation.value), col(Indicator.unit))
             .select_from(Allocation).join(Indicator, col(Indicator.id) == col(Allocation.indicator_id))
             .join(Unit, col(Unit.id) == col(Allocation.unit_id))
             .where(col(Allocation.plan_id) == plan_id, col(Allocation.year) == year,
                    col(Indicator.scope) == IndicatorScope.LOCALITY)
             .order_by(col(Indicator.position)))
    out: dict[str, list[_Line]] = {}
    for unit, code, name, local_name, aggregation, value, measure in session.execute(query):
        line = IndicatorLine(name=local_name or name, aggregation=str(aggregation), target=float(value), actual=0.0,
                             comparator=str(comparators.get(code, Comparator.GE)), whole=measure in COUNT_UNITS)
        out.setdefault(unit, []).append(_Line(code, line))
    return out


def _action_items_due(
    *, session: Session, plan_id: int, since: dt.date, as_of: dt.date,
) -> list[tuple[str, dt.date, dt.datetime | None]]:
    """(unit name, due date, when closed) of every action item due in (since, as_of]: a meeting's or a one-off duty."""
    query = (sa.select(col(Unit.name), col(Obligation.due_on), col(Obligation.closed_at))
             .select_from(Obligation).join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .join(Duty, col(Duty.id) == col(Obligation.duty_id))
             .where(col(Obligation.plan_id) == plan_id, col(Duty.kind) == DutyKind.ACTION_ITEM,
                    col(Obligation.due_on) > since, col(Obligation.due_on) <= as_of,
                    col(Obligation.status) != ObligationStatus.WAIVED))
    return [(name, due, closed) for name, due, closed in session.execute(query)]


def _open_red(*, session: Session, plan_id: int) -> dict[str, int]:
    """Unit name → how many of its obligations are open and red."""
    query = (sa.select(col(Unit.name), sa.func.count())
             .select_from(Obligation).join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .where(col(Obligation.plan_id) == plan_id, col(Obligation.status) == ObligationStatus.OPEN,
                    col(Obligation.light) == Light.RED)
             .group_by(col(Unit.name)))
    return {name: int(count) for name, count in session.execute(query)}
