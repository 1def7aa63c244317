"""`duban simulate`: the real sweep and dispatcher, day by day on an injected clock, into a JSON-lines file.

A fresh database (a temporary SQLite file unless ``--db``), the plan loaded, obligations generated,
then for every day from start to end: at the opening of the working-hours window the sweep runs and
the dispatcher sends what is ready — the same code path as production, with nobody submitting
anything. Messages go to a :class:`~notifications.channels.jsonl.JsonlSender` instead of real channels.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from config.settings import get_settings
from flows.ops.commands import load_plan_path
from flows.ops.engine import engine_context, generate, run_dispatch, run_sweep
from models.dates import FixedClock, local_datetime, use_clock
from models.db import current_revision, migrate, safe_url, session_scope
from models.errors import DubanError
from models.plan.store import list_plans
from notifications.channels.jsonl import JsonlSender


@dataclass
class SimulationResult:
    """Totals of a simulation."""

    days: int = 0
    sweeps: int = 0
    messages: int = 0
    obligations: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    calendar_notices: list[str] = field(default_factory=list)
    db_url: str = ""


def simulate(
    *, start: dt.date, end: dt.date, jsonl: Path, db_url: str | None = None, plan: Path | None = None,
    progress: bool = True,
) -> SimulationResult:
    """Run the engine over [start, end] and write every message to ``jsonl``."""
    if end < start:
        raise DubanError(f"--end {end} is before --start {start}")
    settings = get_settings()
    tmp = None
    if db_url is None:
        tmp = tempfile.TemporaryDirectory(prefix="duban-sim-")
        db_url = f"sqlite:///{Path(tmp.name) / 'simulate.db'}"
    settings = settings.model_copy(update={"database_url": db_url})
    ctx = engine_context(settings, db_url=db_url)
    if current_revision(ctx.engine) is not None:
        with session_scope(ctx.engine) as session:
            if list_plans(session=session):
                raise DubanError(f"--db {safe_url(db_url)} already holds a plan; simulate needs an empty database")
    migrate(ctx.engine)
    result = SimulationResult(db_url=safe_url(db_url))
    clock = FixedClock(local_datetime(start, ctx.hours.start))
    jsonl.parent.mkdir(parents=True, exist_ok=True)
    try:
        with use_clock(clock), jsonl.open("w", encoding="utf-8") as out:
            load_plan_path(plan or settings.plan, settings)
            result.obligations = generate(ctx, clock.now()).total
            sender = JsonlSender(out, clock.now)
            days = (end - start).days + 1
            bar = _progress(days) if progress else None
            day = start
            while day <= end:
                clock.set(local_datetime(day, ctx.hours.start))
                run_sweep(ctx, clock.now())
                result.sweeps += 1
                dispatched = run_dispatch(ctx, sender, clock.now(), keep_jobs=True)
                for job in dispatched.jobs:
                    result.by_stage[job.stage] += 1
                day += dt.timedelta(days=1)
                result.days += 1
                if bar is not None:
                    bar.update(1)
            if bar is not None:
                bar.close()
            result.messages = sender.count
            result.calendar_notices = list(ctx.cal.notices)
    finally:
        ctx.engine.dispose()
        if tmp is not None:
            tmp.cleanup()
    return result


class _Bar:
    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.progress = Progress(console=Console(stderr=True), transient=True)
        self.progress.start()
        self.task = self.progress.add_task("simulating", total=total)

    def update(self, n: int) -> None:
        self.progress.advance(self.task, n)

    def close(self) -> None:
        self.progress.stop()


def _progress(total: int) -> _Bar:
    return _Bar(total)
