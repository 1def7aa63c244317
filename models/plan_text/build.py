"""From what a notice says (:class:`NoticeParse`) to a valid :class:`~models.plan.schema.PlanSpec`.

Unit codes are ASCII and stable: the pinyin of the name when ``pypinyin`` is installed (initials for
departments — 市科工商务局 → ``kgswj``; full syllables for towns and sub-districts — 镇隆镇 → ``zhenlong``),
else ``u`` and a CRC-32 of the name. A roster (the units of an existing plan file) lends its codes,
kinds and locality list, so an imported plan lines up with a hand-made one.

Where the notice is silent, duban chooses and says so (``schedule.default: true``): a joint meeting
in the last month of each quarter (the 20th), an inspection 10 working days after each progress
report, a relative deadline approximated by calendar days after the period ends.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import re
import zlib
from collections import Counter
from functools import cache
from typing import Any

from models.enums import Aggregation, DutyKind, Frequency, Responsible, UnitKind
from models.errors import PlanError
from models.plan.checks import check_plan
from models.plan.schema import LOCALITY_KINDS, PlanSpec, UnitSpec
from models.plan_text import vocab as V
from models.plan_text.parsed import NoticeParse, ParsedDuty
from models.plan_text.units import unit_kind

DEFAULT_ISSUER = "发文机关"
_DEFAULT_DAY = 20
_PERIOD_MONTHS = {
    Frequency.MONTHLY: tuple(range(1, 13)),
    Frequency.QUARTERLY: (3, 6, 9, 12),
    Frequency.SEMIANNUAL: (6, 12),
    Frequency.ANNUAL: (12,),
}
_KIND_FREQUENCY = {
    DutyKind.JOINT_MEETING: Frequency.QUARTERLY,
    DutyKind.INSPECTION: Frequency.SEMIANNUAL,
    DutyKind.PROGRESS_REPORT: Frequency.QUARTERLY,
    DutyKind.DECOMPOSITION: Frequency.ANNUAL,
}


@cache
def _pinyin() -> Any:
    try:
        py = importlib.import_module("pypinyin")
    except ImportError:
        return None
    # Bank branches: 行 reads háng here, not xíng (人民银行信宜市支行 → …zh, not …zx).
    py.load_phrases_dict({w: [[p] for p in ps] for w, ps in V.PINYIN_PHRASES.items()})
    return py


def _ascii(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:limit]


def _spell(text: str, *, initials: bool) -> str:
    """Pinyin of ``text`` (syllables or initials); "" when pypinyin is missing."""
    py = _pinyin()
    if py is None or not text:
        return ""
    style = py.Style.FIRST_LETTER if initials else py.Style.NORMAL
    return _ascii("".join(py.lazy_pinyin(text, style=style)))


def _fallback(name: str, prefix: str = "u") -> str:
    return f"{prefix}{zlib.crc32(name.encode('utf-8')):08x}"


def place_of(issuer: str) -> str:
    """The place an issuing government governs: 信宜市人民政府 → 信宜."""
    place = re.sub(r"(?:人民政府|政府)?(?:办公室|办公厅)?$", "", issuer)
    if len(place) > 2 and place[-1] in "市县区省州旗":
        place = place[:-1]
    return place


def unit_code(name: str, kind: UnitKind, *, issuer: str = "") -> str:
    """A readable ASCII code for a unit (before making it unique)."""
    if name == issuer and issuer:
        place = _spell(place_of(issuer), initials=False)
        return f"{place}-gov" if place else _fallback(name)
    if kind in LOCALITY_KINDS:
        core = re.sub(r"(?:街道办事处|街道办|街道|镇|乡)$", "", name) or name
        return _spell(core, initials=False) or _fallback(name)
    core = name[1:] if len(name) > 2 and name[0] in "市县区省" else name
    return _spell(core, initials=True) or _fallback(name)


def plan_code(issuer: str, period: tuple[int, int]) -> str:
    """``xinyi-2015-2017``: the place's pinyin and the plan's years."""
    years = f"{period[0]}" if period[0] == period[1] else f"{period[0]}-{period[1]}"
    place = _spell(place_of(issuer), initials=False)[:30] if issuer else ""
    return f"{place or _fallback(issuer or 'plan', 'p')[:7]}-{years}"


class _Codes:
    """Hands out unique codes, reserving the ones already in use."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def __call__(self, base: str) -> str:
        base = base[:58] or "x"
        code, n = base, 2
        while code in self.taken:
            code, n = f"{base}-{n}", n + 1
        self.taken.add(code)
        return code


def plan_period(parse: NoticeParse) -> tuple[int, int]:
    """The title's (YYYY-YYYY年), else the span of the targets' years and the year of issue.

    Raises:
        PlanError: when the notice gives no year at all.
    """
    if parse.period:
        return parse.period
    years = [t.year for t in parse.targets] + ([parse.issued_on.year] if parse.issued_on else [])
    if not years and (m := V.DOC_NUMBER.search(parse.doc_number)):
        years = [int(m.group(1))]
    years = years or [y for d in parse.duties for y in d.years]
    if not years:
        raise PlanError([f"{parse.source}: cannot tell the plan's years: no (YYYY-YYYY年) in the title, "
                         "no date of issue, no dated target"])
    return min(years), max(years)


def _default_dates(freq: Frequency, day: int = _DEFAULT_DAY, months: tuple[int, ...] | None = None) -> list[str]:
    return [f"{m:02d}-{day:02d}" for m in (months or _PERIOD_MONTHS[freq])]


def _schedule(d: ParsedDuty, freq: Frequency, start: dt.date, until: dt.date,
              after: str | None) -> dict[str, Any]:
    window = {"from": start.isoformat(), "until": until.isoformat()}
    if d.due_dates:
        return {"dates": list(d.due_dates), **window}
    if d.relative_working_days is not None:
        # N working days after each period ends, approximated in calendar days (5 working days a week).
        day = min(28, max(1, math.ceil(d.relative_working_days * 7 / 5)))
        firsts = tuple(m % 12 + 1 for m in _PERIOD_MONTHS[freq])
        return {"dates": sorted(_default_dates(freq, day, firsts)), "default": True, **window}
    if d.kind is DutyKind.INSPECTION and after is not None:
        return {"after": after, "offset_working_days": 10, "default": True}
    return {"dates": _default_dates(freq), "default": True, **window}


def _coordinator(parse: NoticeParse, issuer: str) -> str:
    """Who coordinates: as the notice says, else the joint meeting's owner, the most frequent lead, the issuer."""
    coordinator = parse.coordinator or next(
        (d.owner for d in parse.duties if d.kind is DutyKind.JOINT_MEETING and d.owner), None)
    leads = Counter(it.lead for it in parse.items)
    return coordinator or (leads.most_common(1)[0][0] if leads else issuer)


def _units(parse: NoticeParse, roster: list[UnitSpec], issuer: str, coordinator: str) -> list[dict[str, Any]]:
    """Every unit the notice names (issuer, leads, cooperating units, duty owners, coordinator), once each.

    A unit of the roster keeps its code, kind and contact; a roster locality is left to the plan's locality list.
    """
    known = {u.name: u for u in roster}
    locality_names = {u.name for u in roster if u.kind in LOCALITY_KINDS}
    duty_owners = [d.owner for d in parse.duties if d.owner]
    names = [issuer] + [n for it in parse.items for n in (it.lead, *it.cooperating)] + duty_owners + [coordinator]
    codes = _Codes({u.code for u in roster})
    units: list[dict[str, Any]] = []
    for name in dict.fromkeys(names):
        if name in locality_names:
            continue
        if name in known:
            u = known[name]
            unit: dict[str, Any] = {"name": name, "code": u.code, "kind": u.kind.value}
            if u.contact is not None:
                unit["contact"] = u.contact.model_dump()
            units.append(unit)
        else:
            kind = unit_kind(name, issuer)
            units.append({"name": name, "code": codes(unit_code(name, kind, issuer=issuer)), "kind": kind.value})
    return units


def _indicators_and_targets(parse: NoticeParse) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One indicator per target read (its code from the name's initials), and the targets on them."""
    ind_codes = _Codes(set())
    indicators: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for t in parse.targets:
        ind = ind_codes(_spell(t.name, initials=True)[:30] or _fallback(t.name, "ind-"))
        parent = indicators[t.parent]["code"] if t.parent is not None and t.parent < len(indicators) else None
        indicators.append({"code": ind, "name": t.name, "unit": t.unit, "parent": parent,
                           "aggregation": (Aggregation.LEVEL if t.unit in V.LEVEL_UNITS else Aggregation.SUM).value})
        targets.append({"indicator": ind, "year": t.year, "value": t.value, "comparator": t.comparator.value,
                        "wording": t.wording,
                        "baseline": {"year": t.baseline[0], "value": t.baseline[1]} if t.baseline else None})
    return indicators, targets


def _duties(parse: NoticeParse, *, period: tuple[int, int], issued_on: dt.date, coordinator: str,
            departments: list[str]) -> list[dict[str, Any]]:
    """The duties with owner, members, frequency and schedule filled in where the notice is silent."""
    duty_codes = _Codes(set())
    coded = [(duty_codes(d.kind.value.replace("_", "-")), d) for d in parse.duties]
    report = next((c for c, d in coded if d.kind is DutyKind.PROGRESS_REPORT), None)
    report_freq = next((d.frequency for d in parse.duties if d.kind is DutyKind.PROGRESS_REPORT), None)
    until = dt.date(period[1], 12, 31)
    duties: list[dict[str, Any]] = []
    for duty_code, d in coded:
        own = d.owner or coordinator
        freq = d.frequency or (report_freq if d.kind is DutyKind.INSPECTION and report_freq else None)
        freq = freq or _KIND_FREQUENCY[d.kind]
        start = dt.date(min(d.years), 1, 1) if d.years and min(d.years) >= period[0] else issued_on
        end = until
        if d.frequency is None and d.due_dates and d.years:
            end = dt.date(max(d.years), 12, 31)  # a one-off deadline ("2022年3月31日前")
        if start > end:
            start = dt.date(end.year, 1, 1)
        members = [n for n in departments if n != own] if (
            d.kind is DutyKind.JOINT_MEETING or d.responsible is Responsible.MEMBERS) else []
        responsible = d.responsible if d.responsible is not Responsible.MEMBERS or members else Responsible.OWNER
        duties.append({
            "code": duty_code, "kind": d.kind.value, "clause": d.clause, "title": d.title, "text": d.text,
            "owner": own, "responsible": responsible.value, "members": members, "frequency": freq.value,
            "schedule": _schedule(d, freq, start, end, report if report != duty_code else None),
            "holiday_policy": d.holiday_policy.value,
        })
    return duties


def _validated(parse: NoticeParse, data: dict[str, Any]) -> PlanSpec:
    """The plan, once its fields validate and :func:`check_plan` finds nothing; else one line per problem."""
    try:
        plan = PlanSpec.model_validate(data)
    except ValueError as exc:
        raise PlanError([f"{parse.source}: the plan read from the notice does not validate: {exc}"]) from exc
    problems = check_plan(plan)
    if problems:
        raise PlanError([f"{parse.source}: {path}: {msg}" for path, msg in problems])
    return plan


def notice_to_plan(parse: NoticeParse, *, roster: list[UnitSpec] | None = None, code: str | None = None) -> PlanSpec:
    """Build a valid plan from a parsed notice.

    In four steps: the units (the roster's codes where it has them, new codes otherwise); the indicators
    and their targets; the duties, with duban's choices where the notice is silent; then the whole is
    validated, fields and cross-references.

    Args:
        parse: what :func:`models.plan_text.reader.parse_notice` read.
        roster: units of an existing plan whose codes, kinds and locality list to reuse.
        code: the plan's code; by default the issuer's place in pinyin and the period.

    Raises:
        PlanError: when the result does not validate (one line per problem).
    """
    roster = roster or []
    localities = [u for u in roster if u.kind in LOCALITY_KINDS]
    issuer = parse.issuer or DEFAULT_ISSUER
    period = plan_period(parse)
    issued_on = parse.issued_on or dt.date(period[0], 1, 1)
    coordinator = _coordinator(parse, issuer)
    units = _units(parse, roster, issuer, coordinator)
    departments = [u["name"] for u in units if u["kind"] == UnitKind.DEPARTMENT.value]
    indicators, targets = _indicators_and_targets(parse)
    duties = _duties(parse, period=period, issued_on=issued_on, coordinator=coordinator, departments=departments)
    return _validated(parse, {
        "code": code or plan_code(parse.issuer, period),
        "title": parse.title or parse.notice_title or parse.source,
        "notice_title": parse.notice_title, "doc_number": parse.doc_number, "issuer": issuer,
        "issued_on": issued_on.isoformat(), "period": {"start": period[0], "end": period[1]},
        "coordinator": coordinator, "leader": issuer,
        "units": units, "localities": [u.model_dump(mode="json") for u in localities],
        "indicators": indicators, "targets": targets,
        "items": [{"ref": it.ref, "kind": it.kind.value, "section": it.section, "title": it.title, "text": it.text,
                   "lead": it.lead, "cooperating": list(it.cooperating), "others_unnamed": it.others_unnamed,
                   "localities": it.localities.value} for it in parse.items],
        "duties": duties,
    })
