"""Per-target delivery state: each target of a message receives it once, and a retry goes only to those that failed.

An outbox row is one message to one recipient key (``unit-zhenlong+role-handler``); the contacts carrying
those tags are its *targets* (a WeCom bot and a mailbox, say). Each (row, target) pair has a
``delivery_target`` row, named by a target id (a keyed hash of the contact's URL, which shows nothing of
its key, token or password), and moves on its own::

    pending ──start──▶ sending ──finish──▶ sent
       ▲                  │
       └──────failed──────┘            (after the row's last attempt: failed; contact removed: cancelled)

The dispatcher (:mod:`notifications.delivery.dispatch`) registers the targets of a claimed batch in one
statement, skips the targets already ``sent``, and for each remaining target commits ``sending`` *before*
calling the vendor; the result is committed with the next start, before the next vendor call (one commit
per send). So at most one target is ``sending`` at any moment, and a target that has received the message
is never sent to again — except in one window no sender can close:

**The window.** The vendor accepted the message and the dispatcher died (SIGKILL, OOM, power) before it
committed ``sent``. The target is then left ``sending`` under a claim whose lease expires; the next
dispatcher cannot know whether the vendor got it, re-sends it once, and counts it in
``possible_duplicates`` (also logged, and returned in ``DispatchResult.possible_duplicates``). The same
happens if a live dispatcher outlives its lease mid-send and another one reclaims the row. A target left
``sending`` whose send never reached the vendor is counted the same way: the count is an upper bound of the
real duplicates, and at most one per target per dead claim. Everything else is exactly once per target:
the working target of a recipient whose other target is down receives the message once, however many
times the failing one is retried. (Rows queued before schema revision 0004 carry no target state; if one
was half-delivered then, its retry goes to every target once.)

**Identity.** A target id is the sender's, and follows the contact, not its place in the contacts file:
for Apprise contacts, 24 hex digits of HMAC-SHA256 over the *unmasked* URL under the install's key
``<var_dir>/target-key`` (32 random bytes, 0600, made on first use, never logged), with ``#2``, ``#3``…
only for later contacts of the same recipient whose URLs are byte-identical
(:mod:`notifications.channels.target_ids`, :meth:`notifications.channels.send.AppriseSender.targets`).
Not the masked URL: masking hides exactly what tells two contacts apart (two webhooks to one endpoint
with different secret path tokens or ``+X-Token`` headers), and numbering look-alikes in file order let a
contact inherit another's ``sent`` when one was removed or moved. The key keeps the id from being a check
on guesses of a secret. The ``url`` column keeps the masked URL, for people. A contact whose URL is edited
is a new target and receives what its row still owes; one that disappears from the contacts is
``cancelled`` for the rows that still owed it. Every dispatcher of one database must share the key (the
same ``var_dir``): under another key, or after an upgrade that changes how ids are made (as this one did
from the masked-URL hash), every target is renamed, so rows being retried across it send once more to
targets that already had them.

``tests/notifications/delivery/test_drills.py`` kills dispatchers at random points, takes a channel down for a
simulated day and runs two dispatchers at once on PostgreSQL, and prints lost messages, duplicates and the
possible duplicates counted here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.db import AwareDateTime
from models.enums import OutboxStatus
from models.tables.engine import DeliveryTarget
from notifications.channels.redact import scrub

_TS = AwareDateTime()
_TABLE = DeliveryTarget.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Target:
    """One place a message goes: ``id`` is stable across runs and holds no secret; ``url`` is masked."""

    id: str
    url: str
    service: str


@dataclass(frozen=True)
class TargetOutcome:
    """One target's result, with its URL already masked; ``target`` is the :class:`Target` id."""

    url: str
    service: str
    ok: bool
    detail: str = ""
    target: str = ""


class Start(StrEnum):
    """What :func:`start_send` found before a send (targets already ``sent`` are never started)."""

    SEND = "send"  # first send, or a retry after a recorded failure
    RESEND = "resend"  # left 'sending' by a dispatcher that died: the vendor may already have it (the window)
    LOST = "lost"  # this dispatcher no longer holds the row


def register(*, session: Session, targets: Mapping[int, Sequence[Target]], now: dt.datetime) -> None:
    """Add a ``pending`` state for every (outbox row, target) not seen before, in one statement."""
    from sqlalchemy.dialects import postgresql, sqlite

    values = [
        {"outbox_id": outbox_id, "target": t.id, "url": t.url, "service": t.service[:32],
         "status": OutboxStatus.PENDING, "attempts": 0, "possible_duplicates": 0, "updated_at": now}
        for outbox_id, found in targets.items() for t in found
    ]
    if not values:
        return
    ins = postgresql.insert(_TABLE) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(_TABLE)
    session.execute(ins.on_conflict_do_nothing(index_elements=["outbox_id", "target"]), values)


# Statements run once or twice per send: plain text, compiled once (SQLAlchemy caches them).
_OPEN_STATES = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)  # not yet delivered, not cancelled
_OPEN = "(" + ", ".join(f"'{status}'" for status in _OPEN_STATES) + ")"
_START = sa.text(
    f"UPDATE delivery_target SET status = '{OutboxStatus.SENDING}', worker = :w, attempts = attempts + 1, "
    "possible_duplicates = possible_duplicates + :dup, updated_at = :now "
    "WHERE outbox_id = :o AND target = :t AND status = :old AND EXISTS (SELECT 1 FROM outbox "
    f"WHERE outbox.id = :o AND outbox.claimed_by = :w AND outbox.status = '{OutboxStatus.SENDING}')"
).bindparams(sa.bindparam("now", type_=_TS))
_LOG = sa.text(
    "INSERT INTO delivery (outbox_id, attempt, at, url, service, ok, detail) "
    "VALUES (:o, :attempt, :now, :url, :service, :ok, :detail)"
).bindparams(sa.bindparam("now", type_=_TS), sa.bindparam("ok", type_=sa.Boolean()))
_FINISH = sa.text(
    "UPDATE delivery_target SET status = :status, updated_at = :now, sent_at = :sent_at, last_error = :error "
    f"WHERE outbox_id = :o AND target = :t AND worker = :w AND status = '{OutboxStatus.SENDING}'"
).bindparams(sa.bindparam("now", type_=_TS), sa.bindparam("sent_at", type_=_TS))
_CANCEL = sa.text(
    f"UPDATE delivery_target SET status = '{OutboxStatus.CANCELLED}', updated_at = :now "
    f"WHERE outbox_id = :o AND target = :t AND status IN {_OPEN}"
).bindparams(sa.bindparam("now", type_=_TS))
_FAIL = sa.text(
    f"UPDATE delivery_target SET status = '{OutboxStatus.FAILED}', updated_at = :now "
    f"WHERE outbox_id = :o AND status IN ('{OutboxStatus.PENDING}', '{OutboxStatus.SENDING}')"
).bindparams(sa.bindparam("now", type_=_TS))


def start_send(
    *, session: Session, outbox_id: int, target: str, status: str, worker: str, now: dt.datetime
) -> Start:
    """Mark one target ``sending`` just before its send, if ``worker`` still holds the row.

    ``status`` is the target's state as read after the claim. The caller commits before it calls the
    vendor: a target found ``sending`` later was being sent when its dispatcher died, and
    :attr:`Start.RESEND` counts it as a possible duplicate.
    """
    resend = status == OutboxStatus.SENDING
    moved: Any = session.execute(_START, {"w": worker, "dup": int(resend), "now": now, "o": outbox_id, "t": target,
                                          "old": status})
    if not moved.rowcount:  # the row was reclaimed, or another dispatcher moved this target meanwhile
        return Start.LOST
    return Start.RESEND if resend else Start.SEND


def finish_send(
    *, session: Session, outbox_id: int, attempt: int, outcome: TargetOutcome, worker: str, now: dt.datetime
) -> None:
    """Log the attempt (``delivery``) and move the target to ``sent``, or back to ``pending`` to be retried."""
    # Scrubbed before it is cut, so a token cannot be left half-visible (notifications.channels.redact).
    url, detail = scrub(outcome.url), scrub(outcome.detail)[:2000]
    session.execute(_LOG, {"o": outbox_id, "attempt": attempt, "now": now, "url": url,
                           "service": outcome.service[:32], "ok": outcome.ok, "detail": detail})
    session.execute(_FINISH, {
        "status": OutboxStatus.SENT if outcome.ok else OutboxStatus.PENDING, "now": now,
        "sent_at": now if outcome.ok else None, "error": None if outcome.ok else detail,
        "o": outbox_id, "t": outcome.target, "w": worker})


def cancel_removed(
    *, session: Session, states: Mapping[int, Sequence[TargetState]], current: Mapping[int, Collection[str]],
    now: dt.datetime,
) -> int:
    """Targets of these rows that are no longer configured and never got the message become ``cancelled``."""
    gone = [{"o": outbox_id, "t": s.target, "now": now}
            for outbox_id, found in states.items() if current.get(outbox_id)
            for s in found if s.target not in current[outbox_id] and s.status in _OPEN_STATES]
    if gone:
        session.execute(_CANCEL, gone)
    return len(gone)


def fail_open(*, session: Session, outbox_id: int, now: dt.datetime) -> None:
    """The row failed for good: its targets still owed the message are ``failed``."""
    session.execute(_FAIL, {"o": outbox_id, "now": now})


@dataclass(frozen=True)
class TargetState:
    """One row of ``delivery_target``, as the outbox shows it."""

    target: str
    url: str
    service: str
    status: str
    attempts: int
    possible_duplicates: int
    last_error: str | None
    sent_at: dt.datetime | None


def target_states(*, session: Session, outbox_ids: Iterable[int]) -> dict[int, list[TargetState]]:
    """Every target's state for each of ``outbox_ids`` (one query), in the order they were registered."""
    ids = list(outbox_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(_TABLE.c.outbox_id, _TABLE.c.target, _TABLE.c.url, _TABLE.c.service, _TABLE.c.status,
                  _TABLE.c.attempts, _TABLE.c.possible_duplicates, _TABLE.c.last_error, _TABLE.c.sent_at)
        .where(_TABLE.c.outbox_id.in_(ids)).order_by(_TABLE.c.id)
    ).all()
    out: dict[int, list[TargetState]] = {}
    for r in rows:
        out.setdefault(int(r[0]), []).append(TargetState(
            target=str(r[1]), url=str(r[2]), service=str(r[3]), status=str(r[4]), attempts=int(r[5]),
            possible_duplicates=int(r[6]), last_error=r[7], sent_at=r[8]))
    return out


def describe(states: Sequence[TargetState]) -> str:
    """A one-line summary for people, e.g. ``mailto sent; wecombot pending ×3 (errcode 93000: …)``."""
    parts = []
    for s in states:
        tries = f" ×{s.attempts}" if s.attempts > 1 else ""
        why = f" ({s.last_error[:80]})" if s.last_error and s.status != OutboxStatus.SENT else ""
        dup = f", {s.possible_duplicates} possible duplicate(s)" if s.possible_duplicates else ""
        parts.append(f"{s.service} {s.status}{tries}{why}{dup}")
    return "; ".join(parts)


__all__ = ["Start", "Target", "TargetOutcome", "TargetState", "cancel_removed", "describe", "fail_open",
           "finish_send", "register", "start_send", "target_states"]
