"""Inspections (专项督查) and the status board, as plain functions (no Prefect).

An inspection gathers per-unit facts in SQL, scores and ranks them with the rubric of
:mod:`models.rules.scoring`, stores the result (so the next inspection shows the change of rank), writes the
circular (通报), tells each unit its result, and opens a rectification obligation for each red unit.
Running it twice for the same period changes nothing and sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlmodel import Session

from config.settings import get_settings
from flows.ops.engine import EngineContext
from flows.ops.notice_values import chasing_office, issue_day, notice_values, overdue_step, owner_of
from models.dates import to_local
from models.db import session_scope
from models.engine.adhoc import close_obligation, create_adhoc_obligation, ensure_system_duties
from models.enums import DutyKind, Frequency, Light, ObligationStatus, Role, recipient_key
from models.errors import NotificationError
from models.plan.store import find_plan
from models.records.board import board_rows
from models.records.inspections import (
    find_inspection,
    inspection_ordinal,
    inspection_source,
    previous_inspection,
    record_inspection,
    rectification_due_on,
    stored_ranks,
    stored_scores,
    unit_facts,
)
from models.records.obligations import latest_open_due, open_obligations
from models.records.reports import find_duty, report_periods
from models.records.units import plan_units
from models.rules.authority import is_own, supervisor_of
from models.rules.rubric import Rubric, configured_rubric
from models.rules.scoring import GROUP_NO_TASK, RANKED_GROUPS, Score, score_units
from models.tables.duties import Inspection
from notifications.delivery.dispatch import period_label, quoted_title
from notifications.delivery.outbox import queue_info
from notifications.messages.board import BoardCell, board_markdown, board_table
from notifications.messages.circular import circular_markdown, circular_table
from notifications.messages.render import render_values
from notifications.messages.wording import gov_short

RECTIFY_WORKING_DAYS = 10


def circular_number(session: Session, inspection: Inspection) -> str:
    """The circular's own number: <prefix>〔<period year>〕<n>号, n counting the plan's inspections of that
    period year in period order (2015-12 → 〔2015〕1号, 2016-06 → 〔2016〕1号, 2016-12 → 〔2016〕2号)."""
    n = inspection_ordinal(session=session, inspection=inspection)
    return f"{get_settings().circular_prefix}〔{inspection.period[:4]}〕{n}号"


def run_inspection(ctx: EngineContext, now: dt.datetime, period: str) -> dict[str, Any]:
    """Score, rank and circulate; tell every unit with something due its result; open a rectification for each
    red unit of the ranked groups (idempotent: a second run for the same period returns the stored result).
    """
    today = to_local(now).date()
    rules = configured_rubric()
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        pid = plan.id or 0
        existing = find_inspection(session=session, plan_id=pid, period=period)
        if existing is not None:
            return {"inspection_id": existing.id, "period": period, "new": False, "scores": stored_scores(existing),
                    "plan_title": plan.title, "doc_number": circular_number(session, existing),
                    "issuer": plan.leader or plan.issuer, "coordinator": plan.coordinator,
                    "issued_on": to_local(existing.run_at).date(),
                    "rubric": rules,
                    "rectify_by": rectification_due_on(session=session, inspection_id=existing.id or 0)}
        previous = previous_inspection(session=session, plan_id=pid, period=period)
        prev_ranks = stored_ranks(previous) if previous else None
        facts = unit_facts(session=session, plan_id=pid, period=period, as_of=today, rubric=rules)
        scores = score_units(facts, prev_ranks, rubric=rules)
        inspection = record_inspection(session=session, plan_id=pid, period=period, as_of=today, run_at=now,
                                       scores=scores)
        rectify_by = ctx.cal.add_working_days(today, RECTIFY_WORKING_DAYS)
        rectifications = _notify_and_rectify(ctx, session, now, inspection, scores, rules, rectify_by)
        # The inspection duty's obligation for this report period is done.
        insp_duty = find_duty(session=session, plan_id=pid, kind=DutyKind.INSPECTION)
        if insp_duty is not None:
            for ob in open_obligations(session=session, duty_id=insp_duty.id or 0, period=period):
                close_obligation(session=session, obligation_id=ob.id or 0, status=ObligationStatus.CLOSED, now=now,
                                 note=f"inspection {inspection.id}")
        return {"inspection_id": inspection.id, "period": period, "new": True, "scores": scores,
                "rectifications": rectifications, "plan_title": plan.title,
                "doc_number": circular_number(session, inspection), "rubric": rules,
                "issuer": plan.leader or plan.issuer, "coordinator": plan.coordinator, "issued_on": today,
                "rectify_by": rectify_by if rectifications else None}


def _notify_and_rectify(ctx: EngineContext, session: Session, now: dt.datetime, inspection: Inspection,
                        scores: list[Score], rules: Rubric, rectify_by: dt.date) -> int:
    """Tell each unit with something due its result; open a rectification for each red unit of a ranked group."""
    plan = find_plan(None, session=session)
    pid = plan.id or 0
    duty = ensure_system_duties(session=session, plan_id=pid)["rectification"]
    units = {u.name: u for u in plan_units(session=session, plan_id=pid)}
    label = period_label(dt.date.fromisoformat(inspection.period), Frequency.SEMIANNUAL)
    group_sizes = Counter(s.group for s in scores)
    insp_duty = find_duty(session=session, plan_id=pid, kind=DutyKind.INSPECTION)
    office = chasing_office(session, plan, owner_of(session, insp_duty.owner_id) if insp_duty else plan.issuer)
    common = {**notice_values(plan, office, insp_duty.clause if insp_duty else "", issue_day(ctx.cal, ctx.hours, now)),
              "period_label": label, "rubric": rules, "circular_no": circular_number(session, inspection),
              "inspector": gov_short(plan.leader or plan.issuer)}
    rectifications = 0
    for s in scores:
        if s.group == GROUP_NO_TASK:
            continue  # nothing was due: nothing to tell
        if s.rank is not None and group_sizes[s.group] < s.rank:
            raise NotificationError(f"{s.unit!r} is ranked {s.rank} of {group_sizes[s.group]} in its group")
        unit = units[s.unit]
        rectify = s.light == Light.RED and s.group in RANKED_GROUPS
        if rectify:
            create_adhoc_obligation(session=session, duty=duty, unit_id=unit.id or 0,
                                    title=f"{label}专项督查整改", nominal_due_on=rectify_by,
                                    source=inspection_source(inspection.id or 0), now=now, cal=ctx.cal,
                                    escalation=ctx.escalation)
            rectifications += 1
        msg = render_values("inspection_result", {
            **common, "s": s, "unit_kind": unit.kind.value, "total_units": group_sizes[s.group],
            # the receiver the circular names (the coordinator; the issuer for the office itself)
            "receiver": gov_short(supervisor_of(plan, s.unit)), "rectify_by": rectify_by if rectify else None,
            "own": is_own(plan, s.unit), **overdue_step(ctx.escalation, ctx.cal, duty.code, is_own(plan, s.unit),
                                                        rectify_by)})
        queue_info(session=session, recipient=recipient_key(Role.HEAD, unit.code), role=Role.HEAD, title=msg.title,
                   body=msg.body, message=msg, key=f"result@inspection:{inspection.id}", now=now, cal=ctx.cal,
                   hours=ctx.hours)
    return rectifications


def inspection_documents(result: dict[str, Any]) -> tuple[str, list[dict[str, object]]]:
    """The circular (markdown) and the ranking table of an inspection result."""
    label = period_label(dt.date.fromisoformat(result["period"]), Frequency.SEMIANNUAL)
    rules = result.get("rubric") or configured_rubric()
    markdown = circular_markdown(plan_title=quoted_title(result["plan_title"]), doc_number=result["doc_number"],
                                 issuer=result["issuer"], period_label=label, issued_on=result["issued_on"],
                                 scores=result["scores"], rectification_due_on=result.get("rectify_by"),
                                 rubric=rules, period_node=dt.date.fromisoformat(result["period"]),
                                 receiver=result.get("coordinator"))
    return markdown, circular_table(result["scores"])


def due_inspection_period(ctx: EngineContext, now: dt.datetime) -> str | None:
    """The report period whose inspection falls due today or earlier and has not run, if any."""
    today = to_local(now).date()
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        pid = plan.id or 0
        insp = find_duty(session=session, plan_id=pid, kind=DutyKind.INSPECTION)
        if insp is None:
            return None
        due = latest_open_due(session=session, duty_id=insp.id or 0, on_or_before=today)
        # An inspection's period is the report period it follows (see models.engine.obligations.duty_periods).
        return due.period if due is not None else None


def latest_report_period(ctx: EngineContext, now: dt.datetime) -> str | None:
    """The latest report period whose deadline has passed (an on-demand inspection's default)."""
    today = to_local(now).date()
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        periods = report_periods(session=session, plan_id=plan.id or 0, due_before=today)
    return periods[-1] if periods else None


def status_board(ctx: EngineContext, now: dt.datetime) -> tuple[str, list[dict[str, object]]]:
    """The status board (units × duties with lights) as markdown and a table."""
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        rows = board_rows(session=session, plan_id=plan.id or 0)
        title = plan.title
    cells = [BoardCell(unit=r.unit, unit_kind=r.unit_kind.value, duty=r.duty,
                       period=period_label(r.nominal_due_on, r.frequency.value if r.frequency else None),
                       due_on=r.due_on, status=r.status, light=r.light) for r in rows]
    return board_markdown(cells, as_of=to_local(now), plan_title=title), board_table(cells)
