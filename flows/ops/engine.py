"""The duty engine's operations as plain functions, shared by the CLI, the flows and `duban simulate`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from config.settings import Settings, get_settings
from flows.ops.commands import engine_for, working_calendar
from models.db import get_engine, require_schema, session_scope
from models.engine.obligations import GenerateResult, generate_obligations
from models.engine.sweep import SweepResult, sweep
from models.plan.store import list_plans
from models.rules.calendar import WorkingCalendar, WorkingHours
from models.rules.ladder import EscalationSpec, load_escalation
from notifications.delivery.dispatch import DispatchResult, Sender, dispatch_once
from notifications.delivery.outbox import RetryPolicy


@dataclass(frozen=True)
class EngineContext:
    """What the sweep and the dispatcher need, built once from settings."""

    engine: Engine
    cal: WorkingCalendar
    escalation: EscalationSpec
    hours: WorkingHours
    policy: RetryPolicy


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

    Idempotent; with no plan loaded it does nothing.
    """
    require_schema(ctx.engine)
    total = GenerateResult(created=0, moved=0, total=0, years=(0, 0), calendar_notices=[])
    with session_scope(ctx.engine) as session:
        codes = [plan_code] if plan_code else [p.code for p in list_plans(session=session)]
        for code in codes:
            res = generate_obligations(code, session=session, cal=ctx.cal, escalation=ctx.escalation, now=now)
            total.created += res.created
            total.moved += res.moved
            total.total += res.total
            total.years = res.years if total.years == (0, 0) else (min(total.years[0], res.years[0]),
                                                                   max(total.years[1], res.years[1]))
    total.calendar_notices = list(ctx.cal.notices)
    return total


def run_sweep(ctx: EngineContext, now: dt.datetime) -> SweepResult:
    """One sweep in one transaction."""
    with session_scope(ctx.engine) as session:
        return sweep(session=session, cal=ctx.cal, escalation=ctx.escalation, now=now, hours=ctx.hours)


def run_dispatch(ctx: EngineContext, sender: Sender, now: dt.datetime, *, batch: int = 200,
                 max_batches: int = 1000, keep_jobs: bool = False) -> DispatchResult:
    """Dispatch batches until nothing is ready (or ``max_batches``)."""
    total = DispatchResult()
    for _ in range(max_batches):
        res = dispatch_once(engine=ctx.engine, sender=sender, cal=ctx.cal, escalation=ctx.escalation, now=now,
                            hours=ctx.hours, policy=ctx.policy, limit=batch, keep_jobs=keep_jobs)
        total.outside_hours = res.outside_hours
        total.claimed += res.claimed
        total.sent += res.sent
        total.retrying += res.retrying
        total.failed += res.failed
        total.superseded += res.superseded
        total.possible_duplicates += res.possible_duplicates
        total.jobs.extend(res.jobs)
        if res.claimed < batch:
            break
    return total
