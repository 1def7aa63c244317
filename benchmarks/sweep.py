"""Benchmark the sweep on SQLite and PostgreSQL with 10k, 100k and 1M open obligations.

Two moments are measured for each size:

- ``steady``: due dates spread over a year of working days, the day-before sweep already run — the
  daily case: a few percent of the obligations reach a stage today.
- ``burst``: every obligation shares one due date and all reach a stage at once — the morning of a
  province-wide deadline.

For each, the sweep's time, obligations/s, the rows it enqueued, and the *floor*: the bare indexed
query that selects the same due rows (``status = 'open' AND next_wd <= k``, rows fetched). The ratio
is sweep time / floor time. Peak memory is the process's maximum RSS after each run. Figures are
printed, never asserted. ``--sizes 10000,100000`` and ``--backends sqlite`` narrow the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.db import make_engine, migrate, session_scope  # noqa: E402
from models.engine.sweep import sweep  # noqa: E402
from models.engine.workdays import day_index, ensure_years  # noqa: E402
from models.plan.file import load_plan_file  # noqa: E402
from models.plan.store import load_plan  # noqa: E402
from models.rules.calendar import WorkingCalendar  # noqa: E402
from models.rules.ladder import load_escalation  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TZ = dt.timezone(dt.timedelta(hours=8))
CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
ESC = load_escalation(ROOT / "config" / "escalation.yaml")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SWEEP_DAY = dt.date(2016, 3, 15)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(engine: sa.Engine, n: int, k: int, mode: str) -> None:
    """Insert ``n`` open obligations in one statement (units and duties cycled from the seed plan)."""
    seq = ("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < :n) SELECT i FROM s"
           if engine.dialect.name == "sqlite" else "SELECT generate_series(0, :n - 1) AS i")
    # steady: due in 1..250 working days from k (so reminders fall on some days); burst: all due at k+5.
    due = "(:k + 1 + (s.i % 250))" if mode == "steady" else "(:k + 5)"
    with engine.begin() as conn:
        units = [r[0] for r in conn.execute(sa.text("SELECT id FROM unit ORDER BY id"))]
        duties = [r[0] for r in conn.execute(sa.text("SELECT id FROM duty ORDER BY id"))]
        conn.execute(sa.text(f"""
INSERT INTO obligation (plan_id, duty_id, unit_id, period, nominal_due_on, due_on, holiday_policy, holiday_rule,
    calendar_source, due_wd, status, light, level, stage_seq, next_wd, created_at, updated_at)
SELECT 1, d.id, u.id, 'b' || CAST(s.i AS TEXT), :day, :day, 'roll_forward', 'working_day', 'official',
       {due}, 'open', 'none', -1, -1, {due} - 5, :ts, :ts
FROM ({seq}) s
JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn FROM unit) u ON u.rn = s.i % {len(units)}
JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn FROM duty) d ON d.rn = (s.i / {len(units)}) % {len(duties)}
"""), {"n": n, "k": k, "day": SWEEP_DAY, "ts": "2016-01-01 00:00:00"})
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))
        else:
            conn.execute(sa.text("ANALYZE"))


def floor_query(engine: sa.Engine, k: int) -> tuple[float, int]:
    t = time.perf_counter()
    count = 0
    with engine.connect().execution_options(stream_results=True, yield_per=10_000) as conn:
        for _ in conn.execute(sa.text(
            "SELECT id, duty_id, unit_id, due_wd, stage_seq FROM obligation WHERE status = 'open' AND next_wd <= :k"
        ), {"k": k}):
            count += 1  # streamed, so the floor's memory does not mask the sweep's
    return time.perf_counter() - t, count


def timed_sweep(engine: sa.Engine, day: dt.date) -> tuple[float, int]:
    t = time.perf_counter()
    with session_scope(engine) as s:
        res = sweep(session=s, cal=CAL, escalation=ESC, now=dt.datetime.combine(day, dt.time(9, 30), TZ))
    return time.perf_counter() - t, res.enqueued + res.skipped


def new_db(backend: str, tmp: Path) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.db'}", None
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"duban_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return admin.url.set(database=name).render_as_string(hide_password=False), (admin, name)


def drop_db(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run_one(backend: str, n: int, mode: str, tmp: Path) -> dict[str, object]:
    url, handle = new_db(backend, tmp)
    engine = make_engine(url)
    try:
        migrate(engine)
        with session_scope(engine) as s:
            load_plan(load_plan_file(ROOT / "config" / "plans" / "xinyi-2015-2017.yaml"), session=s,
                      now=dt.datetime(2016, 1, 1, tzinfo=TZ))
            ensure_years(s, CAL, 2015, 2018)
            k = day_index(s, SWEEP_DAY)
        t = time.perf_counter()
        fill(engine, n, k, mode)
        setup = time.perf_counter() - t
        day = SWEEP_DAY
        if mode == "steady":
            timed_sweep(engine, CAL.previous_working_day(SWEEP_DAY))  # yesterday's sweep, not measured
        floor_s, due_rows = floor_query(engine, k)
        sweep_s, enqueued = timed_sweep(engine, day)
        return {"backend": backend, "n": n, "mode": mode, "setup_s": setup, "due": due_rows, "enqueued": enqueued,
                "sweep_s": sweep_s, "floor_s": floor_s, "rate": n / sweep_s, "peak_mb": peak_mb()}
    finally:
        engine.dispose()
        drop_db(handle)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--modes", default="steady,burst")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    print(f"{'backend':<11}{'open':>9} {'moment':<7}{'due rows':>10}{'enqueued':>10}{'sweep s':>9}"
          f"{'obl/s':>11}{'floor s':>9}{'ratio':>7}{'peak MB':>9}")
    with tempfile.TemporaryDirectory(prefix="duban-bench-") as tmp:
        for backend in args.backends.split(","):
            for n in sizes:
                for mode in args.modes.split(","):
                    r = run_one(backend, n, mode, Path(tmp))
                    ratio = float(r["sweep_s"]) / max(float(r["floor_s"]), 1e-9)  # type: ignore[arg-type]
                    print(f"{backend:<11}{n:>9} {mode:<7}{r['due']:>10}{r['enqueued']:>10}{r['sweep_s']:>9.3f}"
                          f"{r['rate']:>11,.0f}{r['floor_s']:>9.3f}{ratio:>7.1f}{r['peak_mb']:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
