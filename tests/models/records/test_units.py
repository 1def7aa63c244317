"""The plan's units as the flows look them up, on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.db import session_scope
from models.enums import DutyKind, UnitKind
from models.plan.schema import LOCALITY_KINDS
from models.records.reports import duty_of_kind
from models.records.units import duty_members, plan_units, unit_codes, unit_named
from tests.models.records.conftest import SPEC


def test_plan_units_all_in_plan_order(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        units = plan_units(session=s, plan_id=plan_id)
    assert [u.name for u in units] == [u.name for u in SPEC.all_units]


def test_plan_units_of_kinds_are_the_localities(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        localities = plan_units(session=s, plan_id=plan_id, kinds=LOCALITY_KINDS)
        departments = plan_units(session=s, plan_id=plan_id, kinds=[UnitKind.DEPARTMENT])
    assert [u.name for u in localities] == SPEC.locality_names
    assert departments and {u.kind for u in departments} == {UnitKind.DEPARTMENT}


def test_unit_named_finds_the_coordinator(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        unit = unit_named(session=s, plan_id=plan_id, name=SPEC.coordinator)
    assert (unit.name, unit.code) == ("市科工商务局", "kgswj")


def test_unit_named_unknown_raises(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s, pytest.raises(sa.exc.NoResultFound):
        unit_named(session=s, plan_id=plan_id, name="镇龙镇")


def test_duty_members_in_the_plan_order(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.JOINT_MEETING)
        members = duty_members(session=s, duty_id=duty.id or 0)
    wanted = next(d for d in SPEC.duties if d.kind is DutyKind.JOINT_MEETING).members
    assert [u.name for u in members] == wanted


def test_duty_members_of_a_duty_without_members_is_empty(seeded: sa.Engine, plan_id: int) -> None:
    with session_scope(seeded) as s:
        duty = duty_of_kind(session=s, plan_id=plan_id, kind=DutyKind.PROGRESS_REPORT)
        assert duty_members(session=s, duty_id=duty.id or 0) == []


def test_unit_codes_every_code_once_by_code(seeded: sa.Engine) -> None:
    with session_scope(seeded) as s:
        codes = unit_codes(session=s)
    assert codes == sorted((u.code, u.name) for u in SPEC.all_units)
