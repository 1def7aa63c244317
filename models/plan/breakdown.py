"""The task breakdown table (任务分解表) of a plan, as plain rows for the terminal, artifacts and files.

The markdown artifact is :func:`notifications.messages.breakdown.breakdown_markdown` (escaped there).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.enums import LocalityScope
from models.plan.schema import PlanSpec

SCOPE_LABEL = {
    LocalityScope.ALL: "各镇(街道)",
    LocalityScope.RELEVANT: "有关镇(街道)",
    LocalityScope.NONE: "—",
}
HEADERS = ("序号", "任务", "牵头单位", "配合单位", "镇(街道)")
TARGET_HEADERS = ("年度", "指标", "目标值", "单位", "比较")


@dataclass(frozen=True)
class BreakdownRow:
    """One line of the 任务分解表."""

    ref: str
    title: str
    lead: str
    cooperating: str
    localities: str


def breakdown_rows(plan: PlanSpec) -> list[BreakdownRow]:
    """The plan's items as 任务分解表 rows, in document order."""
    rows = []
    for it in plan.items:
        coop = "、".join(it.cooperating) + ("等单位" if it.others_unnamed else "")
        locs = SCOPE_LABEL[it.localities]
        if it.localities is LocalityScope.RELEVANT and it.relevant_localities:
            locs = "、".join(it.relevant_localities)
        rows.append(BreakdownRow(it.ref, it.title, it.lead, coop or "—", locs))
    return rows


def target_rows(plan: PlanSpec) -> list[tuple[str, str, str, str, str]]:
    """The plan's targets as (year, name, value, unit, comparator) strings; a carried target says so in its name."""
    names = {x.code: x for x in plan.indicators}
    out = []
    for t in plan.targets:
        ind = names[t.indicator]
        name = ind.name + (f"(基数{t.baseline.year}年{t.baseline.value:g})" if t.baseline else "")
        if t.carried_from is not None:  # the notice sets none for this year: say so wherever it shows
            name += f"(沿用{t.carried_from}年目标,文件未规定{t.year}年目标)"
        out.append((str(t.year), name, f"{t.value:g}", ind.unit, t.comparator.value))
    return out
