"""`duban simulate`: the real sweep and dispatcher, day by day on an injected clock, into a JSON-lines file.

A fresh database (a temporary SQLite file unless ``--db``), the plan loaded, obligations generated,
then for every day from start to end: at the opening of the working-hours window the sweep runs and
the dispatcher sends what is ready — the same code path as production, with nobody submitting
anything. Messages go to a :class:`~notifications.channels.jsonl.JsonlSender` instead of real channels.

With a behaviour mix (``--behaviour on-time=0.6,late=0.2,missing=0.2 --seed N``) the simulation is a
rehearsal of the whole period: each day the duty flows also run as the scheduler would, and units submit
(or not) as seeded decisions say (:mod:`flows.ops.rehearsal_run`); with ``exports`` every circular, ranking
and status board is written as it would have been issued (:mod:`flows.ops.rehearsal_exports`). Without a
mix nothing of this runs and the output is what it always was.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from config.settings import get_settings
from flows.ops.commands import load_plan_path
from flows.ops.engine import EngineContext, engine_context, generate, run_dispatch, run_sweep
from flows.ops.rehearsal import BehaviourMix
from flows.ops.rehearsal_exports import ExportLog
from flows.ops.rehearsal_run import Rehearsal, RehearsalSummary
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
    rehearsal: RehearsalSummary | None = None


@dataclass(frozen=True)
class Rehearse:
    """What turns a simulation into a rehearsal: how units behave, the seed, where documents go."""

    mix: BehaviourMix
    seed: int = 1
    exports: Path | None = None


def simulate(
    *, start: dt.date, end: dt.date, jsonl: Path, db_url: str | None = None, plan: Path | None = None,
    progress: bool = True, rehearse: Rehearse | None = None,
) -> SimulationResult:
    """Run the engine over [start, end] and write every message to ``jsonl`` (a rehearsal with ``rehearse``)."""
    if end < start:
        raise DubanError(f"--end {end} is before --start {start}")
    settings = get_settings()
    tmp = tempfile.TemporaryDirectory(prefix="duban-sim-")
    db_url = db_url or f"sqlite:///{Path(tmp.name) / 'simulate.db'}"
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
        with use_clock(clock), _rehearsal_settings(rehearse, db_url, Path(tmp.name)), \
                jsonl.open("w", encoding="utf-8") as out:
            load_plan_path(plan or settings.plan, settings)
            result.obligations = generate(ctx, clock.now()).total
            sender = JsonlSender(out, clock.now)
            rehearsal = None if rehearse is None else _rehearsal(ctx, rehearse, start, end, Path(tmp.name))
            _run_days(ctx, sender, clock, start, end, result, rehearsal, progress)
            result.messages = sender.count
            result.calendar_notices = list(ctx.cal.notices)
            if rehearsal is not None:
                result.rehearsal = rehearsal.finish(clock.now())
    finally:
        ctx.engine.dispose()
        tmp.cleanup()
    return result


def _run_days(ctx: EngineContext, sender: JsonlSender, clock: FixedClock, start: dt.date, end: dt.date,
              result: SimulationResult, rehearsal: Rehearsal | None, progress: bool) -> None:
    """Each day: at the opening of working hours the sweep and the dispatcher; in a rehearsal also the
    scheduled duty flows before them, the inspection run after, and on working days what units do,
    followed by a second sweep and dispatch."""
    bar = _progress((end - start).days + 1) if progress else None
    day = start
    while day <= end:
        clock.set(local_datetime(day, ctx.hours.start))
        if rehearsal is not None:
            rehearsal.morning(clock.now())
        _sweep_and_dispatch(ctx, sender, clock, result)
        if rehearsal is not None:
            clock.set(clock.now() + INSPECTION_AFTER)
            rehearsal.inspect(clock.now())
            if ctx.cal.is_working_day(day):
                clock.set(local_datetime(day, _afternoon(ctx)))
                rehearsal.afternoon(clock.now())
                _sweep_and_dispatch(ctx, sender, clock, result)
        day += dt.timedelta(days=1)
        result.days += 1
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()


def _sweep_and_dispatch(ctx: EngineContext, sender: JsonlSender, clock: FixedClock, result: SimulationResult) -> None:
    run_sweep(ctx, clock.now())
    result.sweeps += 1
    dispatched = run_dispatch(ctx, sender, clock.now(), keep_jobs=True)
    for job in dispatched.jobs:
        result.by_stage[job.stage] += 1


INSPECTION_AFTER = dt.timedelta(minutes=15)  # the daily inspection run, a quarter past the opening sweep


def _afternoon(ctx: EngineContext) -> dt.time:
    """When units act in a rehearsal: two thirds into the working-hours window (14:40 for 09:00-17:30)."""
    start = dt.datetime.combine(dt.date(2000, 1, 3), ctx.hours.start)
    end = dt.datetime.combine(dt.date(2000, 1, 3), ctx.hours.end)
    return (start + (end - start) * 2 / 3).time().replace(second=0, microsecond=0)


def _rehearsal(ctx: EngineContext, rehearse: Rehearse, start: dt.date, end: dt.date, scratch: Path) -> Rehearsal:
    exports = None if rehearse.exports is None else ExportLog(rehearse.exports, scratch / "exports-staging")
    return Rehearsal(ctx, mix=rehearse.mix, seed=rehearse.seed, start=start, end=end, exports=exports)


@contextmanager
def _rehearsal_settings(rehearse: Rehearse | None, db_url: str, scratch: Path) -> Iterator[None]:
    """In a rehearsal, the flows' functions read the process settings (the database, var/ for attachments):
    point them at the simulation's database and a scratch folder while it runs, then restore them."""
    if rehearse is None:
        yield
        return
    names = {"DUBAN_DATABASE_URL": db_url, "DUBAN_VAR_DIR": str(scratch / "var")}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


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
