"""The inspection rubric (评分办法): weights, thresholds and the pace-to-date (序时进度), read from config.

The rubric is data, ``config/rubric.yaml`` (documented there, field by field), read with
:mod:`models.safe_yaml` into a :class:`Rubric`. :mod:`models.rules.scoring` applies it;
:mod:`notifications.messages.circular` quotes it in the circular. A bad file raises one
:class:`~models.errors.ScoringError` naming the file and the field.

A count (家/个/项) is due in whole units by the node (:func:`expected_share`). The pace-to-date at a report
node (:func:`pace_share`) is the share of the year's target a cumulative
(``aggregation: sum``) indicator is expected to have reached by the node:

- ``months`` (default): the whole months of the year completed before the node, over 12. The month of the
  node counts only when the node is its last day. The 5 June report covers January–May: 5/12 ≈ 41.7%;
  the 5 December report: 11/12 ≈ 91.7%; a node on 30 June: 6/12 = 50%.
- ``days``: the days of the year before the node, over the days of the year: 5 June 2016 → 156/366 ≈ 42.6%.

A rate (``aggregation: level``, e.g. 研发机构比例) is never paced: the rate reported is compared with the
target rate as it stands.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from config.settings import CONFIG_DIR
from models import safe_yaml
from models.errors import ScoringError
from models.validation import format_validation_error

PACE_METHODS: tuple[str, ...] = ("months", "days")
RUBRIC_FILE = CONFIG_DIR / "rubric.yaml"


def pace_share(node: dt.date, method: str = "months") -> float:
    """The share of the year's target expected by report node ``node`` (the module docstring's rule).

    Raises:
        ScoringError: an unknown method.
    """
    if method == "months":
        last_day = calendar.monthrange(node.year, node.month)[1]
        months = node.month - 1 + (1 if node.day == last_day else 0)
        return months / 12
    if method == "days":
        days_in_year = 366 if calendar.isleap(node.year) else 365
        return (node - dt.date(node.year, 1, 1)).days / days_in_year
    raise ScoringError(f"unknown pace method {method!r}; known: {', '.join(PACE_METHODS)}")


def expected_share(target: float, share: float, whole: bool) -> float:
    """The share of ``target`` due by a node whose pace is ``share``.

    A count (家, 个, 项: ``whole``) is due in whole units: ``floor(target × share)`` of them, so one firm due
    in the year is not "behind pace" at mid-year; any other quantity is due pro rata (``share``).
    """
    if not whole or target <= 0:
        return share
    return math.floor(target * share + 1e-9) / target


class RubricSpec(BaseModel):
    """The rubric file, validated; the fields are documented in ``config/rubric.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reports_weight: float = Field(default=40.0, ge=0, le=100)
    progress_weight: float = Field(default=40.0, ge=0, le=100)
    actions_weight: float = Field(default=20.0, ge=0, le=100)
    late_report_credit: float = Field(default=0.5, ge=0, le=1)
    progress_cap: float = Field(default=1.0, gt=0, le=2)
    indicator_cap: float = Field(default=1.5, gt=0, le=10)
    pace_method: Literal["months", "days"] = "months"
    pace_yellow_gap: float = Field(default=10.0, ge=0, le=100)
    pace_red_gap: float = Field(default=30.0, ge=0, le=100)
    red_item_penalty: float = Field(default=5.0, ge=0, le=100)
    red_penalty_cap: float = Field(default=20.0, ge=0, le=100)
    red_items_for_red: int = Field(default=3, ge=1, le=100)
    red_below: float = Field(default=60.0, ge=0, le=100)
    yellow_below: float = Field(default=80.0, ge=0, le=100)

    @model_validator(mode="after")
    def _consistent(self) -> RubricSpec:
        weights = self.reports_weight + self.progress_weight + self.actions_weight
        if abs(weights - 100.0) > 1e-9:
            raise ValueError(f"reports_weight + progress_weight + actions_weight is {weights:g}; it must be 100")
        if self.red_below > self.yellow_below:
            raise ValueError(f"red_below {self.red_below:g} is above yellow_below {self.yellow_below:g}")
        if self.pace_yellow_gap > self.pace_red_gap:
            raise ValueError(f"pace_yellow_gap {self.pace_yellow_gap:g} is above pace_red_gap {self.pace_red_gap:g}")
        return self


@dataclass(frozen=True)
class Rubric:
    """Weights and thresholds of the inspection score (see :mod:`models.rules.scoring` for the rules).

    Attributes:
        reports_weight: points for reporting (报送): progress reports of a locality, task reports of a department.
        progress_weight: points for progress (进度): against the pace-to-date, or a department's task statuses.
        actions_weight: points for closing meeting action items on time (督办事项).
        late_report_credit: share of a report's points a late submission earns (less than 1: late < on time).
        progress_cap: progress ratio that earns the full progress points; more earns nothing extra.
        indicator_cap: most one indicator's ratio to the pace counts for in the mean.
        pace_method: ``months`` or ``days`` (:func:`pace_share`).
        pace_yellow_gap: an indicator more than this many percentage points behind the pace makes the unit yellow.
        pace_red_gap: more than this many points behind makes it red.
        red_item_penalty: points taken off per red item still open.
        red_penalty_cap: most points the red items can take off.
        red_items_for_red: this many open red items make the unit red.
        red_below: a total below this is red.
        yellow_below: a total below this (and not red) is yellow.
        source: the file the rubric was read from ("" for the built-in defaults).
    """

    reports_weight: float = 40.0
    progress_weight: float = 40.0
    actions_weight: float = 20.0
    late_report_credit: float = 0.5
    progress_cap: float = 1.0
    indicator_cap: float = 1.5
    pace_method: str = "months"
    pace_yellow_gap: float = 10.0
    pace_red_gap: float = 30.0
    red_item_penalty: float = 5.0
    red_penalty_cap: float = 20.0
    red_items_for_red: int = 3
    red_below: float = 60.0
    yellow_below: float = 80.0
    source: str = ""

    def __post_init__(self) -> None:
        fields = {k: v for k, v in asdict(self).items() if k != "source"}
        try:
            RubricSpec.model_validate(fields)
        except ValidationError as exc:
            raise ScoringError(f"rubric: {_first_problem(exc)}") from None


RUBRIC = Rubric()


def _first_problem(exc: ValidationError) -> str:
    """The first problem, naming its field (a rule across fields names them in its own words)."""
    errors = exc.errors()
    if not errors[0]["loc"]:
        first = str(errors[0]["msg"]).removeprefix("Value error, ")
    else:
        first = format_validation_error(exc, value_label="got", dotted_indexes=True)[0]
    return first + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")


def load_rubric(path: Path) -> Rubric:
    """Read and validate the rubric file.

    Raises:
        ScoringError: one line naming the file, the field and the problem.
    """
    data = safe_yaml.load_config_file(path, ScoringError)
    if not isinstance(data, dict):
        raise ScoringError(f"{path}: expected a mapping of rubric fields, got {type(data).__name__}")
    try:
        spec = RubricSpec.model_validate(data)
    except ValidationError as exc:
        raise ScoringError(f"{path}: {_first_problem(exc)}") from None
    return Rubric(**spec.model_dump(), source=str(path))


def configured_rubric(path: Path | None = None) -> Rubric:
    """The rubric of this deployment: ``config/rubric.yaml`` unless ``path`` names another file.

    Raises:
        ScoringError: the file is missing or invalid (one line naming the file and the field).
    """
    return load_rubric(path or RUBRIC_FILE)
