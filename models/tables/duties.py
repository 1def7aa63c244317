"""Tables of the duty flows: target allocations, progress reports, meetings and inspections.

- ``allocation``: a locality's share of a city target in a year (the approved 目标任务分解).
- ``progress_report``: one version of a locality's report for one period; re-submitting the same
  content records nothing new, a changed report becomes the next version.
- ``meeting``: a joint meeting convened, and its minutes once recorded; its action items are
  obligations (duty ``action-item``) whose ``source`` is ``meeting:<id>``.
- ``inspection``: one inspection's scores and ranks (JSON), so the next one can show the change of rank.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.db import AwareDateTime
from models.enums import MeetingStatus, ReviewOutcome, TaskStatus, spelled


class Allocation(SQLModel, table=True):
    """A locality's approved share of one indicator's target in one year."""

    __tablename__ = "allocation"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "unit_id", "year", name="uq_allocation"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    indicator_id: int = Field(foreign_key="indicator.id", ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE")
    year: int
    value: float
    city_value: float = Field(description="The city target it was split from")
    approved_at: dt.datetime = Field(sa_type=AwareDateTime)
    note: str = ""


class ProgressReport(SQLModel, table=True):
    """One version of a locality's progress report (进度填报) for one period."""

    __tablename__ = "progress_report"
    __table_args__ = (sa.UniqueConstraint("obligation_id", "version", name="uq_report_version"),)

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", ondelete="CASCADE", index=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE", index=True)
    year: int
    version: int
    submitted_at: dt.datetime = Field(sa_type=AwareDateTime)
    actuals: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False),
                                    description="Indicator code → value year to date")
    projects: list[Any] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    problems: str = ""
    next_steps: str = ""
    content_hash: str = Field(max_length=64)
    source: str = Field(default="form", max_length=200, description="form, or the workbook's file name")


class TaskReport(SQLModel, table=True):
    """One version of a unit's report on an item (任务落实情况): the lead's, or a cooperating unit's contribution.

    A lead reporting ``completed`` applies for close-out (销号): the coordinator approves (the item is closed
    out) or returns it with a reason (the obligation is open again).
    """

    __tablename__ = "task_report"
    __table_args__ = (sa.UniqueConstraint("obligation_id", "unit_id", "version", name="uq_task_report_version"),)

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", ondelete="CASCADE", index=True)
    item_id: int = Field(foreign_key="item.id", ondelete="CASCADE", index=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE", index=True)
    version: int
    submitted_at: dt.datetime = Field(sa_type=AwareDateTime)
    status: str = Field(max_length=16, description=spelled(TaskStatus))
    done: str = Field(default="", description="What was done (工作进展)")
    problems: str = ""
    next_steps: str = ""
    evidence: str = Field(default="", description="Supporting material: document numbers, file names, links")
    contribution: bool = Field(default=False, description="From a cooperating unit, not the lead")
    content_hash: str = Field(max_length=64)
    source: str = Field(default="form", max_length=200)
    review: str | None = Field(default=None, max_length=16, description=spelled(ReviewOutcome))
    reviewed_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    review_note: str = Field(default="", description="The reason a report was sent back")


class Meeting(SQLModel, table=True):
    """A joint meeting (联席会议): convened, then minuted."""

    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id", ondelete="SET NULL")
    starts_at: dt.datetime = Field(sa_type=AwareDateTime)
    place: str
    agenda: str = ""
    status: str = Field(default=MeetingStatus.CONVENED, max_length=16, description=spelled(MeetingStatus))
    attendance: list[Any] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    decisions: str = ""
    minuted_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)


class Inspection(SQLModel, table=True):
    """One inspection (专项督查): its scores and ranks, and when it ran."""

    __tablename__ = "inspection"
    __table_args__ = (sa.UniqueConstraint("plan_id", "period", name="uq_inspection_period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    period: str = Field(max_length=32, description="e.g. 2016-06: the report deadline it follows")
    as_of: dt.date
    run_at: dt.datetime = Field(sa_type=AwareDateTime)
    scores: list[Any] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
