"""The dispatcher: claim ready outbox rows, render each in Chinese, send it, record what happened.

The sender is pluggable: :class:`notifications.channels.router.ContactsSender` delivers through the configured
contacts (WeCom, DingTalk, Feishu, email…); ``duban simulate`` plugs in a JSON-lines sink. A sender names a
job's targets, and the dispatcher sends to them one at a time, recording each target's state around each
send, so that a retry goes only to the targets that have not received the message
(:mod:`notifications.delivery.targets` explains the one window where a target may receive it twice). Sends
happen only inside working hours on working days; outside them the dispatcher leaves rows waiting.

Before it claims, the dispatcher runs the digest step (:mod:`notifications.delivery.digest`): each recipient
gets at most one message per plan and working day, and several of the ladder's decisions for one recipient
travel as one digest row, rendered from its members (:mod:`notifications.delivery.compose`, ``digest.j2``). A
member whose obligation was closed before the digest went out drops out of it; a digest left with nothing to say
is cancelled, never sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.db import session_scope
from models.enums import OutboxStatus
from models.errors import DubanError
from models.rules.calendar import WorkingCalendar, WorkingHours, next_send_time
from models.rules.ladder import EscalationSpec
from models.tables.engine import Outbox
from notifications.channels.redact import scrub
from notifications.delivery.compose import (
    Cancelled,
    Job,
    build_jobs,
    chasing_office,
    ladder_context,
    period_label,
    quoted_title,
)
from notifications.delivery.digest import BundleResult, bundle
from notifications.delivery.outbox import RetryPolicy, cancel_claimed, claim, record_attempt, supersede_stale
from notifications.delivery.targets import (
    Start,
    Target,
    TargetOutcome,
    cancel_removed,
    describe,
    finish_send,
    register,
    start_send,
    target_states,
)

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a sender did with one job."""

    targets: tuple[TargetOutcome, ...]
    error: str | None = None


class Sender(Protocol):
    """Names the targets of a job's recipient and delivers the job to them (all, or ``only`` those ids).

    ``targets`` raises (``NotificationError``, ``ValueError``) when the recipient has none; the dispatcher
    records that as the row's error. Target ids must be unique within one job and stable across runs.
    """

    def targets(self, job: Job) -> Sequence[Target]: ...

    def send(self, job: Job, only: Collection[str] | None = None) -> Outcome: ...


@dataclass
class DispatchResult:
    """What one dispatcher run did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    superseded: int = 0
    cancelled: int = 0  # claimed digests whose every decision was closed meanwhile: recorded, not sent
    bundled: BundleResult | None = None  # what the digest step decided before the claim
    possible_duplicates: int = 0  # targets re-sent after a dead dispatcher left them mid-send (the window)
    outside_hours: bool = False
    jobs: list[Job] = field(default_factory=list)


def worker_id() -> str:
    """A name for this dispatcher process, unique enough to tell claims apart."""
    return f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:8]}"


def dispatch_once(
    *,
    engine: Engine,
    sender: Sender,
    cal: WorkingCalendar,
    escalation: EscalationSpec,
    now: dt.datetime,
    hours: WorkingHours | None = None,
    policy: RetryPolicy | None = None,
    limit: int = 200,
    worker: str | None = None,
    keep_jobs: bool = False,
) -> DispatchResult:
    """Claim, render and send one batch, target by target; each target's state is committed around its send."""
    hours = hours or WorkingHours()
    policy = policy or RetryPolicy()
    worker = worker or worker_id()
    result = DispatchResult()
    if next_send_time(cal, now, hours) != now:
        result.outside_hours = True
        return result
    with session_scope(engine) as session:
        result.superseded = supersede_stale(session)
    with session_scope(engine) as session:
        result.bundled = bundle(session=session, now=now, cal=cal, hours=hours)
    with session_scope(engine) as session:
        ids = claim(session=session, worker=worker, now=now, limit=limit, lease=policy.lease)
    result.claimed = len(ids)
    if not ids:
        return result
    with session_scope(engine) as session:
        built = build_jobs(session=session, ids=ids, cal=cal, escalation=escalation, now=now)
        session.expunge_all()
    cancelled = {row.id or 0: job.reason for row, job in built if isinstance(job, Cancelled)}
    jobs = [(row, job) for row, job in built if not isinstance(job, Cancelled)]
    planned = [(row, job, *_targets_of(sender, job)) for row, job in jobs]
    current = {row.id or 0: targets for row, _j, targets, _e in planned}
    with session_scope(engine) as session:  # the batch's target states: a few statements, however many rows
        if cancelled:
            result.cancelled = cancel_claimed(session=session, reasons=cancelled, worker=worker)
        register(session=session, targets=current, now=now)
        states = target_states(session=session, outbox_ids=ids)
        cancel_removed(session=session, states=states, current={k: {t.id for t in v} for k, v in current.items()},
                       now=now)
    batch = _Batch(engine=engine, sender=sender, worker=worker, now=now, policy=policy, cal=cal, hours=hours)
    for row, job, targets, error in planned:
        known = {s.target: s.status for s in states.get(row.id or 0, [])}
        batch.row(row, job if isinstance(job, Job) else None, targets, known, error)
    batch.flush()
    result.possible_duplicates = batch.resent
    _count(result, [(row, job) for row, job, _t, _e in planned], batch.statuses, keep_jobs)
    return result


def _count(result: DispatchResult, planned: Sequence[tuple[Outbox, Job | str]], statuses: dict[int, str],
           keep_jobs: bool) -> None:
    """Add the batch's verdicts to ``result`` (and its jobs, when asked)."""
    for row, job in planned:
        status = statuses.get(row.id or 0)
        if status == OutboxStatus.SENT:
            result.sent += 1
        elif status == OutboxStatus.PENDING:
            result.retrying += 1
        elif status == OutboxStatus.FAILED:
            result.failed += 1
        if keep_jobs and isinstance(job, Job):
            result.jobs.append(job)


def _targets_of(sender: Sender, job: Job | str) -> tuple[tuple[Target, ...], str | None]:
    """The job's targets, or why it has none (the rendering error, no matching contact…)."""
    if isinstance(job, str):
        return (), job
    try:
        targets = tuple(sender.targets(job))
    except (DubanError, ValueError) as exc:
        return (), str(exc)[:500]
    except Exception as exc:  # noqa: BLE001 - a sender bug must not lose the row: record and retry
        return (), scrub(f"{type(exc).__name__}: {exc}")[:500]
    if not targets:
        return (), f"no target for {job.recipient}"
    if len({t.id for t in targets}) != len(targets):
        return (), f"the sender named one target twice for {job.recipient}"
    return targets, None


@dataclass
class _Batch:
    """Sends a batch target by target, committing each target's state before and after its send.

    Writes wait for the next transaction, which the next send needs anyway: a send's result, its row's
    verdict and the start of the next send share one commit. So a batch costs one commit per send (as one
    per message did before targets had states), and a crash leaves at most one target ``sending`` — the
    window in :mod:`notifications.delivery.targets`. A row whose every target has the message but whose
    verdict was not yet committed is settled by its next claim without sending again.
    """

    engine: Engine
    sender: Sender
    worker: str
    now: dt.datetime
    policy: RetryPolicy
    cal: WorkingCalendar
    hours: WorkingHours
    resent: int = 0
    statuses: dict[int, str] = field(default_factory=dict)
    _writes: list[Callable[[Session], object]] = field(default_factory=list)

    def row(self, row: Outbox, job: Job | None, targets: Sequence[Target], known: dict[str, str],
            error: str | None) -> None:
        """Send ``job`` to its targets not yet ``sent`` (``known``: id → state); its verdict is written later."""
        row_id = row.id or 0
        ids = [t.id for t in targets]
        delivered = {t for t, status in known.items() if status == OutboxStatus.SENT}
        failures: list[TargetOutcome] = []
        if job is not None and error is None:
            for target in (t for t in targets if t.id not in delivered):
                outcome = self._send(row, job, target, known.get(target.id, OutboxStatus.PENDING))
                if outcome is None:  # reclaimed by another dispatcher: that one settles the row
                    self.statuses[row_id] = "lost-lease"
                    return
                if outcome.ok:
                    delivered.add(target.id)
                else:
                    failures.append(outcome)
        self._writes.append(lambda s: self.statuses.__setitem__(row_id, record_attempt(
            session=s, row=row, worker=self.worker, targets=ids, delivered=delivered, failures=failures,
            error=error, now=self.now, policy=self.policy, cal=self.cal, hours=self.hours)))

    def _send(self, row: Outbox, job: Job, target: Target, status: str) -> TargetOutcome | None:
        """Start (committed), send, and queue the result's write; None when the row is no longer ours."""
        row_id = row.id or 0
        begun = self.flush(lambda s: start_send(session=s, outbox_id=row_id, target=target.id, status=status,
                                                worker=self.worker, now=self.now))
        if begun == Start.LOST:
            return None
        if begun == Start.RESEND:
            self.resent += 1
            _log.warning("outbox %s: re-sending to %s, left mid-send by a dispatcher that stopped; it may arrive "
                         "twice", row_id, target.url)
        outcome = _send_to(self.sender, job, target)
        self._writes.append(lambda s: finish_send(session=s, outbox_id=row_id, attempt=row.attempts,
                                                  outcome=outcome, worker=self.worker, now=self.now))
        return outcome

    def flush(self, then: Callable[[Session], Start] | None = None) -> Start | None:
        """Commit the waiting writes, and ``then`` (the start of the next send), in one transaction."""
        with session_scope(self.engine) as session:
            for write in self._writes:
                write(session)
            self._writes.clear()
            return then(session) if then is not None else None


def _send_to(sender: Sender, job: Job, target: Target) -> TargetOutcome:
    """Send ``job`` to one target; never raises. A sender's answer for another target counts as a failure."""
    try:
        out = sender.send(job, only=frozenset({target.id}))
    except Exception as exc:  # noqa: BLE001 - a sender bug must not lose the row: record and retry
        return TargetOutcome(url=target.url, service=target.service, ok=False, target=target.id,
                             detail=scrub(f"{type(exc).__name__}: {exc}")[:500])
    mine = [t for t in out.targets if t.target == target.id]
    if not mine and len(out.targets) == 1 and not out.targets[0].target:
        mine = [out.targets[0]]  # a sender that reports one unnamed result for the one target it was asked
    if len(mine) == 1:
        t = mine[0]
        return TargetOutcome(url=t.url, service=t.service, ok=t.ok, detail=t.detail, target=target.id)
    why = out.error or f"the sender reported {len(mine)} results for this target"
    return TargetOutcome(url=target.url, service=target.service, ok=False, detail=why[:500], target=target.id)


def recent_messages(*, session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """The latest outbox rows that were sent or failed, newest first (for the recent-messages artifact)."""
    found = session.exec(
        select(Outbox)
        .where(col(Outbox.status).in_([OutboxStatus.SENT, OutboxStatus.FAILED]))
        .order_by(col(Outbox.id).desc())
        .limit(limit)
    )
    rows = list(found)
    states = target_states(session=session, outbox_ids=[r.id for r in rows if r.id is not None])
    return [
        {"id": r.id, "sent_at": r.sent_at, "status": r.status, "stage": r.stage, "level": r.level,
         "recipient": r.recipient, "title": r.title, "attempts": r.attempts, "last_error": r.last_error,
         "targets": describe(states.get(r.id or 0, []))}
        for r in rows
    ]


__all__ = ["Cancelled", "DispatchResult", "Job", "Outcome", "Sender", "Target", "TargetOutcome", "build_jobs",
           "chasing_office", "dispatch_once", "ladder_context", "period_label", "quoted_title", "recent_messages",
           "worker_id"]
