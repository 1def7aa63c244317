"""The inspection circular (专项督查结果通报): markdown text, a table, and one message per unit.

The ``inspection`` flow scores units with :func:`models.rules.scoring.score_units`, then shows
:func:`circular_markdown` and :func:`circular_table` as Prefect artifacts and sends each unit
:func:`unit_result_message`. This module decides *who* is praised and named; the wording, every Chinese
word included (column names, kinds, lights, "新"), lives in ``templates/circular.md.j2``.

Who the circular names:

- **Praised for rank:** units ranked in the top :data:`PRAISE_TOP` (ties included, so 1, 2, 2, 2 are all
  "top 3") with a green light. Nobody is praised for rank when the ranking does not separate anyone
  (a single unit, or every unit on the same total).
- **Praised for progress:** units not red that rose :data:`PRAISE_RISE` places or more since the previous
  circular, unless already praised for rank.
- **Named under 存在问题:** every red unit, in rank order, with what it lacked (reports missing or late,
  action items overdue, red items open, progress short). Yellow units are listed in one sentence.
- **Rectification (整改):** red units must report rectification to the issuer by ``rectification_due_on``
  (the caller's deadline) or, when none is given, "within the time limit set" (在规定时限内).

The template is a library of macros rendered through :func:`notifications.messages.render`'s Jinja environment
(same loader, ``StrictUndefined`` and ``_macros.j2``). It does not follow ``render_values``'s
one-template-one-message convention because one file holds the circular, the table's words and the unit
message; a ``.md.j2`` name also keeps it out of the ladder's stage templates (``render_values`` rejects
dotted names).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import jinja2

from models.enums import ScoreLight, UnitKind
from models.errors import NotificationError
from models.plan.schema import LOCALITY_KINDS
from models.rules.scoring import RUBRIC, Rubric, Score
from notifications.messages.render import _environment, _tidy_body

TEMPLATE = "circular.md.j2"
PRAISE_TOP = 3  # ranks 1..3 (ties included) are praised when green
PRAISE_RISE = 3  # a rise of this many places or more is praised when not red


@lru_cache(maxsize=1)
def _module() -> Any:  # jinja2's TemplateModule exposes macros and top-level sets as untyped attributes
    try:
        return _environment().get_template(TEMPLATE).module
    except jinja2.TemplateError as exc:
        raise NotificationError(f"template {TEMPLATE} cannot be loaded: {exc}") from exc


def _call(macro: str, *args: object) -> str:
    try:
        return str(getattr(_module(), macro)(*args))
    except jinja2.UndefinedError as exc:
        raise NotificationError(f"template {TEMPLATE}, macro {macro}: {exc} (a value it needs was not given)") from exc
    except jinja2.TemplateError as exc:
        raise NotificationError(f"template {TEMPLATE}, macro {macro} cannot be rendered: {exc}") from exc


def _words(name: str) -> Mapping[str, str]:
    words: Mapping[str, str] = getattr(_module(), name)
    return words


def _first_round(scores: list[Score]) -> bool:
    return all(s.previous_rank is None for s in scores)


def _all_tied(scores: list[Score]) -> bool:
    return len(scores) > 1 and len({s.total for s in scores}) == 1


def praised(scores: list[Score]) -> tuple[list[Score], list[Score]]:
    """(praised for rank, praised for rising) under the rules in the module docstring, in rank order."""
    ordered = sorted(scores, key=lambda s: (s.rank, s.unit))
    separates = len(ordered) > 1 and not _all_tied(ordered)
    top = [s for s in ordered if separates and s.rank <= PRAISE_TOP and s.light == ScoreLight.GREEN]
    named = {s.unit for s in top}
    risers = [
        s
        for s in ordered
        if s.unit not in named and s.light != ScoreLight.RED and s.change is not None and s.change >= PRAISE_RISE
    ]
    return top, risers


def circular_markdown(
    *,
    plan_title: str,
    doc_number: str,
    issuer: str,
    period_label: str,
    issued_on: date,
    scores: list[Score],
    rubric_note: str | None = None,
    rectification_due_on: date | None = None,
    rubric: Rubric = RUBRIC,
) -> str:
    """The circular (通报) in markdown, in the usual official layout.

    Args:
        plan_title: the plan's title without outer 《》 (inner ones already turned into 〈〉).
        doc_number: the circular's document number (文号), or "" to leave the line out.
        issuer: who issues it (signature line, and to whom rectification is reported).
        period_label: the period assessed, e.g. "2016年上半年".
        issued_on: the date printed under the signature (2016年6月20日 form).
        scores: every unit inspected, from :func:`models.rules.scoring.score_units`.
        rubric_note: the 评分办法 paragraph; None words ``rubric`` (the standard one by default),
            "" leaves the paragraph out, any other text is printed as given.
        rectification_due_on: when red units must report their rectification; None says 在规定时限内.
        rubric: the rubric the scores were computed with (words the default note and the shortfalls).

    Raises:
        NotificationError: no scores, or a template problem.
    """
    if not scores:
        raise NotificationError(f"no unit scores for the circular of {period_label!r}; inspect at least one unit")
    ordered = sorted(scores, key=lambda s: (s.rank, s.unit))
    lights = Counter(s.light for s in ordered)
    kinds = Counter("locality" if s.kind in LOCALITY_KINDS else s.kind for s in ordered)
    top, risers = praised(ordered)
    values: dict[str, object] = {
        "plan_title": plan_title,
        "doc_number": doc_number,
        "issuer": issuer,
        "period_label": period_label,
        "issued_on": issued_on,
        "rubric_note": rubric_note,
        "rubric": rubric,
        "rectification_due_on": rectification_due_on,
        "scores": ordered,
        "count": len(ordered),
        "light_counts": {light: lights.get(light, 0) for light in ScoreLight},
        "locality_count": kinds.get("locality", 0),
        "department_count": kinds.get(UnitKind.DEPARTMENT, 0),
        "other_count": kinds.get(UnitKind.OTHER, 0),
        "average": sum(s.total for s in ordered) / len(ordered),
        "first_round": _first_round(ordered),
        "all_tied": _all_tied(ordered),
        "praised_top": top,
        "praised_risers": risers,
        "red": [s for s in ordered if s.light == ScoreLight.RED],
        "yellow": [s for s in ordered if s.light == ScoreLight.YELLOW],
    }
    return _tidy_body(_call("circular", values)) + "\n"


def circular_table(scores: list[Score]) -> list[dict[str, object]]:
    """Rows for a Prefect table artifact, in rank order, with the template's Chinese column names.

    Columns: 排名, 单位, 类别, 得分, 报送, 进度, 督办事项, 红灯扣分, 名次变化 (↑2 / ↓1 / — / 新), 亮灯.
    """
    columns = _words("columns")
    kinds = _words("kind_names")
    lights = _words("light_names")
    first_round = _first_round(scores)
    rows: list[dict[str, object]] = []
    for s in sorted(scores, key=lambda s: (s.rank, s.unit)):
        rows.append(
            {
                columns["rank"]: s.rank,
                columns["unit"]: s.unit,
                columns["kind"]: kinds.get(s.kind, s.kind),
                columns["total"]: s.total,
                columns["reports"]: s.components.get("reports", 0.0),
                columns["progress"]: s.components.get("progress", 0.0),
                columns["actions"]: s.components.get("actions", 0.0),
                columns["red_penalty"]: s.components.get("red_penalty", 0.0),
                columns["change"]: _call("change_label", s.change, s.previous_rank, first_round),
                columns["light"]: lights.get(s.light, s.light),
            }
        )
    return rows


def unit_result_message(
    score: Score,
    *,
    period_label: str,
    total_units: int,
    coordinator: str,
    rectification_due_on: date | None = None,
    rubric: Rubric = RUBRIC,
) -> tuple[str, str]:
    """Tell one unit its result: (one-line title, plain-text body).

    Red units are told what they lacked and to report rectification (整改) to ``coordinator``, by
    ``rectification_due_on`` when the caller gives one; yellow units what to catch up on.

    Raises:
        NotificationError: ``total_units`` is smaller than the unit's rank, or a template problem.
    """
    if total_units < score.rank:
        raise NotificationError(
            f"{score.unit!r} is ranked {score.rank} but total_units is {total_units}; expected at least {score.rank}"
        )
    values = {
        "period_label": period_label,
        "total_units": total_units,
        "coordinator": coordinator,
        "rectification_due_on": rectification_due_on,
        "rubric": rubric,
    }
    title = " ".join(_call("unit_title", score, values).split())
    return title, _tidy_body(_call("unit_body", score, values))
