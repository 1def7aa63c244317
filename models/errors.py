"""duban's exceptions.

    DubanError
    ├── PlanError                 a plan file cannot be read or is invalid
    ├── DatabaseError             the database cannot be reached or is not initialised
    ├── CalendarError             a working-calendar question cannot be answered
    │   └── CalendarDataMissing   a year has no calendar data and the policy says stop
    └── NotificationError         a message cannot be rendered, routed or sent
"""

from __future__ import annotations


class DubanError(Exception):
    """Root of every error duban raises on purpose; the CLI prints these as one line."""


class PlanError(DubanError):
    """Raised when a plan file cannot be read or does not validate.

    Attributes:
        problems: one line per problem, each naming the file, the path inside it and the bad value.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = self.problems[0] if count == 1 else f"{count} problems:\n  " + "\n  ".join(self.problems)
        super().__init__(head)


class DatabaseError(DubanError):
    """Raised when the database cannot be reached or has not been initialised."""


class CalendarError(DubanError):
    """Raised when a working-calendar question cannot be answered."""


class CalendarDataMissing(CalendarError):
    """Raised when a year has no calendar data and the configured policy is to refuse."""


class NotificationError(DubanError):
    """Raised when a message cannot be rendered, routed or sent."""
