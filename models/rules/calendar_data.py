"""Operator calendar files: ``<data_dir>/<year>.yaml``, typed in from the State Council's notice.

The file format is described in ``config/calendar/README.md``. :func:`load_year_file` reads one file,
validates it and returns an :class:`OperatorYear`; any problem raises :class:`CalendarError` naming the
file, the path inside it and the bad value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from models import safe_yaml
from models.dates import parse_date
from models.errors import CalendarError, YamlError
from models.validation import format_validation_error


def _coerce_date(value: object) -> date:
    """Accept only a ``YYYY-MM-DD`` string (the loader keeps dates as text) or a date."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


StrictDate = Annotated[date, BeforeValidator(_coerce_date)]


class _HolidayEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, description="The holiday's name as the notice gives it, e.g. 春节.")
    days: list[StrictDate] = Field(min_length=1, description="Every day off of this holiday.")


class _MakeupEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    date: StrictDate = Field(description="A Saturday or Sunday that is a working day.")
    for_: str = Field(alias="for", min_length=1, description="The holiday this day makes up for.")


class _YearFile(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    year: int = Field(description="The year the notice arranges.")
    source: str = Field(min_length=1, description="The notice, e.g. 国办发明电〔2026〕N号.")
    holidays: list[_HolidayEntry] = Field(default_factory=list)
    makeup_workdays: list[_MakeupEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class OperatorYear:
    """A validated operator calendar file.

    Attributes:
        path: the file it came from.
        year: the year it arranges.
        source: the notice it was typed from, as the operator wrote it.
        holidays: day off → holiday name.
        makeup_workdays: working weekend day → the holiday it makes up for. May include days in December of
            the previous year: a notice occasionally moves a day of 元旦 onto the last weekend of the year
            before (2001-12-29, 2006-12-30, 2011-12-31).
    """

    path: Path
    year: int
    source: str
    holidays: dict[date, str]
    makeup_workdays: dict[date, str]


# Dates stay text, so that a bad date is reported by pydantic with its path.
_LIMITS = safe_yaml.YamlLimits(max_chars=1024 * 1024, dates_as_text=True)


def _fail(path: Path, problems: list[str]) -> CalendarError:
    if len(problems) == 1:
        return CalendarError(f"invalid calendar file {path}: {problems[0]}")
    return CalendarError(f"invalid calendar file {path}: {len(problems)} problems: " + "; ".join(problems))


def _parse(path: Path) -> _YearFile:
    try:
        raw: Any = safe_yaml.load(safe_yaml.read_text(path, max_bytes=_LIMITS.max_chars), limits=_LIMITS)
    except OSError as exc:
        raise CalendarError(f"cannot read calendar file {path}: {exc.strerror or exc}") from exc
    except YamlError as exc:
        raise CalendarError(f"invalid calendar file {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise _fail(path, [f"expected a mapping with year, source, holidays, makeup_workdays; got {raw!r}"])
    try:
        return _YearFile.model_validate(raw)
    except ValidationError as exc:
        problems = format_validation_error(exc, value_label="got", max_value_chars=None, plain_words=False)
        raise _fail(path, problems) from exc


def load_year_file(path: Path, year: int) -> OperatorYear:
    """Read and validate the operator calendar file for ``year``.

    Args:
        path: the file, normally ``<data_dir>/<year>.yaml``.
        year: the year its name promises; the ``year:`` inside must agree.

    Returns:
        The validated contents.

    Raises:
        CalendarError: naming the file, the path inside it and the bad value, when the file cannot be read,
            is not YAML, or breaks a rule: wrong year, a holiday outside the year or listed twice, a make-up
            day that is not a Saturday/Sunday or outside the year (December of the year before is allowed),
            a day that is both a holiday and a make-up day.
    """
    data = _parse(path)
    problems: list[str] = []
    if data.year != year:
        problems.append(f"year: {data.year} does not match the file name, which says {year}")
    holidays: dict[date, str] = {}
    where: dict[date, str] = {}
    for i, entry in enumerate(data.holidays):
        for j, day in enumerate(entry.days):
            loc = f"holidays[{i}].days[{j}]"
            if day.year != year:
                problems.append(f"{loc}: {day} is not in {year}")
            elif day in holidays:
                problems.append(f"{loc}: {day} is listed twice (also at {where[day]})")
            else:
                holidays[day], where[day] = entry.name, loc
    makeups: dict[date, str] = {}
    for i, makeup in enumerate(data.makeup_workdays):
        loc, day = f"makeup_workdays[{i}].date", makeup.date
        if not (day.year == year or (day.year == year - 1 and day.month == 12)):
            problems.append(f"{loc}: {day} is not in {year} (nor in December {year - 1})")
        elif day.weekday() < 5:
            problems.append(f"{loc}: {day} is a {day:%A}; a make-up working day must be a Saturday or Sunday")
        elif day in makeups:
            problems.append(f"{loc}: {day} is listed twice")
        elif day in holidays:
            problems.append(f"{loc}: {day} is also listed as a holiday at {where[day]}")
        else:
            makeups[day] = makeup.for_
    if problems:
        raise _fail(path, problems)
    return OperatorYear(path=path, year=year, source=data.source, holidays=holidays, makeup_workdays=makeups)
