"""Task reports (任务落实情况) and their close-out review (销号), as stored facts.

Each item of a plan with a ``task_report`` duty has a derived duty (``duty.item_id``, see
:mod:`models.plan.tasks`) whose obligations are owed by the item's lead, one per report node. A report is
a new :class:`~models.tables.duties.TaskReport` version on the lead's obligation of that node; the same
content twice records one version. The lead's report marks the obligation ``submitted`` (the ladder stops);
a cooperating unit's is a contribution (``contribution=True``) and leaves the obligation as it is.

A lead reporting ``completed`` applies for close-out: its latest version awaits review. Approving accepts
the obligation and waives the item's later ones (note 已销号); returning reopens the obligation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.enums import DutyKind, EventKind, ObligationStatus, ReviewOutcome, TaskStatus
from models.errors import TaskReportError
from models.plan.tasks import COOPERATING
from models.tables.duties import TaskReport
from models.tables.engine import Obligation, ObligationEvent
from models.tables.plan import Duty, DutyMember, Item, Unit

CLOSED_OUT_NOTE = "已销号"


@dataclass(frozen=True)
class TaskItem:
    """An item under task supervision: its derived duty, its lead and its cooperating units."""

    item_id: int
    ref: str
    title: str
    duty: Duty
    lead: Unit
    cooperating: list[Unit]


@dataclass(frozen=True)
class RecordedTaskReport:
    """What recording a task report did."""

    report_id: int
    obligation_id: int
    period: str
    version: int
    created: bool
    contribution: bool
    awaiting_review: bool


@dataclass(frozen=True)
class TaskRow:
    """One item's task obligation for one period, and the lead's latest report on it."""

    ref: str
    title: str
    lead: str
    obligation_status: str
    light: str
    due_on: dt.date
    status: str | None
    submitted_at: dt.datetime | None
    review: str | None
    contributions: int


def task_items(*, session: Session, plan_id: int) -> list[TaskItem]:
    """Every item with a derived task duty, in plan order (empty when the plan has no task_report duty)."""
    rows = list(session.exec(
        select(Duty, Item).join(Item, col(Item.id) == col(Duty.item_id))
        .where(Duty.plan_id == plan_id, Duty.kind == DutyKind.TASK_REPORT).order_by(col(Duty.position))))
    members = list(session.exec(
        select(DutyMember, Unit).join(Unit, col(Unit.id) == col(DutyMember.unit_id))
        .where(col(DutyMember.duty_id).in_([d.id for d, _ in rows])).order_by(col(DutyMember.position))))
    out = []
    for duty, item in rows:
        mine = [(m, u) for m, u in members if m.duty_id == duty.id]
        lead = next(u for m, u in mine if m.role != COOPERATING)
        out.append(TaskItem(item_id=item.id or 0, ref=item.ref, title=item.title, duty=duty, lead=lead,
                            cooperating=[u for m, u in mine if m.role == COOPERATING]))
    return out


def task_item(*, session: Session, plan_id: int, ref: str) -> TaskItem:
    """The item ``ref`` under task supervision.

    Raises:
        TaskReportError: no such item, or the plan has no task_report duty.
    """
    items = task_items(session=session, plan_id=plan_id)
    if not items:
        raise TaskReportError("the plan has no task_report duty: no item's task is supervised")
    for it in items:
        if it.ref == ref:
            return it
    shown = "、".join(it.ref for it in items[:12]) + ("…" if len(items) > 12 else "")
    raise TaskReportError(f"unknown item {ref!r}; items: {shown}")


def task_periods(*, session: Session, plan_id: int) -> list[str]:
    """The report nodes (periods) of the plan's task obligations, in order."""
    query = (sa.select(col(Obligation.period)).distinct().join(Duty, col(Duty.id) == col(Obligation.duty_id))
             .where(col(Obligation.plan_id) == plan_id, col(Duty.kind) == DutyKind.TASK_REPORT,
                    col(Duty.item_id).is_not(None)).order_by(col(Obligation.period)))
    return [str(p) for p in session.execute(query).scalars()]


def lead_obligations(*, session: Session, item: TaskItem) -> list[Obligation]:
    """The lead's obligations for the item, by due date."""
    return list(session.exec(select(Obligation).where(Obligation.duty_id == item.duty.id,
                                                      Obligation.unit_id == item.lead.id)
                             .order_by(col(Obligation.nominal_due_on))))


def item_obligation(*, session: Session, item: TaskItem, period: str | None, today: dt.date) -> Obligation:
    """The lead's obligation of ``period``; without one: the earliest overdue one still open, else the next
    node on or after ``today``, else the last.

    Raises:
        TaskReportError: the item has no obligation of ``period`` (or none at all).
    """
    obs = lead_obligations(session=session, item=item)
    if period is not None:
        found = next((o for o in obs if o.period == period), None)
        if found is None:
            known = ", ".join(o.period for o in obs) or "none yet (run the sweep to generate them)"
            raise TaskReportError(f"item {item.ref} has no report node {period!r}; nodes: {known}")
        return found
    if not obs:
        raise TaskReportError(f"item {item.ref} has no report node yet (run the sweep to generate them)")
    overdue = [o for o in obs if o.status == ObligationStatus.OPEN and o.due_on < today]
    upcoming = [o for o in obs if o.due_on >= today]
    return (overdue or upcoming or obs[-1:])[0]


def _hash(content: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def latest_version(*, session: Session, obligation_id: int, unit_id: int) -> TaskReport | None:
    """The unit's latest task report version on the obligation, or None."""
    return session.exec(select(TaskReport).where(TaskReport.obligation_id == obligation_id,
                                                 TaskReport.unit_id == unit_id)
                        .order_by(col(TaskReport.version).desc())).first()


def record_task_report(
    *, session: Session, item: TaskItem, unit: Unit, ob: Obligation, status: TaskStatus, done: str,
    problems: str, next_steps: str, evidence: str, source: str, now: dt.datetime,
) -> RecordedTaskReport:
    """Record one version of ``unit``'s report on ``item`` for ``ob``'s node (nothing when it is unchanged).

    From the lead the obligation becomes ``submitted`` (a returned one too: the lead answered); from a
    cooperating unit it is a contribution and the obligation is left as it is.

    Raises:
        TaskReportError: ``unit`` is neither the lead nor a cooperating unit; or the item is closed out.
    """
    contribution = unit.id != item.lead.id
    if contribution and unit.id not in {u.id for u in item.cooperating}:
        coop = "、".join(u.name for u in item.cooperating) or "none"
        raise TaskReportError(f"{unit.name} is neither the lead ({item.lead.name}) nor a cooperating unit "
                              f"({coop}) of item {item.ref}")
    if not contribution and ob.status in (ObligationStatus.ACCEPTED, ObligationStatus.WAIVED):
        raise TaskReportError(f"item {item.ref} ({ob.period}) is {ob.status}: nothing more to report for it")
    content = {"status": status.value, "done": done.strip(), "problems": problems.strip(),
               "next_steps": next_steps.strip(), "evidence": evidence.strip()}
    digest = _hash(content)
    last = latest_version(session=session, obligation_id=ob.id or 0, unit_id=unit.id or 0)
    pending = not contribution and status is TaskStatus.COMPLETED
    if last is not None and last.content_hash == digest and last.review != ReviewOutcome.RETURNED:
        return RecordedTaskReport(last.id or 0, ob.id or 0, ob.period, last.version, created=False,
                                  contribution=contribution, awaiting_review=pending and last.review is None)
    report = TaskReport(
        obligation_id=ob.id or 0, item_id=item.item_id, unit_id=unit.id or 0,
        version=(last.version + 1) if last else 1, submitted_at=now, contribution=contribution,
        content_hash=digest, source=source[:200], status=content["status"], done=content["done"],
        problems=content["problems"], next_steps=content["next_steps"], evidence=content["evidence"])
    session.add(report)
    session.flush()
    if not contribution:
        _set_status(session, ob, ObligationStatus.SUBMITTED, now, f"task report v{report.version} ({source})"[:500])
    return RecordedTaskReport(report.id or 0, ob.id or 0, ob.period, report.version, created=True,
                              contribution=contribution, awaiting_review=pending)


def _set_status(session: Session, ob: Obligation, status: ObligationStatus, now: dt.datetime, note: str,
                next_wd: int | None = None) -> None:
    """Move ``ob`` to ``status`` with an event (open: chased again from ``next_wd``; else the ladder stops)."""
    if ob.status == status:
        return
    session.add(ObligationEvent(obligation_id=ob.id or 0, at=now, kind=EventKind.STATUS, old=ob.status,
                                new=status, note=note))
    reopened = status == ObligationStatus.OPEN
    ob.status = status
    ob.closed_at = None if reopened else now
    ob.next_wd = next_wd if reopened else None
    ob.updated_at = now
    session.add(ob)
    if not reopened:  # pending ladder messages of the obligation are no longer wanted
        session.execute(sa.text("UPDATE outbox SET status = 'cancelled' WHERE status = 'pending' "
                                "AND obligation_id = :id AND stage <> 'info'"), {"id": ob.id})
    session.flush()


def awaiting_review(*, session: Session, item: TaskItem, ob: Obligation) -> TaskReport | None:
    """The lead's latest version when it reports ``completed`` and is not reviewed yet; else None."""
    last = latest_version(session=session, obligation_id=ob.id or 0, unit_id=item.lead.id or 0)
    if last is None or last.status != TaskStatus.COMPLETED or last.review is not None:
        return None
    return last


def review_task_report(*, session: Session, item: TaskItem, ob: Obligation, approve: bool, reason: str,
                       now: dt.datetime, next_wd: int) -> tuple[TaskReport, int]:
    """Approve (close out) or return the lead's application; returns (the report, later obligations waived).

    Raises:
        TaskReportError: nothing awaits review on ``ob``; or a return without a reason.
    """
    report = awaiting_review(session=session, item=item, ob=ob)
    if report is None:
        raise TaskReportError(f"item {item.ref} ({ob.period}) has no completed report awaiting review "
                              "(the lead applies for close-out by reporting status completed)")
    if not approve and not reason.strip():
        raise TaskReportError("a report sent back needs a reason (退回理由) the lead can act on")
    report.review = ReviewOutcome.APPROVED if approve else ReviewOutcome.RETURNED
    report.reviewed_at = now
    report.review_note = reason.strip()
    session.add(report)
    if not approve:
        _set_status(session, ob, ObligationStatus.OPEN, now, f"returned: {reason.strip()}"[:500], next_wd=next_wd)
        return report, 0
    _set_status(session, ob, ObligationStatus.ACCEPTED, now, f"{CLOSED_OUT_NOTE} (v{report.version})")
    waived = 0
    for later in lead_obligations(session=session, item=item):
        if later.nominal_due_on > ob.nominal_due_on and later.status == ObligationStatus.OPEN:
            _set_status(session, later, ObligationStatus.WAIVED, now, f"{CLOSED_OUT_NOTE}: {item.ref} ({ob.period})")
            waived += 1
    return report, waived


def contributions(*, session: Session, obligation_ids: list[int]) -> dict[int, int]:
    """Obligation id → how many cooperating units contributed to it."""
    query = (sa.select(col(TaskReport.obligation_id), sa.func.count(sa.distinct(col(TaskReport.unit_id))))
             .where(col(TaskReport.obligation_id).in_(obligation_ids), col(TaskReport.contribution).is_(True))
             .group_by(col(TaskReport.obligation_id)))
    return {int(o): int(n) for o, n in session.execute(query)}


def task_rows(*, session: Session, plan_id: int, period: str) -> list[TaskRow]:
    """Every item's task obligation of ``period`` with the lead's latest report, in plan order."""
    items = task_items(session=session, plan_id=plan_id)
    obs = {o.duty_id: o for o in session.exec(select(Obligation).where(
        col(Obligation.duty_id).in_([it.duty.id for it in items]), Obligation.period == period))}
    counts = contributions(session=session, obligation_ids=[o.id or 0 for o in obs.values()])
    out = []
    for it in items:
        ob = obs.get(it.duty.id or 0)
        if ob is None or ob.unit_id != it.lead.id:
            continue
        last = latest_version(session=session, obligation_id=ob.id or 0, unit_id=it.lead.id or 0)
        first = session.exec(select(TaskReport).where(TaskReport.obligation_id == ob.id,
                                                      TaskReport.unit_id == it.lead.id)
                             .order_by(col(TaskReport.version))).first()
        out.append(TaskRow(ref=it.ref, title=it.title, lead=it.lead.name, obligation_status=ob.status,
                           light=ob.light, due_on=ob.due_on, status=last.status if last else None,
                           submitted_at=first.submitted_at if first else None,
                           review=last.review if last else None, contributions=counts.get(ob.id or 0, 0)))
    return out


def node_obligation(*, session: Session, item: TaskItem, period: str) -> Obligation | None:
    """The lead's obligation for the item at the report node ``period``, or None."""
    return session.exec(select(Obligation).where(Obligation.duty_id == item.duty.id,
                                                 Obligation.unit_id == item.lead.id,
                                                 Obligation.period == period)).first()


def submitted_obligations(*, session: Session, item: TaskItem) -> list[Obligation]:
    """The lead's obligations for the item that are submitted (a review may await them), by due date."""
    return [o for o in lead_obligations(session=session, item=item) if o.status == ObligationStatus.SUBMITTED]


def plan_unit(*, session: Session, plan_id: int, name: str) -> Unit:
    """The plan's unit called ``name``.

    Raises:
        TaskReportError: the plan has no such unit.
    """
    unit = session.exec(select(Unit).where(Unit.plan_id == plan_id, Unit.name == name)).first()
    if unit is None:
        raise TaskReportError(f"unknown unit {name!r}")
    return unit
