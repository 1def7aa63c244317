"""The duty flows' work as plain functions (no Prefect): report windows and reports, the yearly target
split, joint meetings and their minutes. The flows in :mod:`flows.orchestration.duties` call these in a few tasks.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from config.settings import get_settings
from flows.ops.documents import report_workbooks_for, targets_sheets_for
from flows.ops.engine import EngineContext
from models.dates import to_local
from models.db import session_scope
from models.engine.adhoc import close_obligation, create_adhoc_obligation
from models.enums import DutyKind, HolidayPolicy
from models.plan.store import find_plan
from models.records.meetings import ActionItem, agenda, create_meeting, record_minutes
from models.records.reports import (
    RecordedReport,
    allocations,
    city_targets,
    duty_of_kind,
    latest_actuals,
    record_progress_report,
    save_allocations,
)
from models.rules.calendar import Due
from models.rules.decomposition import basis_kind, draft_split, validate_split
from models.tables.engine import Obligation
from models.tables.plan import Indicator, Plan, Unit
from notifications.delivery.dispatch import period_label, quoted_title
from notifications.delivery.outbox import queue_info
from notifications.documents.ics import meeting_ics
from notifications.messages.render import render_values


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _plan(session: Session, code: str | None = None) -> Plan:
    return find_plan(code, session=session)


# --- progress reports -------------------------------------------------------------------------------

def choose_period(session: Session, plan_id: int, period: str | None, today: dt.date) -> str:
    """The given period, else the next report deadline on or after today, else the last one."""
    duty = duty_of_kind(session=session, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
    periods = sorted({o.period for o in session.exec(select(Obligation).where(Obligation.duty_id == duty.id))})
    if period is not None:
        if period not in periods:
            raise ValueError(f"unknown report period {period!r}; periods: {', '.join(periods)}")
        return period
    upcoming = [p for p in periods if p >= today.isoformat()]
    return upcoming[0] if upcoming else periods[-1]


def open_report_window(ctx: EngineContext, now: dt.datetime, period: str | None = None) -> dict[str, Any]:
    """Tell every locality that owes the period's report what to report, by when, pre-filled."""
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        period = choose_period(session, pid, period, to_local(now).date())
        duty = duty_of_kind(session=session, plan_id=pid, kind=DutyKind.PROGRESS_REPORT)
        year = int(period[:4])
        allocated = allocations(session=session, plan_id=pid, year=year)
        reported = latest_actuals(session=session, plan_id=pid, year=year)
        inds = list(session.exec(select(Indicator).where(Indicator.plan_id == pid)))
        obs = session.exec(select(Obligation, Unit).join(Unit, col(Unit.id) == col(Obligation.unit_id)).where(
            Obligation.duty_id == duty.id, Obligation.period == period)).all()
        queued = skipped = 0
        workbooks: list[tuple[str, Any, str, int | None]] = []
        for ob, unit in obs:
            if ob.status != "open":
                skipped += 1
                continue
            lines = [{"name": i.name, "unit": i.unit,
                      "target": _fmt(allocated[i.code][unit.name]) if unit.name in allocated.get(i.code, {})
                      else "(待分解)",
                      "reported": _fmt(reported[i.code][unit.name]) if unit.name in reported.get(i.code, {})
                      else None}
                     for i in inds]
            due = Due(nominal=ob.nominal_due_on, effective=ob.due_on, policy=HolidayPolicy(ob.holiday_policy),
                      rule=ob.holiday_rule)
            msg = render_values("report_window", {
                "unit_name": unit.name, "due_on": ob.due_on, "period_label": period_label(ob.nominal_due_on,
                                                                                          "semiannual"),
                "plan_title": quoted_title(plan.title), "doc_number": plan.doc_number, "coordinator": plan.coordinator,
                "holiday_note": due.describe_zh(), "indicators": lines,
            })
            workbooks.append((unit.name, msg, unit.code, ob.id))
        folder = get_settings().var_dir / "attachments" / f"report-{period}"
    # The pre-filled workbook goes with each notice (mail carries it; chat channels get the text).
    paths = report_workbooks_for([w[0] for w in workbooks], period, folder, now) if workbooks else []
    with session_scope(ctx.engine) as session:
        for (_name, msg, code, ob_id), path in zip(workbooks, paths, strict=True):
            queued += queue_info(session=session, recipient=f"unit-{code}+role-handler", role="handler",
                                 title=msg.title, body=msg.body, key=f"window@{period}", now=now, cal=ctx.cal,
                                 hours=ctx.hours, obligation_id=ob_id, attachments=[str(path.resolve())])
    return {"period": period, "queued": queued, "already_submitted": skipped, "localities": len(obs)}


def submit_report(ctx: EngineContext, now: dt.datetime, *, locality: str, period: str, actuals: dict[str, float],
                  projects: list[dict[str, Any]], problems: str, next_steps: str,
                  source: str = "form") -> RecordedReport:
    """Record one locality's report (a new version unless identical) and close its obligation."""
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        return record_progress_report(session=session, plan_id=plan.id or 0, unit_name=locality, period=period,
                                      actuals=actuals, projects=projects, problems=problems,
                                      next_steps=next_steps, now=now, source=source)


def report_summary(ctx: EngineContext, period: str) -> list[dict[str, Any]]:
    """Per locality: reported or not, when, on time, and each indicator against the pace-to-date (序时进度)."""
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        duty = duty_of_kind(session=session, plan_id=pid, kind=DutyKind.PROGRESS_REPORT)
        year, nominal = int(period[:4]), dt.date.fromisoformat(period)
        pace = (nominal - dt.date(year, 1, 1)).days / (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days
        allocated = allocations(session=session, plan_id=pid, year=year)
        rows = session.execute(sa.text(
            "SELECT u.name, o.status, o.light, o.due_on, (SELECT MAX(r.submitted_at) FROM progress_report r "
            "WHERE r.obligation_id = o.id), (SELECT r.actuals FROM progress_report r WHERE r.obligation_id = o.id "
            "ORDER BY r.version DESC LIMIT 1) FROM obligation o JOIN unit u ON u.id = o.unit_id "
            "WHERE o.duty_id = :d AND o.period = :p ORDER BY u.position"
        ), {"d": duty.id, "p": period}).all()
        names = {i.code: i.name for i in session.exec(select(Indicator).where(Indicator.plan_id == pid))}
    out = []
    for unit, _status, light, due_on, submitted, actuals in rows:
        due = due_on if isinstance(due_on, dt.date) else dt.date.fromisoformat(str(due_on))
        sub = _as_dt(submitted)
        on_time = sub is not None and to_local(sub).date() <= due
        values = actuals if isinstance(actuals, dict) else ({} if actuals is None else json.loads(actuals))
        behind = []
        for code, shares in allocated.items():
            target = shares.get(str(unit))
            if not target:
                continue
            done = float(values.get(code, 0.0)) / target
            gap = (pace - done) * 100
            if gap > 10:
                behind.append(f"{names.get(code, code)} 完成{done:.0%}，低于序时进度{gap:.0f}个百分点")
        out.append({"单位": str(unit), "报送": "已报送" if sub else "未报送",
                    "报送时间": to_local(sub).strftime("%Y-%m-%d %H:%M") if sub else "—",
                    "按时": "是" if on_time else ("否" if sub else "—"), "截止日期": due.isoformat(),
                    "亮灯": {"red": "红", "yellow": "黄", "blue": "蓝"}.get(str(light), "—"),
                    "进度": "；".join(behind) or ("达到序时进度" if sub and allocated else "—")})
    return out


def _as_dt(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# --- target decomposition ---------------------------------------------------------------------------

@dataclass
class DraftIndicator:
    """One indicator's draft split."""

    code: str
    name: str
    unit: str
    aggregation: str
    city_value: float
    from_year: int
    basis: str | None
    split: dict[str, float] = field(default_factory=dict)


def decomposition_draft(ctx: EngineContext, year: int) -> tuple[list[str], list[DraftIndicator]]:
    """The localities and, per indicator with a city target, the draft split (documented in
    :mod:`models.rules.decomposition`: pro rata to last year's actuals, else last year's split, else even)."""
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        localities = [u.name for u in session.exec(select(Unit).where(
            Unit.plan_id == pid, col(Unit.kind).in_(["town", "subdistrict"])).order_by(col(Unit.position)))]
        targets = city_targets(session=session, plan_id=pid, year=year)
        actuals = latest_actuals(session=session, plan_id=pid, year=year - 1)
        previous = allocations(session=session, plan_id=pid, year=year - 1)
        inds = list(session.exec(select(Indicator).where(Indicator.plan_id == pid).order_by(col(Indicator.position))))
    drafts = []
    for ind in inds:
        if ind.code not in targets:
            continue
        value, from_year = targets[ind.code]
        kind, basis = basis_kind(actuals.get(ind.code), previous.get(ind.code))
        decimals = 0 if ind.unit in ("家", "个", "项") else 2
        split = draft_split(city_value=value, aggregation=ind.aggregation.value, localities=localities,
                            basis=basis, decimals=decimals)
        drafts.append(DraftIndicator(ind.code, ind.name, ind.unit, ind.aggregation.value, value, from_year, kind,
                                     split))
    return localities, drafts


def split_problems(localities: list[str], drafts: list[DraftIndicator], split: dict[str, dict[str, float]],
                   reason: str) -> list[str]:
    """Every problem of a proposed split, as readable lines (empty when it can be approved)."""
    out: list[str] = []
    for d in drafts:
        for p in validate_split(indicator=d.name, city_value=d.city_value, aggregation=d.aggregation,
                                localities=localities, split=split.get(d.code, {}), reason=reason):
            out.append(p.message)
    return out


def approve_split(ctx: EngineContext, now: dt.datetime, year: int, drafts: list[DraftIndicator],
                  split: dict[str, dict[str, float]], reason: str) -> dict[str, Any]:
    """Store the split, close the year's decomposition obligation, and send each locality its targets."""
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        rows = save_allocations(session=session, plan_id=pid, year=year, split=split,
                                city={d.code: d.city_value for d in drafts}, now=now, note=reason)
        duty = duty_of_kind(session=session, plan_id=pid, kind=DutyKind.DECOMPOSITION)
        closed = 0
        for ob in session.exec(select(Obligation).where(Obligation.duty_id == duty.id, Obligation.status == "open")):
            if ob.nominal_due_on.year == year:
                closed += close_obligation(session=session, obligation_id=ob.id or 0, status="accepted", now=now,
                                           note=f"{year} split approved")
        units = {u.name: u for u in session.exec(select(Unit).where(Unit.plan_id == pid))}
        plan_title, doc_number, coordinator = plan.title, plan.doc_number, plan.coordinator
    queued = 0
    folder = get_settings().var_dir / "attachments" / f"targets-{year}"
    names = sorted({n for shares in split.values() for n in shares})
    sheets = targets_sheets_for(names, year, folder) if names else []
    with session_scope(ctx.engine) as session:
        for name, sheet in zip(names, sheets, strict=True):
            lines = [{"name": d.name, "unit": d.unit, "value": _fmt(split[d.code][name])} for d in drafts]
            msg = render_values("targets_notice", {
                "unit_name": name, "year": year, "plan_title": quoted_title(plan_title), "doc_number": doc_number,
                "coordinator": coordinator, "targets": lines, "issued_on": to_local(now).date()})
            queued += queue_info(session=session, recipient=f"unit-{units[name].code}+role-handler", role="handler",
                                 title=msg.title, body=msg.body, key=f"targets@{year}@{now.timestamp():.0f}"[:48],
                                 now=now, cal=ctx.cal, hours=ctx.hours, attachments=[str(sheet.resolve())])
    return {"year": year, "allocations": rows, "obligations_closed": closed, "notices_queued": queued}


# --- joint meetings ---------------------------------------------------------------------------------

def convene_meeting(ctx: EngineContext, now: dt.datetime, starts_at: dt.datetime, place: str) -> dict[str, Any]:
    """Convene a joint meeting: agenda from what is red or overdue, invitations with an .ics file."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must carry its zone, e.g. 2016-06-20T09:30:00+08:00")
    with session_scope(ctx.engine) as session:
        plan = _plan(session)
        pid = plan.id or 0
        duty = duty_of_kind(session=session, plan_id=pid, kind=DutyKind.JOINT_MEETING)
        items = agenda(session=session, plan_id=pid, today=to_local(now).date())
        # The minutes obligation: the joint-meeting duty's open obligation due nearest the meeting.
        obs = list(session.exec(select(Obligation).where(Obligation.duty_id == duty.id, Obligation.status == "open")))
        day = to_local(starts_at).date()
        ob = min(obs, key=lambda o: abs((o.due_on - day).days)) if obs else None
        agenda_text = "\n".join(f"{i.unit}：{i.what}（{i.period}，截止{i.due_on}）" for i in items)
        meeting = create_meeting(session=session, plan_id=pid, starts_at=starts_at, place=place,
                                 agenda_text=agenda_text, obligation_id=ob.id if ob else None)
        if ob is None:
            # An extra meeting: the coordinator owes its minutes within 3 working days of it.
            coordinator = session.exec(select(Unit).where(Unit.plan_id == pid, Unit.name == plan.coordinator)).one()
            ob = create_adhoc_obligation(
                session=session, duty=duty, unit_id=coordinator.id or 0, title=f"{duty.title}纪要",
                nominal_due_on=ctx.cal.add_working_days(day, 3), source=f"meeting:{meeting.id}", now=now,
                cal=ctx.cal, escalation=ctx.escalation)
            meeting.obligation_id = ob.id
        members = session.execute(sa.text(
            "SELECT u.name, u.code FROM duty_member m JOIN unit u ON u.id = m.unit_id WHERE m.duty_id = :d "
            "ORDER BY m.position"), {"d": duty.id}).all()
        folder = get_settings().var_dir / "attachments"
        folder.mkdir(parents=True, exist_ok=True)
        ics = folder / f"联席会议-{meeting.id}.ics"
        title = f"{duty.title}"
        ics.write_bytes(meeting_ics(plan_code=plan.code, meeting_id=meeting.id or 0, title=title, starts_at=starts_at,
                                    place=place, organizer=plan.coordinator, members=list(members), stamp=now))
        queued = 0
        for name, code in [(plan.coordinator, None), *members]:
            recipient = "role-coordinator" if code is None else f"unit-{code}+role-head"
            msg = render_values("meeting_invitation", {
                "unit_name": name, "meeting_title": title, "starts_at": to_local(starts_at), "place": place,
                "agenda": items, "coordinator": plan.coordinator, "has_ics": True})
            queued += queue_info(session=session, recipient=recipient, role="head", title=msg.title, body=msg.body,
                                 key=f"invite@meeting:{meeting.id}", now=now, cal=ctx.cal, hours=ctx.hours,
                                 obligation_id=ob.id if ob else None, attachments=[str(Path(ics).resolve())])
        return {"meeting_id": meeting.id, "agenda_items": len(items), "invitations": queued,
                "minutes_obligation": ob.id if ob else None, "ics": str(ics)}


def record_meeting(ctx: EngineContext, now: dt.datetime, *, meeting_id: int, attendance: list[str],
                   decisions: str, action_items: list[ActionItem]) -> dict[str, Any]:
    """Store the minutes; every action item becomes an obligation the ladder chases."""
    with session_scope(ctx.engine) as session:
        created = record_minutes(session=session, meeting_id=meeting_id, attendance=attendance, decisions=decisions,
                                 action_items=action_items, now=now, cal=ctx.cal, escalation=ctx.escalation)
        return {"meeting_id": meeting_id, "action_items": [
            {"obligation": o.id, "title": o.title, "due_on": o.due_on.isoformat()} for o in created]}
