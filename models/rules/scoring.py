"""Scoring and ranking for the special inspection (专项督查): facts per unit in, scores, ranks and lights out.

Pure functions over plain data: the ``inspection`` flow gathers :class:`UnitFacts` from the database,
:func:`score_units` turns them into :class:`Score` rows, and :mod:`notifications.messages.circular` writes the
circular (通报). The weights and thresholds are :data:`RUBRIC`; every rule is listed here so that a
coordinator can check a unit's score by hand.

The rubric (100 points; weights from :data:`RUBRIC`):

1. **Reports (报送), 40 points.** ``40 × (on_time + 0.5 × late) / due``: a report submitted on or before
   its effective due date earns full credit, a late one half, a missing one nothing. A unit with no
   report due in the period gets the full 40.
2. **Progress (进度), 40 points.** ``40 × min(progress, 1.0)``, where ``progress`` is the mean of
   ``min(actual / allocated, 1.5)`` over the unit's allocated indicators. Over-achievement is shown in the
   facts but earns nothing above 1.0; a negative value counts as 0. When nothing was allocated to or
   reported by the unit (``progress is None``) it gets neutral credit, half the weight (20): neither
   rewarded nor punished for a target it does not carry.
3. **Action items (督办事项), 20 points.** ``20 × on_time / due`` for meeting action items closed on or
   before their due date. Nothing due gives the full 20.
4. **Red-item penalty (红灯扣分).** Minus 5 points per obligation of the unit still open and red now,
   at most minus 20.
5. **Rounding and total.** Each component is rounded to one decimal (half up); the total is the sum of the
   rounded components, floored at 0 — so the components printed in the circular add up to the total.
6. **Rank.** Higher total ranks better. Equal totals share a rank and the next rank skips (1, 2, 2, 4).
   Within a rank, units are listed by name (code-point order, deterministic).
7. **Change of rank.** ``previous_rank - rank``: positive means the unit moved up. ``None`` when the unit
   had no previous rank (first circular, or a unit new to the inspection).
8. **Light (亮灯).** Red when any report is missing, or 3 or more red items are still open, or the total
   is below 60. Otherwise yellow when the total is below 80 or any red item is still open (refinement:
   a unit that still carries a red item is not shown green). Otherwise green. :attr:`Score.reasons`
   records which of these rules applied, as codes (:data:`REASONS`).

Invalid facts (negative counts, more reports submitted than due, an unknown kind, a duplicate unit) raise
:class:`ScoringError`: they are a bug in the query that gathered them, and a circular must not go out on them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from models.enums import ScoreLight, UnitKind
from models.errors import ScoringError

KINDS: tuple[str, ...] = tuple(kind.value for kind in UnitKind)
LIGHTS: tuple[str, ...] = tuple(light.value for light in ScoreLight)

# Why a unit got its light (Score.reasons); the circular's template words them.
REASON_REPORT_MISSING = "report_missing"  # red: at least one report not submitted
REASON_RED_ITEMS = "red_items"  # red: open red items >= RUBRIC.red_items_for_red
REASON_TOTAL_RED = "total_below_red"  # red: total < RUBRIC.red_below
REASON_TOTAL_YELLOW = "total_below_yellow"  # yellow: total < RUBRIC.yellow_below
REASON_OPEN_RED = "open_red_item"  # yellow: at least one red item still open
REASONS: tuple[str, ...] = (
    REASON_REPORT_MISSING,
    REASON_RED_ITEMS,
    REASON_TOTAL_RED,
    REASON_TOTAL_YELLOW,
    REASON_OPEN_RED,
)


@dataclass(frozen=True)
class Rubric:
    """Weights and thresholds of the inspection score; see the module docstring for the rules.

    Attributes:
        reports_weight: points for submitting reports (报送).
        late_report_credit: share of a report's points a late submission earns.
        progress_weight: points for target progress (进度).
        progress_cap: progress ratio that earns the full progress points; more earns nothing extra.
        progress_unknown_credit: share of the progress points for a unit with no allocated indicator.
        actions_weight: points for closing meeting action items on time (督办事项).
        red_item_penalty: points taken off per red item still open.
        red_penalty_cap: most points the red items can take off.
        red_below: a total below this is red.
        red_items_for_red: this many open red items make the unit red.
        yellow_below: a total below this (and not red) is yellow.
    """

    reports_weight: float = 40.0
    late_report_credit: float = 0.5
    progress_weight: float = 40.0
    progress_cap: float = 1.0
    progress_unknown_credit: float = 0.5
    actions_weight: float = 20.0
    red_item_penalty: float = 5.0
    red_penalty_cap: float = 20.0
    red_below: float = 60.0
    red_items_for_red: int = 3
    yellow_below: float = 80.0

    def __post_init__(self) -> None:
        weights = self.reports_weight + self.progress_weight + self.actions_weight
        if not math.isclose(weights, 100.0):
            raise ScoringError(f"rubric weights add up to {weights}; they must add up to 100")
        for name in ("late_report_credit", "progress_unknown_credit"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ScoringError(f"rubric {name} is {getattr(self, name)}; expected a share between 0 and 1")
        if self.progress_cap <= 0:
            raise ScoringError(f"rubric progress_cap is {self.progress_cap}; expected a positive ratio")
        if not self.red_below <= self.yellow_below:
            raise ScoringError(f"rubric red_below {self.red_below} is above yellow_below {self.yellow_below}")


RUBRIC = Rubric()


@dataclass(frozen=True)
class UnitFacts:
    """What the inspection found for one unit in the period assessed.

    Attributes:
        unit: unit name, e.g. 镇隆镇.
        kind: department | town | subdistrict | other.
        reports_due: report obligations due in the period assessed.
        reports_on_time: submitted on or before the effective due date.
        reports_late: submitted after it.
        progress: mean over the unit's allocated 'sum' indicators of ``min(actual / allocated, 1.5)``;
            None when nothing was allocated or reported.
        actions_due: meeting action items due in the period.
        actions_on_time: closed on or before their due date.
        open_red: obligations of this unit still open and red now.
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

    def __post_init__(self) -> None:
        where = f"inspection facts for {self.unit!r}"
        if not self.unit.strip():
            raise ScoringError("inspection facts with an empty unit name")
        if self.kind not in KINDS:
            raise ScoringError(f"{where}: unknown kind {self.kind!r}; known: {', '.join(KINDS)}")
        for name in ("reports_due", "reports_on_time", "reports_late", "actions_due", "actions_on_time", "open_red"):
            value = getattr(self, name)
            if value < 0:
                raise ScoringError(f"{where}: {name} is {value}; expected 0 or more")
        if self.reports_on_time + self.reports_late > self.reports_due:
            raise ScoringError(
                f"{where}: {self.reports_on_time} on time + {self.reports_late} late reports "
                f"exceed the {self.reports_due} due"
            )
        if self.actions_on_time > self.actions_due:
            raise ScoringError(
                f"{where}: {self.actions_on_time} action items closed on time exceed the {self.actions_due} due"
            )
        if self.progress is not None and not math.isfinite(self.progress):
            raise ScoringError(f"{where}: progress is {self.progress}; expected a finite ratio or None")

    @property
    def reports_missing(self) -> int:
        """Reports due in the period and not submitted at all."""
        return self.reports_due - self.reports_on_time - self.reports_late

    @property
    def actions_overdue(self) -> int:
        """Action items due in the period and not closed by their due date (closed late or still open)."""
        return self.actions_due - self.actions_on_time


@dataclass(frozen=True)
class Score:
    """One unit's result in the inspection.

    Attributes:
        unit: the unit's name.
        kind: department | town | subdistrict | other.
        total: 0..100, rounded to one decimal; the sum of ``components``, floored at 0.
        components: ``reports``, ``progress``, ``actions`` (points earned) and ``red_penalty`` (0 or negative).
        rank: 1 = best; equal totals share a rank (1, 2, 2, 4).
        previous_rank: the unit's rank in the previous circular, or None.
        change: ``previous_rank - rank`` (positive = moved up); None when there is no previous rank.
        light: green | yellow | red.
        reasons: codes from :data:`REASONS` saying why the light is not green (empty when green).
        facts: the facts the score was computed from (None only for a Score built by hand).
    """

    unit: str
    kind: str
    total: float
    components: dict[str, float]
    rank: int
    previous_rank: int | None
    change: int | None
    light: str
    reasons: tuple[str, ...] = ()
    facts: UnitFacts | None = field(default=None, compare=False)


def _round1(value: float) -> float:
    """Round to one decimal, half up (as a person checking by hand would), not banker's rounding."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def score_components(facts: UnitFacts, rubric: Rubric = RUBRIC) -> dict[str, float]:
    """The four components of one unit's score, each rounded to one decimal (rules 1–5)."""
    if facts.reports_due == 0:
        reports = rubric.reports_weight
    else:
        credit = facts.reports_on_time + rubric.late_report_credit * facts.reports_late
        reports = rubric.reports_weight * credit / facts.reports_due
    if facts.progress is None:
        progress = rubric.progress_weight * rubric.progress_unknown_credit
    else:
        ratio = min(max(facts.progress, 0.0), rubric.progress_cap) / rubric.progress_cap
        progress = rubric.progress_weight * ratio
    actions = (
        rubric.actions_weight
        if facts.actions_due == 0
        else rubric.actions_weight * facts.actions_on_time / facts.actions_due
    )
    penalty = -min(rubric.red_item_penalty * facts.open_red, rubric.red_penalty_cap)
    return {
        "reports": _round1(reports),
        "progress": _round1(progress),
        "actions": _round1(actions),
        "red_penalty": _round1(penalty) + 0.0,  # + 0.0 turns -0.0 into 0.0
    }


def light_for(facts: UnitFacts, total: float, rubric: Rubric = RUBRIC) -> tuple[str, tuple[str, ...]]:
    """The light for a unit and the codes of the rules that set it (rule 8)."""
    red: list[str] = []
    if facts.reports_missing > 0:
        red.append(REASON_REPORT_MISSING)
    if facts.open_red >= rubric.red_items_for_red:
        red.append(REASON_RED_ITEMS)
    if total < rubric.red_below:
        red.append(REASON_TOTAL_RED)
    if red:
        return ScoreLight.RED, tuple(red)
    yellow: list[str] = []
    if total < rubric.yellow_below:
        yellow.append(REASON_TOTAL_YELLOW)
    if facts.open_red > 0:
        yellow.append(REASON_OPEN_RED)
    if yellow:
        return ScoreLight.YELLOW, tuple(yellow)
    return ScoreLight.GREEN, ()


def competition_ranks(totals: Iterable[float]) -> list[int]:
    """Standard competition ranks (1, 2, 2, 4) for ``totals``, in the order given; higher is better."""
    values = list(totals)
    ordered = sorted(values, reverse=True)
    first_position: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
    return [first_position[value] for value in values]


def score_units(
    facts: list[UnitFacts],
    previous_ranks: dict[str, int] | None = None,
    *,
    rubric: Rubric = RUBRIC,
) -> list[Score]:
    """Score, rank and light every unit.

    Args:
        facts: one entry per unit inspected.
        previous_ranks: unit name → its rank in the previous circular; units missing from it (or all,
            when None) get ``previous_rank`` and ``change`` None.
        rubric: weights and thresholds; :data:`RUBRIC` unless a deployment overrides it.

    Returns:
        One :class:`Score` per unit, sorted by rank, then unit name.

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

    components = [score_components(item, rubric) for item in facts]
    totals = [max(0.0, _round1(sum(parts.values()))) for parts in components]
    ranks = competition_ranks(totals)
    scores: list[Score] = []
    for item, parts, total, rank in zip(facts, components, totals, ranks, strict=True):
        light, reasons = light_for(item, total, rubric)
        before = previous.get(item.unit)
        scores.append(
            Score(
                unit=item.unit,
                kind=item.kind,
                total=total,
                components=parts,
                rank=rank,
                previous_rank=before,
                change=None if before is None else before - rank,
                light=light,
                reasons=reasons,
                facts=item,
            )
        )
    return sorted(scores, key=lambda s: (s.rank, s.unit))
