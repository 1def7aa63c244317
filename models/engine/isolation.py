"""Isolation per plan: which errors are one plan's fault, and which are the database's.

Generation and the sweep run for every loaded plan. A plan whose stored data makes its own work fail
(a schedule running to year 9999, a row the SQL cannot compute with) is set aside and reported, so
that every other plan is still chased. An error of the database itself (the server restarted, the
connection dropped, a lock timed out) is no plan's fault: it stops the run, which is retried whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models.errors import DatabaseError, DubanError

# What a plan's own data can make generation or the sweep raise: duban's errors (a stored plan that no
# longer validates), the database's refusal of a value, and Python's (a date out of range, a missing key).
PLAN_FAULTS = (DubanError, sa.exc.SQLAlchemyError, ArithmeticError, ValueError, LookupError)


@dataclass(frozen=True)
class PlanFailure:
    """One plan set aside in one run: which plan, in which step, and why (one line)."""

    plan: str
    step: str  # "generate" or "sweep"
    error: str


def is_transient(exc: BaseException) -> bool:
    """True for the database's own trouble (connection lost, server restarting, lock timeout): retry the run."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError)


def is_plan_fault(exc: BaseException) -> bool:
    """True when ``exc``, raised inside one plan's work, is that plan's fault (the others can go on)."""
    if is_transient(exc) or isinstance(exc, DatabaseError):
        return False
    return isinstance(exc, PLAN_FAULTS)


def one_line(exc: BaseException, limit: int = 300) -> str:
    """The error as one short line: duban's own message, or the exception's type and first line."""
    if isinstance(exc, sa.exc.StatementError) and exc.orig is not None:
        # The driver's own first line ("integer out of range"), never the statement or its parameters.
        first = (str(exc.orig).strip().splitlines() or [""])[0]
        text = f"{type(exc.orig).__name__}: {first}"
    elif isinstance(exc, DubanError):
        text = " ".join(str(exc).split())
    else:
        text = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
