"""SQLModel tables of the duty engine: working days, obligations and their history, the outbox, deliveries.

- ``workday``: one row per calendar day with the running index of working days, so the sweep can do
  working-day arithmetic in SQL (offset = idx(today) - idx(due)).
- ``obligation``: one per responsible unit per period of a duty, with nominal and effective due dates,
  the holiday rule applied, status, light, the ladder level reached and the working-day index at which
  its next ladder stage falls due (``next_wd``; NULL when nothing more is due).
- ``obligation_event``: history (created, status, light, skipped stages…).
- ``outbox``: one row per message per recipient; unique on (obligation, stage key, recipient), so a
  second enqueue of the same decision is a no-op.
- ``delivery``: the per-target result of each send attempt, with the masked URL (a log: one row per try).
- ``delivery_target``: each target's state for one outbox row (sent, still to retry, failed), so a retry goes
  only to the targets that have not received the message (see :mod:`notifications.delivery.targets`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.db import AwareDateTime
from models.enums import (
    EventKind,
    Light,
    ObligationStatus,
    OutboxStatus,
    Role,
    Stage,
    SystemStage,
    recipient_key,
    spelled,
)

_EXAMPLE_KEY = recipient_key(Role.HANDLER, 'zhenlong')


class Workday(SQLModel, table=True):
    """A calendar day with the running count of working days up to it (inclusive)."""

    __tablename__ = "workday"

    day: dt.date = Field(primary_key=True)
    idx: int = Field(description="Working days from the epoch up to and including this day")
    working: bool
    source: str = Field(max_length=16, description="official | estimated | missing")


class CalendarYear(SQLModel, table=True):
    """Which calendar data a year of ``workday`` rows was built from."""

    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True)
    source: str = Field(max_length=16)
    provenance: str
    fingerprint: str = Field(max_length=64)


class Obligation(SQLModel, table=True):
    """What one unit owes for one period of one duty."""

    __tablename__ = "obligation"
    __table_args__ = (
        sa.UniqueConstraint("duty_id", "unit_id", "period", name="uq_obligation_duty_unit_period"),
        sa.Index("ix_obligation_sweep", "status", "next_wd"),
        sa.Index("ix_obligation_light", "status", "light", "due_wd"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    duty_id: int = Field(foreign_key="duty.id", ondelete="CASCADE", index=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE", index=True)
    period: str = Field(max_length=32, description="The nominal due date (YYYY-MM-DD) it belongs to")
    nominal_due_on: dt.date
    due_on: dt.date = Field(description="Effective due date after the holiday policy")
    holiday_policy: str = Field(max_length=16)
    holiday_rule: str = Field(max_length=16, description="working_day | rolled_forward | pulled_earlier | kept")
    calendar_source: str = Field(max_length=16, description="Calendar data used: official | estimated | missing")
    due_wd: int = Field(description="Working-day index of the effective due date")
    status: str = Field(default=ObligationStatus.OPEN, max_length=16, description=spelled(ObligationStatus))
    light: str = Field(default=Light.NONE, max_length=8, description=spelled(Light))
    level: int = Field(default=-1, description="Highest ladder level enqueued (-1: nothing yet)")
    stage_seq: int = Field(default=-1, description="Index of the last ladder stage enqueued")
    next_wd: int | None = Field(default=None, description="Working-day index when the next stage is due")
    created_at: dt.datetime = Field(sa_type=AwareDateTime)
    updated_at: dt.datetime = Field(sa_type=AwareDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    title: str | None = Field(default=None, description="What is owed, when more specific than the duty's title")
    source: str | None = Field(default=None, max_length=64, description="What created it, e.g. meeting:3")
    own: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false()},
        description="Owed by the supervising office itself (coordinator or secretariat): work reminders, "
                    "then the leader; never a 催办 or 督办单 to itself (models.rules.authority)")


class ObligationEvent(SQLModel, table=True):
    """One change in an obligation's life."""

    __tablename__ = "obligation_event"

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", ondelete="CASCADE", index=True)
    at: dt.datetime = Field(sa_type=AwareDateTime)
    kind: str = Field(max_length=16, description=spelled(EventKind))
    old: str | None = Field(default=None, max_length=64)
    new: str | None = Field(default=None, max_length=64)
    note: str = ""


class Outbox(SQLModel, table=True):
    """One message to one recipient, waiting to be sent, sent, or failed."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("obligation_id", "stage_key", "recipient", name="uq_outbox_dedupe"),
        sa.Index("ix_outbox_ready", "status", "next_attempt_at"),
        sa.Index("ix_outbox_digest", "digest_id"),
        # One carrier (a message that goes out) per plan, recipient and working day: the digest's guarantee.
        sa.Index("uq_outbox_carrier_day", "plan_id", "recipient", "carried_on", unique=True,
                 sqlite_where=sa.text("digest_id = id"), postgresql_where=sa.text("digest_id = id")),
    )

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id", ondelete="CASCADE")
    stage_key: str = Field(max_length=48, description="Which decision: e.g. reminder@-5, repeat@12, failure@41")
    stage: str = Field(max_length=16, description=f"{spelled(Stage)}|{spelled(SystemStage)}")
    level: int
    recipient: str = Field(max_length=120, description=f"Recipient key (recipient_key), e.g. {_EXAMPLE_KEY}")
    role: str = Field(max_length=16, description=spelled(Role))
    status: str = Field(default=OutboxStatus.PENDING, max_length=16, description=spelled(OutboxStatus))
    attempts: int = 0
    not_before: dt.datetime = Field(sa_type=AwareDateTime, description="Earliest send time (working hours)")
    next_attempt_at: dt.datetime = Field(sa_type=AwareDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    last_error: str | None = None
    title: str | None = None
    body: str | None = None
    payload: str | None = Field(default=None, description="JSON: a pre-rendered title and body, or report context")
    attachments: str | None = Field(default=None, description="JSON list of file paths to attach (email only)")
    created_at: dt.datetime = Field(sa_type=AwareDateTime)
    plan_id: int | None = Field(default=None, description="The plan the message is about (set when it is bundled)")
    digest_id: int | None = Field(
        default=None,
        description="The row that carries this decision: itself when it goes out alone, a digest row when bundled "
                    "with others; NULL until the dispatcher has decided (ladder rows wait for that)")
    carried_on: dt.date | None = Field(default=None, description="The local working day a carrier was released on")
    doc_no: str | None = Field(default=None, max_length=40, description="The 督办单 number this message carries")


class Serial(SQLModel, table=True):
    """Document numbers handed out per plan, series and year (e.g. 督办单 信督办〔2016〕3号)."""

    __tablename__ = "serial"

    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", primary_key=True)
    series: str = Field(max_length=16, primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class Delivery(SQLModel, table=True):
    """The result of one send attempt to one target (URL masked)."""

    __tablename__ = "delivery"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", ondelete="CASCADE", index=True)
    attempt: int
    at: dt.datetime = Field(sa_type=AwareDateTime)
    url: str = Field(description="Masked target URL (no keys or passwords)")
    service: str = Field(max_length=32)
    ok: bool
    detail: str = ""


class DeliveryTarget(SQLModel, table=True):
    """Where one outbox row stands at one of its targets; the target is named by a hash, never by its URL."""

    __tablename__ = "delivery_target"
    __table_args__ = (sa.UniqueConstraint("outbox_id", "target", name="uq_delivery_target"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", ondelete="CASCADE")
    target: str = Field(max_length=40, description="Target id: keyed hash of the contact URL (no secret)")
    url: str = Field(description="Masked target URL (no keys or passwords), for people")
    service: str = Field(max_length=32)
    status: str = Field(default=OutboxStatus.PENDING, max_length=16,
                        description="pending | sending | sent | failed | cancelled (contact removed)")
    attempts: int = Field(default=0, description="Sends started to this target")
    worker: str | None = Field(default=None, max_length=64, description="The dispatcher that started the last send")
    possible_duplicates: int = Field(
        default=0, description="Sends repeated because a dispatcher died mid-send (the vendor may have accepted)")
    last_error: str | None = None
    sent_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    updated_at: dt.datetime = Field(sa_type=AwareDateTime)
