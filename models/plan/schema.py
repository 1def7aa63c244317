"""The plan file's schema: pydantic models for a validated implementation plan.

A plan file (YAML, under ``config/plans/``) describes one notice: its units, items (tasks and
safeguard measures) with lead and cooperating units, indicators and yearly targets, and recurring
duties. :func:`models.plan.file.load_plan_file` reads and validates one; the cross-reference rules
(unknown units, duplicate references, impossible dates) live in :func:`check_plan`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from models.enums import (
    Aggregation,
    Comparator,
    DutyKind,
    Frequency,
    HolidayPolicy,
    ItemKind,
    LocalityScope,
    Responsible,
    UnitKind,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
MonthDay = Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")]

LOCALITY_KINDS = (UnitKind.TOWN, UnitKind.SUBDISTRICT)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """The years a plan runs."""

    start: int = Field(ge=1949, le=2200, description="First year of the plan")
    end: int = Field(ge=1949, le=2200, description="Last year of the plan")


class UnitSpec(_Strict):
    """A responsible unit: a department, a town, a sub-district or another body."""

    name: Name
    code: Code = Field(description="ASCII code; the Apprise tag of its contacts is unit-<code>")
    kind: UnitKind


class IndicatorSpec(_Strict):
    """A measured quantity the plan sets targets on."""

    code: Code
    name: Name
    unit: Name = Field(description="Unit of measure, e.g. 亿元, %, 家")
    aggregation: Aggregation = Aggregation.SUM
    parent: Code | None = Field(default=None, description="The indicator this one is a part of (其中…)")


class Baseline(_Strict):
    """The value an indicator starts from."""

    year: int
    value: float


class TargetSpec(_Strict):
    """A target value of one indicator in one year."""

    indicator: Code
    year: int
    value: float
    comparator: Comparator = Comparator.GE
    baseline: Baseline | None = None
    wording: str | None = Field(default=None, description="The notice's own words for the target")


class ItemSpec(_Strict):
    """A task or safeguard measure with its responsible units."""

    ref: Name = Field(description="Reference in the notice, e.g. 三(二)5")
    kind: ItemKind = ItemKind.TASK
    section: str = ""
    title: Name
    text: str = ""
    lead: Name
    cooperating: list[Name] = Field(default_factory=list)
    others_unnamed: bool = Field(default=False, description="The notice says 等单位: more units may join")
    localities: LocalityScope = LocalityScope.NONE
    relevant_localities: list[Name] = Field(default_factory=list)


class Schedule(_Strict):
    """When a duty falls due: fixed calendar days in a date range, or relative to another duty."""

    dates: list[MonthDay] = Field(default_factory=list, description="MM-DD days due in each year")
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    after: Code | None = Field(default=None, description="Due this many working days after another duty")
    offset_working_days: int = Field(default=0, ge=0, le=250)
    default: bool = Field(default=False, description="True when duban chose it (the notice is silent)")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DutySpec(_Strict):
    """A recurring duty of the plan's 工作要求."""

    code: Code
    kind: DutyKind
    clause: str = ""
    title: Name
    text: str = ""
    owner: Name
    responsible: Responsible = Responsible.OWNER
    members: list[Name] = Field(default_factory=list)
    frequency: Frequency | None = None
    schedule: Schedule = Field(default_factory=Schedule)
    holiday_policy: HolidayPolicy = HolidayPolicy.ROLL_FORWARD


class PlanSpec(_Strict):
    """A whole implementation plan."""

    code: Code
    title: Name
    notice_title: str = ""
    doc_number: str = ""
    issuer: Name
    issued_on: dt.date
    period: Period
    coordinator: Name
    leader: Name | None = None
    units: list[UnitSpec]
    localities: list[UnitSpec] = Field(default_factory=list)
    indicators: list[IndicatorSpec] = Field(default_factory=list)
    targets: list[TargetSpec] = Field(default_factory=list)
    items: list[ItemSpec]
    duties: list[DutySpec] = Field(default_factory=list)

    @property
    def all_units(self) -> list[UnitSpec]:
        """Departments and other units first, then the locality roster."""
        return [*self.units, *self.localities]

    @property
    def locality_names(self) -> list[str]:
        return [u.name for u in self.all_units if u.kind in LOCALITY_KINDS]


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
    """The period runs forward; the coordinator and the leader are units of the plan."""
    if plan.period.end < plan.period.start:
        found.add("period", f"end {plan.period.end} is before start {plan.period.start}")
    found.unit_ref("coordinator", plan.coordinator)
    if plan.leader is not None:
        found.unit_ref("leader", plan.leader)


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


def _check_items(plan: PlanSpec, found: _Findings) -> None:
    """Item refs unique; lead and cooperating units known, none twice; relevant localities known and scoped."""
    found.dupes("items", [(i, x.ref) for i, x in enumerate(plan.items)], "item ref")
    for i, item in enumerate(plan.items):
        found.unit_ref(f"items[{i}].lead", item.lead)
        for j, name in enumerate(item.cooperating):
            found.unit_ref(f"items[{i}].cooperating[{j}]", name)
            if name == item.lead:
                found.add(f"items[{i}].cooperating[{j}]", f"{name!r} is already the lead unit")
        found.dupes(f"items[{i}].cooperating", list(enumerate(item.cooperating)), "unit")
        for j, name in enumerate(item.relevant_localities):
            if name not in plan.locality_names:
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


def check_plan(plan: PlanSpec) -> list[tuple[str, str]]:
    """Cross-reference rules a single field cannot check.

    Section by section, in this order: units, the period and the coordinator and leader, indicators,
    targets, items, duties.

    Returns:
        (path inside the file, message) pairs; empty when the plan is consistent.
    """
    found = _Findings(plan)
    for check in (_check_units, _check_period_and_roles, _check_indicators, _check_targets, _check_items,
                  _check_duties):
        check(plan, found)
    return found.problems


def plan_summary(plan: PlanSpec) -> dict[str, Any]:
    """The plan as the JSON shape `duban plan show --json` and `plan import-text --json` print."""
    indicators = {x.code: x for x in plan.indicators}
    return {
        "code": plan.code,
        "title": plan.title,
        "doc_number": plan.doc_number,
        "issuer": plan.issuer,
        "issued_on": plan.issued_on.isoformat(),
        "units": [{"name": u.name, "code": u.code, "kind": u.kind.value} for u in plan.all_units],
        "items": [
            {
                "ref": it.ref,
                "section": it.section,
                "title": it.title,
                "lead": it.lead,
                "cooperating": list(it.cooperating),
                "localities": it.localities.value,
            }
            for it in plan.items
        ],
        "targets": [
            {
                "year": t.year,
                "name": indicators[t.indicator].name if t.indicator in indicators else t.indicator,
                "value": t.value,
                "unit": indicators[t.indicator].unit if t.indicator in indicators else "",
                "comparator": t.comparator.value,
            }
            for t in plan.targets
        ],
        "duties": [
            {
                "code": d.code,
                "kind": d.kind.value,
                "frequency": d.frequency.value if d.frequency else None,
                "due_dates": list(d.schedule.dates),
                "owner": d.owner,
                "holiday_policy": d.holiday_policy.value,
            }
            for d in plan.duties
        ],
    }


