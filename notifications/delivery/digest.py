"""The digest: at most one message per plan, recipient and working day, decided before the dispatcher claims.

The ladder decides per obligation (one outbox row per decision and recipient, deduplicated by the sweep's key);
how those decisions travel is decided here, in a few set-based statements whatever the number of rows:

* **Bundleable** rows are the ladder's (stage ``reminder``…``repeat``) and the notices to the leader
  (stage ``info``, role ``leader``) that concern an obligation and carry no attachment. Everything else — a
  notice with a workbook or an invitation, a failure report, a test — travels alone, as before.
* The **ready** bundleable rows (``pending``, never tried, ``next_attempt_at <= now``, no ``digest_id`` yet)
  are grouped by (plan of their obligation, recipient).
* A group whose (plan, recipient) already has a **carrier** today — a row with ``digest_id = id`` and
  ``carried_on`` = today's local date, whatever became of it — waits for the next working day's opening
  (:func:`models.rules.calendar.next_send_time`), when it is grouped again with that day's decisions.
* Otherwise a group of one becomes its own carrier (``digest_id = id``, ``carried_on`` today, ``plan_id``
  set), and a group of two or more gets a new **digest row** (stage ``digest``, stage key
  ``digest@<plan id>@<YYYY-MM-DD>``, no obligation, ``digest_id`` = its own id, ``carried_on`` today) while its
  members become ``bundled`` with ``digest_id`` = the digest's id (and ``carried_on`` = the day it was bundled).
  The dispatcher claims only carriers and rows that are not bundleable (:func:`~notifications.delivery.outbox.claim`)
  and renders a digest from its members (:mod:`notifications.delivery.dispatch`).
* A carrier to a unit's **head** that carries a notice-stage decision (itself, or one of its members) is a
  督办单 and gets its number here, from table ``serial`` (series ``notice``, the year of the day), in the order of
  the carriers' first outbox rows — deterministic, and sequential per plan and year.

Exactly one bundle step runs at a time: on PostgreSQL it takes the transaction advisory lock
:data:`DIGEST_LOCK`; SQLite transactions start with ``BEGIN IMMEDIATE`` (:mod:`models.db`), so a second
dispatcher waits for the first to commit and then finds the rows decided. The partial unique index
``uq_outbox_carrier_day`` (one carrier per plan, recipient and day) backs the guarantee in the schema itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.dates import local_datetime, to_local
from models.db import AwareDateTime
from models.enums import OutboxStatus, Role, Stage, SystemStage
from models.rules.calendar import WorkingCalendar, WorkingHours, next_send_time

DIGEST_LOCK = 0x6475_6264  # "dubd": the PostgreSQL advisory lock bundle steps take turns on
NOTICE_SERIES = "notice"  # the ``serial`` series of the 督办单 numbers
# How a 督办单 number is spelled: <notice_code>〔<year>〕<n>号; without a notice code, the issuer's first
# character + 督办 (信宜市人民政府 → 信督办). Data of the official register, kept here because it is built in SQL.
DOC_NO_DEFAULT_SUFFIX = "督办"
DOC_NO_YEAR = "〔{year}〕"
DOC_NO_END = "号"

_TS = AwareDateTime()
_LADDER = ", ".join(f"'{stage}'" for stage in Stage)  # spelled from the enums: constants, never user input
# Rows the digest decides about (columns unqualified: the statement's own table).
BUNDLEABLE = (
    f"(obligation_id IS NOT NULL AND (stage IN ({_LADDER}) OR (stage = '{SystemStage.INFO}' "
    f"AND role = '{Role.LEADER}' AND (attachments IS NULL OR attachments = '[]'))))"
)
_READY = (f"status = '{OutboxStatus.PENDING}' AND attempts = 0 AND digest_id IS NULL AND next_attempt_at <= :now "
          f"AND {BUNDLEABLE}")
# The rows this bundle step took up (marked with today's date while still undecided; the step holds the lock).
_MARKED = (f"status = '{OutboxStatus.PENDING}' AND attempts = 0 AND digest_id IS NULL AND carried_on = :today "
           f"AND stage <> '{SystemStage.DIGEST}'")


@dataclass
class BundleResult:
    """What one bundle step decided."""

    day: dt.date
    taken: int = 0  # ready bundleable rows looked at
    deferred: int = 0  # rows whose recipient already had today's carrier: waiting for the next working day
    alone: int = 0  # groups of one: the row is its own carrier
    digests: int = 0  # digest rows made for groups of two or more
    bundled: int = 0  # rows carried by those digests
    numbered: int = 0  # 督办单 numbers handed out


def _changed(session: Session, result: Any) -> int:
    """Rows a DML statement changed (Python's sqlite3 reports -1 for statements that start with WITH)."""
    if result.rowcount >= 0:
        return int(result.rowcount)
    return int(session.execute(sa.text("SELECT changes()")).scalar_one())


def take_digest_turn(session: Session) -> None:
    """Wait for the bundle step's turn until the end of this transaction (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": DIGEST_LOCK})


def _bind(text: str, *, day: bool = True, ts: tuple[str, ...] = ("now",)) -> sa.TextClause:
    params: list[sa.BindParameter[Any]] = [sa.bindparam(name, type_=_TS) for name in ts if f":{name}" in text]
    if day and ":today" in text:
        params.append(sa.bindparam("today", type_=sa.Date()))
    return sa.text(text).bindparams(*params)


def bundle(*, session: Session, now: dt.datetime, cal: WorkingCalendar, hours: WorkingHours) -> BundleResult:
    """Decide how today's ready ladder decisions travel (module docstring). The caller commits.

    ``now`` must be inside working hours on a working day (the dispatcher checks that first): its local date is
    the day carriers are released on.
    """
    today = to_local(now).date()
    reopen = next_send_time(cal, local_datetime(today + dt.timedelta(days=1), dt.time(0, 0)), hours)
    result = BundleResult(day=today)
    take_digest_turn(session)
    params: dict[str, object] = {"now": now, "today": today}
    # 1. Take up the ready rows: their plan (through the obligation) and today's date mark them as this step's.
    result.taken = _changed(session, session.execute(_bind(
        "UPDATE outbox SET plan_id = (SELECT o.plan_id FROM obligation o WHERE o.id = outbox.obligation_id), "
        f"carried_on = :today WHERE {_READY}"), params))
    if not result.taken:
        return result
    # 2. A recipient that already had today's carrier waits for the next working day's opening.
    result.deferred = _changed(session, session.execute(_bind(
        "UPDATE outbox SET carried_on = NULL, not_before = :reopen, next_attempt_at = :reopen "
        # A scalar subquery (at most one carrier: uq_outbox_carrier_day), probed through that index row by row; an
        # EXISTS would let PostgreSQL turn it into a join, badly planned while the statistics lag behind a burst.
        f"WHERE {_MARKED} AND (SELECT c.id FROM outbox c WHERE c.digest_id = c.id "
        "AND c.plan_id = outbox.plan_id AND c.recipient = outbox.recipient AND c.carried_on = :today) IS NOT NULL",
        ts=("reopen",)), {**params, "reopen": reopen}))
    # 3. A group of one carries itself.
    result.alone = _changed(session, session.execute(_bind(
        "UPDATE outbox SET digest_id = id WHERE id IN (SELECT MIN(id) FROM outbox "
        f"WHERE {_MARKED} GROUP BY plan_id, recipient HAVING COUNT(*) = 1)"), params))
    # 4. A group of two or more gets a digest row, which carries it.
    result.digests = _changed(session, session.execute(_bind(
        "INSERT INTO outbox (obligation_id, stage_key, stage, level, recipient, role, status, attempts, not_before, "
        "next_attempt_at, created_at, plan_id, carried_on) "
        f"SELECT NULL, '{SystemStage.DIGEST}@' || CAST(plan_id AS VARCHAR(20)) || CAST(:key_day AS VARCHAR(20)), "
        f"'{SystemStage.DIGEST}', MAX(level), recipient, MAX(role), '{OutboxStatus.PENDING}', 0, :now, :now, :now, "
        f"plan_id, :today FROM outbox WHERE {_MARKED} GROUP BY plan_id, recipient HAVING COUNT(*) >= 2"),
        {**params, "key_day": f"@{today.isoformat()}"}))
    if result.digests:
        session.execute(_bind(
            f"UPDATE outbox SET digest_id = id WHERE stage = '{SystemStage.DIGEST}' AND digest_id IS NULL "
            "AND carried_on = :today"), params)
        result.bundled = _changed(session, session.execute(_bind(
            f"UPDATE outbox SET status = '{OutboxStatus.BUNDLED}', digest_id = (SELECT d.id FROM outbox d "
            "WHERE d.digest_id = d.id AND d.plan_id = outbox.plan_id AND d.recipient = outbox.recipient "
            f"AND d.carried_on = :today) WHERE {_MARKED}"), params))
    result.numbered = _number(session, today)
    return result


# The carriers of today to a unit's head that carry a notice-stage decision and have no number yet, with the id
# of their first outbox row (their order).
_NEEDING = f"""needing AS (
    SELECT c.id, c.plan_id, (SELECT MIN(m.id) FROM outbox m WHERE m.digest_id = c.id) AS first_id
    FROM outbox c
    WHERE c.digest_id = c.id AND c.carried_on = :today AND c.role = '{Role.HEAD}' AND c.doc_no IS NULL
      AND EXISTS (SELECT 1 FROM outbox m WHERE m.digest_id = c.id AND m.stage = '{Stage.NOTICE}')
)"""


def _number(session: Session, today: dt.date) -> int:
    """Give today's new 督办单 their numbers: three statements, whatever their count."""
    params = {"today": today, "year": today.year, "series": NOTICE_SERIES}
    session.execute(_bind(
        f'WITH {_NEEDING} INSERT INTO serial (plan_id, series, year, "last") '
        "SELECT DISTINCT plan_id, CAST(:series AS VARCHAR(16)), CAST(:year AS INTEGER), 0 FROM needing WHERE 1 = 1 "
        "ON CONFLICT (plan_id, series, year) DO NOTHING"), params)
    # The counters move first; each new number is then the counter's new value, minus the plan's count, plus its
    # place among the plan's carriers.
    session.execute(_bind(
        f'WITH {_NEEDING} UPDATE serial SET "last" = "last" + (SELECT COUNT(*) FROM needing '
        "WHERE needing.plan_id = serial.plan_id) WHERE series = :series AND year = :year "
        "AND plan_id IN (SELECT plan_id FROM needing)"), params)
    numbered = f"""{_NEEDING},
numbered AS (
    SELECT n.id,
           COALESCE(NULLIF(p.notice_code, ''), SUBSTR(p.issuer, 1, 1) || CAST(:suffix AS VARCHAR(16)))
           || CAST(:open AS VARCHAR(16))
           || CAST(s."last" - COUNT(*) OVER (PARTITION BY n.plan_id)
                   + ROW_NUMBER() OVER (PARTITION BY n.plan_id ORDER BY n.first_id, n.id) AS VARCHAR(12))
           || CAST(:close AS VARCHAR(4)) AS doc_no
    FROM needing n
    JOIN plan p ON p.id = n.plan_id
    JOIN serial s ON s.plan_id = n.plan_id AND s.series = :series AND s.year = :year
)"""
    return _changed(session, session.execute(_bind(
        f"WITH {numbered} UPDATE outbox SET doc_no = (SELECT numbered.doc_no FROM numbered "
        "WHERE numbered.id = outbox.id) WHERE id IN (SELECT id FROM numbered)"),
        {**params, "suffix": DOC_NO_DEFAULT_SUFFIX, "open": DOC_NO_YEAR.format(year=today.year),
         "close": DOC_NO_END}))


__all__ = ["BUNDLEABLE", "DIGEST_LOCK", "BundleResult", "bundle", "take_digest_turn"]
