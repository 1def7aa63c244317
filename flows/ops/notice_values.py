"""The values every notice of the duty flows gives its template besides its own matter (report window, targets,
meeting, task reports, done, inspection result): who issues it and whom to contact, the plan's title and number,
the clause in words, the leader's title, and what follows a missed time limit.

The issuing office and the contact are the *chasing office*: the duty's owner, unless the owner is the plan's
issuer or leader (who are never the ones chasing: :mod:`models.rules.authority`), then the office that prepares
their work (the secretariat, else the coordinator).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from models.dates import to_local
from models.records.units import unit_named
from models.rules.authority import owing_unit
from models.rules.calendar import WorkingCalendar, WorkingHours, next_send_time
from models.rules.ladder import EscalationSpec
from models.tables.plan import Plan, Unit
from notifications.delivery.dispatch import quoted_title
from notifications.messages.render import Contact
from notifications.messages.wording import clause_words, contact_of, leader_title


@dataclass(frozen=True)
class Office:
    """The office a notice comes from (its 落款) and whom to contact there."""

    name: str
    contact: Contact


def chasing_office(session: Session, plan: Plan, owner: str) -> Office:
    """The office that chases a duty owned by ``owner`` (the owner, or the preparing office for the top of the
    chain), with its contact from the plan file (``units[].contact``)."""
    name = owing_unit(plan, owner)
    unit = unit_named(session=session, plan_id=plan.id or 0, name=name)
    return Office(name=name, contact=contact_of(name, unit.contact))


def owner_of(session: Session, owner_id: int) -> str:
    """The name of the unit a duty belongs to."""
    unit = session.get(Unit, owner_id)
    if unit is None:
        raise LookupError(f"no unit {owner_id} (a duty's owner)")
    return unit.name


def unit_contact(unit: Unit) -> Contact:
    """A unit's own contact (whom the office asks about what the unit reported)."""
    return contact_of(unit.name, unit.contact)


def issue_day(cal: WorkingCalendar, hours: WorkingHours, now: dt.datetime) -> dt.date:
    """The 落款 date of a notice queued at ``now``: the local day it can go out (the queue's first sending time,
    the next working day's when it is queued on a rest day or after hours)."""
    return to_local(next_send_time(cal, now, hours)).date()


def notice_values(plan: Plan, office: Office, clause: str, issued_on: dt.date) -> dict[str, Any]:
    """The values every notice template reads: plan_title, doc_number, clause_ref, issuer, issued_on, contact,
    leader_title."""
    return {"plan_title": quoted_title(plan.title), "doc_number": plan.doc_number, "clause_ref": clause_words(clause),
            "issuer": office.name, "issued_on": issued_on, "contact": office.contact,
            "leader_title": leader_title(plan.issuer)}


def overdue_step(escalation: EscalationSpec, cal: WorkingCalendar, duty_code: str, own: bool,
                 due_on: dt.date) -> dict[str, Any]:
    """What follows a missed time limit: the ladder's first stage after ``due_on`` and its date
    (``overdue_stage``/``overdue_on``, both None when the ladder has none after the due date)."""
    ladder = escalation.for_obligation(duty_code, own)
    first = next((s for s in ladder.stages if s.offset > 0), None)
    if first is None:
        return {"overdue_stage": None, "overdue_on": None}
    return {"overdue_stage": first.stage.value, "overdue_on": cal.add_working_days(due_on, first.offset)}
