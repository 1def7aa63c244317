"""Benchmark the digest step (notifications.delivery.digest.bundle) on SQLite and PostgreSQL.

``--rows`` pending ladder rows (default 50,000) for ``--recipients`` recipients (default 1,000), one row per
obligation, all ready at once; a tenth of the recipients are units' heads receiving notices, so that 督办单 numbers
are handed out too. Three moments are timed, each one bundle step in its own transaction:

- ``first``: every row is decided: one digest per recipient carries its rows, the heads' are numbered;
- ``idle``: nothing is ready (what every further dispatcher batch of the day pays);
- ``deferred``: as many new rows for the same recipients later that day: each recipient already had its message,
  so every row waits for the next working day.

The figures are printed, never asserted; every database is temporary and dropped at the end.
``--backends sqlite`` narrows the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sweep import drop_db, new_db  # noqa: E402  (benchmarks/sweep.py: a throwaway database per run)

from models.db import make_engine, migrate, session_scope  # noqa: E402
from models.plan.file import load_plan_file  # noqa: E402
from models.plan.store import load_plan  # noqa: E402
from models.rules.calendar import WorkingCalendar, WorkingHours  # noqa: E402
from notifications.delivery.digest import BundleResult, bundle  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TZ = dt.timezone(dt.timedelta(hours=8))
CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
HOURS = WorkingHours()
NOW = dt.datetime(2016, 3, 15, 9, 30, tzinfo=TZ)  # a Tuesday, inside working hours


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _series(engine: sa.Engine) -> str:
    return ("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < :n) SELECT i FROM s"
            if engine.dialect.name == "sqlite" else "SELECT generate_series(0, :n - 1) AS i")


def fill(engine: sa.Engine, rows: int, recipients: int) -> None:
    """One open obligation per row (units and duties cycled from the seed plan), then one ready outbox row each."""
    heads = max(recipients // 10, 1)
    with engine.begin() as conn:
        units = conn.execute(sa.text("SELECT COUNT(*) FROM unit")).scalar_one()
        duties = conn.execute(sa.text("SELECT COUNT(*) FROM duty")).scalar_one()
        conn.execute(sa.text(f"""
INSERT INTO obligation (plan_id, duty_id, unit_id, period, nominal_due_on, due_on, holiday_policy, holiday_rule,
    calendar_source, due_wd, status, light, level, stage_seq, next_wd, created_at, updated_at)
SELECT 1, d.id, u.id, 'b' || CAST(s.i AS TEXT), :day, :day, 'roll_forward', 'working_day', 'official',
       0, 'open', 'none', -1, -1, NULL, :ts, :ts
FROM ({_series(engine)}) s
JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn FROM unit) u ON u.rn = s.i % {units}
JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn FROM duty) d ON d.rn = (s.i / {units}) % {duties}
"""), {"n": rows, "day": NOW.date(), "ts": "2016-01-01 00:00:00"})
    queue(engine, recipients, heads, "reminder@-5", "notice@3")
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))


def queue(engine: sa.Engine, recipients: int, heads: int, key: str, head_key: str) -> None:
    """One ready row per obligation: recipient ``id % recipients``; the first ``heads`` recipients are heads."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"""
INSERT INTO outbox (obligation_id, stage_key, stage, level, recipient, role, status, attempts, not_before,
    next_attempt_at, created_at)
SELECT o.id,
       CASE WHEN o.id % {recipients} < {heads} THEN '{head_key}' ELSE '{key}' END,
       CASE WHEN o.id % {recipients} < {heads} THEN 'notice' ELSE 'reminder' END,
       CASE WHEN o.id % {recipients} < {heads} THEN 2 ELSE 0 END,
       'unit-b' || CAST(o.id % {recipients} AS TEXT) || CASE WHEN o.id % {recipients} < {heads}
           THEN '+role-head' ELSE '+role-handler' END,
       CASE WHEN o.id % {recipients} < {heads} THEN 'head' ELSE 'handler' END,
       'pending', 0, :now, :now, :now
FROM obligation o
"""), {"now": NOW.astimezone(dt.UTC).replace(tzinfo=None) if engine.dialect.name == "sqlite" else NOW})


def timed_bundle(engine: sa.Engine, now: dt.datetime) -> tuple[float, BundleResult]:
    t = time.perf_counter()
    with session_scope(engine) as s:
        res = bundle(session=s, now=now, cal=CAL, hours=HOURS)
    return time.perf_counter() - t, res


def run_one(backend: str, rows: int, recipients: int, tmp: Path) -> list[tuple[str, float, BundleResult]]:
    url, handle = new_db(backend, tmp)
    engine = make_engine(url)
    try:
        migrate(engine)
        with session_scope(engine) as s:
            load_plan(load_plan_file(ROOT / "config" / "plans" / "xinyi-2015-2017.yaml"), session=s, now=NOW)
        fill(engine, rows, recipients)
        out = [("first", *timed_bundle(engine, NOW))]
        out.append(("idle", *timed_bundle(engine, NOW + dt.timedelta(minutes=1))))
        queue(engine, recipients, max(recipients // 10, 1), "reminder@-1", "escalate@7")
        out.append(("deferred", *timed_bundle(engine, NOW + dt.timedelta(hours=2))))
        return out
    finally:
        engine.dispose()
        drop_db(handle)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--recipients", type=int, default=1_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    print(f"{'backend':<11}{'rows':>8}{'recipients':>11} {'moment':<9}{'taken':>8}{'digests':>8}{'bundled':>9}"
          f"{'deferred':>9}{'numbered':>9}{'bundle s':>9}{'rows/s':>10}{'peak MB':>9}")
    with tempfile.TemporaryDirectory(prefix="duban-bench-") as tmp:
        for backend in args.backends.split(","):
            for moment, secs, r in run_one(backend, args.rows, args.recipients, Path(tmp)):
                rate = f"{r.taken / secs:>10,.0f}" if r.taken else f"{'-':>10}"
                print(f"{backend:<11}{args.rows:>8}{args.recipients:>11} {moment:<9}{r.taken:>8}{r.digests:>8}"
                      f"{r.bundled:>9}{r.deferred:>9}{r.numbered:>9}{secs:>9.3f}{rate}{peak_mb():>9.0f}", flush=True)


if __name__ == "__main__":
    main()
