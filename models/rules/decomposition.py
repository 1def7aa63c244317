"""The yearly target split (目标任务分解): a city target shared out to the localities.

Every April the coordinator (市科工商务局) splits the year's city targets to the 20 towns and
sub-districts. This module drafts that split, checks one the coordinator has edited, and applies
per-locality overrides. It is pure: plain numbers in, plain dicts out, no database.

The rule:

* ``aggregation == "level"`` (a rate, %): every locality's target equals the city target, unrounded.
* ``aggregation == "sum"`` (亿元, 家, 万千瓦…): the city target is split pro rata to a *basis*, chosen by
  :func:`basis_kind` in this order:

  1. ``"actuals"``: the localities' previous-year actuals, when reports exist;
  2. ``"previous_split"``: the previous year's split;
  3. ``None``: no basis, an even split.

  A source "exists" when it holds at least one positive value: an all-zero source says nothing about
  how the work is shared, so the next source is tried (design choice; see :func:`basis_kind`).
  Within a basis, a locality with a zero or missing value gets a zero share; a basis that is zero for
  every locality falls back to an even split. Basis entries for names outside ``localities`` (a town
  merged or renamed since) are ignored.
* Shares are rounded to ``decimals`` places (2 by default; the caller passes 0 for counts such as 家)
  with the **largest remainder method**: each locality first gets its exact share rounded down, then
  the units still missing go one each to the largest remainders (ties: larger exact share first, then
  roster order). The rounded shares therefore add up to ``round(city_value, decimals)`` exactly, a
  zero-basis locality never receives a rounding unit, and every share is within one unit of the last
  decimal of its exact share. Arithmetic uses :class:`fractions.Fraction`, so no float drift decides a
  tie.
* A year without a city target of its own carries the latest earlier target forward; that is the
  caller's job — this module takes ``city_value`` as given. Everything that shows a carried target flags it.
* Only indicators of scope ``locality`` are split (:func:`is_split`). A ``city`` target (the city-wide R&D
  ratio, which only the statistics bureau can measure) and a ``park`` target (the industrial park's
  investment) are the city's or the park's as a whole: they are shown to towns as city-wide context, never
  as a town's quota.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from models.enums import Aggregation, IndicatorScope

AGGREGATIONS: tuple[str, ...] = tuple(a.value for a in Aggregation)
SPLIT_SCOPES: tuple[str, ...] = (IndicatorScope.LOCALITY.value,)
BASIS_KINDS: tuple[str, ...] = ("actuals", "previous_split")
ZERO_CITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class SplitProblem:
    """One thing wrong with a split.

    Attributes:
        indicator: the indicator's code, e.g. ``industrial-investment``.
        locality: the locality concerned, or None for a problem with the split as a whole.
        message: an English sentence naming the indicator, the locality and the value.
    """

    indicator: str
    locality: str | None
    message: str


def is_split(scope: str) -> bool:
    """Whether an indicator of ``scope`` is shared out to the localities (only ``locality`` is)."""
    return scope in SPLIT_SCOPES


def _check_aggregation(aggregation: str) -> None:
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"invalid aggregation {aggregation!r}: expected one of {', '.join(AGGREGATIONS)}")


def _check_localities(localities: list[str]) -> None:
    seen: set[str] = set()
    for name in localities:
        if name in seen:
            raise ValueError(f"locality {name!r} is listed twice in {localities!r}")
        seen.add(name)


def _weights(localities: list[str], basis: Mapping[str, float] | None) -> list[Fraction]:
    """Exact weights per locality: the basis, or all ones for an even split."""
    if not basis:
        return [Fraction(1)] * len(localities)
    weights = []
    for name in localities:
        value = basis.get(name, 0.0)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"invalid basis value {value!r} for {name}: expected a finite number >= 0")
        weights.append(Fraction(value))
    if sum(weights) == 0:
        return [Fraction(1)] * len(localities)
    return weights


def _largest_remainder(total_units: int, quotas: list[Fraction]) -> list[int]:
    """Round exact quotas (in units) to integers adding up to ``total_units``."""
    floors = [math.floor(q) for q in quotas]
    missing = total_units - sum(floors)
    # 0 <= missing <= number of positive remainders (see the module docstring), so a locality whose
    # quota is a whole number (a zero basis included) never receives an extra unit.
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), -quotas[i], i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def draft_split(
    *,
    city_value: float,
    aggregation: str,
    localities: list[str],
    basis: dict[str, float] | None = None,
    decimals: int = 2,
) -> dict[str, float]:
    """Draft the split of one city target to the localities.

    Args:
        city_value: the year's city target (carried forward by the caller when the year has none).
        aggregation: ``sum`` (shares add up to the target) or ``level`` (every locality meets it).
        localities: the locality roster, in display order; names must be unique.
        basis: what to split pro rata to (previous-year actuals or the previous split), or None/empty
            for an even split. Ignored for ``level``.
        decimals: places to round ``sum`` shares to (0 for counts such as 家).

    Returns:
        Locality → target, keys in the order of ``localities``.

    Raises:
        ValueError: on an unknown aggregation, a repeated locality, a negative ``decimals``, a
            non-finite or negative ``sum`` target, or a negative or non-finite basis value.
    """
    _check_aggregation(aggregation)
    _check_localities(localities)
    if not math.isfinite(city_value):
        raise ValueError(f"invalid city target {city_value!r}: expected a finite number")
    if aggregation == Aggregation.LEVEL:
        return dict.fromkeys(localities, city_value)
    if decimals < 0:
        raise ValueError(f"invalid decimals {decimals!r}: expected an integer >= 0")
    if city_value < 0:
        raise ValueError(f"invalid city target {city_value!r} for a sum indicator: expected a number >= 0")
    if not localities:
        return {}
    scale = 10**decimals
    exact_total = Fraction(city_value) * scale
    weights = _weights(localities, basis)
    weight_sum = sum(weights)
    quotas = [exact_total * w / weight_sum for w in weights]
    units = _largest_remainder(round(exact_total), quotas)
    return {name: u / scale for name, u in zip(localities, units, strict=True)}


def basis_kind(
    actuals: dict[str, float] | None, previous_split: dict[str, float] | None
) -> tuple[str | None, dict[str, float] | None]:
    """Choose the basis of a ``sum`` split: previous-year actuals, else the previous split, else none.

    A source counts only when it holds at least one positive finite value. An all-zero source (no town
    reported any 机器换人 firm last year, say) carries no information about how to share the work, so
    the next source is a better guide than the even split :func:`draft_split` would fall back to.

    Args:
        actuals: locality → previous-year actual, or None when no reports exist.
        previous_split: locality → previous year's target, or None when there was no split.

    Returns:
        ``("actuals", actuals)``, ``("previous_split", previous_split)`` or ``(None, None)``.
    """
    for kind, source in zip(BASIS_KINDS, (actuals, previous_split), strict=True):
        if source and any(math.isfinite(v) and v > 0 for v in source.values()):
            return kind, source
    return None, None


def validate_split(
    *,
    indicator: str,
    city_value: float,
    aggregation: str,
    localities: list[str],
    split: dict[str, float],
    tolerance: float = 0.005,
    reason: str = "",
) -> list[SplitProblem]:
    """Check a split (drafted, then edited by the coordinator) before it is approved.

    Every locality must be present, no unknown locality may appear, and no value may be negative, NaN
    or infinite. For ``sum`` the shares must add up to the city target within ``tolerance`` (relative;
    absolute 1e-9 when the target is 0) — unless a non-empty ``reason`` states why they don't, in which
    case the mismatch is accepted. ``level`` splits have no sum check.

    Args:
        indicator: the indicator's code, used in the messages.
        city_value: the city target.
        aggregation: ``sum`` or ``level``.
        localities: the locality roster.
        split: locality → target as submitted.
        tolerance: the accepted relative difference between the shares' sum and the city target.
        reason: why the shares may differ from the city target (e.g. a town over-committed), or "".

    Returns:
        The problems, in roster order, then unknown localities, then the sum; empty when the split is fine.

    Raises:
        ValueError: on an unknown aggregation.
    """
    _check_aggregation(aggregation)
    problems = _share_problems(indicator, localities, split)
    if aggregation == Aggregation.SUM and not reason.strip():
        problems += _sum_problem(indicator, city_value, localities, split, tolerance)
    return problems


def _share_problems(indicator: str, localities: list[str], split: dict[str, float]) -> list[SplitProblem]:
    """Each locality present with a finite value of 0 or more (in roster order), then unknown localities."""
    problems: list[SplitProblem] = []
    known = set(localities)
    for name in localities:
        if name not in split:
            problems.append(SplitProblem(indicator, name, f"{indicator}: {name}: missing from the split"))
            continue
        value = split[name]
        if not math.isfinite(value):
            problems.append(SplitProblem(indicator, name, f"{indicator}: {name}: {value!r} is not a finite number"))
        elif value < 0:
            problems.append(SplitProblem(indicator, name, f"{indicator}: {name}: {value!r} is negative"))
    for name, value in split.items():
        if name not in known:
            message = f"{indicator}: {name}: {value!r} is for an unknown locality; known: {', '.join(localities)}"
            problems.append(SplitProblem(indicator, name, message))
    return problems


def _sum_problem(
    indicator: str, city_value: float, localities: list[str], split: dict[str, float], tolerance: float
) -> list[SplitProblem]:
    """The shares of a ``sum`` split against the city target: one problem when they are off, else none.

    Skipped when a share is not finite (already reported per locality).
    """
    values = [split[name] for name in localities if name in split]
    if not all(math.isfinite(v) for v in values):
        return []
    total = math.fsum(values)
    allowed = tolerance * abs(city_value) if city_value != 0 else ZERO_CITY_TOLERANCE
    if abs(total - city_value) > allowed:
        message = (
            f"{indicator}: shares sum to {total!r}, city target is {city_value!r} "
            f"(off by {total - city_value:+.6g}, allowed {allowed:.6g}); "
            "correct the shares or give a reason"
        )
        return [SplitProblem(indicator, None, message)]
    return []


def apply_adjustments(split: dict[str, float], adjustments: list[tuple[str, float]]) -> dict[str, float]:
    """Override some localities' targets (the coordinator's edits after talking to the towns).

    Args:
        split: locality → target, e.g. from :func:`draft_split`.
        adjustments: (locality, new value) pairs; a later pair for the same locality wins.

    Returns:
        A new dict, keys in the order of ``split``; ``split`` itself is not changed.

    Raises:
        ValueError: naming the locality and the known ones, if a pair names a locality not in ``split``.
    """
    result = dict(split)
    for name, value in adjustments:
        if name not in result:
            raise ValueError(f"unknown locality {name!r} in adjustments; known: {', '.join(split)}")
        result[name] = value
    return result
