"""Task supervision as duties: the plan's ``task_report`` duty expanded into one duty per item.

:func:`expand_duties` is the list of duties obligations are generated for: the plan file's own duties,
with each ``task_report`` duty (``responsible: item_leads``) replaced by one derived duty per item, owed by
the item's lead unit. A derived duty:

* code ``<duty code>-<first 8 hex of sha1(item ref)>``: stable when items are reordered or retitled;
* kind ``task_report``; title = 报送“<the item's title>”落实情况; owner = the parent duty's owner (who receives the
  reports); responsible = members, members = [the item's lead]; cooperating = the item's cooperating units
  (told, may contribute); the parent's clause, text, frequency, schedule and holiday policy.

A plan without a ``task_report`` duty gets no derived duty. :func:`sync_task_duties` stores the derived
duties as ``duty`` rows with ``item_id`` set (ids kept on reload; those of items gone are deleted);
:func:`models.plan.store.read_plan` does not return them: it returns the file's duties.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib

from sqlmodel import Session, col, select

from models.enums import DutyKind, Responsible
from models.plan.schema import DutySpec, ItemSpec, PlanSpec
from models.plan.sync import sync_rows
from models.tables.plan import Duty, DutyMember, Item

# Room a derived code needs after its parent's: "-" and 8 hex digits (codes are at most 63 characters).
DERIVED_SUFFIX = 9
MAX_PARENT_CODE = 63 - DERIVED_SUFFIX
MEMBER, COOPERATING = "member", "cooperating"


def derived_code(duty_code: str, item_ref: str) -> str:
    """The code of ``duty_code``'s derived duty for the item ``item_ref``: ``<duty code>-<sha1(ref)[:8]>``."""
    return f"{duty_code}-{hashlib.sha1(item_ref.encode()).hexdigest()[:8]}"


# A derived duty's title is the item's title inside 报送“…”落实情况 (a duty title holds 200 characters).
TITLE_ROOM = 190


def is_expanded(duty: DutySpec) -> bool:
    """True for a duty that stands for one derived duty per item (a ``task_report`` owed by item leads)."""
    return duty.kind is DutyKind.TASK_REPORT and duty.responsible is Responsible.ITEM_LEADS


def inner_quotes(title: str) -> str:
    """Quotation marks inside a quoted title become single ones: 实施“机器换人”计划 → 实施‘机器换人’计划."""
    return title.replace("“", "‘").replace("”", "’")


def item_duty(duty: DutySpec, item: ItemSpec) -> DutySpec:
    """The derived duty of ``duty`` for ``item``: owed by its lead, its cooperating units told."""
    return DutySpec(
        code=derived_code(duty.code, item.ref), kind=DutyKind.TASK_REPORT, clause=duty.clause,
        title=f"报送“{inner_quotes(item.title[:TITLE_ROOM])}”落实情况",
        text=duty.text, owner=duty.owner, responsible=Responsible.MEMBERS, members=[item.lead],
        cooperating=list(item.cooperating), frequency=duty.frequency, schedule=duty.schedule,
        holiday_policy=duty.holiday_policy,
    )


def task_duties(plan: PlanSpec) -> list[tuple[ItemSpec, DutySpec]]:
    """(item, derived duty) for every ``task_report`` duty of the plan and every item, in plan order."""
    return [(item, item_duty(duty, item)) for duty in plan.duties if is_expanded(duty) for item in plan.items]


def expand_duties(plan: PlanSpec) -> list[DutySpec]:
    """Every duty obligations are generated for, in plan order: a task_report duty gives way to its items'."""
    out: list[DutySpec] = []
    for duty in plan.duties:
        if is_expanded(duty):
            out.extend(item_duty(duty, item) for item in plan.items)
        else:
            out.append(duty)
    return out


def member_rows(duty: DutySpec) -> list[tuple[str, str]]:
    """(unit name, role) of a duty's member rows in order: its members, then its cooperating units."""
    return [(name, MEMBER) for name in duty.members] + [(name, COOPERATING) for name in duty.cooperating]


def sync_members(session: Session, duty_row: Duty, duty: DutySpec, unit_id: dict[str, int | None],
                 existing: list[DutyMember], changes: list[str]) -> None:
    """Make a duty's member rows (members, then cooperating units) match ``duty``."""
    name_of = {v: k for k, v in unit_id.items()}
    did = duty_row.id
    sync_rows(
        session,
        existing,
        [(unit_id[name], {"position": pos, "role": role}) for pos, (name, role) in enumerate(member_rows(duty))],
        lambda k, v: DutyMember(duty_id=did or 0, unit_id=k, **v),
        lambda r: r.unit_id,
        lambda k: f"duty {duty.code} unit {name_of.get(k, k)}",
        changes,
    )


def sync_task_duties(session: Session, pid: int, spec: PlanSpec, unit_id: dict[str, int | None],
                     changes: list[str]) -> None:
    """Store the derived duties of ``spec`` (rows with ``item_id``), keeping ids; delete those no longer derived."""
    items = {it.ref: it.id for it in session.exec(select(Item).where(Item.plan_id == pid))}
    derived = task_duties(spec)
    first = len(spec.duties)
    rows = sync_rows(
        session,
        session.exec(select(Duty).where(Duty.plan_id == pid, col(Duty.item_id).is_not(None))),
        [
            (d.code, {"kind": d.kind, "clause": d.clause, "title": d.title, "text": d.text,
                      "owner_id": unit_id[d.owner], "responsible": d.responsible, "frequency": d.frequency,
                      "schedule": d.schedule.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                      "holiday_policy": d.holiday_policy, "position": first + pos, "item_id": items[item.ref]})
            for pos, (item, d) in enumerate(derived)
        ],
        lambda k, v: Duty(plan_id=pid, code=k, **v),
        lambda r: r.code,
        lambda k: f"duty {k}",
        changes,
    )
    ids = [r.id for r in rows.values()]
    existing = list(session.exec(select(DutyMember).where(col(DutyMember.duty_id).in_(ids))))
    for _item, d in derived:
        row = rows[d.code]
        sync_members(session, row, d, unit_id, [m for m in existing if m.duty_id == row.id], changes)


def task_nodes(plan: PlanSpec) -> list[str]:
    """The report nodes (nominal dates, YYYY-MM-DD) of the plan's task_report duties given by dates, in order."""
    days: set[str] = set()
    for duty in plan.duties:
        if not is_expanded(duty):
            continue
        sched = duty.schedule
        start = sched.from_ or dt.date(plan.period.start, 1, 1)
        end = sched.until or dt.date(plan.period.end, 12, 31)
        for year in range(start.year, end.year + 1):
            for md in sched.dates:
                month, day = (int(x) for x in md.split("-"))
                if (month, day) == (2, 29) and not calendar.isleap(year):
                    day = 28
                when = dt.date(year, month, day)
                if start <= when <= end:
                    days.add(when.isoformat())
    return sorted(days)
