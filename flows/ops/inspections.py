"""Inspections (专项督查) and the status board, as plain functions (no Prefect).

An inspection gathers per-unit facts in SQL, scores and ranks them with the rubric of
:mod:`models.rules.scoring`, stores the result (so the next inspection shows the change of rank), writes the
circular (通报), tells each unit its result, and opens a rectification obligation for each red unit.
Running it twice for the same period changes nothing and sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from config.settings import get_settings
from flows.ops.duties import _as_dt, _plan
from flows.ops.engine import EngineContext
from models.dates import to_local
from models.db import session_scope
from models.engine.adhoc import close_obligation, create_adhoc_obligation, ensure_system_duties
from models.enums import DutyKind
from models.records.reports import allocations, duty_of_kind
from models.rules.scoring import Score, UnitFacts, score_units
from models.tables.duties import Inspection
from models.tables.engine import Obligation
from models.tables.plan import Duty, Unit
from notifications.delivery.dispatch import period_label, quoted_title
from notifications.delivery.outbox import queue_info
from notifications.messages.board import BoardCell, board_markdown, board_table
from notifications.messages.circular import circular_markdown, circular_table, unit_result_message

RECTIFY_WORKING_DAYS = 10


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _score(stored: dict[str, Any]) -> Score:
    """A score as stored in the inspection's JSON, back as a Score."""
    facts = stored.get("facts")
    return Score(**{**stored, "reasons": tuple(stored.get("reasons", ())),
                    "facts": UnitFacts(**facts) if isinstance(facts, dict) else None})


def circular_number(session: Session, inspection: Inspection) -> str:
    """The circular's own document number: <prefix>〔<year>〕<n>号, n counting the plan's inspections that year."""
    year = to_local(inspection.run_at).year
    earlier = [i for i in session.exec(select(Inspection).where(Inspection.plan_id == inspection.plan_id))
               if to_local(i.run_at).year == year and (i.id or 0) <= (inspection.id or 0)]
    return f"{get_settings().circular_prefix}〔{year}〕{len(earlier)}号"


def unit_facts(session: Session, plan_id: int, period: str, as_of: dt.date) -> list[UnitFacts]:
    """Each locality's and department's facts for the inspection that follows report period ``period``."""
    report_duty = duty_of_kind(session=session, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
    year = int(period[:4])
    allocated = allocations(session=session, plan_id=plan_id, year=year)
    units = list(session.exec(select(Unit).where(Unit.plan_id == plan_id, Unit.kind != "other")
                              .order_by(col(Unit.position))))
    reports = {str(u): (_date(due), status, _as_dt(first), actuals) for u, due, status, first, actuals in
               session.execute(sa.text(
                   "SELECT u.name, o.due_on, o.status, (SELECT MIN(r.submitted_at) FROM progress_report r "
                   "WHERE r.obligation_id = o.id), (SELECT r.actuals FROM progress_report r WHERE r.obligation_id "
                   "= o.id ORDER BY r.version DESC LIMIT 1) FROM obligation o JOIN unit u ON u.id = o.unit_id "
                   "WHERE o.duty_id = :d AND o.period = :p"), {"d": report_duty.id, "p": period}).all()}
    actions = session.execute(sa.text(
        "SELECT u.name, o.due_on, o.closed_at FROM obligation o JOIN unit u ON u.id = o.unit_id "
        "JOIN duty d ON d.id = o.duty_id WHERE o.plan_id = :p AND d.kind = 'action_item' AND o.due_on <= :a"),
        {"p": plan_id, "a": as_of}).all()
    red = dict(session.execute(sa.text(
        "SELECT u.name, COUNT(*) FROM obligation o JOIN unit u ON u.id = o.unit_id "
        "WHERE o.plan_id = :p AND o.status = 'open' AND o.light = 'red' GROUP BY u.name"), {"p": plan_id}).all())
    out = []
    for u in units:
        due, _status, first, actuals = reports.get(u.name, (None, None, None, None))
        on_time = first is not None and due is not None and to_local(first).date() <= due
        values = actuals if isinstance(actuals, dict) else (json.loads(actuals) if actuals else {})
        ratios = [min(float(values.get(code, 0.0)) / shares[u.name], 1.5)
                  for code, shares in allocated.items() if shares.get(u.name)]
        mine = [(_date(d), _as_dt(c)) for name, d, c in actions if name == u.name]
        out.append(UnitFacts(
            unit=u.name, kind=u.kind.value, reports_due=1 if due is not None else 0,
            reports_on_time=1 if on_time else 0, reports_late=1 if first is not None and not on_time else 0,
            progress=(sum(ratios) / len(ratios)) if ratios and first is not None else None,
            actions_due=len(mine),
            actions_on_time=sum(1 for d, c in mine if c is not None and to_local(c).date() <= d),
            open_red=int(red.get(u.name, 0)),
        ))
    return out


def run_inspection(ctx: EngineContext, now: dt.datetime, period: str) -> dict[str, Any]:
    """Score, rank and circulate; notify every unit; open a rectification for each red unit (idempotent)."""
    today = to_local(now).date()
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        existing = session.exec(select(Inspection).where(Inspection.plan_id == pid,
                                                         Inspection.period == period)).first()
        if existing is not None:
            scores = [_score(s) for s in existing.scores]
            return {"inspection_id": existing.id, "period": period, "new": False, "scores": scores,
                    "plan_title": plan.title, "doc_number": circular_number(session, existing),
                    "issuer": plan.leader or plan.issuer,
                    "issued_on": to_local(existing.run_at).date()}
        previous = session.exec(select(Inspection).where(Inspection.plan_id == pid)
                                .order_by(col(Inspection.run_at).desc())).first()
        prev_ranks = {s["unit"]: int(s["rank"]) for s in previous.scores} if previous else None
        scores = score_units(unit_facts(session, pid, period, today), prev_ranks)
        inspection = Inspection(plan_id=pid, period=period, as_of=today, run_at=now,
                                scores=[asdict(s) for s in scores])
        session.add(inspection)
        session.flush()
        rectify_by = ctx.cal.add_working_days(today, RECTIFY_WORKING_DAYS)
        duty = ensure_system_duties(session=session, plan_id=pid)["rectification"]
        units = {u.name: u for u in session.exec(select(Unit).where(Unit.plan_id == pid))}
        label = period_label(dt.date.fromisoformat(period), "semiannual")
        rectifications = 0
        for s in scores:
            unit = units[s.unit]
            if s.light == "red":
                create_adhoc_obligation(session=session, duty=duty, unit_id=unit.id or 0,
                                        title=f"{label}专项督查整改", nominal_due_on=rectify_by,
                                        source=f"inspection:{inspection.id}", now=now, cal=ctx.cal,
                                        escalation=ctx.escalation)
                rectifications += 1
            title, body = unit_result_message(s, period_label=label, total_units=len(scores),
                                              coordinator=plan.coordinator,
                                              rectification_due_on=rectify_by if s.light == "red" else None)
            queue_info(session=session, recipient=f"unit-{unit.code}+role-head", role="head", title=title,
                       body=body, key=f"result@inspection:{inspection.id}", now=now, cal=ctx.cal, hours=ctx.hours)
        # The inspection duty's obligation for this report period is done.
        insp_duty = session.exec(select(Duty).where(Duty.plan_id == pid, Duty.kind == DutyKind.INSPECTION)).first()
        if insp_duty is not None:
            for ob in session.exec(select(Obligation).where(Obligation.duty_id == insp_duty.id,
                                                            Obligation.status == "open", Obligation.period == period)):
                close_obligation(session=session, obligation_id=ob.id or 0, status="closed", now=now,
                                 note=f"inspection {inspection.id}")
        return {"inspection_id": inspection.id, "period": period, "new": True, "scores": scores,
                "rectifications": rectifications, "plan_title": plan.title,
                "doc_number": circular_number(session, inspection),
                "issuer": plan.leader or plan.issuer, "issued_on": today, "rectify_by": rectify_by}


def inspection_documents(result: dict[str, Any]) -> tuple[str, list[dict[str, object]]]:
    """The circular (markdown) and the ranking table of an inspection result."""
    label = period_label(dt.date.fromisoformat(result["period"]), "semiannual")
    markdown = circular_markdown(plan_title=quoted_title(result["plan_title"]), doc_number=result["doc_number"],
                                 issuer=result["issuer"], period_label=label, issued_on=result["issued_on"],
                                 scores=result["scores"], rectification_due_on=result.get("rectify_by"))
    return markdown, circular_table(result["scores"])


def due_inspection_period(ctx: EngineContext, now: dt.datetime) -> str | None:
    """The report period whose inspection falls due today or earlier and has not run, if any."""
    today = to_local(now).date()
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        insp = session.exec(select(Duty).where(Duty.plan_id == pid, Duty.kind == DutyKind.INSPECTION)).first()
        if insp is None:
            return None
        due = session.exec(select(Obligation).where(Obligation.duty_id == insp.id, Obligation.status == "open",
                                                    col(Obligation.due_on) <= today)
                           .order_by(col(Obligation.due_on).desc())).first()
        # An inspection's period is the report period it follows (see models.engine.obligations.duty_periods).
        return due.period if due is not None else None


def latest_report_period(ctx: EngineContext, now: dt.datetime) -> str | None:
    """The latest report period whose deadline has passed (an on-demand inspection's default)."""
    today = to_local(now).date()
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        duty = duty_of_kind(session=session, plan_id=plan.id or 0, kind=DutyKind.PROGRESS_REPORT)
        periods = sorted({o.period for o in session.exec(select(Obligation).where(
            Obligation.duty_id == duty.id, col(Obligation.due_on) < today))})
    return periods[-1] if periods else None


def status_board(ctx: EngineContext, now: dt.datetime) -> tuple[str, list[dict[str, object]]]:
    """The status board (units × duties with lights) as markdown and a table."""
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        rows = session.execute(sa.text(
            "SELECT u.name, u.kind, COALESCE(o.title, d.title), o.nominal_due_on, d.frequency, o.due_on, o.status, "
            "o.light FROM obligation o JOIN unit u ON u.id = o.unit_id JOIN duty d ON d.id = o.duty_id "
            "WHERE o.plan_id = :p ORDER BY u.position, o.due_on"), {"p": plan.id}).all()
        title = plan.title
    cells = [BoardCell(unit=str(u), unit_kind=str(k), duty=str(t),
                       period=period_label(_date(n), str(f) if f else None), due_on=_date(due),
                       status=str(s), light=str(light)) for u, k, t, n, f, due, s, light in rows]
    return board_markdown(cells, as_of=to_local(now), plan_title=title), board_table(cells)
