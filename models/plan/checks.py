"""The rules of a plan a single field cannot check: cross-references and bounds.

:func:`check_plan` runs them section by section (units, the period and its roles, indicators, targets,
items, duties) and returns (path inside the file, message) pairs; :func:`models.plan.file.parse_plan_text`
turns each into one line with the file and line number. The bounds (issue 10) keep any accepted plan
cheap to generate and sweep: years 1900–2100, a period of at most 30 years, schedule dates inside the plan
period ± one year, no cycle of relative duties, and targets that are finite, non-negative, bounded and of
their indicator's kind (whole numbers for 家/个/项, at most 100 for a percentage).
"""

from __future__ import annotations

import datetime as dt
import math

from models.enums import DutyKind, LocalityScope, Responsible
from models.plan.schema import (
    COUNT_UNITS,
    FIRST_YEAR,
    LAST_YEAR,
    LOCALITY_KINDS,
    MAX_OBLIGATIONS,
    MAX_PERIOD_YEARS,
    MAX_TARGET_VALUE,
    PERCENT_UNITS,
    DutySpec,
    PlanSpec,
)
from models.plan.tasks import MAX_PARENT_CODE, derived_code


def _month_day_ok(md: str) -> bool:
    month, day = (int(x) for x in md.split("-"))
    try:
        dt.date(2016, month, day)  # a leap year, so 02-29 is accepted
    except ValueError:
        return False
    return True


class _Findings:
    """The problems found so far, with the checks several sections share."""

    def __init__(self, plan: PlanSpec) -> None:
        self.problems: list[tuple[str, str]] = []
        names = [u.name for u in plan.all_units]
        self.known = set(names)
        self.shown = "、".join(names[:8]) + ("…" if len(names) > 8 else "")

    def add(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def unit_ref(self, path: str, name: str) -> None:
        """A reference to a unit must name one of the plan's units or localities."""
        if name not in self.known:
            self.add(path, f"unknown unit {name!r}; known: {self.shown}")

    def dupes(self, path: str, values: list[tuple[int, str]], what: str) -> None:
        """Each value once; a repeat is reported at its own index, naming the first."""
        seen: dict[str, int] = {}
        for i, value in values:
            if value in seen:
                self.add(f"{path}[{i}]", f"duplicate {what} {value!r} (first at {path}[{seen[value]}])")
            else:
                seen[value] = i


def _check_units(plan: PlanSpec, found: _Findings) -> None:
    """Unit names and codes unique across units and localities; localities are towns or sub-districts."""
    all_paths = [("units", i, u) for i, u in enumerate(plan.units)]
    all_paths += [("localities", i, u) for i, u in enumerate(plan.localities)]
    seen_name: dict[str, str] = {}
    seen_code: dict[str, str] = {}
    for section, i, u in all_paths:
        here = f"{section}[{i}]"
        if u.name in seen_name:
            found.add(f"{here}.name", f"duplicate unit {u.name!r} (first at {seen_name[u.name]})")
        seen_name.setdefault(u.name, here)
        if u.code in seen_code:
            found.add(f"{here}.code", f"duplicate unit code {u.code!r} (first at {seen_code[u.code]})")
        seen_code.setdefault(u.code, here)
    for i, u in enumerate(plan.localities):
        if u.kind not in LOCALITY_KINDS:
            found.add(f"localities[{i}].kind", f"{u.kind.value!r} is not a locality; use town or subdistrict")


def _check_period_and_roles(plan: PlanSpec, found: _Findings) -> None:
    """The period runs forward, at most 30 years; issued in 1900–2100; the coordinator and leader are units."""
    start, end = plan.period.start, plan.period.end
    if end < start:
        found.add("period", f"end {end} is before start {start}")
    elif end - start + 1 > MAX_PERIOD_YEARS:
        found.add("period", f"{start}-{end} is {end - start + 1} years; a plan runs at most {MAX_PERIOD_YEARS}")
    if not FIRST_YEAR <= plan.issued_on.year <= LAST_YEAR:
        found.add("issued_on", f"{plan.issued_on} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    found.unit_ref("coordinator", plan.coordinator)
    if plan.leader is not None:
        found.unit_ref("leader", plan.leader)
    if plan.secretariat is not None:
        found.unit_ref("secretariat", plan.secretariat)


def _check_indicators(plan: PlanSpec, found: _Findings) -> None:
    """Indicator codes unique; a parent is another indicator of the plan."""
    found.dupes("indicators", [(i, x.code) for i, x in enumerate(plan.indicators)], "indicator code")
    indicator_codes = {x.code for x in plan.indicators}
    for i, ind in enumerate(plan.indicators):
        if ind.parent is not None and (ind.parent not in indicator_codes or ind.parent == ind.code):
            found.add(f"indicators[{i}].parent", f"unknown parent indicator {ind.parent!r}")


def _check_targets(plan: PlanSpec, found: _Findings) -> None:
    """A target names a known indicator, once per year, in the plan period (or the year before: a baseline)."""
    indicator_codes = {x.code for x in plan.indicators}
    target_keys: dict[tuple[str, int], int] = {}
    for i, t in enumerate(plan.targets):
        if t.indicator not in indicator_codes:
            found.add(f"targets[{i}].indicator",
                      f"unknown indicator {t.indicator!r}; known: {', '.join(sorted(indicator_codes)) or 'none'}")
        key = (t.indicator, t.year)
        if key in target_keys:
            found.add(f"targets[{i}]", f"duplicate target for {t.indicator!r} in {t.year} "
                                       f"(first at targets[{target_keys[key]}])")
        target_keys.setdefault(key, i)
        if not plan.period.start - 1 <= t.year <= plan.period.end:
            found.add(f"targets[{i}].year",
                      f"year {t.year} is outside the plan period {plan.period.start}-{plan.period.end}")
    _check_carried(plan, found)


def _check_carried(plan: PlanSpec, found: _Findings) -> None:
    """A carried target repeats an earlier year's target of the same indicator, with the same value."""
    values = {(t.indicator, t.year): t.value for t in plan.targets}
    for i, t in enumerate(plan.targets):
        if t.carried_from is None:
            continue
        source = values.get((t.indicator, t.carried_from))
        if t.carried_from >= t.year:
            found.add(f"targets[{i}].carried_from", f"{t.carried_from} is not a year before {t.year}")
        elif source is None:
            found.add(f"targets[{i}].carried_from",
                      f"{t.indicator!r} has no target in {t.carried_from} to carry forward to {t.year}")
        elif source != t.value:
            found.add(f"targets[{i}].value", f"{t.value:g} differs from the {t.carried_from} target {source:g} "
                                            f"it says it carries forward (carried_from: {t.carried_from})")


def _value_problem(value: float, unit: str) -> str | None:
    """What is wrong with a target value of an indicator measured in ``unit``, if anything."""
    if not math.isfinite(value):
        return f"{value} is not a finite number"
    if value < 0:
        return f"{value:g} is negative; a target is a quantity of at least 0"
    if value > MAX_TARGET_VALUE:
        return f"{value:g} is more than {MAX_TARGET_VALUE:g}, the largest target duban accepts"
    if unit in COUNT_UNITS and not value.is_integer():
        return f"{value:g} is not a whole number of {unit}"
    if unit in PERCENT_UNITS and value > 100:
        return f"{value:g}{unit} is more than 100{unit}"
    return None


def _check_target_values(plan: PlanSpec, found: _Findings) -> None:
    """Target values finite, non-negative, bounded and of their indicator's kind; baselines finite, in 1900–2100."""
    units = {x.code: x.unit for x in plan.indicators}
    for i, t in enumerate(plan.targets):
        problem = _value_problem(t.value, units.get(t.indicator, ""))
        if problem is not None:
            found.add(f"targets[{i}].value", problem)
        if t.baseline is None:
            continue
        if not FIRST_YEAR <= t.baseline.year <= LAST_YEAR:
            found.add(f"targets[{i}].baseline.year",
                      f"year {t.baseline.year} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
        value = t.baseline.value
        if not math.isfinite(value) or abs(value) > MAX_TARGET_VALUE:
            found.add(f"targets[{i}].baseline.value", f"{value:g} is not a finite number within "
                                                      f"±{MAX_TARGET_VALUE:g}")


def _check_items(plan: PlanSpec, found: _Findings) -> None:
    """Item refs unique; lead and cooperating units known, none twice; relevant localities known and scoped."""
    found.dupes("items", [(i, x.ref) for i, x in enumerate(plan.items)], "item ref")
    localities = set(plan.locality_names)
    for i, item in enumerate(plan.items):
        found.unit_ref(f"items[{i}].lead", item.lead)
        for j, name in enumerate(item.cooperating):
            found.unit_ref(f"items[{i}].cooperating[{j}]", name)
            if name == item.lead:
                found.add(f"items[{i}].cooperating[{j}]", f"{name!r} is already the lead unit")
        found.dupes(f"items[{i}].cooperating", list(enumerate(item.cooperating)), "unit")
        for j, name in enumerate(item.relevant_localities):
            if name not in localities:
                found.add(f"items[{i}].relevant_localities[{j}]",
                          f"unknown locality {name!r}; known: {'、'.join(plan.locality_names)}")
        if item.relevant_localities and item.localities is not LocalityScope.RELEVANT:
            found.add(f"items[{i}].relevant_localities",
                      f"names localities but localities is {item.localities.value!r}, not 'relevant'")


def _check_duties(plan: PlanSpec, found: _Findings) -> None:
    """Duty codes unique; owner and members known; one due rule (days of the year, or after another duty)."""
    found.dupes("duties", [(i, x.code) for i, x in enumerate(plan.duties)], "duty code")
    duty_codes = {d.code for d in plan.duties}
    for i, duty in enumerate(plan.duties):
        found.unit_ref(f"duties[{i}].owner", duty.owner)
        for j, name in enumerate(duty.members):
            found.unit_ref(f"duties[{i}].members[{j}]", name)
        if duty.responsible is Responsible.MEMBERS and not duty.members:
            found.add(f"duties[{i}].members", "responsible is 'members' but no members are listed")
        _check_cooperating(duty, f"duties[{i}]", found)
        _check_task_report(plan, duty, f"duties[{i}]", duty_codes, found)
        sched = duty.schedule
        for j, md in enumerate(sched.dates):
            if not _month_day_ok(md):
                found.add(f"duties[{i}].schedule.dates[{j}]", f"{md!r} is not a day of the year (MM-DD)")
        if sched.after is not None:
            if sched.after not in duty_codes or sched.after == duty.code:
                found.add(f"duties[{i}].schedule.after", f"unknown duty {sched.after!r}")
            if sched.dates:
                found.add(f"duties[{i}].schedule", "give either dates or after, not both")
        elif not sched.dates:
            found.add(f"duties[{i}].schedule", "no due rule: give dates (MM-DD) or after (a duty code)")
        if sched.from_ and sched.until and sched.until < sched.from_:
            found.add(f"duties[{i}].schedule.until", f"{sched.until} is before from {sched.from_}")
        _check_schedule_range(plan, f"duties[{i}].schedule", sched.from_, sched.until, found)


def _check_cooperating(duty: DutySpec, path: str, found: _Findings) -> None:
    """Cooperating units are known, listed once, and neither the owner nor a member."""
    for j, name in enumerate(duty.cooperating):
        found.unit_ref(f"{path}.cooperating[{j}]", name)
        if name == duty.owner:
            found.add(f"{path}.cooperating[{j}]", f"{name!r} is the duty's owner, not a cooperating unit")
        elif name in duty.members:
            found.add(f"{path}.cooperating[{j}]", f"{name!r} is already a member of the duty")
    found.dupes(f"{path}.cooperating", list(enumerate(duty.cooperating)), "unit")


def _check_task_report(plan: PlanSpec, duty: DutySpec, path: str, duty_codes: set[str], found: _Findings) -> None:
    """item_leads only on a task_report duty and the reverse; its derived codes fit and collide with none."""
    leads = duty.responsible is Responsible.ITEM_LEADS
    if leads and duty.kind is not DutyKind.TASK_REPORT:
        found.add(f"{path}.responsible", f"'item_leads' is only for a task_report duty, not {duty.kind.value!r}")
    if duty.kind is DutyKind.TASK_REPORT and not leads:
        found.add(f"{path}.responsible", "a task_report duty is owed by each item's lead: use 'item_leads'")
    if not leads:
        return
    if len(duty.code) > MAX_PARENT_CODE:
        found.add(f"{path}.code", f"{duty.code!r} is {len(duty.code)} characters; a task_report duty's code is "
                                  f"at most {MAX_PARENT_CODE} (each item's duty adds 9)")
    if duty.members or duty.cooperating:
        found.add(path, "a task_report duty takes its units from the items (lead, cooperating); "
                        "list no members or cooperating units")
    for item in plan.items:
        code = derived_code(duty.code, item.ref)
        if code in duty_codes:
            found.add(f"{path}.code", f"item {item.ref}'s duty would be {code!r}, already a duty code")


def _check_schedule_range(plan: PlanSpec, path: str, start: dt.date | None, until: dt.date | None,
                          found: _Findings) -> None:
    """A duty's from and until fall inside the plan period, one year either side allowed."""
    first, last = dt.date(plan.period.start - 1, 1, 1), dt.date(plan.period.end + 1, 12, 31)
    for key, day in (("from", start), ("until", until)):
        if day is not None and not first <= day <= last:
            found.add(f"{path}.{key}", f"{day} is outside the plan period {plan.period.start}-{plan.period.end} "
                                      f"± one year ({first} to {last})")


def _check_duty_chains(plan: PlanSpec, found: _Findings) -> None:
    """No cycle of duties each due after another (generation would never end); reported once per cycle."""
    after = {d.code: d.schedule.after for d in plan.duties}
    reported: set[str] = set()
    for i, duty in enumerate(plan.duties):
        chain, code = [duty.code], duty.schedule.after
        while code is not None and code in after and code not in chain:
            chain.append(code)
            code = after[code]
        if code == duty.code and len(chain) > 1 and duty.code not in reported:
            reported.update(chain)
            found.add(f"duties[{i}].schedule.after",
                      f"{' → '.join([*chain, duty.code])} is a cycle: each duty waits for the one before")


def _periods(plan: PlanSpec, duty: DutySpec, by_code: dict[str, DutySpec], depth: int = 0) -> int:
    """At most how many periods a duty has: its dates times the years its range touches (a relative duty:
    those of the duty it follows)."""
    sched = duty.schedule
    if sched.after is not None:
        base = by_code.get(sched.after)
        return 0 if base is None or depth > len(by_code) else _periods(plan, base, by_code, depth + 1)
    first = sched.from_.year if sched.from_ else plan.period.start
    last = sched.until.year if sched.until else plan.period.end
    return len(sched.dates) * max(0, last - first + 1)


def _check_obligation_count(plan: PlanSpec, found: _Findings) -> None:
    """All duties together make at most MAX_OBLIGATIONS obligations (periods × responsible units)."""
    by_code = {d.code: d for d in plan.duties}
    localities = len(plan.locality_names)
    total = 0
    for duty in plan.duties:
        units = {Responsible.LOCALITIES: localities, Responsible.MEMBERS: len(duty.members),
                 Responsible.ITEM_LEADS: len(plan.items)}.get(duty.responsible, 1)
        total += _periods(plan, duty, by_code) * units
    if total > MAX_OBLIGATIONS:
        found.add("duties", f"the duties make up to {total} obligations over the plan period; at most "
                            f"{MAX_OBLIGATIONS} (fewer dates, units or years)")


def check_plan(plan: PlanSpec) -> list[tuple[str, str]]:
    """Cross-reference rules a single field cannot check.

    Section by section, in this order: units, the period and the coordinator and leader, indicators,
    targets and their values, items, duties, their chains and the obligations they make.

    Returns:
        (path inside the file, message) pairs; empty when the plan is consistent.
    """
    found = _Findings(plan)
    for check in (_check_units, _check_period_and_roles, _check_indicators, _check_targets, _check_target_values,
                  _check_items, _check_duties, _check_duty_chains, _check_obligation_count):
        check(plan, found)
    return found.problems
