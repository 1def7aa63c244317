"""Task supervision's work as plain functions (no Prefect): the window, a task report, its close-out review,
and the summary for the board and the inspection. The flows in :mod:`flows.orchestration.tasks`, the CLI
(`duban task …`) and the rehearsal call these.

A lead unit reports on each item it leads at each report node (status 未启动/推进中/已完成/滞后, what was
done, problems, next steps, evidence). Reporting 已完成 applies for close-out (销号); the coordinator approves
(the item is closed out: its later nodes are waived, nobody is asked again) or returns it with a reason (the
node is open again). A cooperating unit may contribute; its report never closes anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from flows.ops.engine import EngineContext
from flows.ops.notice_values import (
    Office,
    chasing_office,
    issue_day,
    notice_values,
    overdue_step,
    owner_of,
    unit_contact,
)
from models.dates import to_local
from models.db import session_scope
from models.engine.workdays import day_index, ensure_years
from models.enums import Frequency, Light, ObligationStatus, Role, TaskStatus, recipient_key
from models.errors import TaskReportError
from models.plan.store import find_plan
from models.records.tasks import (
    RecordedTaskReport,
    TaskItem,
    awaiting_review,
    item_obligation,
    node_obligation,
    plan_unit,
    record_task_report,
    submitted_obligations,
    task_item,
    task_items,
    task_periods,
    task_rows,
)
from models.records.tasks import review_task_report as record_review
from models.rules.authority import is_own, supervisor_of
from models.tables.engine import Obligation
from models.tables.plan import Plan, Unit
from notifications.delivery.dispatch import period_label
from notifications.delivery.outbox import queue_info
from notifications.messages.render import render_values
from notifications.messages.wording import gov_short

STATUS_ZH: dict[str, str] = {TaskStatus.NOT_STARTED: "未启动", TaskStatus.IN_PROGRESS: "推进中",
                             TaskStatus.COMPLETED: "已完成", TaskStatus.LAGGING: "滞后"}
_LIGHT_ZH: dict[str, str] = {Light.RED: "红", Light.YELLOW: "黄", Light.BLUE: "蓝"}
_OB_ZH: dict[str, str] = {ObligationStatus.OPEN: "待报送", ObligationStatus.SUBMITTED: "已报送",
                          ObligationStatus.ACCEPTED: "已销号", ObligationStatus.WAIVED: "已销号(免报)",
                          ObligationStatus.CLOSED: "已办结"}


def parse_status(status: str | TaskStatus) -> TaskStatus:
    """A task status from its value or its Chinese name (已完成…).

    Raises:
        TaskReportError: naming the statuses known.
    """
    if isinstance(status, TaskStatus):
        return status
    for s in TaskStatus:
        if status.strip() in (s.value, STATUS_ZH[s]):
            return s
    known = ", ".join(f"{s.value} ({STATUS_ZH[s]})" for s in TaskStatus)
    raise TaskReportError(f"unknown task status {status!r}; known: {known}")


def _plan(session: Session) -> Plan:
    return find_plan(None, session=session)


def _label(ob: Obligation, item: TaskItem) -> str:
    return period_label(ob.nominal_due_on, item.duty.frequency or Frequency.SEMIANNUAL)


def _tell(ctx: EngineContext, session: Session, now: dt.datetime, *, unit: Unit | None, template: str,
          values: dict[str, Any], key: str, obligation_id: int | None, role: Role = Role.COORDINATOR) -> int:
    """Queue one message: to ``unit``'s handler, or to ``role`` (the coordinator, the leader) when ``unit`` is None."""
    msg = render_values(template, values)
    role = Role.HANDLER if unit is not None else role
    recipient = recipient_key(Role.HANDLER, unit.code) if unit is not None else recipient_key(role)
    return queue_info(session=session, recipient=recipient, role=role, title=msg.title, body=msg.body, message=msg,
                      key=key, now=now, cal=ctx.cal, hours=ctx.hours, obligation_id=obligation_id)


def _office(session: Session, plan: Plan, item: TaskItem) -> Office:
    """The office the item's reports go to (the task-report duty's owner), which issues its notices."""
    return chasing_office(session, plan, owner_of(session, item.duty.owner_id))


def submit_task_report(ctx: EngineContext, now: dt.datetime, *, unit: str, item_ref: str, period: str | None = None,
                       status: str | TaskStatus, done: str, problems: str = "", next_steps: str = "",
                       evidence: str = "", source: str = "form") -> RecordedTaskReport:
    """Record ``unit``'s report on item ``item_ref`` for ``period`` (default: the current node).

    From the lead: the next version (the same content twice records nothing) and the node is submitted; status
    completed applies for close-out and the coordinator is told. From a cooperating unit: a contribution.

    Raises:
        TaskReportError: unknown unit, item, period or status; a unit neither lead nor cooperating; a closed item.
    """
    task_status = parse_status(status)
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        item = task_item(session=session, plan_id=pid, ref=item_ref)
        who = plan_unit(session=session, plan_id=pid, name=unit)
        ob = item_obligation(session=session, item=item, period=period, today=to_local(now).date())
        recorded = record_task_report(session=session, item=item, unit=who, ob=ob, status=task_status, done=done,
                                      problems=problems, next_steps=next_steps, evidence=evidence, source=source,
                                      now=now)
        if recorded.created and recorded.awaiting_review:
            # The office's own task is not closed out by itself: its application goes up to the leader.
            own = is_own(plan, who.name)
            office, today = _office(session, plan, item), to_local(now).date()
            reviewer = supervisor_of(plan, who.name)
            _tell(ctx, session, now, unit=None, template="task_application", key=f"apply@v{recorded.version}",
                  obligation_id=ob.id, role=Role.LEADER if own else Role.COORDINATOR, values={
                      **notice_values(plan, office, item.duty.clause, issue_day(ctx.cal, ctx.hours, now)),
                      # the applicant's contact: whom the reviewer asks about the report
                      "contact": office.contact if own else unit_contact(who),
                      "unit_name": who.name, "unit_kind": who.kind.value, "ref": item.ref, "item_title": item.title,
                      "own": own, "reviewer": reviewer, "reviewer_short": gov_short(reviewer),
                      "period_label": _label(ob, item), "day": today, "done": done.strip() or "—",
                      "evidence": evidence.strip()})
        return recorded


def review_task_report(ctx: EngineContext, now: dt.datetime, *, item_ref: str, period: str, approve: bool,
                       reason: str = "") -> dict[str, Any]:
    """The coordinator's review of a lead's application for close-out (销号), told to the lead.

    The coordinator's own item is reviewed by the issuer (:func:`models.rules.authority.supervisor_of`): the
    coordinator records the leader's decision, and the lead is told it was 信宜市人民政府's.

    Approve: the node is accepted, the item closed out (its later nodes waived, note 已销号). Return: a reason
    is required; the node is open again and chased.

    Raises:
        TaskReportError: unknown item or period; nothing awaiting review; a return without a reason.
    """
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        item = task_item(session=session, plan_id=plan.id or 0, ref=item_ref)
        ob = item_obligation(session=session, item=item, period=period, today=to_local(now).date())
        today = to_local(now).date()
        ensure_years(session, ctx.cal, today.year, today.year)
        report, waived = record_review(session=session, item=item, ob=ob, approve=approve, reason=reason, now=now,
                                       next_wd=day_index(session, today))
        office = _office(session, plan, item)
        told = _tell(ctx, session, now, unit=item.lead, template="task_review",
                     key=f"review@v{report.version}@{'ok' if approve else 'back'}", obligation_id=ob.id, values={
                         **notice_values(plan, office, item.duty.clause, issue_day(ctx.cal, ctx.hours, now)),
                         "approved": approve, "own": is_own(plan, item.lead.name), "unit_name": item.lead.name,
                         "unit_kind": item.lead.kind.value,
                         "ref": item.ref, "item_title": item.title,
                         "reviewer_short": gov_short(supervisor_of(plan, item.lead.name)),
                         "period_label": _label(ob, item), "waived": waived, "reason": reason.strip(),
                         "due_on": ob.due_on, "resubmit_by": ob.due_on if ob.due_on >= today else None})
        return {"item": item.ref, "period": ob.period, "outcome": report.review, "version": report.version,
                "waived": waived, "lead_told": bool(told)}


def _window_values(ctx: EngineContext, session: Session, now: dt.datetime, plan: Plan, ob: Obligation,
                   item: TaskItem, unit: Unit, tasks: list[dict[str, str]]) -> dict[str, Any]:
    """What a task window notice (to a lead, or to a cooperating unit) says: its items and the node's time limit
    (``ob``, ``item``: one of its items' node), and what follows if a lead misses it."""
    own = is_own(plan, unit.name)
    office = _office(session, plan, item)
    overdue = overdue_step(ctx.escalation, ctx.cal, item.duty.code, bool(ob.own), ob.due_on)
    return {**notice_values(plan, office, item.duty.clause, issue_day(ctx.cal, ctx.hours, now)),
            "unit_name": unit.name, "unit_kind": unit.kind.value, "own": own, "tasks": tasks,
            "period_label": _label(ob, item), "due_on": ob.due_on, "nominal_due_on": ob.nominal_due_on,
            "holiday_rule": ob.holiday_rule, "schedule_default": bool((item.duty.schedule or {}).get("default")),
            "reviewer": gov_short(supervisor_of(plan, unit.name)),
            **(overdue if not own else {"overdue_stage": None, "overdue_on": None})}


def open_task_window(ctx: EngineContext, now: dt.datetime, period: str | None = None) -> dict[str, Any]:
    """Tell each lead unit which of its items to report on by when (one message per unit, open nodes only),
    and each cooperating unit that it may contribute (one message per unit)."""
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        periods = task_periods(session=session, plan_id=pid)
        if not periods:
            return {"period": None, "leads": 0, "cooperating": 0, "items": 0}
        today = to_local(now).date().isoformat()
        period = period or next((p for p in periods if p >= today), periods[-1])
        if period not in periods:
            raise TaskReportError(f"unknown report node {period!r}; nodes: {', '.join(periods)}")
        leads: dict[int, tuple[Unit, Obligation, TaskItem, list[dict[str, str]]]] = {}
        coops: dict[int, tuple[Unit, Obligation, TaskItem, list[dict[str, str]]]] = {}
        for it in task_items(session=session, plan_id=pid):
            ob = node_obligation(session=session, item=it, period=period)
            if ob is None or ob.status != ObligationStatus.OPEN:
                continue
            coop = "、".join(u.name for u in it.cooperating)
            leads.setdefault(it.lead.id or 0, (it.lead, ob, it, []))[3].append(
                {"ref": it.ref, "title": it.title, "cooperating": coop})
            for u in it.cooperating:
                if u.name == plan.coordinator:
                    continue  # every report comes to it anyway: it is not asked to report to itself
                coops.setdefault(u.id or 0, (u, ob, it, []))[3].append(
                    {"ref": it.ref, "title": it.title, "lead": it.lead.name})
        queued = sum(_tell(ctx, session, now, unit=u, template="task_window", key=f"tasks@{period}",
                           obligation_id=ob.id, values=_window_values(ctx, session, now, plan, ob, it, u, tasks))
                     for u, ob, it, tasks in leads.values())
        queued += sum(_tell(ctx, session, now, unit=u, template="task_cooperate", key=f"tasks-coop@{period}",
                            obligation_id=ob.id, values=_window_values(ctx, session, now, plan, ob, it, u, tasks))
                      for u, ob, it, tasks in coops.values())
        return {"period": period, "leads": len(leads), "cooperating": len(coops),
                "items": sum(len(v[3]) for v in leads.values()), "queued": queued}


def task_summary(ctx: EngineContext, period: str) -> list[dict[str, Any]]:
    """Per item, for the board and the inspection: ref, title, lead, reported status, light, when first
    reported, on time, the node's state (待报送/已报送/已销号…), awaiting review, cooperating contributions."""
    with session_scope(ctx.engine) as session:
        rows = task_rows(session=session, plan_id=_plan(session).id or 0, period=period)
    out = []
    for r in rows:
        sub = r.submitted_at
        on_time = sub is not None and to_local(sub).date() <= r.due_on
        out.append({"序号": r.ref, "任务": r.title, "牵头单位": r.lead,
                    "推进状态": STATUS_ZH.get(r.status or "", "—"), "亮灯": _LIGHT_ZH.get(r.light, "—"),
                    "报送时间": to_local(sub).strftime("%Y-%m-%d %H:%M") if sub else "—",
                    "按时": "是" if on_time else ("否" if sub else "—"), "截止日期": r.due_on.isoformat(),
                    "状态": _OB_ZH.get(r.obligation_status, r.obligation_status),
                    "待审核": "是" if r.status == TaskStatus.COMPLETED and r.review is None
                    and r.obligation_status == ObligationStatus.SUBMITTED else "",
                    "配合单位报送": r.contributions})
    return out


def pending_reviews(ctx: EngineContext) -> list[dict[str, str]]:
    """Every item whose lead applied for close-out and awaits review: item ref, title, lead, period."""
    with session_scope(ctx.engine) as session:
        pid = _plan(session).id or 0
        out = []
        for it in task_items(session=session, plan_id=pid):
            for ob in submitted_obligations(session=session, item=it):
                if awaiting_review(session=session, item=it, ob=ob) is not None:
                    out.append({"item": it.ref, "title": it.title, "lead": it.lead.name, "period": ob.period})
        return out
