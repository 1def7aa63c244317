"""How every `duban` command reports trouble: ``duban: <kind>: <line>`` on stderr, then a non-zero exit.

A command either decorates itself with :func:`cli_errors`, which turns any :class:`~models.errors.DubanError`
into one line per problem and exit code 1, or calls :func:`fail` / :func:`say` directly. Anything else
escaping a command is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from models.errors import DubanError, PlanError, WorkbookError

F = TypeVar("F", bound=Callable[..., Any])

# Messages quote user data (paths, cell values, notice text): markup and emoji codes stay as written.
# soft_wrap: a line is never broken at the terminal's width, so each problem stays one line.
_stderr = Console(stderr=True, markup=False, emoji=False, highlight=False, soft_wrap=True)


def say(kind: str, message: str) -> None:
    """Print ``duban: <kind>: <line>`` on stderr for each line of ``message`` (kind: error, warning, note)."""
    for line in message.splitlines() or [message]:
        _stderr.print(f"duban: {kind}: {line}")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` as error lines on stderr and end the command with exit code ``code``."""
    say("error", message)
    raise typer.Exit(code)


def error_lines(exc: DubanError) -> list[str]:
    """The lines an error prints as: each problem it lists (plan and workbook errors), else its message."""
    problems = exc.problems if isinstance(exc, PlanError | WorkbookError) else [str(exc)]
    return [line for problem in problems for line in problem.splitlines()] or [type(exc).__name__]


def cli_errors(func: F) -> F:
    """Decorate a command so that a :class:`DubanError` ends it as error lines on stderr and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DubanError as exc:
            fail("\n".join(error_lines(exc)))

    return wrapper  # type: ignore[return-value]
