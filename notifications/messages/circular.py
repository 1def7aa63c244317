"""The inspection circular (专项督查结果通报): markdown text, a table, and one message per unit.

The ``inspection`` flow scores units with :func:`models.rules.scoring.score_units`, then shows
:func:`circular_markdown` and :func:`circular_table` as Prefect artifacts and sends each unit with something
due :func:`unit_result_message`. This module decides *who* is praised and named; the wording, every Chinese
word included, lives in ``templates/circular.md.j2``.

What the circular contains:

- **评分办法:** a paragraph generated from the rubric the scores were computed with (weights, the
  pace-to-date of this report node and how it is computed, lights, the tie-break rule, that towns and
  departments are ranked separately and units with nothing due are not ranked).
- **Rankings:** 镇（街道） and 市直部门 in two tables, each with its own ranks and change of rank against the
  previous period; 驻地单位 (vertical and other bodies) with something due listed without rank; units with
  nothing due listed as 本期无督查任务.
- **Praise (表扬):** only units of a ranked group that are green and reported everything on time (so never a
  unit with nothing due, never a late one), towns and sub-districts first, each group in rank order.
- **Named (存在问题):** every unit that reported late or not at all, by name; red units with what they
  lacked; yellow units with theirs.
- **Rectification (整改):** red units of the ranked groups report rectification by ``rectification_due_on``
  or, when none is given, "in the time limit set" (在规定时限内). The circular states no consequence the
  notice does not (no "纳入年度考核").

The template is a library of macros rendered through :func:`notifications.messages.render`'s Jinja environment
(same loader, ``StrictUndefined`` and ``_common.j2``); a ``.md.j2`` name keeps it out of the ladder's stage
templates (``render_values`` rejects dotted names).
"""

from __future__ import annotations

from calendar import isleap
from collections import Counter
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import jinja2

from models.enums import ScoreLight
from models.errors import NotificationError
from models.rules.rubric import Rubric, configured_rubric, pace_share
from models.rules.scoring import (
    GROUP_DEPARTMENT,
    GROUP_LOCALITY,
    GROUP_NO_TASK,
    GROUP_RESIDENT,
    GROUPS,
    RANKED_GROUPS,
    Score,
    display_order,
)
from notifications.messages.render import _environment, _tidy_body

TEMPLATE = "circular.md.j2"


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


def praised(scores: list[Score]) -> list[Score]:
    """Units praised: ranked, green, every report on time; towns and sub-districts first, each group by rank."""
    return [s for s in display_order(scores)
            if s.group in RANKED_GROUPS and s.light == ScoreLight.GREEN and s.facts is not None
            and s.facts.reports_late == 0 and s.facts.reports_missing == 0]


def pace_note(node: date | None, rubric: Rubric) -> dict[str, object] | None:
    """The pace-to-date at report node ``node`` for the 评分办法: its share and how it was computed."""
    if node is None:
        return None
    share = pace_share(node, rubric.pace_method)
    if rubric.pace_method == "months":
        months = round(share * 12)
        return {"share": share, "method": "months", "months": months}
    return {"share": share, "method": "days", "days": (node - date(node.year, 1, 1)).days,
            "year_days": 366 if isleap(node.year) else 365}


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
    rubric: Rubric | None = None,
    period_node: date | None = None,
    receiver: str | None = None,
) -> str:
    """The circular (通报) in markdown, in the usual official layout.

    Args:
        plan_title: the plan's title without outer 《》 (inner ones already turned into 〈〉).
        doc_number: the circular's document number (文号), or "" to leave the line out.
        issuer: who issues it (signature line, and to whom rectification is reported).
        period_label: the period assessed, e.g. "2016年上半年".
        issued_on: the date printed under the signature (2016年6月20日 form).
        scores: every unit of the plan, from :func:`models.rules.scoring.score_units`.
        rubric_note: the 评分办法 paragraph; None words ``rubric``, "" leaves it out, other text is printed.
        rectification_due_on: when red units must report their rectification; None says 在规定时限内.
        rubric: the rubric the scores were computed with; None reads ``config/rubric.yaml``.
        period_node: the report node assessed (e.g. 2016-06-05), to state its pace-to-date; None leaves it out.
        receiver: the office red units report their rectification to (the coordinator, which also tells each
            unit so in its result message); None: the issuer.

    Raises:
        NotificationError: no scores, or a template problem.
    """
    if not scores:
        raise NotificationError(f"no unit scores for the circular of {period_label!r}; inspect at least one unit")
    rules = rubric if rubric is not None else configured_rubric()
    ordered = display_order(scores)
    by_group = {g: [s for s in ordered if s.group == g] for g in GROUPS}
    scored = [s for s in ordered if s.group != GROUP_NO_TASK]
    lights = Counter(s.light for s in scored)
    named = [s for s in scored if s.facts is not None]
    values: dict[str, object] = {
        "plan_title": plan_title, "doc_number": doc_number, "issuer": issuer, "receiver": receiver or issuer,
        "period_label": period_label,
        "issued_on": issued_on, "rubric_note": rubric_note, "rubric": rules, "pace": pace_note(period_node, rules),
        "rectification_due_on": rectification_due_on,
        "localities": by_group[GROUP_LOCALITY], "departments": by_group[GROUP_DEPARTMENT],
        "residents": by_group[GROUP_RESIDENT], "no_task": by_group[GROUP_NO_TASK],
        "scored_count": len(scored),
        "first_round": {g: _first_round(by_group[g]) for g in RANKED_GROUPS},
        "light_counts": {light: lights.get(light, 0) for light in ScoreLight},
        "praised": praised(ordered),
        "praised_by_group": {g: [s for s in praised(ordered) if s.group == g] for g in RANKED_GROUPS},
        "missing": [s for s in named if s.facts and s.facts.reports_missing],
        "late": [s for s in named if s.facts and s.facts.reports_late],
        "red": [s for s in scored if s.light == ScoreLight.RED],
        "yellow": [s for s in scored if s.light == ScoreLight.YELLOW],
        "rectify": [s for s in scored if s.light == ScoreLight.RED and s.group in RANKED_GROUPS],
    }
    return _tidy_body(_call("circular", values)) + "\n"


def circular_table(scores: list[Score]) -> list[dict[str, object]]:
    """Rows for a Prefect table artifact and the ranking workbook, in :func:`display_order`.

    Columns: 分组, 排名, 单位, 类别, 得分, 报送, 进度, 督办事项, 红灯扣分, 名次变化 (↑2 / ↓1 / — / 新), 亮灯.
    Unranked units have 排名 "—"; units with nothing due have 得分 None and 亮灯 "本期无督查任务".
    """
    columns = _words("columns")
    kinds = _words("kind_names")
    lights = _words("light_names")
    groups = _words("group_names")
    ordered = display_order(scores)
    first = {g: _first_round([s for s in ordered if s.group == g]) for g in RANKED_GROUPS}
    rows: list[dict[str, object]] = []
    for s in ordered:
        parts = s.components
        rows.append({
            columns["group"]: groups.get(s.group, s.group),
            columns["rank"]: s.rank if s.rank is not None else "—",
            columns["unit"]: s.unit,
            columns["kind"]: kinds.get(s.kind, s.kind),
            columns["total"]: s.total,
            columns["reports"]: parts.get("reports"),
            columns["progress"]: parts.get("progress"),
            columns["actions"]: parts.get("actions"),
            columns["red_penalty"]: parts.get("red_penalty"),
            columns["change"]: (_call("change_label", s.change, s.previous_rank, first[s.group])
                                if s.group in RANKED_GROUPS else "—"),
            columns["light"]: lights.get(s.light or "", groups[GROUP_NO_TASK]),
        })
    return rows


def unit_result_message(
    score: Score,
    *,
    period_label: str,
    total_units: int,
    coordinator: str,
    rectification_due_on: date | None = None,
    rubric: Rubric | None = None,
) -> tuple[str, str]:
    """Tell one unit with something due its result: (one-line title, plain-text body).

    ``total_units`` is the size of the unit's group (it is ranked among those). Red units are told what they
    lacked and to report rectification to ``coordinator`` (by ``rectification_due_on`` when given); yellow
    units what to catch up on; a 驻地单位 is told its result without a rank.

    Raises:
        NotificationError: a unit with nothing due, ``total_units`` smaller than the rank, or a template problem.
    """
    if score.group == GROUP_NO_TASK:
        raise NotificationError(f"{score.unit!r} had nothing due in {period_label}; it gets no result message")
    if score.rank is not None and total_units < score.rank:
        raise NotificationError(
            f"{score.unit!r} is ranked {score.rank} but total_units is {total_units}; expected at least {score.rank}"
        )
    values = {
        "period_label": period_label,
        "total_units": total_units,
        "coordinator": coordinator,
        "rectification_due_on": rectification_due_on,
        "rubric": rubric if rubric is not None else configured_rubric(),
    }
    title = " ".join(_call("unit_title", score, values).split())
    return title, _tidy_body(_call("unit_body", score, values))
