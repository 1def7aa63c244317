"""Making stored rows match a plan file: update in place (ids kept), insert, delete, and say what changed.

:func:`apply_values` sets fields on one row; :func:`sync_rows` makes a keyed set of rows match the wanted
ones. Both append one human line per real change (``item 三(一)1: title … → …``) to ``changes``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

Row = TypeVar("Row", bound=SQLModel)


def apply_values(row: SQLModel, values: dict[str, Any], label: str, changes: list[str]) -> None:
    """Set ``values`` on ``row``, recording each field that really changes."""
    for name, new in values.items():
        old = getattr(row, name)
        if old != new:
            setattr(row, name, new)
            if name != "position":  # order changes are reported once by load_plan
                changes.append(f"{label}: {name} {short(old)} → {short(new)}")


def short(value: Any) -> str:
    """A value as a change line shows it: its enum value or JSON, cut at 40 characters."""
    text = value.value if hasattr(value, "value") else value
    text = json.dumps(text, ensure_ascii=False, default=str) if not isinstance(text, str) else text
    return text if len(text) <= 40 else text[:37] + "…"


def sync_rows(
    session: Session,
    existing: Iterable[Row],
    desired: list[tuple[Any, dict[str, Any]]],
    make: Callable[[Any, dict[str, Any]], Row],
    key_of: Callable[[Row], Any],
    label: Callable[[Any], str],
    changes: list[str],
) -> dict[Any, Row]:
    """Make the rows keyed by ``key_of`` match ``desired``: update in place, insert, delete."""
    by_key = {key_of(r): r for r in existing}
    out: dict[Any, Row] = {}
    for key, values in desired:
        row = by_key.pop(key, None)
        if row is None:
            row = make(key, values)
            session.add(row)
            changes.append(f"{label(key)}: added")
        else:
            apply_values(row, values, label(key), changes)
        out[key] = row
    for key, row in by_key.items():
        session.delete(row)
        changes.append(f"{label(key)}: removed")
    session.flush()
    return out


