"""The duty flows' operations without Prefect: approving a split right after a plan is loaded."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from flows.ops.commands import init_database, load_plan_path
from flows.ops.duties import approve_split, decomposition_draft
from flows.ops.engine import engine_context, generate
from tests.conftest import SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))


def _split_obligations(engine: sa.Engine, year: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT o.status, o.period FROM obligation o JOIN duty d ON d.id = o.duty_id "
            "WHERE d.kind = 'decomposition'")).all()
    return [(str(s), str(p)) for s, p in rows if str(p).startswith(str(year))]


def test_approving_a_split_before_any_sweep_closes_the_years_split_obligation(db_url: str) -> None:
    # `make run` loads the plan and serves; a coordinator may approve the split before the first sweep.
    init_database()
    load_plan_path(SEED_PLAN)
    ctx = engine_context()
    now = dt.datetime(2016, 4, 20, 10, 0, tzinfo=TZ)
    localities, drafts = decomposition_draft(ctx, 2016)
    result = approve_split(ctx, now, 2016, drafts, {d.code: dict(d.split) for d in drafts}, "")

    assert result["obligations_closed"] == 1
    assert _split_obligations(ctx.engine, 2016) == [("accepted", "2016-04-30")]
    # The next sweep's generation must not bring the approved split back as an open obligation.
    generate(ctx, now)
    assert _split_obligations(ctx.engine, 2016) == [("accepted", "2016-04-30")]
    assert localities


def test_a_long_dispatch_reads_the_clock_again_for_each_batch(db_url: str) -> None:
    import io
    from itertools import count

    from sqlmodel import col, select

    from flows.ops.engine import run_dispatch
    from models.db import session_scope
    from models.enums import Role, recipient_key
    from models.tables.engine import Outbox
    from notifications.channels.jsonl import JsonlSender
    from notifications.delivery.outbox import queue_info

    init_database()
    ctx = engine_context()
    start = dt.datetime(2016, 6, 6, 9, 0, tzinfo=TZ)  # a Monday, in working hours
    with session_scope(ctx.engine) as session:
        for n in range(3):
            queue_info(session=session, recipient=recipient_key(Role.COORDINATOR), role=Role.COORDINATOR,
                       title=f"t{n}", body="b", key=f"k{n}", now=start, cal=ctx.cal, hours=ctx.hours)
    minutes = count(1)
    later = lambda: start + dt.timedelta(minutes=next(minutes))  # noqa: E731 - a clock that moves on
    result = run_dispatch(ctx, JsonlSender(io.StringIO(), clock=lambda: start), start, batch=1, clock=later)

    assert result.sent == 3
    with session_scope(ctx.engine) as session:
        sent = [row.sent_at for row in session.exec(select(Outbox).order_by(col(Outbox.id)))]
    # The first batch at the run's start, the next two at the clock's later readings.
    assert sent == [start, start + dt.timedelta(minutes=1), start + dt.timedelta(minutes=2)]
