"""The duty flows' work as plain functions (no Prefect): report windows and reports, the yearly target
split, joint meetings and their minutes. The flows in :mod:`flows.orchestration.duties` call these in a few tasks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from config.settings import get_settings
from flows.ops.documents import report_workbooks_for, targets_sheets_for
from flows.ops.engine import EngineContext, generate
from flows.ops.notice_values import chasing_office, issue_day, notice_values, overdue_step, owner_of
from models.dates import to_local
from models.db import session_scope
from models.engine.adhoc import close_obligation, create_adhoc_obligation
from models.enums import (
    Aggregation,
    DutyKind,
    Frequency,
    IndicatorScope,
    Light,
    ObligationStatus,
    Role,
    recipient_key,
)
from models.plan.schema import COUNT_UNITS, LOCALITY_KINDS
from models.plan.store import find_plan
from models.records.meetings import ActionItem, AgendaItem, agenda, create_meeting, record_minutes
from models.records.obligations import nearest_open_obligation, open_obligations, period_obligations
from models.records.reports import (
    RecordedReport,
    allocations,
    city_targets,
    duty_of_kind,
    find_duty,
    indicators,
    latest_actuals,
    period_reports,
    record_progress_report,
    report_periods,
    save_allocations,
)
from models.records.units import duty_members, plan_units, unit_named
from models.rules.decomposition import basis_kind, draft_split, is_split, validate_split
from models.rules.rubric import configured_rubric, expected_share, pace_share
from models.tables.plan import Indicator
from notifications.delivery.dispatch import period_label
from notifications.delivery.outbox import queue_info
from notifications.documents.ics import meeting_ics
from notifications.messages.render import RenderedMessage, render_values

AGENDA_LIMIT = 1000  # obligations read for a meeting's agenda (a plan of 20 localities has a few hundred at most)
# The lights as the report summary names them (any other light shows as —).
_LIGHT_ZH: dict[str, str] = {Light.RED: "红", Light.YELLOW: "黄", Light.BLUE: "蓝"}


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def carried_note(year: int, from_year: int) -> str:
    """The flag of a target carried forward from an earlier year ("（沿用2015年目标）"), or ""."""
    return f"（沿用{from_year}年目标）" if from_year != year else ""


def local_label(indicator: Indicator, year: int, targets: dict[str, tuple[float, int]]) -> str:
    """An indicator as a locality sees it: its locality-facing name, flagged when its target is carried forward."""
    name = indicator.local_name or indicator.name
    return name + (carried_note(year, targets[indicator.code][1]) if indicator.code in targets else "")


# --- progress reports -------------------------------------------------------------------------------

def choose_period(session: Session, plan_id: int, period: str | None, today: dt.date) -> str:
    """The given period, else the next report deadline on or after today, else the last one."""
    periods = report_periods(session=session, plan_id=plan_id)
    if period is not None:
        if period not in periods:
            raise ValueError(f"unknown report period {period!r}; periods: {', '.join(periods)}")
        return period
    upcoming = [p for p in periods if p >= today.isoformat()]
    return upcoming[0] if upcoming else periods[-1]


def open_report_window(ctx: EngineContext, now: dt.datetime, period: str | None = None) -> dict[str, Any]:
    """Tell every locality that owes the period's report what to report, by when, pre-filled."""
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        pid = plan.id or 0
        period = choose_period(session, pid, period, to_local(now).date())
        duty = duty_of_kind(session=session, plan_id=pid, kind=DutyKind.PROGRESS_REPORT)
        year = int(period[:4])
        allocated = allocations(session=session, plan_id=pid, year=year)
        reported = latest_actuals(session=session, plan_id=pid, year=year)
        targets = city_targets(session=session, plan_id=pid, year=year)
        inds = [i for i in indicators(session=session, plan_id=pid) if is_split(i.scope)]
        obs = period_obligations(session=session, duty_id=duty.id or 0, period=period)
        office = chasing_office(session, plan, owner_of(session, duty.owner_id))
        common = {**notice_values(plan, office, duty.clause, issue_day(ctx.cal, ctx.hours, now)), "year": year,
                  "schedule_default": bool((duty.schedule or {}).get("default", False))}
        queued = skipped = 0
        workbooks: list[tuple[str, RenderedMessage, str, int | None]] = []
        for ob, unit in obs:
            if ob.status != ObligationStatus.OPEN:
                skipped += 1
                continue
            lines = [{"name": local_label(i, year, targets), "unit": i.unit,
                      "target": _fmt(allocated[i.code][unit.name]) if unit.name in allocated.get(i.code, {})
                      else None,
                      "reported": _fmt(reported[i.code][unit.name]) if unit.name in reported.get(i.code, {})
                      else None}
                     for i in inds]
            msg = render_values("report_window", {
                **common, "unit_name": unit.name, "unit_kind": unit.kind.value, "due_on": ob.due_on,
                "nominal_due_on": ob.nominal_due_on, "holiday_rule": ob.holiday_rule,
                "period_label": period_label(ob.nominal_due_on, Frequency.SEMIANNUAL), "indicators": lines,
                **overdue_step(ctx.escalation, ctx.cal, duty.code, bool(ob.own), ob.due_on),
            })
            workbooks.append((unit.name, msg, unit.code, ob.id))
        folder = get_settings().var_dir / "attachments" / f"report-{period}"
    # The pre-filled workbook goes with each notice (mail carries it; chat channels get the text).
    paths = report_workbooks_for([w[0] for w in workbooks], period, folder, now) if workbooks else []
    with session_scope(ctx.engine) as session:
        for (_name, msg, code, ob_id), path in zip(workbooks, paths, strict=True):
            queued += queue_info(session=session, recipient=recipient_key(Role.HANDLER, code), role=Role.HANDLER,
                                 title=msg.title, body=msg.body, message=msg, key=f"window@{period}", now=now,
                                 cal=ctx.cal, hours=ctx.hours, obligation_id=ob_id,
                                 attachments=[str(path.resolve())])
    return {"period": period, "queued": queued, "already_submitted": skipped, "localities": len(obs)}


def submit_report(ctx: EngineContext, now: dt.datetime, *, locality: str, period: str, actuals: dict[str, float],
                  projects: list[dict[str, Any]], problems: str, next_steps: str,
                  source: str = "form") -> RecordedReport:
    """Record one locality's report (a new version unless identical) and close its obligation."""
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        return record_progress_report(session=session, plan_id=plan.id or 0, unit_name=locality, period=period,
                                      actuals=actuals, projects=projects, problems=problems,
                                      next_steps=next_steps, now=now, source=source)


def report_summary(ctx: EngineContext, period: str) -> list[dict[str, Any]]:
    """Per locality: reported or not, when, on time, and each indicator against the pace-to-date (序时进度)."""
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        pid = plan.id or 0
        year, nominal = int(period[:4]), dt.date.fromisoformat(period)
        pace = pace_share(nominal, configured_rubric().pace_method)  # the inspection's own pace-to-date
        inds = [i for i in indicators(session=session, plan_id=pid) if is_split(i.scope)]
        names = {i.code: i.local_name or i.name for i in inds}
        paced = {i.code for i in inds if i.aggregation == Aggregation.SUM}
        whole = {i.code for i in inds if i.unit in COUNT_UNITS}
        allocated = {code: shares for code, shares in allocations(session=session, plan_id=pid, year=year).items()
                     if code in names}
        rows = period_reports(session=session, plan_id=pid, period=period)
    out = []
    for row in rows:
        due, sub = row.due_on, row.last_submitted_at
        on_time = sub is not None and to_local(sub).date() <= due
        behind = []
        for code, shares in allocated.items():
            target = shares.get(row.unit)
            if not target:
                continue
            done = row.actuals.get(code, 0.0) / target
            owed = expected_share(target, pace, code in whole) if code in paced else 1.0  # a rate: never paced
            gap = (owed - done) * 100
            if gap > 10:
                against = "序时进度" if code in paced else "目标值"
                behind.append(f"{names.get(code, code)} 完成{done:.0%}，低于{against}{gap:.0f}个百分点")
        out.append({"单位": row.unit, "报送": "已报送" if sub else "未报送",
                    "报送时间": to_local(sub).strftime("%Y-%m-%d %H:%M") if sub else "—",
                    "按时": "是" if on_time else ("否" if sub else "—"), "截止日期": due.isoformat(),
                    "亮灯": _LIGHT_ZH.get(row.light, "—"),
                    "进度": "；".join(behind) or ("达到序时进度" if sub and allocated else "—")})
    return out


# --- target decomposition ---------------------------------------------------------------------------

@dataclass
class DraftIndicator:
    """One indicator's draft split; ``name`` is the locality-facing name, flagged when the target is carried."""

    code: str
    name: str
    unit: str
    aggregation: str
    city_value: float
    from_year: int
    basis: str | None
    split: dict[str, float] = field(default_factory=dict)
    carried: bool = False


def decomposition_draft(ctx: EngineContext, year: int) -> tuple[list[str], list[DraftIndicator]]:
    """The localities and, per locality-scope indicator with a city target, the draft split (documented in
    :mod:`models.rules.decomposition`: pro rata to last year's actuals, else last year's split, else even).

    City- and park-scope targets are not split (see :func:`city_context`)."""
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        pid = plan.id or 0
        localities = [u.name for u in plan_units(session=session, plan_id=pid, kinds=LOCALITY_KINDS)]
        targets = city_targets(session=session, plan_id=pid, year=year)
        actuals = latest_actuals(session=session, plan_id=pid, year=year - 1)
        previous = allocations(session=session, plan_id=pid, year=year - 1)
        inds = indicators(session=session, plan_id=pid)
    drafts = []
    for ind in inds:
        if ind.code not in targets or not is_split(ind.scope):
            continue
        value, from_year = targets[ind.code]
        kind, basis = basis_kind(actuals.get(ind.code), previous.get(ind.code))
        decimals = 0 if ind.unit in ("家", "个", "项") else 2
        split = draft_split(city_value=value, aggregation=ind.aggregation.value, localities=localities,
                            basis=basis, decimals=decimals)
        drafts.append(DraftIndicator(ind.code, local_label(ind, year, targets), ind.unit, ind.aggregation.value,
                                     value, from_year, kind, split, carried=from_year != year))
    return localities, drafts


def city_context(ctx: EngineContext, year: int) -> list[dict[str, str]]:
    """The year's city- and park-scope targets, shown beside a split as city-wide context (never a town's quota)."""
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        pid = plan.id or 0
        targets = city_targets(session=session, plan_id=pid, year=year)
        inds = [i for i in indicators(session=session, plan_id=pid) if not is_split(i.scope) and i.code in targets]
    scope_words = {IndicatorScope.CITY: "全市", IndicatorScope.PARK: "产业园区"}
    return [{"name": i.name + carried_note(year, targets[i.code][1]), "scope": scope_words.get(i.scope, ""),
             "value": _fmt(targets[i.code][0]), "unit": i.unit} for i in inds]


def split_problems(localities: list[str], drafts: list[DraftIndicator], split: dict[str, dict[str, float]],
                   reason: str) -> list[str]:
    """Every problem of a proposed split, as readable lines (empty when it can be approved)."""
    out: list[str] = []
    for d in drafts:
        for p in validate_split(indicator=d.name, city_value=d.city_value, aggregation=d.aggregation,
                                localities=localities, split=split.get(d.code, {}), reason=reason):
            out.append(p.message)
    return out


def _report_dates(session: Session, plan_id: int) -> list[tuple[int, int]]:
    """The progress report's (month, day) dates in a year, for the targets notice ("每年6月5日、12月5日前")."""
    duty = find_duty(session=session, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
    dates = (duty.schedule or {}).get("dates", []) if duty is not None else []
    return [(int(m), int(d)) for m, d in (str(x).split("-") for x in dates)]


def approve_split(ctx: EngineContext, now: dt.datetime, year: int, drafts: list[DraftIndicator],
                  split: dict[str, dict[str, float]], reason: str) -> dict[str, Any]:
    """Store the split, close the year's decomposition obligation, and send each locality its targets.

    The obligation is generated first if no sweep has run since the plan was loaded (a coordinator may
    approve right after `make run`); otherwise the next sweep would create it open, and chase the
    coordinator for a split already approved.
    """
    with session_scope(ctx.engine) as session:
        code = find_plan(None, session=session).code
    generate(ctx, now, code)
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        pid = plan.id or 0
        rows = save_allocations(session=session, plan_id=pid, year=year, split=split,
                                city={d.code: d.city_value for d in drafts}, now=now, note=reason)
        duty = duty_of_kind(session=session, plan_id=pid, kind=DutyKind.DECOMPOSITION)
        closed = 0
        for ob in open_obligations(session=session, duty_id=duty.id or 0):
            if ob.nominal_due_on.year == year:
                closed += close_obligation(session=session, obligation_id=ob.id or 0,
                                           status=ObligationStatus.ACCEPTED, now=now, note=f"{year} split approved")
        units = {u.name: u for u in plan_units(session=session, plan_id=pid)}
        office = chasing_office(session, plan, owner_of(session, duty.owner_id))
        common = {**notice_values(plan, office, duty.clause, issue_day(ctx.cal, ctx.hours, now)), "year": year,
                  "report_dates": _report_dates(session, pid)}
    queued = 0
    folder = get_settings().var_dir / "attachments" / f"targets-{year}"
    names = sorted({n for shares in split.values() for n in shares})
    sheets = targets_sheets_for(names, year, folder) if names else []
    with session_scope(ctx.engine) as session:
        for name, sheet in zip(names, sheets, strict=True):
            lines = [{"name": d.name, "unit": d.unit, "value": _fmt(split[d.code][name])} for d in drafts]
            msg = render_values("targets_notice", {**common, "unit_name": name, "unit_kind": units[name].kind.value,
                                                   "targets": lines})
            queued += queue_info(session=session, recipient=recipient_key(Role.HANDLER, units[name].code),
                                 role=Role.HANDLER, title=msg.title, body=msg.body, message=msg,
                                 key=f"targets@{year}@{now.timestamp():.0f}"[:48], now=now, cal=ctx.cal,
                                 hours=ctx.hours, attachments=[str(sheet.resolve())])
    return {"year": year, "allocations": rows, "obligations_closed": closed, "notices_queued": queued}


# --- joint meetings ---------------------------------------------------------------------------------

def convene_meeting(ctx: EngineContext, now: dt.datetime, starts_at: dt.datetime, place: str) -> dict[str, Any]:
    """Convene a joint meeting: agenda from what is red or overdue, invitations with an .ics file."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must carry its zone, e.g. 2016-06-20T09:30:00+08:00")
    with session_scope(ctx.engine) as session:
        plan = find_plan(None, session=session)
        pid = plan.id or 0
        duty = duty_of_kind(session=session, plan_id=pid, kind=DutyKind.JOINT_MEETING)
        # Every overdue matter: the notice lists them grouped by matter, one line each (not one per unit).
        items = agenda(session=session, plan_id=pid, today=to_local(now).date(), limit=AGENDA_LIMIT)
        # The minutes obligation: the joint-meeting duty's open obligation due nearest the meeting.
        day = to_local(starts_at).date()
        ob = nearest_open_obligation(session=session, duty_id=duty.id or 0, day=day)
        agenda_text = "\n".join(f"{i.unit}：{i.what}（{i.due_on.year}年{i.due_on.month}月{i.due_on.day}日）"
                                for i in items)
        meeting = create_meeting(session=session, plan_id=pid, starts_at=starts_at, place=place,
                                 agenda_text=agenda_text, obligation_id=ob.id if ob else None)
        office = chasing_office(session, plan, owner_of(session, duty.owner_id))  # the convener
        if ob is None:
            # An extra meeting: the convener owes its minutes within 3 working days of it.
            convener = unit_named(session=session, plan_id=pid, name=office.name)
            ob = create_adhoc_obligation(
                session=session, duty=duty, unit_id=convener.id or 0, title=f"{duty.title}纪要",
                nominal_due_on=ctx.cal.add_working_days(day, 3), source=f"meeting:{meeting.id}", now=now,
                cal=ctx.cal, escalation=ctx.escalation)
            meeting.obligation_id = ob.id
        members = [(u.name, u.code, u.kind.value) for u in duty_members(session=session, duty_id=duty.id or 0)
                   if u.name != office.name]
        folder = get_settings().var_dir / "attachments"
        folder.mkdir(parents=True, exist_ok=True)
        ics = folder / f"联席会议-{meeting.id}.ics"
        title = f"{duty.title}"
        ics.write_bytes(meeting_ics(plan_code=plan.code, meeting_id=meeting.id or 0, title=title, starts_at=starts_at,
                                    place=place, organizer=office.name, members=[(n, c) for n, c, _ in members],
                                    stamp=now))
        today = issue_day(ctx.cal, ctx.hours, now)
        common = {**notice_values(plan, office, duty.clause, today), "meeting_title": title, "meeting_id": meeting.id,
                  "starts_at": to_local(starts_at), "place": place, "agenda": agenda_lines(items), "has_ics": True,
                  "members": [n for n, _, _ in members],
                  # whom to expect: by the working day before the meeting (none when it is sent on the day)
                  "reply_by": max(today, ctx.cal.previous_working_day(day)) if today < day else None,
                  "minutes_due": ob.due_on if ob.due_on >= day else None, "minutes_nominal": ob.nominal_due_on,
                  "minutes_rule": ob.holiday_rule,
                  "schedule_default": bool((duty.schedule or {}).get("default", False)) or ob.source is not None}
        convener = unit_named(session=session, plan_id=pid, name=office.name)
        convener_key = (recipient_key(Role.COORDINATOR) if office.name == plan.coordinator
                        else recipient_key(Role.HANDLER, convener.code))
        queued = 0
        for name, kind, recipient, role in [
                (office.name, convener.kind.value, convener_key, Role.COORDINATOR),
                *((n, k, recipient_key(Role.HEAD, c), Role.HEAD) for n, c, k in members)]:
            msg = render_values("meeting_invitation", {**common, "unit_name": name, "unit_kind": kind,
                                                       "is_convener": name == office.name})
            queued += queue_info(session=session, recipient=recipient, role=role, title=msg.title, body=msg.body,
                                 message=msg, key=f"invite@meeting:{meeting.id}", now=now, cal=ctx.cal,
                                 hours=ctx.hours, obligation_id=ob.id, attachments=[str(Path(ics).resolve())])
        return {"meeting_id": meeting.id, "agenda_items": len(items), "invitations": queued,
                "minutes_obligation": ob.id if ob else None, "ics": str(ics)}


# The office's own supervision work (convening, inspecting) is not a matter for the members' meeting.
_NOT_ON_THE_AGENDA = frozenset({DutyKind.JOINT_MEETING, DutyKind.INSPECTION})


def agenda_lines(items: list[AgendaItem]) -> list[dict[str, Any]]:
    """The agenda's overdue matters, one line per matter (what, period, due date) with the units that owe it.

    The task reports of one node are one matter (``task``: true), each lead named with its number of items.
    """
    lines: dict[tuple[str, str, dt.date], dict[str, Any]] = {}
    for i in items:
        if i.kind in _NOT_ON_THE_AGENDA:
            continue
        label = period_label(i.nominal_due_on, i.frequency) if i.frequency and i.nominal_due_on else ""
        task = i.kind == DutyKind.TASK_REPORT
        line = lines.setdefault(("" if task else i.what, label, i.due_on), {
            "what": "" if task else i.what, "task": task, "period": label, "due_on": i.due_on, "units": {}})
        line["units"][i.unit] = line["units"].get(i.unit, 0) + 1
    return [{**line, "units": [{"name": n, "count": k} for n, k in line["units"].items()]}
            for line in lines.values()]


def record_meeting(ctx: EngineContext, now: dt.datetime, *, meeting_id: int, attendance: list[str],
                   decisions: str, action_items: list[ActionItem]) -> dict[str, Any]:
    """Store the minutes; every action item becomes an obligation the ladder chases."""
    with session_scope(ctx.engine) as session:
        created = record_minutes(session=session, meeting_id=meeting_id, attendance=attendance, decisions=decisions,
                                 action_items=action_items, now=now, cal=ctx.cal, escalation=ctx.escalation)
        return {"meeting_id": meeting_id, "action_items": [
            {"obligation": o.id, "period": o.period, "title": o.title, "due_on": o.due_on.isoformat()}
            for o in created]}
