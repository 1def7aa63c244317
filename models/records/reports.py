"""Progress reports (进度填报) and target allocations (目标任务分解), as stored facts.

A report is recorded as a new version of its obligation's report; the same content twice records one
version. Recording a report marks the obligation ``submitted``, which stops the ladder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.engine.adhoc import close_obligation
from models.enums import DutyKind
from models.errors import ReportError
from models.tables.duties import Allocation, ProgressReport
from models.tables.engine import Obligation
from models.tables.plan import Duty, Indicator, Unit


@dataclass(frozen=True)
class RecordedReport:
    """What recording a report did."""

    report_id: int
    obligation_id: int
    version: int
    created: bool
    closed: bool


@dataclass(frozen=True)
class PeriodReport:
    """One unit's progress-report obligation for one period, and what it has reported for it.

    Attributes:
        unit: the unit's name.
        status: the obligation's status (an :class:`~models.enums.ObligationStatus` value).
        light: the obligation's light (a :class:`~models.enums.Light` value).
        due_on: the effective due date.
        first_submitted_at: when its first version was recorded (aware, UTC); None when nothing was.
        last_submitted_at: when its latest version was recorded (aware, UTC); None when nothing was.
        actuals: indicator code → value year to date, of the latest version; empty when nothing was reported.
    """

    unit: str
    status: str
    light: str
    due_on: dt.date
    first_submitted_at: dt.datetime | None
    last_submitted_at: dt.datetime | None
    actuals: dict[str, float]


def find_duty(*, session: Session, plan_id: int, kind: DutyKind) -> Duty | None:
    """The plan's (first) duty of ``kind``, or None when the plan has none."""
    return session.exec(select(Duty).where(Duty.plan_id == plan_id, Duty.kind == kind)
                        .order_by(col(Duty.position))).first()


def duty_of_kind(*, session: Session, plan_id: int, kind: DutyKind) -> Duty:
    """The plan's (first) duty of ``kind``.

    Raises:
        ReportError: when the plan has no duty of ``kind``.
    """
    duty = find_duty(session=session, plan_id=plan_id, kind=kind)
    if duty is None:
        raise ReportError(f"the plan has no {kind.value} duty")
    return duty


def indicators(*, session: Session, plan_id: int) -> list[Indicator]:
    """The plan's indicators in the plan's order."""
    return list(session.exec(select(Indicator).where(Indicator.plan_id == plan_id)
                             .order_by(col(Indicator.position))))


def report_periods(*, session: Session, plan_id: int, due_before: dt.date | None = None) -> list[str]:
    """The progress-report periods (nominal due dates, YYYY-MM-DD) that have obligations, in order.

    Args:
        session: the open session.
        plan_id: the plan.
        due_before: only periods with an obligation whose effective due date is before this day.
    """
    duty = duty_of_kind(session=session, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
    query = select(Obligation.period).where(Obligation.duty_id == duty.id)
    if due_before is not None:
        query = query.where(col(Obligation.due_on) < due_before)
    return sorted(str(p) for p in session.exec(query.distinct()))


def period_reports(*, session: Session, plan_id: int, period: str) -> list[PeriodReport]:
    """Every unit's progress-report obligation for ``period`` with its first and latest report, by unit order."""
    duty = duty_of_kind(session=session, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
    of_ob = col(ProgressReport.obligation_id) == col(Obligation.id)
    first = sa.select(sa.func.min(col(ProgressReport.submitted_at))).where(of_ob).scalar_subquery()
    last = sa.select(sa.func.max(col(ProgressReport.submitted_at))).where(of_ob).scalar_subquery()
    actuals = (sa.select(col(ProgressReport.actuals)).where(of_ob).order_by(col(ProgressReport.version).desc())
               .limit(1).scalar_subquery())
    query = (sa.select(col(Unit.name), col(Obligation.status), col(Obligation.light), col(Obligation.due_on),
                       first, last, actuals)
             .select_from(Obligation).join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .where(col(Obligation.duty_id) == duty.id, col(Obligation.period) == period)
             .order_by(col(Unit.position)))
    return [PeriodReport(unit=unit, status=status, light=light, due_on=due_on, first_submitted_at=first_at,
                         last_submitted_at=last_at,
                         actuals={code: float(v) for code, v in (values or {}).items()})
            for unit, status, light, due_on, first_at, last_at, values in session.execute(query)]


def latest_report(*, session: Session, unit_id: int, year: int) -> ProgressReport | None:
    """The unit's latest report in ``year``: of its latest period, the latest version; None when none."""
    query = (select(ProgressReport).join(Obligation, col(Obligation.id) == col(ProgressReport.obligation_id))
             .where(ProgressReport.unit_id == unit_id, ProgressReport.year == year)
             .order_by(col(Obligation.nominal_due_on).desc(), col(ProgressReport.version).desc()))
    return session.exec(query).first()


def _hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def record_progress_report(
    *,
    session: Session,
    plan_id: int,
    unit_name: str,
    period: str,
    actuals: dict[str, float],
    projects: list[dict[str, Any]],
    problems: str,
    next_steps: str,
    now: dt.datetime,
    source: str = "form",
) -> RecordedReport:
    """Validate and record one locality's report for one period.

    Raises:
        ReportError: unknown locality, period or indicator, or a negative/non-finite value; nothing written.
    """
    duty = duty_of_kind(session=session, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
    unit = session.exec(select(Unit).where(Unit.plan_id == plan_id, Unit.name == unit_name)).first()
    if unit is None:
        raise ReportError(f"unknown locality {unit_name!r}")
    ob = session.exec(select(Obligation).where(Obligation.duty_id == duty.id, Obligation.unit_id == unit.id,
                                               Obligation.period == period)).first()
    if ob is None:
        known = ", ".join(report_periods(session=session, plan_id=plan_id))
        raise ReportError(f"{unit_name} owes no progress report for period {period!r}; periods: {known}")
    codes = {i.code for i in session.exec(select(Indicator).where(Indicator.plan_id == plan_id))}
    for code, value in actuals.items():
        if code not in codes:
            raise ReportError(f"unknown indicator {code!r}; known: {', '.join(sorted(codes))}")
        if not isinstance(value, int | float) or value != value or value in (float("inf"), float("-inf")):
            raise ReportError(f"{code}: {value!r} is not a number")
        if value < 0:
            raise ReportError(f"{code}: {value} is negative")
    content: dict[str, Any] = {"actuals": actuals, "projects": projects, "problems": problems.strip(),
                               "next_steps": next_steps.strip()}
    digest = _hash(content)
    last = session.exec(select(ProgressReport).where(ProgressReport.obligation_id == ob.id)
                        .order_by(col(ProgressReport.version).desc())).first()
    if last is not None and last.content_hash == digest:
        return RecordedReport(last.id or 0, ob.id or 0, last.version, created=False, closed=False)
    report = ProgressReport(
        obligation_id=ob.id or 0, unit_id=unit.id or 0, year=ob.nominal_due_on.year,
        version=(last.version + 1) if last else 1, submitted_at=now, actuals=actuals, projects=projects,
        problems=problems.strip(), next_steps=next_steps.strip(), content_hash=digest, source=source[:200],
    )
    session.add(report)
    session.flush()
    closed = close_obligation(session=session, obligation_id=ob.id or 0, status="submitted", now=now,
                              note=f"report v{report.version} ({source})")
    return RecordedReport(report.id or 0, ob.id or 0, report.version, created=True, closed=closed)


def latest_actuals(*, session: Session, plan_id: int, year: int) -> dict[str, dict[str, float]]:
    """Indicator code → locality → the latest reported year-to-date value in ``year``."""
    rows = session.execute(sa.text(
        "SELECT u.name, r.actuals FROM progress_report r JOIN unit u ON u.id = r.unit_id "
        "JOIN obligation o ON o.id = r.obligation_id WHERE o.plan_id = :p AND r.year = :y "
        "ORDER BY o.nominal_due_on, r.version"
    ), {"p": plan_id, "y": year}).all()
    out: dict[str, dict[str, float]] = {}
    for unit, actuals in rows:
        data = actuals if isinstance(actuals, dict) else json.loads(actuals)
        for code, value in data.items():
            out.setdefault(code, {})[str(unit)] = float(value)
    return out


def allocations(*, session: Session, plan_id: int, year: int) -> dict[str, dict[str, float]]:
    """Indicator code → locality → its approved target in ``year``."""
    rows = session.execute(sa.text(
        "SELECT i.code, u.name, a.value FROM allocation a JOIN indicator i ON i.id = a.indicator_id "
        "JOIN unit u ON u.id = a.unit_id WHERE a.plan_id = :p AND a.year = :y"
    ), {"p": plan_id, "y": year}).all()
    out: dict[str, dict[str, float]] = {}
    for code, unit, value in rows:
        out.setdefault(str(code), {})[str(unit)] = float(value)
    return out


def city_targets(*, session: Session, plan_id: int, year: int) -> dict[str, tuple[float, int]]:
    """Indicator code → (city target, the year it is from) for ``year``: its own, else the latest earlier one.

    A target the plan file marks ``carried_from`` (the notice set none for its year, so an earlier year's is
    repeated) is "from" that earlier year: the year it is from differs from ``year`` exactly when the
    target is carried forward, and everything that shows it says so (沿用X年目标).
    """
    rows = session.execute(sa.text(
        "SELECT i.code, t.year, t.value, t.carried_from FROM target t JOIN indicator i ON i.id = t.indicator_id "
        "WHERE i.plan_id = :p AND t.year <= :y ORDER BY t.year"
    ), {"p": plan_id, "y": year}).all()
    out: dict[str, tuple[float, int]] = {}
    for code, y, value, carried_from in rows:
        out[str(code)] = (float(value), int(carried_from if carried_from is not None else y))
    return out


def save_allocations(
    *, session: Session, plan_id: int, year: int, split: dict[str, dict[str, float]], city: dict[str, float],
    now: dt.datetime, note: str = "",
) -> int:
    """Store an approved split (replacing that year's earlier one); returns the rows written."""
    inds = {i.code: i.id for i in session.exec(select(Indicator).where(Indicator.plan_id == plan_id))}
    units = {u.name: u.id for u in session.exec(select(Unit).where(Unit.plan_id == plan_id))}
    session.execute(sa.delete(Allocation.__table__).where(  # type: ignore[attr-defined]
        Allocation.__table__.c.plan_id == plan_id, Allocation.__table__.c.year == year))  # type: ignore[attr-defined]
    rows = [
        {"plan_id": plan_id, "indicator_id": inds[code], "unit_id": units[name], "year": year, "value": value,
         "city_value": city[code], "approved_at": now, "note": note[:2000]}
        for code, shares in split.items() for name, value in shares.items()
    ]
    if rows:
        session.execute(sa.insert(Allocation.__table__), rows)  # type: ignore[attr-defined]
    return len(rows)
