"""The responsible units of a loaded plan, as the duty flows look them up: all of them, the localities, one
by name, a duty's members, and every unit code for the contacts file.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.enums import UnitKind
from models.tables.plan import DutyMember, Unit


def plan_units(*, session: Session, plan_id: int, kinds: Collection[UnitKind] | None = None) -> list[Unit]:
    """The plan's units in the plan's order, or only those of ``kinds`` (e.g. the localities)."""
    query = select(Unit).where(Unit.plan_id == plan_id)
    if kinds is not None:
        query = query.where(col(Unit.kind).in_(list(kinds)))
    return list(session.exec(query.order_by(col(Unit.position))))


def unit_named(*, session: Session, plan_id: int, name: str) -> Unit:
    """The plan's unit called ``name``.

    Raises:
        sqlalchemy.exc.NoResultFound: when the plan has no such unit.
    """
    return session.exec(select(Unit).where(Unit.plan_id == plan_id, Unit.name == name)).one()


def duty_members(*, session: Session, duty_id: int) -> list[Unit]:
    """The member units of a duty (a joint meeting's departments and localities), in the plan's order."""
    query = (select(Unit).join(DutyMember, col(DutyMember.unit_id) == col(Unit.id))
             .where(DutyMember.duty_id == duty_id).order_by(col(DutyMember.position)))
    return list(session.exec(query))


def unit_codes(*, session: Session) -> list[tuple[str, str]]:
    """Every unit code of every loaded plan with one name for it, by code: ``[(code, name), …]``."""
    query = select(col(Unit.code), sa.func.min(col(Unit.name))).group_by(col(Unit.code)).order_by(col(Unit.code))
    return [(str(code), str(name)) for code, name in session.exec(query)]
