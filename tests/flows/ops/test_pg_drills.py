"""Fault drills on a private PostgreSQL cluster: two sweeps at once, and the server restarted mid-sweep.

Every drill sweeps a copy of one prepared database — the seed plan and 10,000 more obligations that all
reach a ladder stage on the sweep day (50,000 outbox rows) — and is compared with a reference copy swept
once, undisturbed: the same outbox rows (nothing lost, nothing doubled) and the same obligations' state.
The machine's shared PostgreSQL is never restarted; each drill is bounded by timeouts and stops by itself.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from flows.ops.engine import engine_context, generate, run_sweep
from models.db import make_engine, migrate, session_scope
from models.engine.sweep import SWEEP_LOCK
from models.plan.file import load_plan_file
from models.plan.store import load_plan
from tests.conftest import IN_CI, ROOT, SEED_PLAN
from tests.flows.conftest import free_port
from tests.flows.ops.pg_cluster import PrivateCluster, why_impossible
from tests.models.engine.conftest import CAL, at

EXTRA = 10_000
WHEN = at(CAL.add_working_days(dt.date(2016, 6, 6), 3))  # the report deadline's notice@3 is due for everyone
OUTBOX = "SELECT obligation_id, stage_key, recipient, status FROM outbox WHERE obligation_id IS NOT NULL"
STATE = "SELECT id, stage_seq, level, next_wd, light FROM obligation"
BLOCKED_SWEEP = ("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock' "
                 "AND query LIKE '%UPDATE obligation SET (stage_seq%'")


def _fill(engine: sa.Engine, n: int) -> None:
    """``n`` more open obligations like the seed plan's 2016-06-05 progress reports, cycling over its localities.

    Localities, who owe the reports: an obligation of the issuer would be waived, and one of the coordinator
    marked its own work, by the generation each sweep pass runs first (models.rules.authority).
    """
    with engine.begin() as conn:
        units = conn.execute(sa.text("SELECT COUNT(*) FROM unit WHERE kind IN ('town', 'subdistrict')")).scalar_one()
        conn.execute(sa.text("""
INSERT INTO obligation (plan_id, duty_id, unit_id, period, nominal_due_on, due_on, holiday_policy, holiday_rule,
    calendar_source, due_wd, status, light, level, stage_seq, next_wd, created_at, updated_at)
SELECT o.plan_id, o.duty_id, u.id, 'drill-' || s.i, o.nominal_due_on, o.due_on, o.holiday_policy, o.holiday_rule,
       o.calendar_source, o.due_wd, o.status, o.light, o.level, o.stage_seq, o.next_wd, o.created_at, o.updated_at
FROM generate_series(0, :n - 1) AS s(i)
CROSS JOIN (SELECT * FROM obligation WHERE period = '2016-06-05' ORDER BY id LIMIT 1) o
JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn FROM unit WHERE kind IN ('town', 'subdistrict')) u
  ON u.rn = s.i % :units
"""), {"n": n, "units": units})
        conn.execute(sa.text("ANALYZE"))


class Drills:
    """The cluster, the prepared template database, and the reference sweep's outcome."""

    def __init__(self, cluster: PrivateCluster) -> None:
        self.cluster = cluster
        self.admin = sa.create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        with self.admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE drill_template"))
        engine = make_engine(cluster.url("drill_template"))
        migrate(engine)
        with session_scope(engine) as s:
            load_plan(load_plan_file(SEED_PLAN), session=s, now=at(dt.date(2015, 7, 6)))
        ctx = engine_context(db_url=cluster.url("drill_template"))
        generate(ctx, at(dt.date(2015, 7, 6)))
        ctx.engine.dispose()  # a template database must have no session left
        _fill(engine, EXTRA)
        engine.dispose()
        ref = self.copy("drill_ref")
        started = time.perf_counter()
        ctx = engine_context(db_url=ref.url.render_as_string(hide_password=False))
        result = run_sweep(ctx, WHEN)
        ctx.engine.dispose()
        print(f"\nreference sweep: {result.enqueued} enqueued, {result.skipped} skipped, {result.advanced} "
              f"obligations advanced in {time.perf_counter() - started:.1f} s")
        self.enqueued = result.enqueued
        self.outbox = self.read(ref, OUTBOX)
        self.state = self.read(ref, STATE)
        ref.dispose()

    def copy(self, name: str) -> sa.Engine:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE drill_template'))
        return sa.create_engine(self.cluster.url(name), pool_pre_ping=True)

    @staticmethod
    def read(engine: sa.Engine, sql: str) -> Counter[tuple[object, ...]]:
        with engine.connect() as conn:
            return Counter(tuple(r) for r in conn.execute(sa.text(sql)))

    def compare(self, engine: sa.Engine) -> tuple[int, int]:
        """(messages lost, messages doubled) against the reference; the obligations' state must match too."""
        got = self.read(engine, OUTBOX)
        lost = sum((self.outbox - got).values())
        doubled = sum((got - self.outbox).values())
        assert self.read(engine, STATE) == self.state
        return lost, doubled


@pytest.fixture(scope="module")
def drills() -> Iterator[Drills]:
    problem = why_impossible()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"no private PostgreSQL cluster for the drills: {problem}")
        pytest.skip(f"no private PostgreSQL cluster for the drills: {problem}")
    cluster = PrivateCluster(free_port())
    try:
        cluster.start()
        yield Drills(cluster)
    finally:
        cluster.remove()
        from models.db import get_engine

        get_engine.cache_clear()


def _sweep(url: str, *delays: float) -> subprocess.Popen[str]:
    """A sweep pass (generation, then the sweep) in its own process, as a Prefect flow run would make it."""
    args = [sys.executable, "-m", "tests.flows.ops.drill_sweep", url, WHEN.isoformat()]
    if delays:
        args.append(",".join(str(d) for d in delays))
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(engine: sa.Engine, sql: str, want: int, params: dict[str, object], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(sa.text(sql), params).scalar_one() >= want:
                return
        time.sleep(0.1)
    with engine.connect() as conn:
        activity = conn.execute(sa.text("SELECT datname, state, wait_event_type, wait_event, LEFT(query, 200) "
                                        "FROM pg_stat_activity WHERE datname IS NOT NULL")).all()
    raise AssertionError(f"not seen within {timeout:.0f} s: {sql} >= {want}; sessions: {activity}")


def _finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the sweep did not finish in {timeout:.0f} s: {err}") from None
    return proc.returncode, out, err


def test_two_sweeps_at_once_take_turns(drills: Drills) -> None:
    db = drills.copy("drill_concurrent")
    url = db.url.render_as_string(hide_password=False)
    with db.connect() as holder:  # advisory locks are per database: hold it in the drill's
        holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": SWEEP_LOCK})  # both must queue behind it
        procs = [_sweep(url), _sweep(url)]
        _wait_for(drills.admin, "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                                "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = :db",
                  2, {"db": "drill_concurrent"})
        holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": SWEEP_LOCK})
    results = [_finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    enqueued = sorted(json.loads(out)["enqueued"] for _, out, _ in results)
    assert enqueued == [0, drills.enqueued]  # the second, in its turn, found everything done
    lost, doubled = drills.compare(db)
    print(f"\ntwo concurrent sweeps: lost {lost}, doubled {doubled}")
    assert (lost, doubled) == (0, 0)
    db.dispose()


def test_a_restart_mid_sweep_is_retried_and_nothing_is_lost(drills: Drills) -> None:
    db = drills.copy("drill_restart")
    url = db.url.render_as_string(hide_password=False)
    # Hold one obligation the sweep's step 4 updates (a lock its outbox rows' foreign keys do not wait for):
    # the sweep stops there with its 50,000 outbox rows written but not committed, and the restart strikes.
    holder = db.connect()
    holder.execute(sa.text("SELECT id FROM obligation WHERE period = 'drill-0' FOR NO KEY UPDATE"))
    proc = _sweep(url)
    try:
        _wait_for(drills.admin, BLOCKED_SWEEP, 1, {"db": "drill_restart"})
        drills.cluster.restart()  # ends every session: the sweep's and the holder's
    finally:
        holder.invalidate()
        holder.close()
    code, out, err = _finish(proc)
    assert code == 0, err
    # It was struck mid-sweep, and tried again:
    assert err.splitlines()[0] == ("the sweep: the database connection failed (AdminShutdown: terminating "
                                   "connection due to administrator command); trying again in 1 s")
    assert json.loads(out)["enqueued"] == drills.enqueued
    lost, doubled = drills.compare(db)
    print(f"\nrestart mid-sweep: retried, lost {lost}, doubled {doubled}")
    assert (lost, doubled) == (0, 0)
    db.dispose()


def test_an_outage_mid_sweep_fails_cleanly_and_the_next_run_completes(drills: Drills) -> None:
    db = drills.copy("drill_outage")
    url = db.url.render_as_string(hide_password=False)
    holder = db.connect()
    holder.execute(sa.text("SELECT id FROM obligation WHERE period = 'drill-0' FOR NO KEY UPDATE"))
    proc = _sweep(url, 0.5, 0.5)
    try:
        _wait_for(drills.admin, BLOCKED_SWEEP, 1, {"db": "drill_outage"})
        drills.cluster.stop()  # down for longer than the sweep's retries
        code, _, err = _finish(proc)
    finally:
        holder.invalidate()
        holder.close()
        drills.cluster.start()
    errors = [line for line in err.splitlines() if line.startswith("duban: error:")]
    assert code == 1 and "Traceback" not in err
    assert len(errors) == 1 and errors[0].startswith(
        f"duban: error: the sweep could not reach the database at {url} after 3 tries (OperationalError: ")
    assert errors[0].endswith("nothing of it was committed, the next run does it")
    assert drills.read(db, "SELECT COUNT(*) FROM outbox") == Counter({(0,): 1})  # the failed sweep left nothing
    code, out, err = _finish(_sweep(url))  # the next scheduled run
    assert code == 0, err
    assert json.loads(out)["enqueued"] == drills.enqueued
    lost, doubled = drills.compare(db)
    print(f"\noutage mid-sweep: one error line, then the next run: lost {lost}, doubled {doubled}")
    assert (lost, doubled) == (0, 0)
    db.dispose()
