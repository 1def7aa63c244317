"""The durable outbox: claim rows to send, record each attempt, retry with backoff, fail loudly.

Rows are written by the sweep (one per decision per recipient, deduplicated by a unique key). Before it
claims, the dispatcher decides how the ladder's rows travel (:mod:`notifications.delivery.digest`: at most one
message per plan, recipient and working day); it claims only the rows that carry a message (``digest_id = id``)
and the rows that always travel alone. A dispatcher *claims* a batch — PostgreSQL ``FOR UPDATE SKIP LOCKED``
so concurrent dispatchers take disjoint rows; SQLite has one writer at a time — marking them ``sending`` with a
lease. A dispatcher
that dies between claim and send leaves rows whose lease expires; the next dispatcher reclaims them,
so nothing is lost. A row goes to each of its targets separately and keeps each target's state
(:mod:`notifications.delivery.targets`): a retry goes only to the targets that have not received it, and the
one window in which a target may receive a message twice is documented and counted there. Every send's
result is logged in ``delivery`` (URLs masked). A row is ``sent`` when every target has it; otherwise it is
retried with exponential backoff across runs, and when the attempts are exhausted the row is ``failed`` and
a failure report naming the targets that failed is queued for the coordinator through the fallback channel.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.db import AwareDateTime
from models.enums import OutboxStatus, Role, SystemStage, recipient_key
from models.rules.calendar import WorkingCalendar, WorkingHours, next_send_time
from models.tables.engine import Outbox
from notifications.channels.redact import scrub
from notifications.delivery.digest import BUNDLEABLE
from notifications.delivery.targets import TargetOutcome, fail_open, target_states
from notifications.messages.render import RenderedMessage

FALLBACK_RECIPIENT = recipient_key(Role.FALLBACK)
_TS = AwareDateTime()
# Lists spelled into the SQL text below from the enums (constants, never user input): 'failure', 'test', 'info'.
_SYSTEM_STAGES = ", ".join(f"'{stage}'" for stage in SystemStage)
# Rows that overtake an older pending one: still to go out, going out, carried by a digest, or gone.
_LIVE = ", ".join(f"'{status}'" for status in (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.BUNDLED,
                                               OutboxStatus.SENT))


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon a failed send is tried again."""

    max_attempts: int = 10  # at the default backoff (5 min doubling, at most 4 h): more than a working day
    base: dt.timedelta = dt.timedelta(minutes=5)
    cap: dt.timedelta = dt.timedelta(hours=4)
    lease: dt.timedelta = dt.timedelta(minutes=10)

    def delay(self, attempts: int) -> dt.timedelta:
        """Backoff after the ``attempts``-th failed attempt: base · 2^(attempts-1), at most ``cap``."""
        delay: dt.timedelta = self.base * (2 ** max(attempts - 1, 0))
        return min(delay, self.cap)


def supersede_stale(session: Session) -> int:
    """Pending rows overtaken by a newer decision for the same obligation and recipient are not sent.

    After downtime, a row queued for an earlier stage must not go out beside the current one.
    """
    res: Any = session.execute(sa.text(
        f"UPDATE outbox SET status = '{OutboxStatus.SUPERSEDED}' WHERE status = '{OutboxStatus.PENDING}' "
        f"AND obligation_id IS NOT NULL AND stage NOT IN ({_SYSTEM_STAGES}) AND EXISTS (SELECT 1 FROM outbox newer "
        "WHERE newer.obligation_id = outbox.obligation_id AND newer.recipient = outbox.recipient "
        f"AND newer.id > outbox.id AND newer.status IN ({_LIVE}))"
    ))
    return int(res.rowcount or 0)


def claim(*, session: Session, worker: str, now: dt.datetime, limit: int, lease: dt.timedelta) -> list[int]:
    """Claim up to ``limit`` rows that are ready (or whose lease expired); the caller commits at once.

    Only the rows that carry a message are claimed: carriers (``digest_id = id``: a digest, or a ladder row going
    out alone) and the rows that always travel alone (:data:`~notifications.delivery.digest.BUNDLEABLE`). A ladder
    row the digest step has not decided about yet waits for it (:func:`notifications.delivery.digest.bundle`).
    """
    skip_locked = " FOR UPDATE SKIP LOCKED" if session.get_bind().dialect.name == "postgresql" else ""
    stmt = sa.text(
        f"UPDATE outbox SET status = '{OutboxStatus.SENDING}', claimed_by = :worker, claimed_until = :until, "
        "attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox WHERE "
        f"(status = '{OutboxStatus.PENDING}' AND next_attempt_at <= :now AND (digest_id = id OR NOT {BUNDLEABLE})) "
        f"OR (status = '{OutboxStatus.SENDING}' AND claimed_until < :now) "
        f"ORDER BY id LIMIT :limit{skip_locked}) RETURNING id"
    ).bindparams(sa.bindparam("now", type_=_TS), sa.bindparam("until", type_=_TS))
    rows = session.execute(stmt, {"worker": worker, "until": now + lease, "now": now, "limit": limit}).all()
    return sorted(int(r[0]) for r in rows)


def record_attempt(
    *,
    session: Session,
    row: Outbox,
    worker: str,
    targets: Sequence[str],
    delivered: Collection[str],
    failures: Sequence[TargetOutcome],
    error: str | None,
    now: dt.datetime,
    policy: RetryPolicy,
    cal: WorkingCalendar,
    hours: WorkingHours,
) -> str:
    """Move the row on after an attempt: sent (every target has it), retry later, or failed.

    Args:
        targets: the ids of the row's targets at this attempt (their states were recorded send by send).
        delivered: the ids of the targets that have the message, from this attempt or an earlier one.
        failures: this attempt's failed sends (their details make the row's ``last_error``).
        error: why the row could not be sent at all (no contact, no rendering), else None.

    Only a row this worker still holds is updated (a row whose lease expired and was reclaimed by another
    dispatcher is left to that one). Returns the row's new status.
    """
    ok = error is None and bool(targets) and all(t in delivered for t in targets)
    status: OutboxStatus
    if ok:
        status, next_at, last_error = OutboxStatus.SENT, row.next_attempt_at, None
    else:
        last_error = scrub(error or "; ".join(f"{f.service}: {f.detail}" for f in failures)) or "failed"
        if row.attempts >= policy.max_attempts:
            status, next_at = OutboxStatus.FAILED, row.next_attempt_at
        else:
            status = OutboxStatus.PENDING
            next_at = next_send_time(cal, now + policy.delay(row.attempts), hours)
    updated = session.execute(
        sa.update(Outbox.__table__)  # type: ignore[attr-defined]
        .where(Outbox.__table__.c.id == row.id, Outbox.__table__.c.claimed_by == worker,  # type: ignore[attr-defined]
               Outbox.__table__.c.status == OutboxStatus.SENDING)  # type: ignore[attr-defined]
        .values(status=status, next_attempt_at=next_at, last_error=last_error,
                sent_at=now if status == OutboxStatus.SENT else None, claimed_until=None,
                title=row.title, body=row.body)
    ).rowcount
    if not updated:
        return "lost-lease"
    if status == OutboxStatus.FAILED:
        fail_open(session=session, outbox_id=row.id or 0, now=now)
        if row.stage != SystemStage.FAILURE:
            queue_failure_report(session=session, row=row, error=last_error or "", now=now, cal=cal, hours=hours)
    return status


def cancel_claimed(*, session: Session, reasons: Mapping[int, str], worker: str) -> int:
    """Claimed rows with nothing left to send (a digest whose decisions were all closed) become ``cancelled``.

    Never counted as sent: no ``sent_at``, no delivery. ``reasons`` maps each row id to why (kept in
    ``last_error`` for people). Only rows ``worker`` still holds are changed; returns how many.
    """
    table = Outbox.__table__  # type: ignore[attr-defined]
    changed = 0
    for row_id, why in reasons.items():
        res: Any = session.execute(
            sa.update(table).where(table.c.id == row_id, table.c.claimed_by == worker,
                                   table.c.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.CANCELLED, claimed_until=None, sent_at=None, last_error=why[:500]))
        changed += int(res.rowcount or 0)
    return changed


def queue_failure_report(
    *, session: Session, row: Outbox, error: str, now: dt.datetime, cal: WorkingCalendar, hours: WorkingHours
) -> None:
    """Queue one report to the coordinator (fallback channel) that ``row`` could not be delivered."""
    nb = next_send_time(cal, now, hours)
    unit_name, coordinator = None, ""
    if row.obligation_id is not None:
        found = session.execute(sa.text(
            "SELECT u.name, p.coordinator FROM obligation o JOIN unit u ON u.id = o.unit_id "
            "JOIN plan p ON p.id = o.plan_id WHERE o.id = :id"
        ), {"id": row.obligation_id}).first()
        if found is not None:
            unit_name, coordinator = str(found[0]), str(found[1])
    # The targets that did not get it (those that did are not the coordinator's problem).
    targets = list(dict.fromkeys(s.url for s in target_states(session=session, outbox_ids=[row.id or 0]).get(
        row.id or 0, []) if s.status == OutboxStatus.FAILED))
    payload = json.dumps({
        "unit_name": unit_name, "role": row.role, "subject": row.title or row.stage_key,
        "target": "、".join(targets) or row.recipient, "error": scrub(error)[:500], "attempts": row.attempts,
        "coordinator": coordinator,
    }, ensure_ascii=False)
    insert_ignore(session, {
        "obligation_id": row.obligation_id, "stage_key": f"{SystemStage.FAILURE}@{row.id}",
        "stage": SystemStage.FAILURE, "level": row.level, "recipient": FALLBACK_RECIPIENT,
        "role": Role.COORDINATOR, "status": OutboxStatus.PENDING,
        "attempts": 0, "not_before": nb, "next_attempt_at": nb, "created_at": now, "payload": payload,
    })


def queue_info(
    *,
    session: Session,
    recipient: str,
    role: str,
    title: str = "",
    body: str = "",
    key: str,
    now: dt.datetime,
    cal: WorkingCalendar,
    hours: WorkingHours,
    obligation_id: int | None = None,
    attachments: Sequence[str] = (),
    message: RenderedMessage | None = None,
) -> int:
    """Queue a pre-rendered message (a notice, an invitation, a result) for the dispatcher; 1 if queued.

    ``key`` names the decision (e.g. ``window@2016-06-05``); with an obligation it deduplicates the send.
    ``message`` (every channel's form, stored as :meth:`RenderedMessage.payload`) is kept instead of ``title`` and
    ``body`` when given. A notice to the leader about an obligation, without attachments, travels in the leader's
    digest of the day (:mod:`notifications.delivery.digest`).
    """
    payload = message.payload() if message is not None else {"title": title, "body": body}
    nb = next_send_time(cal, now, hours)
    return insert_ignore(session, {
        "obligation_id": obligation_id, "stage_key": key[:48], "stage": SystemStage.INFO, "level": 0,
        "recipient": recipient, "role": role, "status": OutboxStatus.PENDING, "attempts": 0, "not_before": nb,
        "next_attempt_at": nb, "created_at": now,
        "payload": json.dumps(payload, ensure_ascii=False),
        "attachments": json.dumps(list(attachments), ensure_ascii=False) if attachments else None,
    })


def insert_ignore(session: Session, values: dict[str, object]) -> int:
    """Insert one outbox row unless its dedupe key exists; return 1 if inserted."""
    from sqlalchemy.dialects import postgresql, sqlite

    table = Outbox.__table__  # type: ignore[attr-defined]
    ins = postgresql.insert(table) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(table)
    # RETURNING says whether a row was written; drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    res = session.execute(ins.values(**values).on_conflict_do_nothing().returning(table.c.id))
    return len(res.all())
