"""Typed forms for the UI, built from the loaded plan: units, localities, indicators and periods are enums,
so the Prefect UI renders dropdowns; dates get date pickers. Built when the flows are imported (at
`duban up`); restart `duban up` after loading a new plan to refresh the choices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from config.settings import get_settings
from flows.ops.commands import engine_for


@dataclass
class Choices:
    """What the forms offer, read from the database."""

    localities: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    indicators: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, unit of measure)
    periods: list[str] = field(default_factory=list)


def read_choices() -> Choices:
    """The latest plan's choices; empty when the database is not initialised or holds no plan."""
    settings = get_settings()
    url = sa.make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return Choices()  # never create a database just to look for choices
    try:
        with engine_for(settings).connect() as conn:
            plan = conn.execute(sa.text("SELECT id FROM plan ORDER BY updated_at DESC, id DESC")).first()
            if plan is None:
                return Choices()
            pid = plan[0]
            units = conn.execute(sa.text("SELECT name, kind FROM unit WHERE plan_id = :p ORDER BY position"),
                                 {"p": pid}).all()
            inds = conn.execute(sa.text("SELECT code, name, unit FROM indicator WHERE plan_id = :p "
                                        "ORDER BY position"), {"p": pid}).all()
            periods = conn.execute(sa.text(
                "SELECT DISTINCT o.period FROM obligation o JOIN duty d ON d.id = o.duty_id "
                "WHERE o.plan_id = :p AND d.kind = 'progress_report' ORDER BY o.period"), {"p": pid}).all()
    except sa.exc.SQLAlchemyError:
        return Choices()
    return Choices(
        localities=[str(n) for n, k in units if k in ("town", "subdistrict")],
        units=[str(n) for n, _k in units],
        indicators=[(str(c), str(n), str(u)) for c, n, u in inds],
        periods=[str(p[0]) for p in periods],
    )


CHOICES = read_choices()


def _enum(name: str, values: list[str]) -> Any:
    if not values:
        return str  # no plan loaded yet: a free text field
    return Enum(name, {f"v{i}": v for i, v in enumerate(values)}, type=str)


Locality = _enum("Locality", CHOICES.localities)
UnitName = _enum("UnitName", CHOICES.units)
INDICATOR_LABELS = {f"{n}({u})": c for c, n, u in CHOICES.indicators}  # label shown → indicator code
IndicatorCode = _enum("IndicatorCode", list(INDICATOR_LABELS))
ReportPeriod = _enum("ReportPeriod", CHOICES.periods)


def value_of(choice: Any) -> str:
    """The plain text of an enum member (or a string)."""
    return str(choice.value if isinstance(choice, Enum) else choice)


def indicator_code(choice: Any) -> str:
    """The indicator code of a dropdown choice (its label), or the text itself when it already is a code."""
    text = value_of(choice)
    return INDICATOR_LABELS.get(text, text)


class Actual(BaseModel):
    """One indicator's value, year to date."""

    indicator: IndicatorCode = Field(title="指标")  # type: ignore[valid-type]
    value: float = Field(ge=0, title="本年累计完成值")


class Project(BaseModel):
    """A major industrial project's status (重大工业项目)."""

    name: str = Field(min_length=1, max_length=200, title="项目名称")
    status: str = Field(default="在建", max_length=50, title="进展状态", description="如:前期、在建、投产")
    investment: float = Field(default=0, ge=0, title="本年完成投资(亿元)")


class ProgressReportForm(BaseModel):
    """A locality's progress report for one period (进度填报)."""

    locality: Locality = Field(title="镇(街道)")  # type: ignore[valid-type]
    period: ReportPeriod = Field(title="报送节点", description="截止日期(原定)")  # type: ignore[valid-type]
    actuals: list[Actual] = Field(default_factory=list, title="指标完成情况")
    projects: list[Project] = Field(default_factory=list, title="重大工业项目进展")
    problems: str = Field(default="", max_length=5000, title="存在问题")
    next_steps: str = Field(default="", max_length=5000, title="下一步工作")


class ActionItemForm(BaseModel):
    """A decision of the meeting, owned by one unit, due on a date (议定事项)."""

    title: str = Field(min_length=1, max_length=500, title="事项")
    owner: UnitName = Field(title="责任单位")  # type: ignore[valid-type]
    due_on: dt.date = Field(title="完成时限")


class MinutesForm(BaseModel):
    """The minutes of a joint meeting (会议纪要)."""

    meeting_id: int = Field(ge=1, title="会议编号", description="见 joint-meeting 运行的产出")
    attendance: list[UnitName] = Field(default_factory=list, title="出席单位")  # type: ignore[valid-type]
    decisions: str = Field(default="", max_length=10000, title="会议议定")
    action_items: list[ActionItemForm] = Field(default_factory=list, title="议定事项(逐项督办)")
