"""Obligations duban creates itself, and closing an obligation, on real SQLite files and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.db import session_scope
from models.engine.adhoc import close_obligation, create_adhoc_obligation, ensure_system_duties
from models.tables.engine import Outbox
from models.tables.plan import Plan, Unit
from tests.models.engine.conftest import CAL, ESC, at, rows, run_sweep

ZHENLONG_REPORT = ("SELECT o.id FROM obligation o JOIN unit u ON u.id = o.unit_id JOIN duty d ON d.id = o.duty_id "
                   "WHERE u.name = '镇隆镇' AND o.period = '2015-12-05' AND d.kind = 'progress_report'")


def test_close_obligation_rejects_an_unknown_status_naming_the_known_ones(seeded: sa.Engine) -> None:
    with session_scope(seeded) as s, pytest.raises(
        ValueError, match=r"unknown closing status 'done'; known: submitted, accepted, waived, closed$"
    ):
        close_obligation(session=s, obligation_id=1, status="done", now=at(dt.date(2015, 12, 1)))


def test_close_obligation_cancels_pending_ladder_messages_but_not_system_ones(seeded: sa.Engine) -> None:
    run_sweep(seeded, at(dt.date(2015, 11, 30)))  # the reminder five working days before 2015-12-07
    ((oid,),) = rows(seeded, ZHENLONG_REPORT)
    now = at(dt.date(2015, 12, 1))
    with session_scope(seeded) as s:
        s.add(Outbox(obligation_id=int(str(oid)), stage_key="failure@1", stage="failure", level=0,
                     recipient="role-coordinator", role="coordinator", not_before=now, next_attempt_at=now,
                     created_at=now))
    with session_scope(seeded) as s:
        assert close_obligation(session=s, obligation_id=int(str(oid)), status="submitted", now=now, note="v1")
    with session_scope(seeded) as s:
        assert not close_obligation(session=s, obligation_id=int(str(oid)), status="submitted", now=now)

    outbox = rows(seeded, "SELECT stage, status FROM outbox WHERE obligation_id = :o ORDER BY id", o=oid)
    assert outbox == [("reminder", "cancelled"), ("failure", "pending")]
    assert rows(seeded, "SELECT status, next_wd FROM obligation WHERE id = :o", o=oid) == [("submitted", None)]
    events = rows(seeded, "SELECT kind, old, new, note FROM obligation_event WHERE obligation_id = :o "
                          "AND kind <> 'light' ORDER BY id", o=oid)
    assert events == [("status", "open", "submitted", "v1")]


def test_create_adhoc_obligation_is_found_again_by_its_source(seeded: sa.Engine) -> None:
    now = at(dt.date(2015, 9, 1))
    with session_scope(seeded) as s:
        plan = s.exec(select(Plan)).one()
        unit = s.exec(select(Unit).where(Unit.name == "镇隆镇")).one()
        duty = ensure_system_duties(session=s, plan_id=plan.id or 0)["action-item"]
        first = create_adhoc_obligation(session=s, duty=duty, unit_id=unit.id or 0, title="落实议定事项",
                                        nominal_due_on=dt.date(2015, 10, 1), source="meeting:1", now=now,
                                        cal=CAL, escalation=ESC)
        again = create_adhoc_obligation(session=s, duty=duty, unit_id=unit.id or 0, title="落实议定事项",
                                        nominal_due_on=dt.date(2015, 10, 1), source="meeting:1", now=now,
                                        cal=CAL, escalation=ESC)
        assert again.id == first.id
        oid = first.id
    # 2015-10-01 is National Day: the due date rolls forward past the holiday.
    got = rows(seeded, "SELECT status, light, due_on, source FROM obligation WHERE id = :o", o=oid)
    assert [(status, light, str(due), src) for status, light, due, src in got] == [
        ("open", "none", "2015-10-08", "meeting:1")
    ]
    events = rows(seeded, "SELECT kind, old, new, note FROM obligation_event WHERE obligation_id = :o", o=oid)
    assert events == [("created", None, "open", "meeting:1")]
