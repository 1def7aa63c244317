"""SQLModel tables of a loaded plan: plans, units, items and their assignments, indicators, targets, duties.

Names avoid the engine's words (no ``Task``/``Flow``). Every child row belongs to one plan; reloading a
plan file updates these rows in place and keeps their ids (see :mod:`models.plan.store`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.db import AwareDateTime
from models.enums import (
    Aggregation,
    AssignmentRole,
    Comparator,
    DutyKind,
    Frequency,
    HolidayPolicy,
    IndicatorScope,
    ItemKind,
    LocalityScope,
    Responsible,
    UnitKind,
)


def _enum(enum: Any, length: int = 16) -> Any:
    # Stored as plain strings (values), so adding a member never needs an ALTER TYPE.
    return sa.Column(sa.Enum(enum, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]),
                     nullable=False)


class Plan(SQLModel, table=True):
    """One implementation plan (a notice and its attachments)."""

    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    title: str
    notice_title: str = ""
    doc_number: str = Field(default="", max_length=64)
    issuer: str
    issued_on: dt.date
    period_start: int
    period_end: int
    coordinator: str = Field(max_length=200, description="Name of the coordinating unit (one of its units)")
    leader: str | None = Field(default=None, max_length=200, description="Name of the unit of the leader in charge")
    secretariat: str | None = Field(
        default=None, max_length=200,
        description="The office that prepares the issuer's own duties (督查室); the coordinator when None")
    notice_code: str | None = Field(
        default=None, max_length=16, description="Prefix of the 督办单 numbers, e.g. 信督办 (信督办〔2016〕3号)")
    source_path: str = ""
    content_hash: str = Field(default="", max_length=64)
    loaded_at: dt.datetime = Field(sa_type=AwareDateTime)
    updated_at: dt.datetime = Field(sa_type=AwareDateTime)


class Unit(SQLModel, table=True):
    """A responsible unit of a plan: department, town, sub-district or other body."""

    __tablename__ = "unit"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "name", name="uq_unit_plan_name"),
        sa.UniqueConstraint("plan_id", "code", name="uq_unit_plan_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    code: str = Field(max_length=64)
    kind: UnitKind = Field(sa_column=_enum(UnitKind))
    position: int = 0
    contact: str | None = Field(default=None, description="JSON: its contact for messages (person, phone, email)")


class Item(SQLModel, table=True):
    """A work task or safeguard measure."""

    __tablename__ = "item"
    __table_args__ = (sa.UniqueConstraint("plan_id", "ref", name="uq_item_plan_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    ref: str = Field(max_length=64)
    kind: ItemKind = Field(sa_column=_enum(ItemKind))
    section: str = ""
    title: str
    text: str = ""
    locality_scope: LocalityScope = Field(sa_column=_enum(LocalityScope))
    others_unnamed: bool = False
    position: int = 0


class ItemAssignment(SQLModel, table=True):
    """A unit's part in an item: the lead, a cooperating unit, or a locality that carries it out."""

    __tablename__ = "item_assignment"
    __table_args__ = (sa.UniqueConstraint("item_id", "unit_id", name="uq_assignment_item_unit"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", ondelete="CASCADE", index=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE", index=True)
    role: AssignmentRole = Field(sa_column=_enum(AssignmentRole))
    position: int = 0


class Indicator(SQLModel, table=True):
    """A measured quantity with targets (亿元, %, 家…)."""

    __tablename__ = "indicator"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code", name="uq_indicator_plan_code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    code: str = Field(max_length=64)
    name: str
    unit: str = Field(max_length=32)
    aggregation: Aggregation = Field(sa_column=_enum(Aggregation))
    parent_id: int | None = Field(default=None, foreign_key="indicator.id", ondelete="SET NULL")
    position: int = 0
    scope: IndicatorScope = Field(
        default=IndicatorScope.LOCALITY,
        sa_column=sa.Column(sa.Enum(IndicatorScope, native_enum=False, length=16,
                                    values_callable=lambda e: [m.value for m in e]),
                            nullable=False, server_default=IndicatorScope.LOCALITY.value),
        description="locality: split over the localities; city: the city's as a whole; park: the park's")
    local_name: str | None = Field(default=None, description="The name a locality sees (工业投资, not 全市工业投资)")


class Target(SQLModel, table=True):
    """A city-level target of one indicator in one year."""

    __tablename__ = "target"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "year", name="uq_target_indicator_year"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", ondelete="CASCADE", index=True)
    year: int
    value: float
    comparator: Comparator = Field(sa_column=_enum(Comparator, 4))
    baseline_year: int | None = None
    baseline_value: float | None = None
    wording: str | None = None
    carried_from: int | None = Field(
        default=None, description="The earlier year whose target this one repeats because the notice set none")


class Duty(SQLModel, table=True):
    """A recurring duty (target split, progress report, joint meeting, inspection)."""

    __tablename__ = "duty"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code", name="uq_duty_plan_code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    code: str = Field(max_length=64)
    kind: DutyKind = Field(sa_column=_enum(DutyKind))
    clause: str = ""
    title: str
    text: str = ""
    owner_id: int = Field(foreign_key="unit.id", ondelete="RESTRICT")
    responsible: Responsible = Field(sa_column=_enum(Responsible))
    frequency: Frequency | None = Field(
        default=None,
        sa_column=sa.Column(sa.Enum(Frequency, native_enum=False, length=16,
                                    values_callable=lambda e: [m.value for m in e]), nullable=True),
    )
    schedule: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    holiday_policy: HolidayPolicy = Field(sa_column=_enum(HolidayPolicy))
    position: int = 0
    system: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false()},
        description="Created by duban (action items, rectifications), not part of the plan file",
    )
    item_id: int | None = Field(
        default=None, foreign_key="item.id", ondelete="CASCADE",
        description="The item a per-item task-report duty supervises (expanded from the plan's task_report duty)")


class DutyMember(SQLModel, table=True):
    """A member unit of a duty (e.g. the joint meeting's member departments)."""

    __tablename__ = "duty_member"
    __table_args__ = (sa.UniqueConstraint("duty_id", "unit_id", name="uq_duty_member"),)

    id: int | None = Field(default=None, primary_key=True)
    duty_id: int = Field(foreign_key="duty.id", ondelete="CASCADE", index=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE")
    position: int = 0
    role: str = Field(default="member", max_length=16, sa_column_kwargs={"server_default": "member"},
                      description="member (must act) | cooperating (会同: told, may contribute)")
