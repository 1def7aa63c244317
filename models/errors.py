"""duban's exceptions: every error duban raises on purpose, in one tree.

    DubanError
    ├── PlanError                 a plan file cannot be read or is invalid
    ├── YamlError                 a YAML file is not valid YAML, or the safe loader refuses it
    ├── DatabaseError             the database cannot be reached or is not initialised
    ├── CalendarError             a working-calendar question cannot be answered
    │   └── CalendarDataMissing   a year has no calendar data and the policy says stop
    ├── LadderError               the escalation ladder file is invalid
    ├── ScoringError              the facts gathered for an inspection's scores are inconsistent
    ├── MeetingError              a meeting or its minutes name an unknown meeting or unit, or a bad date
    ├── ReportError               a progress report names an unknown locality, period or indicator
    ├── TaskReportError           a task report or review names an unknown item or period, a unit not the
    │                             item's lead or cooperating unit, or a review with nothing awaiting it
    ├── DoneError                 a duty reported done (办结) names an unknown unit or duty, a duty with its
    │                             own submission path, nothing owed, or several open periods and none chosen
    ├── WorkbookError             a workbook cannot be read, does not validate, or cannot be written
    ├── NotificationError         a message cannot be rendered, routed or sent
    └── ServerError               the Prefect server cannot be started or does not become healthy

The CLI (``flows/cli/errors.py``) prints any of them as one ``duban: error:`` line per problem and
exits 1; anything else escaping a command is a bug and keeps its traceback.
"""

from __future__ import annotations


def _problems_message(problems: list[str]) -> str:
    """The one message for a list of problems: the problem itself, or a count and one per line."""
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems:\n  " + "\n  ".join(problems)


class DubanError(Exception):
    """Root of every error duban raises on purpose; the CLI prints these as one line."""


class PlanError(DubanError):
    """Raised when a plan file cannot be read or does not validate.

    Attributes:
        problems: one line per problem, each naming the file, the path inside it and the bad value.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(_problems_message(self.problems))


class YamlError(DubanError):
    """Raised when a YAML file is not valid YAML, or :mod:`models.safe_yaml` refuses it (a duplicate key, an
    alias bomb, a tag, nesting too deep, a document too large).

    The loaders of plans, contacts, the ladder and the calendar turn it into their own error, naming the file.

    Attributes:
        problem: what is wrong, one line, without the line number (e.g. ``duplicate key 'items' (first at
            line 12)``); a syntax error starts with ``not valid YAML:``.
        line: the 1-based line of the problem, or None when it has none (a document too large).
    """

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(f"line {line}: {problem}" if line is not None else problem)


class DatabaseError(DubanError):
    """Raised when the database cannot be reached or has not been initialised."""


class CalendarError(DubanError):
    """Raised when a working-calendar question cannot be answered."""


class CalendarDataMissing(CalendarError):
    """Raised when a year has no calendar data and the configured policy is to refuse."""


class LadderError(DubanError):
    """Raised when the escalation ladder file is invalid."""


class ScoringError(DubanError):
    """Raised when the facts given for scoring are inconsistent (a bug upstream, not a unit's failing)."""


class MeetingError(DubanError):
    """Raised when a meeting or its minutes name an unknown meeting or unit, or a bad date."""


class ReportError(DubanError):
    """Raised when a progress report names an unknown locality, period or indicator, or a bad value."""


class TaskReportError(DubanError):
    """Raised when a task report (任务落实情况) or its close-out review (销号审核) cannot be recorded: an unknown
    item or period, a unit that is neither the item's lead nor one of its cooperating units, a bad status, or a
    review of an item with nothing awaiting review (or a return without a reason). Nothing is written."""


class DoneError(DubanError):
    """Raised when a unit's report that a duty is done (办结) cannot be recorded: an unknown unit or duty, a duty
    with its own submission path (progress and task reports, minutes, the split, the inspection), a unit that
    owes nothing of the duty, or several open periods and none chosen. Nothing is written."""


class WorkbookError(DubanError):
    """Raised when a workbook cannot be read, does not validate, or cannot be written.

    Attributes:
        problems: one line per problem, each naming the file, the sheet, the row and column (Excel
            letters) and the bad value, with a suggestion where one is near.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(_problems_message(self.problems))


class NotificationError(DubanError):
    """Raised when a message cannot be rendered, routed or sent."""


class ServerError(DubanError):
    """Raised when the Prefect server cannot be started or does not become healthy."""
