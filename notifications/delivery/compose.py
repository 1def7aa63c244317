"""What the dispatcher sends: each claimed outbox row composed into a :class:`Job` in Chinese.

A ladder row going out alone is rendered from its :class:`~notifications.messages.render.MessageContext`
(:func:`ladder_context` fills every field: the chasing office and its contact, the clause in words, the 督办单
number and new time limit, what was done before and what follows); a digest row is rendered from its members
(``digest.j2``), those closed meanwhile left out (:class:`Cancelled` when none is left); a notice comes back from
the payload it was queued with, every channel form included. One query per table for a whole batch.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.dates import to_local
from models.enums import (
    UNIT_ROLES,
    DutyKind,
    Frequency,
    HolidayPolicy,
    ObligationStatus,
    OutboxStatus,
    Role,
    Stage,
    SystemStage,
)
from models.errors import DubanError
from models.rules.authority import owing_unit, preparing_office
from models.rules.calendar import Due, WorkingCalendar
from models.rules.ladder import EscalationSpec, step_at
from models.tables.engine import Obligation, Outbox
from models.tables.plan import Duty, Plan, Unit
from notifications.messages import wording
from notifications.messages.render import (
    DigestContext,
    MessageContext,
    RenderedMessage,
    from_payload,
    render,
    render_digest,
    render_failure_report,
)

_SYSTEM_STAGES = frozenset(SystemStage)  # rows whose message was rendered when queued (or is a failure report)


@dataclass(frozen=True)
class Job:
    """One outbox row, ready to send."""

    outbox_id: int
    recipient: str
    role: str
    stage: str
    level: int
    message: RenderedMessage
    attachments: tuple[Path, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


def period_label(nominal: dt.date, frequency: str | None) -> str:
    """A Chinese name for the period an obligation belongs to, e.g. 2016年上半年."""
    if frequency == Frequency.SEMIANNUAL:
        return f"{nominal.year}年{'上' if nominal.month <= 6 else '下'}半年"
    if frequency == Frequency.ANNUAL:
        return f"{nominal.year}年度"
    if frequency == Frequency.QUARTERLY:
        return f"{nominal.year}年第{(nominal.month - 1) // 3 + 1}季度"
    if frequency == Frequency.MONTHLY:
        return f"{nominal.year}年{nominal.month}月"
    return f"{nominal.year}年{nominal.month}月{nominal.day}日"


def quoted_title(title: str) -> str:
    """A title to put inside 《》: book-title marks inside it become 〈〉, as official writing does."""
    return title.replace("《", "〈").replace("》", "〉")


def _ladder_step(
    escalation: EscalationSpec, duty_code: str, offset: int, own: bool = False
) -> tuple[str | None, str | None, int | None]:
    """For the step at ``offset``: its template, and the next step's stage and offset (None after the last).

    ``own``: the obligation is the office's own work and follows the own ladder (the sweep's choice too).
    """
    ladder = escalation.for_obligation(duty_code, own)
    step = step_at(ladder, offset)
    if step is None:
        return None, None, None
    if step.next_offset is None:
        return step.template, None, None
    nxt = step_at(ladder, step.next_offset)
    return step.template, (nxt.stage.value if nxt else None), step.next_offset


@dataclass(frozen=True)
class Cancelled:
    """A claimed digest left with nothing to say (every decision it carried was closed): recorded, never sent."""

    reason: str


@dataclass(frozen=True)
class History:
    """When an obligation's earlier stages went out (the local day their carrier was released), None if not yet."""

    urged_on: dt.date | None = None
    noticed_on: dt.date | None = None
    escalated_on: dt.date | None = None  # first put to the leader (escalate, or its first repeat)
    doc_no: str = ""  # the number of its latest 督办单 (the head's), "" when none was numbered


_HISTORY_STAGES = {Stage.URGE: "urged_on", Stage.NOTICE: "noticed_on", Stage.ESCALATE: "escalated_on",
                   Stage.REPEAT: "escalated_on"}


@dataclass(frozen=True)
class _Facts:
    """What the rows of a batch are about, loaded in a few queries."""

    obs: dict[Any, Obligation]
    duties: dict[Any, Duty]
    units: dict[Any, Unit]  # every unit of the plans involved (the chasing office is looked up among them)
    plans: dict[Any, Plan]
    head_doc_no: dict[tuple[int, str], str]  # (obligation, stage key) → the number of the head's 督办单
    history: dict[int, History]  # obligation → when its earlier stages went out
    next_meeting: dict[int, dt.date]  # plan → the next joint meeting's date (today or later)

    @classmethod
    def load(cls, session: Session, rows: Sequence[Outbox], today: dt.date) -> _Facts:
        ob_ids = {r.obligation_id for r in rows if r.obligation_id is not None}
        obs = {o.id: o for o in session.exec(select(Obligation).where(col(Obligation.id).in_(ob_ids)))}
        duty_ids = {o.duty_id for o in obs.values()}
        duties = {d.id: d for d in session.exec(select(Duty).where(col(Duty.id).in_(duty_ids)))}
        plan_ids = {o.plan_id for o in obs.values()} | {r.plan_id for r in rows if r.plan_id is not None}
        plans = {p.id: p for p in session.exec(select(Plan).where(col(Plan.id).in_(plan_ids)))}
        units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.plan_id).in_(plan_ids)))}
        head_doc_no, history = _history(session, sorted(ob_ids))
        meetings = session.execute(
            sa.select(Obligation.plan_id, sa.func.min(Obligation.due_on))  # type: ignore[call-overload]
            .join(Duty, Duty.id == Obligation.duty_id)
            .where(col(Obligation.plan_id).in_(plan_ids), Duty.kind == DutyKind.JOINT_MEETING,
                   col(Obligation.due_on) >= today)
            .group_by(Obligation.plan_id)).all()
        return cls(obs=obs, duties=duties, units=units, plans=plans, head_doc_no=head_doc_no, history=history,
                   next_meeting={int(p): d for p, d in meetings})

    def doc_no(self, row: Outbox, carrier: Outbox) -> str:
        """The 督办单 number a ladder message names: its carrier's, for a head; the head's, for the coordinator's
        copy of a notice ("" while the head's is not yet numbered); at the later stages (escalate, repeat) the
        obligation's latest 督办单's; else ""."""
        if row.role == Role.HEAD:
            return carrier.doc_no or ""
        if row.obligation_id is None:
            return ""
        if row.role == Role.COORDINATOR and row.stage == Stage.NOTICE:
            return self.head_doc_no.get((row.obligation_id, row.stage_key), "")
        if row.stage in (Stage.ESCALATE, Stage.REPEAT):
            return self.history.get(row.obligation_id, History()).doc_no
        return ""


def _history(session: Session, ob_ids: Sequence[int]) -> tuple[dict[tuple[int, str], str], dict[int, History]]:
    """For these obligations: their heads' 督办单 numbers by stage key, and when their stages went out.

    A decision went out when its carrier (itself, or the digest that carried it) was sent: its day is the
    carrier's ``carried_on`` (rows from before the digest have none: the local day of ``sent_at``). A head's
    督办单 has its number from the moment it was bundled, sent or not yet (the coordinator's copy may go first).
    """
    if not ob_ids:
        return {}, {}
    t = Outbox.__table__  # type: ignore[attr-defined]
    c = t.alias("c")
    found = session.execute(
        sa.select(t.c.obligation_id, t.c.stage, t.c.stage_key, t.c.role, c.c.status, c.c.carried_on, c.c.sent_at,
                  c.c.doc_no, c.c.id)
        .join(c, c.c.id == sa.func.coalesce(t.c.digest_id, t.c.id))
        .where(t.c.obligation_id.in_(list(ob_ids)), t.c.stage.in_([s.value for s in _HISTORY_STAGES]),
               t.c.status.not_in([OutboxStatus.SKIPPED, OutboxStatus.SUPERSEDED, OutboxStatus.CANCELLED]))
        .order_by(c.c.id)).all()
    head_doc_no: dict[tuple[int, str], str] = {}
    days: dict[int, dict[str, dt.date]] = {}
    numbers: dict[int, str] = {}
    for ob, stage, key, role, status, carried_on, sent_at, doc_no, _cid in found:
        if role == Role.HEAD and stage == Stage.NOTICE and doc_no:
            head_doc_no[(int(ob), str(key))] = str(doc_no)
            numbers[int(ob)] = str(doc_no)  # in carrier order: the latest wins
        if status != OutboxStatus.SENT:
            continue
        day = carried_on or (to_local(sent_at).date() if sent_at is not None else None)
        if day is None:
            continue
        field_name = _HISTORY_STAGES[Stage(stage)]
        known = days.setdefault(int(ob), {})
        if field_name not in known or day < known[field_name]:
            known[field_name] = day
    history = {ob: History(urged_on=days.get(ob, {}).get("urged_on"), noticed_on=days.get(ob, {}).get("noticed_on"),
                           escalated_on=days.get(ob, {}).get("escalated_on"), doc_no=numbers.get(ob, ""))
               for ob in set(days) | set(numbers)}
    return head_doc_no, history


def build_jobs(
    *, session: Session, ids: Sequence[int], cal: WorkingCalendar, escalation: EscalationSpec, now: dt.datetime
) -> list[tuple[Outbox, Job | str | Cancelled]]:
    """Render the claimed rows (a few queries for their obligations, duties, units, plans and digest members).

    A row that cannot be rendered (a missing template, a broken payload) comes back with the error text
    instead of a job, so that it is recorded and retried like a failed send rather than stalling the batch. A
    digest whose every member was closed comes back :class:`Cancelled`; members closed before their digest
    went out are marked ``cancelled`` here (they are not in the message).
    """
    rows = list(session.exec(select(Outbox).where(col(Outbox.id).in_(list(ids))).order_by(col(Outbox.id))))
    digest_ids = [r.id for r in rows if r.stage == SystemStage.DIGEST]
    members: dict[int, list[Outbox]] = {}
    if digest_ids:
        for m in session.exec(select(Outbox).where(col(Outbox.digest_id).in_(digest_ids),
                                                   col(Outbox.status) == OutboxStatus.BUNDLED)
                              .order_by(col(Outbox.id))):
            members.setdefault(m.digest_id or 0, []).append(m)
    today = to_local(now).date()
    facts = _Facts.load(session, rows + [m for found in members.values() for m in found], today)
    out: list[tuple[Outbox, Job | str | Cancelled]] = []
    dropped: list[int] = []
    for row in rows:
        try:
            if row.stage == SystemStage.DIGEST:
                built = _digest(row, members.get(row.id or 0, []), facts, cal, escalation, today, dropped)
                if isinstance(built, Cancelled):
                    out.append((row, built))
                    continue
                message, meta = built
            else:
                message, meta = _message(row, facts, cal, escalation, today)
        except (DubanError, TypeError, ValueError, KeyError) as exc:
            out.append((row, f"cannot render the message: {exc}"[:500]))
            continue
        row.title, row.body = message.title, message.body
        files = tuple(Path(p) for p in json.loads(row.attachments or "[]"))
        out.append((row, Job(outbox_id=row.id or 0, recipient=row.recipient, role=row.role, stage=row.stage,
                             level=row.level, message=message, attachments=files, meta=meta)))
    if dropped:
        session.execute(sa.update(Outbox.__table__)  # type: ignore[attr-defined]
                        .where(Outbox.__table__.c.id.in_(dropped),  # type: ignore[attr-defined]
                               Outbox.__table__.c.status == OutboxStatus.BUNDLED)  # type: ignore[attr-defined]
                        .values(status=OutboxStatus.CANCELLED))
    return out


def owner_name(duty: Duty, units: dict[Any, Unit]) -> str:
    """The name of the unit a duty belongs to (the issuer, for the inspection), or "" when not loaded."""
    owner = units.get(duty.owner_id)
    return owner.name if owner is not None else ""


def chasing_office(duty: Duty, plan: Plan, units: dict[Any, Unit]) -> tuple[str, Unit | None]:
    """The office that chases a duty and signs its messages: the duty's owner, unless that is the plan's issuer
    or leader (never chasing anyone themselves) — then the plan's secretariat, else its coordinator. Returns its
    name and its unit row (None when the office is not one of the plan's units)."""
    owner = owner_name(duty, units)
    name = owing_unit(plan, owner) if owner else preparing_office(plan)  # the rule: models.rules.authority
    found = next((u for u in units.values() if u.plan_id == plan.id and u.name == name), None)
    return name, found


def _offset(row: Outbox) -> int:
    """The working-day offset of a ladder decision, from its stage key (``reminder@-5``, ``repeat@12``)."""
    return int(row.stage_key.split("@", 1)[1])


def ladder_context(
    row: Outbox, ob: Obligation, duty: Duty, unit: Unit, plan: Plan, units: dict[Any, Unit], cal: WorkingCalendar,
    escalation: EscalationSpec, today: dt.date, *, doc_no: str = "", history: History | None = None,
    next_meeting_on: dt.date | None = None,
) -> MessageContext:
    """Everything one ladder decision's message says (every :class:`MessageContext` field), for ``row``.

    Args:
        row: the ladder row (one decision for one recipient).
        ob, duty, unit, plan: its obligation, the obligation's duty, responsible unit and plan.
        units: the plan's units by id (the duty's owner and the chasing office are found among them).
        today: the local day the message is sent (its 落款 date).
        doc_no: the 督办单 number it names (:meth:`_Facts.doc_no`), or "".
        history: when the obligation's earlier stages went out (urged, noticed, put to the leader).
        next_meeting_on: the plan's next joint meeting, for the leader's ask.
    """
    history = history or History()
    offset = _offset(row)
    own = bool(ob.own)
    _template, next_stage, next_offset = _ladder_step(escalation, duty.code, offset, own)
    next_on = cal.add_working_days(ob.due_on, next_offset) if next_offset is not None else None
    due = Due(nominal=ob.nominal_due_on, effective=ob.due_on, policy=HolidayPolicy(ob.holiday_policy),
              rule=ob.holiday_rule)
    overdue_stage, overdue_on = None, None
    if offset <= 0:  # before (or on) the due date: what follows if it is missed is the first stage after it
        after = next((s for s in escalation.for_obligation(duty.code, own).stages if s.offset > 0), None)
        if after is not None:
            overdue_stage, overdue_on = after.stage.value, cal.add_working_days(ob.due_on, after.offset)
    office, office_unit = chasing_office(duty, plan, units)
    return MessageContext(
        stage=row.stage, level=row.level, role=row.role, plan_title=quoted_title(plan.title),
        doc_number=plan.doc_number,
        duty_kind=duty.kind.value, duty_title=duty.title, duty_clause=duty.clause, unit_name=unit.name,
        period=period_label(ob.nominal_due_on, duty.frequency.value if duty.frequency else None),
        nominal_due_on=ob.nominal_due_on, due_on=ob.due_on,
        holiday_note=due.describe_zh(), coordinator=plan.coordinator,
        working_days_left=cal.working_days_between(today, ob.due_on),
        next_stage=next_stage, next_on=next_on,
        own=own, schedule_default=bool((duty.schedule or {}).get("default", False)),
        duty_owner=owner_name(duty, units),
        holiday_rule=ob.holiday_rule,
        issuer=office,
        issued_on=today,
        contact=wording.contact_of(office, office_unit.contact if office_unit is not None else None),
        clause_ref=wording.clause_words(duty.clause),
        doc_no=doc_no,
        limit_on=(cal.add_working_days(next_on, -1) if row.stage == Stage.NOTICE and next_on is not None
                  else None),
        overdue_stage=overdue_stage, overdue_on=overdue_on,
        leader_title=wording.leader_title(plan.issuer),
        obligation_title=ob.title or "",
        unit_kind=unit.kind.value,
        urged_on=history.urged_on, noticed_on=history.noticed_on, escalated_on=history.escalated_on,
        next_meeting_on=next_meeting_on,
    )


def _context(row: Outbox, carrier: Outbox, facts: _Facts, cal: WorkingCalendar, escalation: EscalationSpec,
             today: dt.date) -> tuple[MessageContext, Duty]:
    """The context of one ladder row carried by ``carrier`` (itself, or its digest), and its duty."""
    ob = facts.obs[row.obligation_id]
    duty, unit, plan = facts.duties[ob.duty_id], facts.units[ob.unit_id], facts.plans[ob.plan_id]
    ctx = ladder_context(row, ob, duty, unit, plan, facts.units, cal, escalation, today,
                         doc_no=facts.doc_no(row, carrier), history=facts.history.get(ob.id or 0),
                         next_meeting_on=facts.next_meeting.get(ob.plan_id))
    return ctx, duty


def _message(
    row: Outbox, facts: _Facts, cal: WorkingCalendar, escalation: EscalationSpec, today: dt.date,
) -> tuple[RenderedMessage, dict[str, Any]]:
    """The rendered message of one outbox row going out alone, and the facts about it a sink may record."""
    meta: dict[str, Any] = {}
    ob = facts.obs.get(row.obligation_id) if row.obligation_id is not None else None
    if row.stage in _SYSTEM_STAGES or ob is None:
        payload = json.loads(row.payload or "{}")
        message = render_failure_report(**payload) if row.stage == SystemStage.FAILURE else from_payload(payload)
        return message, meta
    ctx, duty = _context(row, row, facts, cal, escalation, today)
    template, _next, _off = _ladder_step(escalation, duty.code, _offset(row), bool(ob.own))
    message = render(ctx, template=template)
    meta = {"obligation": ob.id, "duty": duty.kind.value, "duty_code": duty.code, "unit": ctx.unit_name,
            "due_on": ob.due_on.isoformat(), "nominal_due_on": ob.nominal_due_on.isoformat(),
            "stage_key": row.stage_key, "holiday_rule": ob.holiday_rule, "own": bool(ob.own),
            "schedule_default": ctx.schedule_default, "doc_no": row.doc_no,
            "decisions": [_decision(row, ob, duty, ctx.unit_name)]}
    return message, meta


def _decision(row: Outbox, ob: Obligation, duty: Duty, unit_name: str) -> dict[str, Any]:
    """One ladder decision a message carries, as a sink records it (a digest carries several)."""
    return {"obligation": ob.id, "stage": row.stage, "stage_key": row.stage_key, "level": row.level,
            "duty": duty.kind.value, "duty_code": duty.code, "unit": unit_name, "due_on": ob.due_on.isoformat(),
            "nominal_due_on": ob.nominal_due_on.isoformat(), "holiday_rule": ob.holiday_rule, "own": bool(ob.own)}


def _digest(
    row: Outbox, members: Sequence[Outbox], facts: _Facts, cal: WorkingCalendar, escalation: EscalationSpec,
    today: dt.date, dropped: list[int],
) -> tuple[RenderedMessage, dict[str, Any]] | Cancelled:
    """A digest row's message, from its members still to be said (those closed meanwhile go to ``dropped``)."""
    contexts: list[MessageContext] = []
    notes: list[RenderedMessage] = []
    kept: list[Outbox] = []
    decisions: list[dict[str, Any]] = []
    offices: set[str] = set()
    unit_name = ""
    for m in members:
        ob = facts.obs.get(m.obligation_id) if m.obligation_id is not None else None
        if m.stage == SystemStage.INFO:  # a notice about an obligation (its closing, often): it stays
            notes.append(from_payload(json.loads(m.payload or "{}")))
            kept.append(m)
            continue
        if ob is None or ob.status != ObligationStatus.OPEN:
            dropped.append(m.id or 0)
            continue
        ctx, duty = _context(m, row, facts, cal, escalation, today)
        contexts.append(ctx)
        kept.append(m)
        decisions.append(_decision(m, ob, duty, ctx.unit_name))
        offices.add(ctx.issuer)
        if row.role in UNIT_ROLES:
            unit_name = ctx.unit_name
    if not contexts and not notes:
        return Cancelled("every decision it carried was closed before it was sent")
    plan = facts.plans[row.plan_id]
    # One office signs the digest: its members' chasing office when they share one, else the plan's coordinator.
    office = contexts[0].issuer if len(offices) == 1 else plan.coordinator
    office_unit = next((u for u in facts.units.values() if u.plan_id == plan.id and u.name == office), None)
    message = render_digest(DigestContext(
        role=row.role, unit_name=unit_name, day=today, members=tuple(contexts), notes=tuple(notes),
        doc_no=row.doc_no or "", issuer=office,
        contact=wording.contact_of(office, office_unit.contact if office_unit is not None else None),
        leader_title=wording.leader_title(plan.issuer)))
    meta = {"digest": True, "members": [m.obligation_id for m in kept], "stages": [m.stage for m in kept],
            "unit": unit_name or None, "duty": SystemStage.DIGEST.value, "stage_key": row.stage_key,
            "doc_no": row.doc_no, "decisions": decisions}
    return message, meta
