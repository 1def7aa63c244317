"""A unit reports a duty done (办结), as plain functions (no Prefect): the one way a person closes what has
no submission path of its own — a meeting's action items (`action-item`), an inspection's rectifications
(`rectification`), the plan's one-off duties of kind ``action_item`` (e.g. 五(一) 建立镇(街道)协调工作机制).

The CLI (`duban done`), the `record-done` form and the rehearsal call :func:`record_done`; it closes the
unit's open obligation (status submitted, with an ``obligation_event`` note), the ladder stops chasing it,
and the coordinator is told once. Duties with their own path are refused with the path named.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from sqlmodel import Session

from flows.ops.engine import EngineContext, generate
from flows.ops.notice_values import chasing_office, issue_day, notice_values, owner_of, unit_contact
from models.dates import to_local
from models.db import session_scope
from models.engine.adhoc import SYSTEM_DUTIES, close_obligation
from models.engine.workdays import day_index, ensure_years
from models.enums import DutyKind, Light, ObligationStatus, Role, recipient_key
from models.errors import DoneError
from models.plan.schema import PlanSpec
from models.plan.store import find_plan
from models.records.done import (
    CLOSABLE_KINDS,
    DoneItem,
    closable_duties,
    done_items,
    duty_by_code,
    plan_unit_named,
    plan_unit_names,
)
from models.tables.plan import Duty, Plan, Unit
from notifications.delivery.outbox import queue_info
from notifications.messages.render import render_values

# Where a duty with its own submission path is submitted instead.
OWN_PATHS: dict[str, str] = {
    DutyKind.PROGRESS_REPORT: "`duban report import` or the submit-progress-report form",
    DutyKind.TASK_REPORT: "`duban task report` or the submit-task-report form",
    DutyKind.JOINT_MEETING: "the record-meeting-minutes form",
    DutyKind.DECOMPOSITION: "the target-decomposition flow",
    DutyKind.INSPECTION: "the inspection flow",
}
_LIGHT_ZH: dict[str, str] = {Light.RED: "红", Light.YELLOW: "黄", Light.BLUE: "蓝"}


def closable_duty_choices(plan: PlanSpec | None) -> list[tuple[str, str]]:
    """(code, title) of the duties a unit can report done: the plan's ``action_item`` duties, then duban's own
    (action items, rectifications) — for a form's dropdown, read from the plan file without a database."""
    own = [(d.code, f"{d.clause} {d.title}".strip()) for d in (plan.duties if plan else [])
           if d.kind in CLOSABLE_KINDS]
    return own + [(code, title) for code, (_kind, title) in SYSTEM_DUTIES.items()]


def _unit(session: Session, plan: Plan, name: str) -> Unit:
    unit = plan_unit_named(session=session, plan_id=plan.id or 0, name=name.strip())
    if unit is None:
        names = plan_unit_names(session=session, plan_id=plan.id or 0)
        near = difflib.get_close_matches(name.strip(), names, n=3, cutoff=0.5)
        hint = f"; did you mean {'、'.join(near)}?" if near else ""
        raise DoneError(f"unknown unit {name!r} in plan {plan.code}{hint}")
    return unit


def _duty(session: Session, plan: Plan, code: str) -> Duty:
    duty = duty_by_code(session=session, plan_id=plan.id or 0, code=code.strip())
    if duty is None and code.strip() in SYSTEM_DUTIES:
        title = SYSTEM_DUTIES[code.strip()][1]
        raise DoneError(f"no {code.strip()} ({title}) has been opened in plan {plan.code} yet: nothing to report done")
    codes = [d.code for d in closable_duties(session=session, plan_id=plan.id or 0)]
    closable = ", ".join(dict.fromkeys([*codes, *SYSTEM_DUTIES]))
    if duty is None:
        raise DoneError(f"unknown duty {code!r} in plan {plan.code}; duties reported done this way: {closable}")
    if duty.kind not in CLOSABLE_KINDS:
        path = OWN_PATHS.get(duty.kind, "its own flow")
        raise DoneError(f"duty {code!r} ({duty.kind.value}) is not reported done here: submit it through {path}")
    return duty


def _choose(items: list[DoneItem], who: Unit, duty: Duty, period: str | None) -> DoneItem:
    """The obligation meant: of ``period``, else the one open (or, when none is open, the last done)."""
    if period is not None:
        found = [i for i in items if i.period == period.strip()]
        if not found:
            periods = ", ".join(i.period for i in items)
            raise DoneError(f"{who.name} owes no {duty.code} of period {period!r}; its periods: {periods}")
        return found[0]
    open_items = [i for i in items if i.status == ObligationStatus.OPEN]
    if len(open_items) > 1:
        listed = "; ".join(f"{i.period} {i.title}" for i in open_items)
        raise DoneError(f"{who.name} has {len(open_items)} open {duty.code} obligations; choose a period: {listed}")
    return open_items[0] if open_items else items[-1]


def _late_working_days(session: Session, ctx: EngineContext, item: DoneItem, day: dt.date) -> int:
    """Working days past the due date on ``day`` (at least 1 when ``day`` is after it), 0 when on time."""
    if day <= item.due_on:
        return 0
    ensure_years(session, ctx.cal, item.due_on.year, day.year)
    return max(day_index(session, day) - item.due_wd, 1)


def _result(item: DoneItem, *, done: bool, late: int | None, told: int) -> dict[str, Any]:
    return {"unit": item.unit, "duty": item.duty_code, "period": item.period, "title": item.title,
            "due_on": item.due_on.isoformat(), "done": done, "status": ObligationStatus.SUBMITTED.value if done
            else item.status, "on_time": None if late is None else late == 0, "late_working_days": late,
            "coordinator_told": told}


def record_done(ctx: EngineContext, now: dt.datetime, *, unit: str, duty_code: str, period: str | None = None,
                note: str = "", source: str = "form") -> dict[str, Any]:
    """Record that ``unit`` has done what it owes of ``duty_code`` (办结) in ``period`` (default: its one open
    obligation): the obligation is submitted, its ladder stops, and the coordinator is told in one message.

    Idempotent: when it is no longer open nothing changes and nothing is sent (``done`` is False).

    Raises:
        DoneError: an unknown unit or duty; a duty with its own submission path (named); a unit that owes
            nothing of the duty, or no obligation of ``period``; several open and no ``period`` (listed).
    """
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        code, who, duty = plan.code, _unit(session, plan, unit), _duty(session, plan, duty_code)
        found = bool(done_items(session=session, plan_id=plan.id or 0, unit_id=who.id, duty_id=duty.id,
                                open_only=False))
    if not found:
        generate(ctx, now, code)  # no sweep since the plan was loaded: its obligations are not there yet
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        who, duty = _unit(session, plan, unit), _duty(session, plan, duty_code)
        items = done_items(session=session, plan_id=plan.id or 0, unit_id=who.id, duty_id=duty.id, open_only=False)
        if not items:
            raise DoneError(f"{who.name} owes nothing of duty {duty.code} ({duty.title}) in plan {plan.code}")
        item = _choose(items, who, duty, period)
        what = f"done ({source})" + (f": {note.strip()}" if note.strip() else "")
        if item.status != ObligationStatus.OPEN or not close_obligation(
                session=session, obligation_id=item.obligation_id, status=ObligationStatus.SUBMITTED, now=now,
                note=what):
            return _result(item, done=False, late=None, told=0)
        day = to_local(now).date()
        late = _late_working_days(session, ctx, item, day)
        told = 0
        if who.name != plan.coordinator:  # the office's own work: nobody else to tell
            office = chasing_office(session, plan, owner_of(session, duty.owner_id))
            msg = render_values("done_notice", {
                **notice_values(plan, office, item.clause, issue_day(ctx.cal, ctx.hours, now)),
                "contact": unit_contact(who),
                "coordinator": plan.coordinator, "unit_name": who.name, "unit_kind": who.kind.value,
                "what": item.title, "source": duty.kind.value if duty.system else "", "day": day,
                "due_on": item.due_on, "late_days": late, "note": note.strip()})
            told = queue_info(session=session, recipient=recipient_key(Role.COORDINATOR), role=Role.COORDINATOR,
                              title=msg.title, body=msg.body, message=msg, key=f"done@{item.obligation_id}", now=now,
                              cal=ctx.cal, hours=ctx.hours, obligation_id=item.obligation_id)
        return _result(item, done=True, late=late, told=told)


def open_done_items(ctx: EngineContext, unit: str | None = None, *,
                    now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """What can be reported done this way and is still open (only ``unit``'s when given), by due date: unit,
    duty code, period, title, due date, light. With ``now``, obligations are generated first (a plan just
    loaded, no sweep yet, still lists what it owes).

    Raises:
        DoneError: an unknown unit.
    """
    if now is not None:
        generate(ctx, now)
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        unit_id = _unit(session, plan, unit).id if unit is not None else None
        items = done_items(session=session, plan_id=plan.id or 0, unit_id=unit_id)
    return [{"unit": i.unit, "duty": i.duty_code, "period": i.period, "title": i.title,
             "due_on": i.due_on.isoformat(), "light": _LIGHT_ZH.get(i.light, "—")} for i in items]
