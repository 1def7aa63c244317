"""Obligations: one per responsible unit per period of each duty, generated idempotently from the plan.

Each carries its nominal and effective due dates, the holiday rule applied, the calendar data used,
and the working-day index at which its first ladder stage falls due. Generating twice inserts nothing
new; a changed calendar or holiday policy moves the due dates of obligations still open, with history.

The chain of authority (:mod:`models.rules.authority`) decides who owes what: a duty the plan gives to its
issuer or leader (the inspection) is owed by the preparing office; an obligation owed by the coordinator
or the secretariat is the office's own work (``own``: the "own" ladder). Generation keeps ``own`` right for
every open obligation of the plan when the plan changes, and closes as waived, once, any open obligation
owed by the issuer or leader (one generated before these rules), saying why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from models.engine.adhoc import close_obligation
from models.engine.isolation import PlanFailure
from models.engine.sweep import take_sweep_turn
from models.engine.workdays import ensure_years
from models.enums import EventKind, Light, ObligationStatus, OutboxStatus, Responsible, Stage
from models.errors import PlanError
from models.plan.schema import FIRST_YEAR, LAST_YEAR, DutySpec, PlanSpec
from models.plan.store import find_plan
from models.plan.tasks import expand_duties
from models.rules.authority import is_own, owing_unit, top_of_chain, waive_reason
from models.rules.calendar import WorkingCalendar
from models.rules.ladder import EscalationSpec, first_offset
from models.tables.engine import Obligation, ObligationEvent
from models.tables.plan import Duty, Unit

# The years obligations are generated for: the plan file's own bounds. A plan stored before those bounds
# existed (a schedule running from 0001 to 9999) is refused at once, before it fills the working-day table.
GENERATION_YEARS = (FIRST_YEAR, LAST_YEAR)


def _day(year: int, md: str) -> dt.date:
    month, day = (int(x) for x in md.split("-"))
    if (month, day) == (2, 29):
        try:
            return dt.date(year, 2, 29)
        except ValueError:
            return dt.date(year, 2, 28)  # 02-29 in a common year: the last day of February
    return dt.date(year, month, day)


def nominal_dates(plan: PlanSpec, duty: DutySpec, cal: WorkingCalendar) -> list[dt.date]:
    """The nominal due dates of a duty over the plan period, in order."""
    return [nominal for _period, nominal in duty_periods(plan, duty, cal)]


def duty_periods(plan: PlanSpec, duty: DutySpec, cal: WorkingCalendar) -> list[tuple[str, dt.date]]:
    """(period key, nominal due date) of each period of a duty, in order.

    The key is the nominal date, except for a duty due relative to another (an inspection after each
    report): its key is the other duty's period, so the obligation keeps its identity when that duty's
    effective date moves (a changed holiday policy or calendar) and only its due date follows.
    """
    sched = duty.schedule
    if sched.after is not None:
        base = next(d for d in plan.duties if d.code == sched.after)
        out = []
        for period, nominal in duty_periods(plan, base, cal):
            effective = cal.effective_due(nominal, base.holiday_policy).effective
            out.append((period, cal.add_working_days(effective, sched.offset_working_days)))
        return out
    start = sched.from_ or dt.date(plan.period.start, 1, 1)
    end = sched.until or dt.date(plan.period.end, 12, 31)
    days = [_day(y, md) for y in range(start.year, end.year + 1) for md in sched.dates]
    return [(d.isoformat(), d) for d in sorted(days) if start <= d <= end]


def responsible_units(plan: PlanSpec, duty: DutySpec) -> list[str]:
    """Names of the units that owe each period of ``duty``, each once.

    The issuer and the leader owe nothing: their part is owed by the preparing office
    (:func:`models.rules.authority.owing_unit`).
    """
    if duty.responsible is Responsible.LOCALITIES:
        named = plan.locality_names
    elif duty.responsible is Responsible.MEMBERS:
        named = list(duty.members)
    else:
        named = [duty.owner]
    return list(dict.fromkeys(owing_unit(plan, name) for name in named))


@dataclass
class GenerateResult:
    """What obligation generation did."""

    created: int
    moved: int
    total: int
    years: tuple[int, int]
    calendar_notices: list[str]
    failed: list[PlanFailure] = field(default_factory=list)
    waived: int = 0  # open obligations of the issuer or leader closed (generated before the authority rules)
    own_changed: int = 0  # open obligations whose ``own`` changed with the plan


def _insert_ignore(session: Session, rows: list[dict[str, object]]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    table = Obligation.__table__  # type: ignore[attr-defined]
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = ins.on_conflict_do_nothing(index_elements=["duty_id", "unit_id", "period"])
    count = sa.select(sa.func.count()).select_from(table)
    before = session.execute(count).scalar_one()
    for i in range(0, len(rows), 5000):
        session.execute(stmt, rows[i:i + 5000])
    # Counted, because executemany reports no reliable rowcount on every driver.
    return int(session.execute(count).scalar_one() - before)


def check_generation_years(plan: PlanSpec) -> None:
    """Refuse a stored plan whose period or duty schedules run outside :data:`GENERATION_YEARS`.

    Raises:
        PlanError: naming the plan, the duty and the date.
    """
    lo, hi = GENERATION_YEARS
    problems = []
    if not lo <= plan.period.start <= plan.period.end <= hi:
        problems.append(f"plan {plan.code}: period {plan.period.start}–{plan.period.end} is outside the years "
                        f"{lo}–{hi} obligations are generated for")
    for duty in plan.duties:
        for label, day in (("from", duty.schedule.from_), ("until", duty.schedule.until)):
            if day is not None and not lo <= day.year <= hi:
                problems.append(f"plan {plan.code}: duty {duty.code} schedule {label} {day.isoformat()} is outside "
                                f"the years {lo}–{hi} obligations are generated for")
    if problems:
        raise PlanError(problems)


def generate_obligations(
    plan_code: str | None, *, session: Session, cal: WorkingCalendar, escalation: EscalationSpec, now: dt.datetime
) -> GenerateResult:
    """Create the obligations of every duty of a stored plan (idempotent) and refresh open due dates.

    Takes the sweep's turn first (PostgreSQL), so that concurrent runs do not race to add the same
    working-day years.
    """
    from models.plan.store import read_plan

    take_sweep_turn(session)
    plan_row = find_plan(plan_code, session=session)
    plan = read_plan(plan_row.code, session=session)
    check_generation_years(plan)
    pid = plan_row.id
    assert pid is not None
    units = {u.name: u.id or 0 for u in session.exec(select(Unit).where(Unit.plan_id == pid))}
    duties = {d.code: d.id or 0 for d in session.exec(select(Duty).where(Duty.plan_id == pid))}

    wanted: list[tuple[DutySpec, str, dt.date]] = [
        (duty, period, nominal) for duty in expand_duties(plan) for period, nominal in duty_periods(plan, duty, cal)
    ]
    years = (min([plan.period.start] + [n.year for _, _, n in wanted]) - 1,
             max([plan.period.end] + [n.year for _, _, n in wanted]) + 1)
    ensure_years(session, cal, *years)
    idx = dict(session.execute(sa.text(
        "SELECT day, idx FROM workday WHERE day BETWEEN :a AND :b"
    ), {"a": dt.date(years[0], 1, 1), "b": dt.date(years[1], 12, 31)}).all())
    idx = {(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))): int(i) for d, i in idx.items()}

    rows: list[dict[str, object]] = []
    targets: dict[tuple[int, int, str], dict[str, object]] = {}
    for duty, period, nominal in wanted:
        due = cal.effective_due(nominal, duty.holiday_policy)
        source = cal.year_info(due.effective.year).source.value
        due_wd = idx[due.effective]
        for name in responsible_units(plan, duty):
            own = is_own(plan, name)
            start = due_wd + first_offset(escalation.for_obligation(duty.code, own))
            row = {
                "plan_id": pid, "duty_id": duties[duty.code], "unit_id": units[name],
                "period": period, "nominal_due_on": nominal, "due_on": due.effective,
                "holiday_policy": due.policy.value, "holiday_rule": due.rule, "calendar_source": source,
                "due_wd": due_wd, "status": ObligationStatus.OPEN, "light": Light.NONE, "level": -1, "stage_seq": -1,
                "next_wd": start, "created_at": now, "updated_at": now, "own": own,
            }
            rows.append(row)
            targets[(duties[duty.code], units[name], period)] = row
    created = _insert_ignore(session, rows)
    moved = _refresh_due_dates(session, pid, targets, now)
    names = {uid: name for name, uid in units.items()}
    waived = _waive_top_of_chain(session, plan, pid, names, now)
    own_changed = _refresh_own(session, plan, pid, names, {i: c for c, i in duties.items()}, escalation, now)
    total = session.execute(
        sa.select(sa.func.count()).select_from(Obligation).where(col(Obligation.plan_id) == pid)
    ).scalar_one()
    return GenerateResult(created=created, moved=moved, total=int(total), years=years,
                          calendar_notices=list(cal.notices), waived=waived, own_changed=own_changed)


def _waive_top_of_chain(session: Session, plan: PlanSpec, pid: int, names: dict[int, str], now: dt.datetime) -> int:
    """Close as waived the open obligations owed by the issuer or leader (none are generated any more)."""
    top = [uid for uid, name in names.items() if name in top_of_chain(plan)]
    if not top:
        return 0
    found = session.exec(select(Obligation.id, Obligation.unit_id).where(
        col(Obligation.plan_id) == pid, col(Obligation.status) == ObligationStatus.OPEN,
        col(Obligation.unit_id).in_(top))).all()
    return sum(close_obligation(session=session, obligation_id=oid or 0, status=ObligationStatus.WAIVED, now=now,
                                note=waive_reason(plan, names[uid])) for oid, uid in found)


def _refresh_own(
    session: Session, plan: PlanSpec, pid: int, names: dict[int, str], codes: dict[int, str],
    escalation: EscalationSpec, now: dt.datetime,
) -> int:
    """Set ``own`` of every open obligation of the plan (plan duties and ad-hoc ones) from the authority rules.

    An obligation whose ``own`` changes moves to the other ladder from its start: its messages of the old
    ladder still waiting are cancelled, the stages it has passed on the new one are recorded as skipped by
    the next sweep, and only the current one is sent.
    """
    mine = {uid for uid, name in names.items() if is_own(plan, name)}
    # Compared in SQL, so a sweep with nothing to flip (the usual case) reads no rows back.
    should_be_own = col(Obligation.unit_id).in_(sorted(mine)) if mine else sa.false()
    flip = list(session.exec(select(Obligation.id).where(
        col(Obligation.plan_id) == pid, col(Obligation.status) == ObligationStatus.OPEN,
        col(Obligation.own) != should_be_own)))
    for ob in session.exec(select(Obligation).where(col(Obligation.id).in_(flip))) if flip else ():
        ob.own = ob.unit_id in mine
        ob.stage_seq = -1
        ob.next_wd = ob.due_wd + first_offset(escalation.for_obligation(codes.get(ob.duty_id, ""), ob.own))
        ob.updated_at = now
    session.flush()
    if flip:
        ladder_stages = ", ".join(f"'{stage}'" for stage in Stage)
        session.execute(sa.text(
            f"UPDATE outbox SET status = '{OutboxStatus.CANCELLED}' WHERE status = '{OutboxStatus.PENDING}' "
            f"AND stage IN ({ladder_stages}) AND obligation_id IN ({', '.join(str(int(i or 0)) for i in flip)})"))
    return len(flip)


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _refresh_due_dates(
    session: Session, pid: int, targets: dict[tuple[int, int, str], dict[str, object]], now: dt.datetime
) -> int:
    """Move the due dates of open obligations whose calendar or holiday policy changed."""
    moved = 0
    # Compare on plain columns (cheap on every sweep); load full rows only for the few that moved.
    keys = session.execute(sa.text(
        "SELECT id, duty_id, unit_id, period, due_on, due_wd, holiday_rule FROM obligation "
        f"WHERE plan_id = :p AND status = '{ObligationStatus.OPEN}'"
    ), {"p": pid}).all()
    changed = [oid for oid, duty, unit, period, due_on, due_wd, rule in keys
               if (want := targets.get((duty, unit, period))) is not None
               and (_as_date(due_on), due_wd, rule) != (want["due_on"], want["due_wd"], want["holiday_rule"])]
    if not changed:
        return 0
    for ob in session.exec(select(Obligation).where(col(Obligation.id).in_(changed))):
        want = targets.get((ob.duty_id, ob.unit_id, ob.period))
        if want is None or (ob.due_on, ob.due_wd, ob.holiday_rule) == (
            want["due_on"], want["due_wd"], want["holiday_rule"]
        ):
            continue
        assert isinstance(want["due_wd"], int)
        shift = want["due_wd"] - ob.due_wd
        session.add(ObligationEvent(obligation_id=ob.id or 0, at=now, kind=EventKind.DUE, old=ob.due_on.isoformat(),
                                    new=str(want["due_on"]), note=str(want["holiday_rule"])))
        ob.nominal_due_on = want["nominal_due_on"]  # type: ignore[assignment]
        ob.due_on = want["due_on"]  # type: ignore[assignment]
        ob.due_wd = want["due_wd"]
        ob.holiday_rule = str(want["holiday_rule"])
        ob.holiday_policy = str(want["holiday_policy"])
        ob.calendar_source = str(want["calendar_source"])
        if ob.next_wd is not None:
            ob.next_wd += shift
        ob.updated_at = now
        moved += 1
    session.flush()
    return moved
