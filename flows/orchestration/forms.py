"""Typed forms for the UI, built from the loaded plan's choices: units, localities, indicators and periods
are enums, so the Prefect UI renders dropdowns; dates get date pickers.

Built by :func:`build_forms` when `duban up` serves, and again whenever the choices change (see
:mod:`flows.orchestration.serving`) — never at import, so importing this module touches no database.
"""

# No `from __future__ import annotations` here: the models below are built inside a function from local
# enums, and pydantic and Prefect resolve annotations at run time, which needs them as objects.

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from config.settings import Settings, get_settings
from flows.ops.commands import engine_for
from models.db import session_scope
from models.records.choices import Choices, read_choices


def current_choices(settings: Settings | None = None) -> Choices | None:
    """The latest plan's choices: empty when the database does not exist yet or holds no plan, None when it
    cannot be read (not initialised, or unreachable)."""
    settings = settings or get_settings()
    url = sa.make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return Choices()  # never create a database just to look for choices
    try:
        with session_scope(engine_for(settings)) as session:
            return read_choices(session=session)
    except sa.exc.SQLAlchemyError:
        return None


def _enum(name: str, values: list[str]) -> Any:
    if not values:
        return str  # no plan loaded yet: a free text field
    return Enum(name, {f"v{i}": v for i, v in enumerate(values)}, type=str)


def value_of(choice: Any) -> str:
    """The plain text of an enum member (or a string)."""
    return str(choice.value if isinstance(choice, Enum) else choice)


class Project(BaseModel):
    """A major industrial project's status (重大工业项目)."""

    name: str = Field(min_length=1, max_length=200, title="项目名称")
    status: str = Field(default="在建", max_length=50, title="进展状态", description="如:前期、在建、投产")
    investment: float = Field(default=0, ge=0, title="本年完成投资(亿元)")


@dataclass(frozen=True)
class Forms:
    """The form models and dropdown types built from one set of choices (a plain ``str`` where a list is empty)."""

    choices: Choices
    Locality: Any
    UnitName: Any
    IndicatorCode: Any
    ReportPeriod: Any
    Actual: type[BaseModel]
    ProgressReportForm: type[BaseModel]
    ActionItemForm: type[BaseModel]
    MinutesForm: type[BaseModel]
    indicator_labels: dict[str, str]  # label shown in the dropdown → indicator code

    def indicator_code(self, choice: Any) -> str:
        """The indicator code of a dropdown choice (its label), or the text itself when it already is a code."""
        text = value_of(choice)
        return self.indicator_labels.get(text, text)


def build_forms(choices: Choices) -> Forms:
    """The forms for ``choices``: new enum and model classes, so forms built earlier are left as they were."""
    # Enums built from the plan (or str): Any to the type checker.
    Locality: Any = _enum("Locality", choices.localities)
    UnitName: Any = _enum("UnitName", choices.units)
    labels = {f"{n}({u})": c for c, n, u in choices.indicators}
    IndicatorCode: Any = _enum("IndicatorCode", list(labels))
    ReportPeriod: Any = _enum("ReportPeriod", choices.periods)

    class Actual(BaseModel):
        """One indicator's value, year to date."""

        indicator: IndicatorCode = Field(title="指标")
        value: float = Field(ge=0, title="本年累计完成值")

    class ProgressReportForm(BaseModel):
        """A locality's progress report for one period (进度填报)."""

        locality: Locality = Field(title="镇(街道)")
        period: ReportPeriod = Field(title="报送节点", description="截止日期(原定)")
        actuals: list[Actual] = Field(default_factory=list, title="指标完成情况")
        projects: list[Project] = Field(default_factory=list, title="重大工业项目进展")
        problems: str = Field(default="", max_length=5000, title="存在问题")
        next_steps: str = Field(default="", max_length=5000, title="下一步工作")

    class ActionItemForm(BaseModel):
        """A decision of the meeting, owned by one unit, due on a date (议定事项)."""

        title: str = Field(min_length=1, max_length=500, title="事项")
        owner: UnitName = Field(title="责任单位")
        due_on: dt.date = Field(title="完成时限")

    class MinutesForm(BaseModel):
        """The minutes of a joint meeting (会议纪要)."""

        meeting_id: int = Field(ge=1, title="会议编号", description="见 joint-meeting 运行的产出")
        attendance: list[UnitName] = Field(default_factory=list, title="出席单位")
        decisions: str = Field(default="", max_length=10000, title="会议议定")
        action_items: list[ActionItemForm] = Field(default_factory=list, title="议定事项(逐项督办)")

    return Forms(choices=choices, Locality=Locality, UnitName=UnitName, IndicatorCode=IndicatorCode,
                 ReportPeriod=ReportPeriod, Actual=Actual, ProgressReportForm=ProgressReportForm,
                 ActionItemForm=ActionItemForm, MinutesForm=MinutesForm, indicator_labels=labels)
