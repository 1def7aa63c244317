"""Obligations as the duty flows look them up: a duty's open ones, those of one period, one unit's.

The engine (:mod:`models.engine`) creates, moves and chases obligations; these are the reads the flows
compose around it. Where a function promises no order it imposes none, as the queries it replaced did not.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from models.enums import ObligationStatus
from models.tables.engine import Obligation
from models.tables.plan import Duty, Unit


def open_obligations(*, session: Session, duty_id: int, period: str | None = None) -> list[Obligation]:
    """The duty's obligations still open (only those of ``period`` when given), in no particular order."""
    query = select(Obligation).where(Obligation.duty_id == duty_id, Obligation.status == ObligationStatus.OPEN)
    if period is not None:
        query = query.where(Obligation.period == period)
    return list(session.exec(query))


def nearest_open_obligation(*, session: Session, duty_id: int, day: dt.date) -> Obligation | None:
    """The duty's open obligation due nearest ``day`` (before or after), or None when none is open."""
    obs = open_obligations(session=session, duty_id=duty_id)
    return min(obs, key=lambda o: abs((o.due_on - day).days)) if obs else None


def latest_open_due(*, session: Session, duty_id: int, on_or_before: dt.date) -> Obligation | None:
    """The duty's open obligation with the latest effective due date on or before ``on_or_before``, if any."""
    query = (select(Obligation)
             .where(Obligation.duty_id == duty_id, Obligation.status == ObligationStatus.OPEN,
                    col(Obligation.due_on) <= on_or_before)
             .order_by(col(Obligation.due_on).desc()))
    return session.exec(query).first()


def period_obligations(*, session: Session, duty_id: int, period: str) -> list[tuple[Obligation, Unit]]:
    """Every unit's obligation of the duty for ``period``, with its unit, in no particular order."""
    query = (select(Obligation, Unit).join(Unit, col(Unit.id) == col(Obligation.unit_id))
             .where(Obligation.duty_id == duty_id, Obligation.period == period))
    return [(ob, unit) for ob, unit in session.exec(query)]


def unit_obligation(*, session: Session, duty: Duty, unit_name: str, period: str) -> tuple[Unit, Obligation] | None:
    """The unit called ``unit_name`` and what it owes for ``duty`` in ``period``; None when it owes nothing."""
    query = (select(Unit, Obligation).join(Obligation, col(Obligation.unit_id) == col(Unit.id))
             .where(Unit.plan_id == duty.plan_id, Unit.name == unit_name, Obligation.duty_id == duty.id,
                    Obligation.period == period))
    found = session.exec(query).first()
    return None if found is None else (found[0], found[1])


def first_obligation_from(*, session: Session, source: str) -> Obligation | None:
    """The obligation created by ``source`` (e.g. ``inspection:3``) with the earliest nominal due date, if any."""
    query = select(Obligation).where(Obligation.source == source).order_by(col(Obligation.nominal_due_on))
    return session.exec(query).first()
