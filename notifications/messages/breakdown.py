"""The plan's task breakdown (任务分解表) and targets as markdown, for the ``plan-breakdown`` artifact.

The rows are :mod:`models.plan.breakdown`'s (the terminal and the Word/Excel exports show the same ones);
every text from the plan file goes through :func:`~notifications.messages.markdown.md`.
"""

from __future__ import annotations

from models.plan.breakdown import HEADERS, TARGET_HEADERS, breakdown_rows, target_rows
from models.plan.schema import PlanSpec
from notifications.messages.markdown import md


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(md(cell) for cell in cells) + " |"


def breakdown_markdown(plan: PlanSpec) -> str:
    """The breakdown table and the targets as markdown (for a Prefect artifact)."""
    lines = [f"# {md(plan.title)}", "", f"{md(plan.doc_number)} · {md(plan.issuer)} · {plan.issued_on.isoformat()}",
             "", "## 任务分解表", "", _row(HEADERS), "|" + "---|" * len(HEADERS)]
    lines += [_row((r.ref, r.title, r.lead, r.cooperating, r.localities)) for r in breakdown_rows(plan)]
    lines += ["", "## 主要目标", "", _row(TARGET_HEADERS), "|" + "---|" * len(TARGET_HEADERS)]
    lines += [_row(t) for t in target_rows(plan)]
    return "\n".join(lines) + "\n"
