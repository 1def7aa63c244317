"""The sweep: which reminders and escalations are due now, decided set-based in SQL.

One sweep, for all open obligations at once, in five steps (one transaction; the caller commits):

1. cancels pending messages of obligations that are no longer open;
2. enqueues an outbox row per recipient for the ladder stage each obligation has reached *now* —
   earlier stages it never got (after downtime) are written first, as ``skipped`` rows, so what was
   skipped is on record and is never sent late; the unique key (obligation, stage key, recipient) makes
   a second enqueue a no-op, so sweeps may run twice, concurrently, or after a crash;
3. records each light change about to be made (blue near the due date, red overdue and sticky) in the
   obligations' history, while the old lights are still there to be read;
4. advances each obligation that had something due: the stage reached, its level, ``next_wd`` (the
   working day its next stage falls due, so the next sweep reads only the rows that have something due,
   an index range scan) and its light, in one write per row;
5. updates the lights step 4 did not write: those of the obligations that reached no stage today.

The ladders are inlined as VALUES tables keyed by (duty, own): an obligation owed by the supervising
office itself (``own``, :mod:`models.rules.authority`) follows the "own" ladder — work reminders, then
the leader — and every other one its duty's ladder; no per-obligation Python runs here. The steps run for every
plan at once; should one plan's rows make a statement fail (a value the database cannot compute with),
they are undone and run again plan by plan, each in its own savepoint, so that plan is set aside and
reported and every other plan is still chased.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from models.dates import to_local
from models.db import AwareDateTime
from models.engine.isolation import PLAN_FAULTS, PlanFailure, is_plan_fault, one_line
from models.engine.workdays import day_index, ensure_years
from models.enums import (
    ROLE_TAG_PREFIX,
    UNIT_ROLES,
    UNIT_TAG_PREFIX,
    EventKind,
    Light,
    ObligationStatus,
    OutboxStatus,
    Stage,
    SystemStage,
)
from models.rules.calendar import WorkingCalendar, WorkingHours, next_send_time
from models.rules.ladder import NO_NEXT, EscalationSpec
from models.tables.plan import Duty

SWEEP_LOCK = 0x6475_6261  # "duba": the PostgreSQL advisory lock sweeps take turns on
BLUE_WINDOW = 5  # working days before the effective due date in which an open obligation shows blue
_OWN = "(CASE WHEN {p}own THEN 1 ELSE 0 END)"  # obligation.own as 0/1, the key of its ladder (boolean in PostgreSQL)


@dataclass
class SweepResult:
    """What one sweep did."""

    as_of: dt.datetime
    today_idx: int
    not_before: dt.datetime
    cancelled: int = 0
    enqueued: int = 0
    skipped: int = 0
    advanced: int = 0
    lights_changed: int = 0
    calendar_notices: list[str] = field(default_factory=list)
    failed: list[PlanFailure] = field(default_factory=list)

    def add(self, part: SweepResult) -> None:
        """Add one plan's counts to the whole sweep's."""
        self.cancelled += part.cancelled
        self.enqueued += part.enqueued
        self.skipped += part.skipped
        self.advanced += part.advanced
        self.lights_changed += part.lights_changed


def _light_sql(p: str) -> tuple[str, str]:
    """The new light, and the condition under which an open obligation's light changes (columns prefixed)."""
    new = f"CASE WHEN :k - {p}due_wd >= 1 THEN '{Light.RED}' ELSE '{Light.BLUE}' END"
    changing = (f"{p}status = '{ObligationStatus.OPEN}' AND {p}light IN ('{Light.NONE}', '{Light.BLUE}', "
                f"'{Light.YELLOW}') AND {p}due_wd <= :k + {BLUE_WINDOW} "
                f"AND {p}light <> {new} AND NOT ({p}light = '{Light.YELLOW}' AND :k - {p}due_wd < 1)")
    return new, changing


def _changed(session: Session, result: Any) -> int:
    """Rows a DML statement changed. Python's sqlite3 reports -1 for statements that start with WITH."""
    if result.rowcount >= 0:
        return int(result.rowcount)
    return int(session.execute(sa.text("SELECT changes()")).scalar_one())


def _ladder_values(session: Session, escalation: EscalationSpec) -> tuple[str, str, dict[str, object]]:
    """VALUES lists for the stages and audiences of every duty's ladders, with their bind parameters.

    Each duty has two: its own ladder for other units' obligations (own = 0) and the office's own-work
    ladder (own = 1, :meth:`EscalationSpec.for_obligation`).
    """
    stages: list[str] = []
    audience: list[str] = []
    params: dict[str, object] = {}
    for duty_id, code in session.exec(select(Duty.id, Duty.code)):
        for own in (0, 1):
            ladder = escalation.for_obligation(code, bool(own))
            n = len(ladder.stages)
            for seq, s in enumerate(ladder.stages):
                nxt = ladder.stages[seq + 1].offset if seq + 1 < n else NO_NEXT
                rep = ladder.repeat_every if seq + 1 == n else 0
                p = f"s{duty_id}_{own}_{seq}"
                params[p] = s.stage.value
                stages.append(f"({int(duty_id or 0)}, {own}, {seq}, :{p}, {s.resolved_level}, {s.offset}, {nxt}, "
                              f"{rep})")
                for role in s.audience:
                    q = f"r{duty_id}_{own}_{seq}_{role.value}"
                    params[q] = role.value
                    audience.append(f"({int(duty_id or 0)}, {own}, {seq}, :{q}, {1 if role in UNIT_ROLES else 0})")
    if not stages:
        stages.append("(-1, 0, 0, 'none', 0, 0, 0, 0)")
        audience.append("(-1, 0, 0, 'none', 0)")
    return ",\n".join(stages), ",\n".join(audience), params


@dataclass(frozen=True)
class _Moment:
    """What the steps of one sweep share: the time, today's working-day index, and the ladder as SQL."""

    now: dt.datetime
    k: int
    not_before: dt.datetime
    ladder_cte: str  # the ``st`` (stages) and ``aud`` (audiences) VALUES tables of every (duty, own) ladder
    ladder_params: dict[str, object]
    plan_id: int | None = None  # sweep only this plan's obligations (None: every plan's)

    def only(self, column: str) -> str:
        """The condition limiting a step to :attr:`plan_id` (empty when sweeping every plan)."""
        return "" if self.plan_id is None else f" AND {column} = {int(self.plan_id)}"


def _timestamps(*names: str) -> list[sa.BindParameter[Any]]:
    """Bind parameters for the named aware timestamps (stored as UTC)."""
    ts = AwareDateTime()
    return [sa.bindparam(name, type_=ts) for name in names]


def take_sweep_turn(session: Session) -> None:
    """Wait for the sweep's turn until the end of this transaction (PostgreSQL; SQLite has one writer anyway).

    Sweeps take turns: a concurrent second sweep waits, then finds nothing left to do.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK})


def _prepare(session: Session, cal: WorkingCalendar, escalation: EscalationSpec, now: dt.datetime,
             hours: WorkingHours) -> _Moment:
    """Take the sweep's turn, make sure the working-day table covers today, and inline the ladders."""
    take_sweep_turn(session)
    local_today = to_local(now).date()
    ensure_years(session, cal, local_today.year - 1, local_today.year + 1)
    k = day_index(session, local_today)
    not_before = next_send_time(cal, now, hours)
    stage_values, audience_values, params = _ladder_values(session, escalation)
    ladder_cte = (
        f"st(duty_id, own, seq, stage, lvl, off, next_off, rep) AS (VALUES {stage_values}),\n"
        f"aud(duty_id, own, seq, role, per_unit) AS (VALUES {audience_values})"
    )
    return _Moment(now=now, k=k, not_before=not_before, ladder_cte=ladder_cte, ladder_params=params)


def _cancel_closed(session: Session, m: _Moment) -> int:
    """Step 1: pending ladder messages of obligations that were closed meanwhile are not sent.

    Messages of the system stages (info, failure) stay: they say something about the closing itself (a
    unit's report that it is done, an application for close-out, its review), as in ``close_obligation``.
    """
    system_stages = ", ".join(f"'{stage}'" for stage in SystemStage)
    return _changed(session, session.execute(sa.text(
        f"UPDATE outbox SET status = '{OutboxStatus.CANCELLED}' WHERE status = '{OutboxStatus.PENDING}' "
        f"AND stage NOT IN ({system_stages}) "
        "AND EXISTS (SELECT 1 FROM obligation o "
        f"WHERE o.id = outbox.obligation_id AND o.status <> '{ObligationStatus.OPEN}'{m.only('o.plan_id')})"
    )))


def _enqueue(session: Session, m: _Moment) -> tuple[int, int]:
    """Step 2: enqueue the stage each obligation with something due has reached now.

    Earlier stages it never got are recorded as skipped. Repeats of the last stage get their own key
    (repeat@<offset>).

    Returns:
        (skipped rows, enqueued rows): the same statement runs twice, skipped stages first.
    """
    unit_key = f"'{UNIT_TAG_PREFIX}' || u.code || '+{ROLE_TAG_PREFIX}' || aud.role"
    role_key = f"'{ROLE_TAG_PREFIX}' || aud.role"
    repeat = Stage.REPEAT
    enqueue = sa.text(f"""
WITH {m.ladder_cte},
due AS MATERIALIZED (
    SELECT o.id AS oid, o.unit_id, o.duty_id, {_OWN.format(p='o.')} AS own, o.stage_seq, (:k - o.due_wd) AS d
    FROM obligation o
    WHERE o.status = '{ObligationStatus.OPEN}' AND o.next_wd <= :k{m.only("o.plan_id")}
),
hit AS (
    SELECT due.oid, due.unit_id, due.duty_id, due.own, due.stage_seq, st.seq, st.stage, st.lvl, st.off, st.rep,
           CASE WHEN st.next_off > due.d THEN 1 ELSE 0 END AS is_current,
           CASE WHEN st.rep > 0 AND due.d >= st.off + st.rep THEN (due.d - st.off) / st.rep ELSE 0 END AS step
    FROM due JOIN st ON st.duty_id = due.duty_id AND st.own = due.own AND st.off <= due.d
                   AND st.seq >= due.stage_seq
)
INSERT INTO outbox (obligation_id, stage_key, stage, level, recipient, role, status, attempts,
                    not_before, next_attempt_at, created_at)
SELECT hit.oid,
       CASE WHEN hit.step > 0 AND hit.is_current = 1 THEN '{repeat}@' || CAST(hit.off + hit.step * hit.rep AS TEXT)
            ELSE hit.stage || '@' || CAST(hit.off AS TEXT) END,
       CASE WHEN hit.step > 0 AND hit.is_current = 1 THEN '{repeat}' ELSE hit.stage END,
       hit.lvl,
       CASE WHEN aud.per_unit = 1 THEN {unit_key} ELSE {role_key} END,
       aud.role,
       CASE WHEN hit.is_current = 1 THEN '{OutboxStatus.PENDING}' ELSE '{OutboxStatus.SKIPPED}' END,
       0, :nb, :nb, :now
FROM hit
JOIN aud ON aud.duty_id = hit.duty_id AND aud.own = hit.own AND aud.seq = hit.seq
JOIN unit u ON u.id = hit.unit_id
WHERE (hit.is_current = 1 AND :current = 1) OR (hit.is_current = 0 AND :current = 0 AND hit.seq > hit.stage_seq)
ON CONFLICT (obligation_id, stage_key, recipient) DO NOTHING
""").bindparams(*_timestamps("now", "nb"))
    params = {**m.ladder_params, "k": m.k, "now": m.now, "nb": m.not_before}
    skipped = _changed(session, session.execute(enqueue, {**params, "current": 0}))
    enqueued = _changed(session, session.execute(enqueue, {**params, "current": 1}))
    return skipped, enqueued


def _record_light_changes(session: Session, m: _Moment) -> int:
    """Step 3: a history row for each light about to change, written while the old values are still there.

    Blue within BLUE_WINDOW working days of the due date, red once overdue (sticky); steps 4 and 5 then
    write the new lights.
    """
    new_light, changing = _light_sql("")
    return _changed(session, session.execute(sa.text(
        "INSERT INTO obligation_event (obligation_id, at, kind, old, new, note) "
        f"SELECT id, :now, '{EventKind.LIGHT}', light, {new_light}, '' FROM obligation WHERE {changing}"
        f"{m.only('plan_id')}"
    ).bindparams(*_timestamps("now")), {"k": m.k, "now": m.now}))


def _advance(session: Session, m: _Moment) -> int:
    """Step 4: remember the stage reached, when the next one falls due, and the light (one write per row).

    The current stage is looked up per due row (a correlated subquery over the small VALUES list), so the
    due rows are read once, through the (status, next_wd) index.
    """
    q_new_light, q_changing = _light_sql("obligation.")
    is_open = ObligationStatus.OPEN
    current = (f"st.duty_id = obligation.duty_id AND st.own = {_OWN.format(p='obligation.')} "
               "AND st.off <= :k - obligation.due_wd AND st.next_off > :k - obligation.due_wd")
    advance = sa.text(f"""
WITH {m.ladder_cte}
UPDATE obligation SET (stage_seq, level, next_wd, light, updated_at) = (
    SELECT st.seq,
           CASE WHEN st.lvl > obligation.level THEN st.lvl ELSE obligation.level END,
           CASE WHEN st.next_off < {NO_NEXT} THEN obligation.due_wd + st.next_off
                WHEN st.rep > 0 THEN obligation.due_wd + st.off
                     + ((:k - obligation.due_wd - st.off) / st.rep + 1) * st.rep
                ELSE NULL END,
           CASE WHEN {q_changing} THEN {q_new_light} ELSE obligation.light END,
           :now
    FROM st WHERE {current})
WHERE obligation.status = '{is_open}' AND obligation.next_wd <= :k AND EXISTS (SELECT 1 FROM st WHERE {current})
      {m.only("obligation.plan_id")}
""").bindparams(*_timestamps("now"))
    return _changed(session, session.execute(advance, {**m.ladder_params, "k": m.k, "now": m.now}))


def _update_other_lights(session: Session, m: _Moment) -> None:
    """Step 5: the lights of the obligations that reached no stage today (step 4 wrote the others')."""
    new_light, changing = _light_sql("")
    session.execute(sa.text(
        f"UPDATE obligation SET light = {new_light}, updated_at = :now WHERE {changing}{m.only('plan_id')}"
    ).bindparams(*_timestamps("now")), {"k": m.k, "now": m.now})


def sweep(
    *,
    session: Session,
    cal: WorkingCalendar,
    escalation: EscalationSpec,
    now: dt.datetime,
    hours: WorkingHours | None = None,
) -> SweepResult:
    """Run one sweep as of ``now`` (aware): the five steps of the module docstring, in order. The caller commits.

    The plans whose rows made a step fail are in ``result.failed``; every other plan was swept.
    """
    m = _prepare(session, cal, escalation, now, hours or WorkingHours())
    result = SweepResult(as_of=now, today_idx=m.k, not_before=m.not_before)
    try:
        with session.begin_nested():
            _steps(session, m, result)
    except PLAN_FAULTS as exc:
        if not is_plan_fault(exc):
            raise
        result = _plan_by_plan(session, m, SweepResult(as_of=now, today_idx=m.k, not_before=m.not_before))
    result.calendar_notices = list(cal.notices)
    return result


def _steps(session: Session, m: _Moment, result: SweepResult) -> None:
    result.cancelled = _cancel_closed(session, m)
    result.skipped, result.enqueued = _enqueue(session, m)
    result.lights_changed = _record_light_changes(session, m)
    result.advanced = _advance(session, m)
    _update_other_lights(session, m)


def _plan_by_plan(session: Session, m: _Moment, result: SweepResult) -> SweepResult:
    """The five steps once per plan, each plan in its own savepoint; a plan that fails is set aside."""
    for pid, code in session.execute(sa.text("SELECT id, code FROM plan ORDER BY id")).all():
        part = SweepResult(as_of=result.as_of, today_idx=result.today_idx, not_before=result.not_before)
        try:
            with session.begin_nested():
                _steps(session, replace(m, plan_id=int(pid)), part)
        except PLAN_FAULTS as exc:
            if not is_plan_fault(exc):
                raise
            result.failed.append(PlanFailure(plan=str(code), step="sweep", error=one_line(exc)))
            continue
        result.add(part)
    return result


def due_floor_query(session: Session, k: int) -> int:
    """The bare indexed query selecting the obligations a sweep at index ``k`` has work for (the floor)."""
    return int(session.execute(sa.text(
        f"SELECT COUNT(*) FROM obligation WHERE status = '{ObligationStatus.OPEN}' AND next_wd <= :k"
    ), {"k": k}).scalar_one())


