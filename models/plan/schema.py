"""The plan file's schema: pydantic models for a validated implementation plan.

A plan file (YAML, under ``config/plans/``) describes one notice: its units, items (tasks and
safeguard measures) with lead and cooperating units, indicators and yearly targets, and recurring
duties. :func:`models.plan.file.load_plan_file` reads and validates one; the cross-reference rules
(unknown units, duplicate references, impossible dates) and the bounds (years, schedule dates, target
values) live in :func:`models.plan.checks.check_plan`.

Bounds, so that no plan can make generation or a sweep run away (issue 10): years 1900–2100, a period
of at most :data:`MAX_PERIOD_YEARS` years, schedule dates inside the plan period ± one year, targets
finite, non-negative, at most :data:`MAX_TARGET_VALUE`, whole numbers for counts (家, 个, 项) and at most
100 for a percentage; and every list and text capped (``MAX_*`` below) far above a province's plan.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from models.enums import (
    Aggregation,
    Comparator,
    DutyKind,
    Frequency,
    HolidayPolicy,
    IndicatorScope,
    ItemKind,
    LocalityScope,
    Responsible,
    UnitKind,
)

# Sizes: far above a province's plan (about 60 departments, 21 cities, 100 items, 50 indicators).
MAX_UNITS = 500
MAX_LOCALITIES = 1000
MAX_ITEMS = 1000
MAX_UNITS_PER_ITEM = 200
MAX_INDICATORS = 500
MAX_TARGETS = 2000
MAX_DUTIES = 100
MAX_DUE_DATES = 366
MAX_TEXT = 20_000  # an item's or a duty's text
MAX_SHORT_TEXT = 500  # a section, a clause, a document number, a target's wording
MAX_PERIOD_YEARS = 30
MAX_OBLIGATIONS = 100_000  # (period, unit) pairs all duties make over the period; the seed makes under 200
FIRST_YEAR, LAST_YEAR = 1900, 2100
MAX_TARGET_VALUE = 1e12
COUNT_UNITS = ("家", "个", "项")  # whole numbers (the decomposition splits them without decimals)
PERCENT_UNITS = ("%", "％")

# Top-level keys a plan file has; a file with fewer than two of them is not taken for a plan.
PLAN_MARKERS = ("code", "title", "units", "items")


def _not_bool(value: object) -> object:
    """YAML's true/false would pass as 1.0/0.0: a number must be written as a number."""
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not a number")
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
MonthDay = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}-[0-9]{2}$")]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
ShortText = Annotated[str, StringConstraints(max_length=MAX_SHORT_TEXT)]
Number = Annotated[float, BeforeValidator(_not_bool)]

LOCALITY_KINDS = (UnitKind.TOWN, UnitKind.SUBDISTRICT)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """The years a plan runs."""

    start: int = Field(ge=1949, le=LAST_YEAR, description="First year of the plan")
    end: int = Field(ge=1949, le=LAST_YEAR, description="Last year of the plan")


_PHONE_RE = re.compile(r"^[0-9０-９()（）+\- 、/转]*$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _phone(value: str) -> str:
    """A phone as dialled: at least 3 digits; ``- ( ) +``, spaces, ``、`` or ``/`` between numbers; 转 extension."""
    if value and (not _PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 3):
        raise ValueError("not a phone number: write it like 0668-8812345 or 0668-8812345转801")
    return value


def _email(value: str) -> str:
    if value and not _EMAIL_RE.match(value):
        raise ValueError("not a mailbox: write one address like dbk@kgswj.example.gov.cn")
    return value


class ContactSpec(_Strict):
    """Whom an official calls or writes to about a unit's duties: deployment data, not in the notice.

    Messages name the contact of the office that chases a duty (its owner, or the coordinator for the issuer's).
    A bad phone or mailbox is refused in one line naming the file, the path and the value
    (``units[1].contact.phone: not a phone number: … (value 'abc')``).
    """

    person: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = Field(
        default="", description="The contact person or desk, e.g. 督查股 李明")
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_phone)] = Field(
        default="", description="Phone, e.g. 0668-8812345")
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120), AfterValidator(_email)] = Field(
        default="", description="The mailbox reports and workbooks are returned to")


class UnitSpec(_Strict):
    """A responsible unit: a department, a town, a sub-district or another body."""

    name: Name
    code: Code = Field(description="ASCII code; the Apprise tag of its contacts is unit-<code>")
    kind: UnitKind
    contact: ContactSpec | None = Field(default=None, description="Its contact for the messages it sends")


class IndicatorSpec(_Strict):
    """A measured quantity the plan sets targets on."""

    code: Code
    name: Name
    unit: Name = Field(description="Unit of measure, e.g. 亿元, %, 家")
    aggregation: Aggregation = Aggregation.SUM
    parent: Code | None = Field(default=None, description="The indicator this one is a part of (其中…)")
    scope: IndicatorScope = Field(default=IndicatorScope.LOCALITY,
                                  description="locality: split over the localities; city or park: not split")
    local_name: Name | None = Field(default=None, description="The name a locality sees, e.g. 工业投资")


class Baseline(_Strict):
    """The value an indicator starts from."""

    year: int
    value: Number


class TargetSpec(_Strict):
    """A target value of one indicator in one year."""

    indicator: Code
    year: int
    value: Number
    comparator: Comparator = Comparator.GE
    baseline: Baseline | None = None
    wording: ShortText | None = Field(default=None, description="The notice's own words for the target")
    carried_from: int | None = Field(default=None,
                                     description="The year whose target this repeats because the notice set none")


class ItemSpec(_Strict):
    """A task or safeguard measure with its responsible units."""

    ref: Name = Field(description="Reference in the notice, e.g. 三(二)5")
    kind: ItemKind = ItemKind.TASK
    section: ShortText = ""
    title: Name
    text: Text = ""
    lead: Name
    cooperating: list[Name] = Field(default_factory=list, max_length=MAX_UNITS_PER_ITEM)
    others_unnamed: bool = Field(default=False, description="The notice says 等单位: more units may join")
    localities: LocalityScope = LocalityScope.NONE
    relevant_localities: list[Name] = Field(default_factory=list, max_length=MAX_LOCALITIES)


class Schedule(_Strict):
    """When a duty falls due: fixed calendar days in a date range, or relative to another duty."""

    dates: list[MonthDay] = Field(default_factory=list, max_length=MAX_DUE_DATES,
                                  description="MM-DD days due in each year")
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
    clause: ShortText = ""
    title: Name
    text: Text = ""
    owner: Name
    responsible: Responsible = Responsible.OWNER
    members: list[Name] = Field(default_factory=list, max_length=MAX_UNITS + MAX_LOCALITIES)
    cooperating: list[Name] = Field(default_factory=list, max_length=MAX_UNITS,
                                    description="Units the owner works with (会同有关单位): told, may contribute")
    frequency: Frequency | None = None
    schedule: Schedule = Field(default_factory=Schedule)
    holiday_policy: HolidayPolicy = HolidayPolicy.ROLL_FORWARD


class PlanSpec(_Strict):
    """A whole implementation plan."""

    code: Code
    title: Name
    notice_title: ShortText = ""
    doc_number: ShortText = ""
    issuer: Name
    issued_on: dt.date
    period: Period
    coordinator: Name
    leader: Name | None = None
    secretariat: Name | None = Field(default=None,
                                     description="Office preparing the issuer's own duties (coordinator if None)")
    notice_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)] | None = Field(
        default=None, description="Prefix of the 督办单 numbers, e.g. 信督办 → 信督办〔2016〕3号 (default: the "
                                  "issuer's first character + 督办)")
    units: list[UnitSpec] = Field(max_length=MAX_UNITS)
    localities: list[UnitSpec] = Field(default_factory=list, max_length=MAX_LOCALITIES)
    indicators: list[IndicatorSpec] = Field(default_factory=list, max_length=MAX_INDICATORS)
    targets: list[TargetSpec] = Field(default_factory=list, max_length=MAX_TARGETS)
    items: list[ItemSpec] = Field(max_length=MAX_ITEMS)
    duties: list[DutySpec] = Field(default_factory=list, max_length=MAX_DUTIES)

    @property
    def all_units(self) -> list[UnitSpec]:
        """Departments and other units first, then the locality roster."""
        return [*self.units, *self.localities]

    @property
    def locality_names(self) -> list[str]:
        return [u.name for u in self.all_units if u.kind in LOCALITY_KINDS]



def plan_summary(plan: PlanSpec) -> dict[str, Any]:
    """The plan as the JSON shape `duban plan show --json` and `plan import-text --json` print.

    Always valid JSON: a non-finite target (stored before such values were refused) prints as null.
    """
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
                "value": t.value if math.isfinite(t.value) else None,  # JSON has no NaN or Infinity
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
