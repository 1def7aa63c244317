"""Telling the coordinator that one plan could not be chased: a notice through the fallback contact.

A plan set aside by generation or the sweep (see :mod:`models.engine.isolation`) stays set aside on every
sweep until someone fixes it, and sweeps run every half hour: the notice goes out at most once per plan and
local day. It is a pre-rendered ``info`` row of the outbox, sent by the dispatcher like any other.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from models.dates import to_local
from models.engine.isolation import PlanFailure
from models.engine.sweep import SWEEP_LOCK
from models.enums import Role
from models.rules.calendar import WorkingCalendar, WorkingHours
from notifications.delivery.outbox import FALLBACK_RECIPIENT, queue_info
from notifications.messages.render import render_values

KEY_PREFIX = "plan-failed"  # stage key: plan-failed@<plan id>@<local date>


def queue_plan_failure(
    *, session: Session, failure: PlanFailure, now: dt.datetime, cal: WorkingCalendar, hours: WorkingHours
) -> int:
    """Queue the notice that ``failure``'s plan was set aside; 1 if queued, 0 if one went out today already."""
    found = session.execute(sa.text("SELECT id, title, coordinator FROM plan WHERE code = :c"),
                            {"c": failure.plan}).first()
    pid, title, coordinator = (int(found[0]), str(found[1]), str(found[2])) if found else (0, failure.plan, "")
    local = to_local(now)
    key = f"{KEY_PREFIX}@{pid}@{local.date().isoformat()}"
    if session.get_bind().dialect.name == "postgresql":
        # Two sweeps failing on the same plan at once check and insert one after the other.
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": SWEEP_LOCK, "b": pid})
    # Outbox rows without an obligation are not deduplicated by its unique key: look for today's notice.
    if session.execute(sa.text(
        "SELECT 1 FROM outbox WHERE obligation_id IS NULL AND stage_key = :k AND recipient = :r"
    ), {"k": key, "r": FALLBACK_RECIPIENT}).first() is not None:
        return 0
    message = render_values("plan_failure", {
        "plan_code": failure.plan, "plan_title": title, "coordinator": coordinator,
        "step": failure.step, "error": failure.error, "when": local.strftime("%Y-%m-%d %H:%M"),
    })
    return queue_info(session=session, recipient=FALLBACK_RECIPIENT, role=Role.COORDINATOR, title=message.title,
                      body=message.body, key=key, now=now, cal=cal, hours=hours)
