"""What a valid plan file leaves open, said at `duban plan load` (warnings, not errors: the plan loads).

* A target carried forward (``carried_from``): the notice sets none for that year; the earlier value stands in.
* A year of the plan with targets split over the localities but no decomposition duty falling in it (the
  seed's 2015: the notice gives that split in an attachment the file does not hold): until it is entered
  (the target-decomposition flow for that year), the localities' targets show as 待分解.
"""

from __future__ import annotations

import datetime as dt

from models.enums import DutyKind, IndicatorScope
from models.plan.schema import PlanSpec


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


def plan_warnings(plan: PlanSpec) -> list[str]:
    """One line per thing the plan leaves open: carried-forward targets (one line a year), then years with no split."""
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
    return out
