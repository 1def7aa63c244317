"""The duty engine's operations as plain functions, shared by the CLI, the flows and `duban simulate`."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Engine

from config.settings import Settings, get_settings
from flows.ops.commands import engine_for, working_calendar
from models.db import get_engine, require_schema, safe_url, session_scope
from models.engine.isolation import PLAN_FAULTS, PlanFailure, is_plan_fault, is_transient, one_line
from models.engine.obligations import GenerateResult, generate_obligations
from models.engine.sweep import SweepResult, sweep
from models.errors import DatabaseError
from models.plan.store import list_plans
from models.rules.calendar import WorkingCalendar, WorkingHours
from models.rules.ladder import EscalationSpec, load_escalation
from notifications.delivery.dispatch import DispatchResult, Sender, dispatch_once
from notifications.delivery.outbox import RetryPolicy
from notifications.delivery.plan_failures import queue_plan_failure

_log = logging.getLogger(__name__)
T = TypeVar("T")
# Pauses before retrying a run whose database connection failed (a restart takes seconds): 15 s in all.
DB_RETRY_DELAYS_S = (1.0, 2.0, 4.0, 8.0)


@dataclass(frozen=True)
class EngineContext:
    """What the sweep and the dispatcher need, built once from settings."""

    engine: Engine
    cal: WorkingCalendar
    escalation: EscalationSpec
    hours: WorkingHours
    policy: RetryPolicy
    db_retry_delays: tuple[float, ...] = DB_RETRY_DELAYS_S


def engine_context(settings: Settings | None = None, *, db_url: str | None = None) -> EngineContext:
    """Build the engine context from settings (``db_url`` overrides the database)."""
    settings = settings or get_settings()
    engine = engine_for(settings) if db_url is None else get_engine(db_url)
    return EngineContext(
        engine=engine,
        cal=working_calendar(settings),
        escalation=load_escalation(Path(settings.escalation)),
        hours=WorkingHours.from_settings(settings),
        policy=RetryPolicy(max_attempts=settings.send_max_attempts,
                           base=dt.timedelta(minutes=settings.send_backoff_minutes)),
    )


def generate(ctx: EngineContext, now: dt.datetime, plan_code: str | None = None) -> GenerateResult:
    """Create missing obligations of every loaded plan's duties (or one plan's) and refresh open due dates.

    Idempotent; with no plan loaded it does nothing. Each plan is generated in its own transaction: a plan
    whose data makes its generation fail is set aside — logged, reported to the coordinator's fallback
    contact (once a day), listed in ``failed`` — and every other plan is still generated. With
    ``plan_code`` given, that plan's error is raised instead. A lost database connection retries the run.
    """
    return _retrying(ctx, "generating obligations", lambda: _generate(ctx, now, plan_code))


def _generate(ctx: EngineContext, now: dt.datetime, plan_code: str | None) -> GenerateResult:
    require_schema(ctx.engine)
    total = GenerateResult(created=0, moved=0, total=0, years=(0, 0), calendar_notices=[])
    with session_scope(ctx.engine) as session:
        codes = [plan_code] if plan_code else [p.code for p in list_plans(session=session)]
    for code in codes:
        try:
            with session_scope(ctx.engine) as session:
                res = generate_obligations(code, session=session, cal=ctx.cal, escalation=ctx.escalation, now=now)
        except PLAN_FAULTS as exc:
            if plan_code or not is_plan_fault(exc):
                raise
            total.failed.append(PlanFailure(plan=code, step="generate", error=one_line(exc)))
            continue
        total.created += res.created
        total.moved += res.moved
        total.total += res.total
        total.years = res.years if total.years == (0, 0) else (min(total.years[0], res.years[0]),
                                                               max(total.years[1], res.years[1]))
    total.calendar_notices = list(ctx.cal.notices)
    report_plan_failures(ctx, total.failed, now)
    return total


def run_sweep(ctx: EngineContext, now: dt.datetime) -> SweepResult:
    """One sweep in one transaction; plans whose rows make it fail are set aside and reported (``failed``).

    A lost database connection (a restart) undoes the sweep's transaction and retries it after a pause.
    """
    def once() -> SweepResult:
        with session_scope(ctx.engine) as session:
            return sweep(session=session, cal=ctx.cal, escalation=ctx.escalation, now=now, hours=ctx.hours)

    result = _retrying(ctx, "the sweep", once)
    report_plan_failures(ctx, result.failed, now)
    return result


def report_plan_failures(ctx: EngineContext, failures: list[PlanFailure], now: dt.datetime) -> int:
    """Log each plan set aside and queue its notice to the coordinator (at most one per plan a day)."""
    queued = 0
    for failure in failures:
        _log.error("plan %s set aside (%s): %s; every other plan is still chased",
                   failure.plan, failure.step, failure.error)
        with session_scope(ctx.engine) as session:
            queued += queue_plan_failure(session=session, failure=failure, now=now, cal=ctx.cal, hours=ctx.hours)
    return queued


def _retrying(ctx: EngineContext, what: str, run: Callable[[], T]) -> T:
    """Run ``run``; after a lost database connection, pause and run it again (it is idempotent).

    Raises:
        DatabaseError: one line, once the connection failed after every pause in ``ctx.db_retry_delays``.
    """
    delays = ctx.db_retry_delays
    for attempt in range(len(delays) + 1):
        try:
            return run()
        except PLAN_FAULTS as exc:  # a DatabaseError (one of them) carries the driver's error as its cause
            cause = exc.__cause__ if isinstance(exc, DatabaseError) else exc
            if cause is None or not is_transient(cause):
                raise
            if attempt == len(delays):
                raise DatabaseError(
                    f"{what} could not reach the database at {safe_url(str(ctx.engine.url))} after "
                    f"{attempt + 1} tries ({one_line(cause)}); nothing of it was committed, the next run does it"
                ) from exc
            _log.warning("%s: the database connection failed (%s); trying again in %.0f s",
                         what, one_line(cause), delays[attempt])
            time.sleep(delays[attempt])
    raise AssertionError("unreachable")


def run_dispatch(ctx: EngineContext, sender: Sender, now: dt.datetime, *, batch: int = 200,
                 max_batches: int = 1000, keep_jobs: bool = False,
                 clock: Callable[[], dt.datetime] | None = None) -> DispatchResult:
    """Dispatch batches until nothing is ready (or ``max_batches``).

    With ``clock``, every batch after the first reads the time again: a long run's later claims get a lease
    from their own start, and sends stop at the end of working hours rather than at the run's start.
    """
    total = DispatchResult()
    for n in range(max_batches):
        if clock is not None and n:
            now = clock()
        res = dispatch_once(engine=ctx.engine, sender=sender, cal=ctx.cal, escalation=ctx.escalation, now=now,
                            hours=ctx.hours, policy=ctx.policy, limit=batch, keep_jobs=keep_jobs)
        total.outside_hours = res.outside_hours
        total.claimed += res.claimed
        total.sent += res.sent
        total.retrying += res.retrying
        total.failed += res.failed
        total.superseded += res.superseded
        total.cancelled += res.cancelled
        total.possible_duplicates += res.possible_duplicates
        total.jobs.extend(res.jobs)
        if res.claimed < batch:
            break
    return total
