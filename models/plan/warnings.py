"""What a valid plan file leaves open, said at `duban plan load` (warnings, not errors: the plan loads).

* A target carried forward (``carried_from``): the notice sets none for that year; the earlier value stands in.
* A year of the plan with targets split over the localities but no decomposition duty falling in it (the
  seed's 2015: the notice gives that split in an attachment the file does not hold): until it is entered
  (the target-decomposition flow for that year), the localities' targets show as 待分解.
"""

from __future__ import annotations

import datetime as dt

from models.enums import DutyKind, IndicatorScope, Responsible
from models.plan.schema import DutySpec, PlanSpec
from models.rules.authority import owing_unit


def _split_years(plan: PlanSpec) -> set[int]:
    """The years a decomposition duty of the plan falls due in (by its dates, from and until)."""
    years: set[int] = set()
    for duty in plan.duties:
        if duty.kind is not DutyKind.DECOMPOSITION:
            continue
        sched = duty.schedule
        start = sched.from_ or dt.date(plan.period.start, 1, 1)
        end = sched.until or dt.date(plan.period.end, 12, 31)
        for year in range(max(start.year, plan.period.start), min(end.year, plan.period.end) + 1):
            for md in sched.dates:
                month, day = (int(x) for x in md.split("-"))
                if start <= dt.date(year, month, min(day, 28 if month == 2 else day)) <= end:
                    years.add(year)
    return years


def chasing_office(plan: PlanSpec, duty: DutySpec) -> str:
    """The office whose contact a duty's messages name: its owner, or for the issuer's and the leader's duties the
    office preparing them (the secretariat, else the coordinator: :func:`models.rules.authority.owing_unit`)."""
    return owing_unit(plan, duty.owner)


def _owing(plan: PlanSpec, duty: DutySpec) -> set[str]:
    """The units that owe the duty's periods (as :func:`models.engine.obligations.responsible_units`; item leads
    for a task report expanded per item)."""
    if duty.responsible is Responsible.LOCALITIES:
        named = plan.locality_names
    elif duty.responsible is Responsible.MEMBERS:
        named = list(duty.members)
    elif duty.responsible is Responsible.ITEM_LEADS:
        named = [item.lead for item in plan.items]
    else:
        named = [duty.owner]
    return {owing_unit(plan, name) for name in named}


def contact_warnings(plan: PlanSpec) -> list[str]:
    """One line per office that chases other units without a phone or mailbox its messages can name.

    No contact, or one with neither phone nor email: its messages name the office alone. A phone without email:
    the email form cannot say where to return the workbook. A mailbox without a phone is enough.
    """
    chased: dict[str, list[str]] = {}
    for duty in plan.duties:
        office = chasing_office(plan, duty)
        if _owing(plan, duty) - {office}:
            chased.setdefault(office, []).append(duty.code)
    paths = {u.name: f"units[{i}]" for i, u in enumerate(plan.units)}
    paths.update({u.name: f"localities[{i}]" for i, u in enumerate(plan.localities)})
    specs = {u.name: u for u in plan.all_units}
    out = []
    for office, duties in chased.items():
        contact, path, what = specs[office].contact, paths[office], ", ".join(duties)
        if contact is None or not (contact.phone or contact.email):
            given = "" if contact is None else f" ({path}.contact has neither)"
            out.append(f"messages chasing {what} will name {office} without a phone or mailbox{given}: "
                       f"add {path}.contact with phone and email")
        elif not contact.email:
            out.append(f"{path}.contact of {office} has no email: emails chasing {what} cannot say where the "
                       f"workbook goes back to (they name {office} and the phone): add {path}.contact.email")
    return out


def plan_warnings(plan: PlanSpec) -> list[str]:
    """One line per thing the plan leaves open: carried-forward targets (one line a year), years with no split,
    then chasing offices without a way to reach them (:func:`contact_warnings`)."""
    names = {x.code: x for x in plan.indicators}
    out = []
    carried: dict[tuple[int, int], list[str]] = {}
    for t in plan.targets:
        if t.carried_from is not None:
            ind = names[t.indicator]
            carried.setdefault((t.year, t.carried_from), []).append(f"{ind.name} {t.value:g}{ind.unit}")
    for (year, source), targets in sorted(carried.items()):
        out.append(f"the notice sets no {year} target for {len(targets)} indicators; their {source} targets are "
                   f"carried forward (carried_from: {source}) and documents say 沿用{source}年目标 until you enter "
                   f"{year}'s: {'、'.join(targets)}")
    split = _split_years(plan)
    for year in sorted({t.year for t in plan.targets if plan.period.start <= t.year <= plan.period.end}):
        local = [names[t.indicator].name for t in plan.targets
                 if t.year == year and names[t.indicator].scope is IndicatorScope.LOCALITY]
        if local and year not in split:
            out.append(f"{year}: no decomposition duty falls in {year}, so its targets of the localities "
                       f"({'、'.join(local)}) are not split in this file (a notice may give that split in an "
                       f"attachment); enter it with the target-decomposition flow for {year}, until then the "
                       "localities' targets show as 待分解")
    out.extend(contact_warnings(plan))
    return out
