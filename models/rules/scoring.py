"""Scoring and ranking for the special inspection (专项督查): facts per unit in, scores, ranks and lights out.

Pure functions over plain data: :mod:`models.records.inspections` gathers :class:`UnitFacts` (what was due
in the period and what the unit did), :func:`score_units` turns them into :class:`Score` rows, and
:mod:`notifications.messages.circular` writes the circular (通报). Weights and thresholds are a
:class:`~models.rules.rubric.Rubric` read from ``config/rubric.yaml``; every rule is listed here so that a
coordinator can check a unit's score by hand.

1. **Who is scored.** A unit with something due in the period (``reports_due`` or ``actions_due`` > 0).
   A unit with nothing due is in group ``no_task`` (本期无督查任务): no total, no rank, no light, never praised.
2. **Groups.** Towns and sub-districts (``locality``) and departments (``department``) are ranked
   separately. Vertical and other bodies with something due are ``resident`` (驻地单位): scored and lit,
   never ranked or praised.
3. **Reports (报送).** ``reports_weight × (on_time + late_report_credit × late) / due``: late earns less
   than on time, missing nothing. A locality's report is its progress report; a department's are its task
   reports on the items it leads.
4. **Progress (进度).** ``progress_weight × min(progress, progress_cap) / progress_cap``. A locality's
   ``progress`` is :func:`locality_progress` (against the pace-to-date for a cumulative indicator, as a
   rate for a rate); a department's is the share of its task reports due that say 推进中 or 已完成.
   Nothing reported is progress 0 (no neutral credit). ``progress`` None means not assessable (a report
   but no target allocated): the component does not apply.
5. **Action items (督办事项).** ``actions_weight × on_time / due``.
6. **Scaling, penalty, rounding.** Each component is rounded to one decimal (half up). Components that do
   not apply (nothing of them due) are left out and the rest scaled to 100:
   ``total = round(sum(points) × 100 / sum(weights that apply))``; then minus 5 points per open red item
   (``red_item_penalty``, at most ``red_penalty_cap``), floored at 0.
7. **Rank.** Within each ranked group: higher total first; ties broken by more reports on time, then the
   earlier complete submission (when the last report due was first submitted), then the higher progress
   ratio; units equal on all of these share a rank and the next rank skips (1, 2, 2, 4), listed by name.
8. **Change of rank.** ``previous_rank - rank`` (positive: moved up), against the previous period's
   inspection of the same plan; None when the unit had no rank then.
9. **Light (亮灯).** Red: a report missing, ``red_items_for_red`` or more red items open, the total below
   ``red_below``, or an indicator more than ``pace_red_gap`` points behind. Yellow: total below
   ``yellow_below``, a red item still open, a task reported 未启动/滞后, or an indicator more than
   ``pace_yellow_gap`` points behind. Otherwise green. :attr:`Score.reasons` lists the rules that applied.

Invalid facts (negative counts, more reports than due, an unknown kind, a duplicate unit) raise
:class:`ScoringError`: they are a bug in the query that gathered them, and a circular must not go out on them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from models.enums import Aggregation, Comparator, ScoreLight, UnitKind
from models.errors import ScoringError
from models.rules.rubric import RUBRIC, Rubric, expected_share, pace_share

__all__ = ["RUBRIC", "Rubric", "Score", "UnitFacts", "IndicatorLine", "score_units", "score_components",
           "competition_ranks", "locality_progress", "group_of", "display_order"]

KINDS: tuple[str, ...] = tuple(kind.value for kind in UnitKind)
LIGHTS: tuple[str, ...] = tuple(light.value for light in ScoreLight)

GROUP_LOCALITY = "locality"  # 镇（街道）: ranked
GROUP_DEPARTMENT = "department"  # 市直部门: ranked
GROUP_RESIDENT = "resident"  # 驻地单位 (vertical, other) with something due: not ranked
GROUP_NO_TASK = "no_task"  # 本期无督查任务: not scored
RANKED_GROUPS: tuple[str, ...] = (GROUP_LOCALITY, GROUP_DEPARTMENT)
GROUPS: tuple[str, ...] = (*RANKED_GROUPS, GROUP_RESIDENT, GROUP_NO_TASK)

REASON_REPORT_MISSING = "report_missing"
REASON_RED_ITEMS = "red_items"
REASON_TOTAL_RED = "total_below_red"
REASON_PACE_RED = "pace_red"
REASON_TOTAL_YELLOW = "total_below_yellow"
REASON_OPEN_RED = "open_red_item"
REASON_TASKS_LAGGING = "tasks_lagging"
REASON_PACE_YELLOW = "pace_yellow"
REASONS: tuple[str, ...] = (REASON_REPORT_MISSING, REASON_RED_ITEMS, REASON_TOTAL_RED, REASON_PACE_RED,
                            REASON_TOTAL_YELLOW, REASON_OPEN_RED, REASON_TASKS_LAGGING, REASON_PACE_YELLOW)


@dataclass(frozen=True)
class IndicatorLine:
    """One target a locality is measured on: its allocated target and what it reported (year to date)."""

    name: str
    aggregation: str  # sum (paced) | level (a rate, compared as a rate)
    target: float
    actual: float
    comparator: str = Comparator.GE
    whole: bool = False  # a count (家/个/项): due in whole units by the node (rubric.expected_share)


def locality_progress(
    lines: list[IndicatorLine], node: dt.date, rubric: Rubric = RUBRIC,
) -> tuple[float | None, float | None, str | None]:
    """(progress ratio, points behind pace of the worst indicator, its name) for a locality that reported.

    ``node`` is the report node the pace is taken at. Per line: a ``sum`` indicator's expected value
    is ``target × pace_share(node)`` (a count: the whole units due by then, :func:`expected_share`); a
    ``level`` one's is the target rate (a ``<=`` rate is met when the
    actual is at or below it). The ratio is the mean of ``min(actual / expected, indicator_cap)``; a line
    whose expected value is 0 counts as met. (None, None, None) when there is no line.
    """
    if not lines:
        return None, None, None
    share = pace_share(node, rubric.pace_method)
    ratios: list[float] = []
    worst: tuple[float, str] | None = None
    for line in lines:
        if line.aggregation == Aggregation.LEVEL:
            expected, attained = 1.0, _rate_attained(line)
        else:
            expected = expected_share(line.target, share, line.whole)
            attained = line.actual / line.target if line.target > 0 else 1.0
        ratio = attained / expected if expected > 0 else 1.0
        ratios.append(min(max(ratio, 0.0), rubric.indicator_cap))
        gap = (expected - attained) * 100
        if worst is None or gap > worst[0]:
            worst = (gap, line.name)
    gap, name = worst if worst is not None else (0.0, "")
    return sum(ratios) / len(ratios), _round1(gap), name


def _rate_attained(line: IndicatorLine) -> float:
    """How much of a target rate is attained, 1.0 = met."""
    if line.comparator == Comparator.LE:
        return 1.0 if line.actual <= line.target else (line.target / line.actual if line.actual > 0 else 1.0)
    return line.actual / line.target if line.target > 0 else 1.0


@dataclass(frozen=True)
class UnitFacts:
    """What was due from one unit in the period assessed, and what it did.

    Attributes:
        unit: unit name, e.g. 镇隆镇.
        kind: department | town | subdistrict | vertical | other.
        reports_due: reports due in the period (a locality's progress report; a department's task reports).
        reports_on_time / reports_late: submitted on or before the effective due date / after it.
        progress: the progress ratio (rule 4); 0 when nothing was reported; None when not assessable.
        actions_due / actions_on_time: meeting action items due in the period / closed by their due date.
        open_red: obligations of this unit still open and red now.
        pace_gap: percentage points the worst indicator is behind (negative: ahead); None when none measured.
        lagging: that indicator's name (as the locality sees it), or None.
        tasks_lagging: task reports whose status is 未启动 or 滞后.
        submitted_at: when the last report due was first submitted (ISO, UTC); None when one is missing.
    """

    unit: str
    kind: str
    reports_due: int
    reports_on_time: int
    reports_late: int
    progress: float | None
    actions_due: int
    actions_on_time: int
    open_red: int
    pace_gap: float | None = None
    lagging: str | None = None
    tasks_lagging: int = 0
    submitted_at: str | None = None

    def __post_init__(self) -> None:
        where = f"inspection facts for {self.unit!r}"
        if not self.unit.strip():
            raise ScoringError("inspection facts with an empty unit name")
        if self.kind not in KINDS:
            raise ScoringError(f"{where}: unknown kind {self.kind!r}; known: {', '.join(KINDS)}")
        for name in ("reports_due", "reports_on_time", "reports_late", "actions_due", "actions_on_time",
                     "open_red", "tasks_lagging"):
            if getattr(self, name) < 0:
                raise ScoringError(f"{where}: {name} is {getattr(self, name)}; expected 0 or more")
        if self.reports_on_time + self.reports_late > self.reports_due:
            raise ScoringError(f"{where}: {self.reports_on_time} on time + {self.reports_late} late reports "
                               f"exceed the {self.reports_due} due")
        if self.actions_on_time > self.actions_due:
            raise ScoringError(f"{where}: {self.actions_on_time} action items closed on time exceed the "
                               f"{self.actions_due} due")
        if self.progress is not None and not math.isfinite(self.progress):
            raise ScoringError(f"{where}: progress is {self.progress}; expected a finite ratio or None")

    @property
    def reports_missing(self) -> int:
        """Reports due in the period and not submitted at all."""
        return self.reports_due - self.reports_on_time - self.reports_late

    @property
    def actions_overdue(self) -> int:
        """Action items due in the period and not closed by their due date."""
        return self.actions_due - self.actions_on_time

    @property
    def anything_due(self) -> bool:
        """Whether the unit had anything due in the period (rule 1)."""
        return self.reports_due > 0 or self.actions_due > 0


@dataclass(frozen=True)
class Score:
    """One unit's result in the inspection.

    Attributes:
        unit, kind: the unit.
        total: 0..100, one decimal (rule 6); None for a unit with nothing due.
        components: points earned: ``reports``, ``progress``, ``actions`` (only those that apply) and
            ``red_penalty`` (0 or negative).
        rank: 1 = best within its group; None when not ranked (resident, no_task).
        previous_rank: the unit's rank in the previous period's inspection, or None.
        change: ``previous_rank - rank`` (positive = moved up); None without both ranks.
        light: green | yellow | red; None for a unit with nothing due.
        reasons: codes from :data:`REASONS` saying why the light is not green.
        facts: the facts the score was computed from.
        group: locality | department | resident | no_task (rule 2).
    """

    unit: str
    kind: str
    total: float | None
    components: dict[str, float]
    rank: int | None
    previous_rank: int | None
    change: int | None
    light: str | None
    reasons: tuple[str, ...] = ()
    facts: UnitFacts | None = field(default=None, compare=False)
    group: str = GROUP_LOCALITY


def _round1(value: float) -> float:
    """Round to one decimal, half up (as a person checking by hand would), not banker's rounding."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) + 0.0


def group_of(facts: UnitFacts) -> str:
    """The unit's group (rule 2)."""
    if not facts.anything_due:
        return GROUP_NO_TASK
    if facts.kind in (UnitKind.TOWN, UnitKind.SUBDISTRICT):
        return GROUP_LOCALITY
    if facts.kind == UnitKind.DEPARTMENT:
        return GROUP_DEPARTMENT
    return GROUP_RESIDENT


def score_components(facts: UnitFacts, rubric: Rubric = RUBRIC) -> dict[str, float]:
    """The components that apply to one unit, each rounded to one decimal (rules 3–6, before scaling)."""
    parts: dict[str, float] = {}
    if facts.reports_due:
        credit = facts.reports_on_time + rubric.late_report_credit * facts.reports_late
        parts["reports"] = _round1(rubric.reports_weight * credit / facts.reports_due)
        if facts.progress is not None:
            ratio = min(max(facts.progress, 0.0), rubric.progress_cap) / rubric.progress_cap
            parts["progress"] = _round1(rubric.progress_weight * ratio)
    if facts.actions_due:
        parts["actions"] = _round1(rubric.actions_weight * facts.actions_on_time / facts.actions_due)
    parts["red_penalty"] = _round1(-min(rubric.red_item_penalty * facts.open_red, rubric.red_penalty_cap))
    return parts


def applicable_weight(components: dict[str, float], rubric: Rubric = RUBRIC) -> float:
    """The points the components that apply are worth together (the denominator of rule 6)."""
    weights = {"reports": rubric.reports_weight, "progress": rubric.progress_weight,
               "actions": rubric.actions_weight}
    return sum(w for name, w in weights.items() if name in components)


def total_of(components: dict[str, float], rubric: Rubric = RUBRIC) -> float:
    """Rule 6: the earned points scaled to 100 over the components that apply, less the penalty, >= 0."""
    weight = applicable_weight(components, rubric)
    earned = sum(v for name, v in components.items() if name != "red_penalty")
    scaled = earned * 100 / weight if weight else 0.0
    return max(0.0, _round1(_round1(scaled) + components.get("red_penalty", 0.0)))


def light_for(facts: UnitFacts, total: float, rubric: Rubric = RUBRIC) -> tuple[str, tuple[str, ...]]:
    """The light for a unit and the codes of the rules that set it (rule 9)."""
    gap = facts.pace_gap
    red = [code for code, hit in (
        (REASON_REPORT_MISSING, facts.reports_missing > 0),
        (REASON_RED_ITEMS, facts.open_red >= rubric.red_items_for_red),
        (REASON_TOTAL_RED, total < rubric.red_below),
        (REASON_PACE_RED, gap is not None and gap > rubric.pace_red_gap),
    ) if hit]
    if red:
        return ScoreLight.RED, tuple(red)
    yellow = [code for code, hit in (
        (REASON_TOTAL_YELLOW, total < rubric.yellow_below),
        (REASON_OPEN_RED, facts.open_red > 0),
        (REASON_TASKS_LAGGING, facts.tasks_lagging > 0),
        (REASON_PACE_YELLOW, gap is not None and gap > rubric.pace_yellow_gap),
    ) if hit]
    if yellow:
        return ScoreLight.YELLOW, tuple(yellow)
    return ScoreLight.GREEN, ()


def competition_ranks(keys: Iterable[object]) -> list[int]:
    """Standard competition ranks (1, 2, 2, 4) for sort keys, in the order given; a smaller key is better."""
    values = list(keys)
    ordered = sorted(values)  # type: ignore[type-var]
    first_position: dict[object, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
    return [first_position[value] for value in values]


def rank_key(total: float, facts: UnitFacts) -> tuple[float, int, str, float]:
    """Rule 7's order as a sort key (smaller is better): total, reports on time, submission, progress."""
    return (-total, -facts.reports_on_time, facts.submitted_at or "~", -(facts.progress or 0.0))


def display_order(scores: Iterable[Score]) -> list[Score]:
    """Scores in the circular's order: by group (rule 2), then rank, then unit name; unranked units keep the
    order given (the plan's)."""
    return sorted(scores, key=lambda s: (GROUPS.index(s.group) if s.group in GROUPS else len(GROUPS),
                                         s.rank or 0, s.unit if s.rank is not None else ""))


def score_units(
    facts: list[UnitFacts],
    previous_ranks: dict[str, int] | None = None,
    *,
    rubric: Rubric = RUBRIC,
) -> list[Score]:
    """Score, rank (per group) and light every unit.

    Args:
        facts: one entry per unit of the plan.
        previous_ranks: unit name → its rank in the previous period's inspection.
        rubric: weights and thresholds.

    Returns:
        One :class:`Score` per unit, in :func:`display_order`.

    Raises:
        ScoringError: a unit appears twice, or a previous rank is not a positive integer.
    """
    seen: set[str] = set()
    for item in facts:
        if item.unit in seen:
            raise ScoringError(f"unit {item.unit!r} appears twice in the inspection facts")
        seen.add(item.unit)
    previous = dict(previous_ranks or {})
    for unit, rank in previous.items():
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ScoringError(f"previous rank of {unit!r} is {rank!r}; expected an integer of 1 or more")
    scored: dict[str, list[tuple[UnitFacts, dict[str, float], float]]] = {g: [] for g in GROUPS}
    for item in facts:
        parts = score_components(item, rubric) if item.anything_due else {}
        scored[group_of(item)].append((item, parts, total_of(parts, rubric) if parts else 0.0))
    out: list[Score] = []
    for group, members in scored.items():
        ranks: list[int | None] = (list(competition_ranks(rank_key(t, f) for f, _, t in members))
                                   if group in RANKED_GROUPS else [None] * len(members))
        for (item, parts, total), place in zip(members, ranks, strict=True):
            if group == GROUP_NO_TASK:
                out.append(Score(item.unit, item.kind, None, {}, None, None, None, None, (), item, group))
                continue
            light, reasons = light_for(item, total, rubric)
            before = previous.get(item.unit) if place is not None else None
            change = None if before is None or place is None else before - place
            out.append(Score(item.unit, item.kind, total, parts, place, before, change, light, reasons, item, group))
    return display_order(out)
