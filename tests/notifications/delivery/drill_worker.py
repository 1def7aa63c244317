"""Dispatcher processes for the delivery drills in ``test_drills.py`` (not a test module).

    python -m tests.notifications.delivery.drill_worker kill --db URL --contacts PATH --rounds 20 --rows 8 --seed 7
    python -m tests.notifications.delivery.drill_worker dispatch --db URL --contacts PATH --limit 3 --gate DIR

``kill``: round 0 queues rows and times one clean dispatch of them (the span); each later round queues fresh
rows, forks a dispatcher, SIGKILLs it a random delay after its claim, within the span (a dispatcher that
finished first shortens the span), then forks a clean dispatcher that runs after the lease and finishes the round.
One JSON line per round on stdout. The rounds fork from this process, which runs no server and no thread,
so a round costs milliseconds rather than a new interpreter.

``dispatch``: loads the contacts, writes ``<gate>/ready-<pid>``, waits for ``<gate>/go``, then dispatches
batches of ``--limit`` rows until none is left; one JSON summary on stdout.

Every wait is bounded: nothing here runs longer than a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import sqlalchemy as sa

from models.db import make_engine, session_scope
from notifications.channels.contacts import Contacts
from notifications.channels.router import ContactsSender
from notifications.delivery.dispatch import Job, Outcome, Sender, Target, dispatch_once
from notifications.delivery.outbox import RetryPolicy, queue_info
from tests.notifications.delivery.test_dispatch import CAL, ESC, HOURS, MONDAY

RECIPIENT = "unit-zhenlong+role-handler"
STEP = dt.timedelta(minutes=15)  # between rounds: more than the lease, so each round starts clean
POLICY = RetryPolicy()
DEADLINE = 60.0


def queue(url: str, *, prefix: str, rows: int, now: dt.datetime) -> None:
    """Queue ``rows`` pre-rendered messages titled ``<prefix> m<k>`` to the zhenlong handler."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        for k in range(rows):
            queue_info(session=session, recipient=RECIPIENT, role="handler", title=f"{prefix} m{k:02d}",
                       body=f"{prefix}: message {k}", key=f"{prefix}-{k}", now=now, cal=CAL, hours=HOURS)
    engine.dispose()


class _Signalling:
    """The real sender, telling the parent (one byte on a pipe) when the batch's first targets are asked for.

    That is right after the claim, before any target state is written: the parent's random delay counts
    from there, so the kills fall across the batch's writes and sends rather than its start-up.
    """

    def __init__(self, sender: ContactsSender, fd: int) -> None:
        self.sender, self.fd, self.told = sender, fd, False

    def targets(self, job: Job) -> Sequence[Target]:
        if not self.told:
            os.write(self.fd, b".")
            self.told = True
        return self.sender.targets(job)

    def send(self, job: Job, only: Collection[str] | None = None) -> Outcome:
        return self.sender.send(job, only)


def _dispatch_all(url: str, sender: Sender, now: dt.datetime) -> None:
    engine = make_engine(url)
    dispatch_once(engine=engine, sender=sender, cal=CAL, escalation=ESC, now=now, hours=HOURS, policy=POLICY,
                  limit=1000)
    engine.dispose()


def _fork(fn: Callable[[], None]) -> int:
    pid = os.fork()
    if pid == 0:  # the child: run, and leave without running the parent's cleanup
        code = 0
        try:
            fn()
        except BaseException:  # noqa: BLE001 - report anything, exit non-zero
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            os._exit(code)
    return pid


def _wait(pid: int) -> int:
    """Wait for a child at most DEADLINE seconds (then kill it); return its wait status."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def _started(read_fd: int) -> None:
    """Wait (at most DEADLINE seconds) for the child's signal that its batch started, or for its exit."""
    ready, _w, _x = select.select([read_fd], [], [], DEADLINE)
    if ready:
        os.read(read_fd, 1)


def _kill_after(pid: int, delay: float) -> int:
    """SIGKILL the child ``delay`` seconds after now unless it exits first; return its wait status."""
    end = time.monotonic() + delay
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    return _wait(pid)


def _round_state(url: str, prefix: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT t.status, COUNT(*) FROM delivery_target t JOIN outbox o ON o.id = t.outbox_id "
            "WHERE o.stage_key LIKE :p GROUP BY t.status"), {"p": f"{prefix}-%"}).all()
    engine.dispose()
    return {str(status): int(n) for status, n in rows}


def kill_rounds(args: argparse.Namespace) -> int:
    """Round 0 times a clean batch; each later round kills a dispatcher at a random point, then finishes."""
    rng = random.Random(args.seed)
    # Loaded once here and inherited by every fork: Apprise objects hold no socket or thread until they send.
    sender = ContactsSender(Contacts.from_file(args.contacts), min_gap_seconds=0)
    span = 0.0
    for rnd in range(args.rounds + 1):
        now = MONDAY + rnd * STEP
        prefix = f"drill r{rnd:02d}"
        queue(args.db, prefix=prefix, rows=args.rows, now=now)
        read_fd, write_fd = os.pipe()
        signalling = _Signalling(sender, write_fd)
        if rnd == 0:
            pid = _fork(functools.partial(_dispatch_all, args.db, signalling, now))
            os.close(write_fd)  # the child's copy stays open: its exit ends the wait below
            _started(read_fd)
            started = time.perf_counter()
            status = _wait(pid)
            span = time.perf_counter() - started
            os.close(read_fd)
            if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                return 1
            print(json.dumps({"round": 0, "span_s": round(span, 3)}), flush=True)
            continue
        delay = rng.uniform(0.0, span)
        pid = _fork(functools.partial(_dispatch_all, args.db, signalling, now))
        os.close(write_fd)
        _started(read_fd)
        started = time.perf_counter()
        status = _kill_after(pid, delay)
        os.close(read_fd)
        if not os.WIFSIGNALED(status):  # it finished first: aim the next kills within the time it took
            span = min(span, time.perf_counter() - started)
        at_kill = _round_state(args.db, prefix)
        later = now + POLICY.lease + dt.timedelta(minutes=1)
        clean = _wait(_fork(functools.partial(_dispatch_all, args.db, sender, later)))
        if not os.WIFEXITED(clean) or os.WEXITSTATUS(clean) != 0:
            return 1
        print(json.dumps({"round": rnd, "delay_s": round(delay, 3), "killed": os.WIFSIGNALED(status),
                          "at_kill": at_kill}), flush=True)
    return 0


def dispatch_loop(args: argparse.Namespace) -> int:
    """Dispatch everything ready at MONDAY in batches of ``--limit``, after the gate opens."""
    engine = make_engine(args.db)
    sender = ContactsSender(Contacts.from_file(args.contacts), min_gap_seconds=0)
    gate = Path(args.gate)
    (gate / f"ready-{os.getpid()}").write_text("ready", encoding="utf-8")
    end = time.monotonic() + DEADLINE
    while not (gate / "go").exists():
        if time.monotonic() > end:
            return 2
        time.sleep(0.005)
    claimed = sent = batches = duplicates = 0
    while time.monotonic() < end:
        res = dispatch_once(engine=engine, sender=sender, cal=CAL, escalation=ESC, now=MONDAY, hours=HOURS,
                            policy=POLICY, limit=args.limit)
        if not res.claimed:
            break
        batches += 1
        claimed += res.claimed
        sent += res.sent
        duplicates += res.possible_duplicates
    print(json.dumps({"pid": os.getpid(), "batches": batches, "claimed": claimed, "sent": sent,
                      "possible_duplicates": duplicates}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="drill_worker")
    sub = parser.add_subparsers(dest="command", required=True)
    kill = sub.add_parser("kill")
    kill.add_argument("--rounds", type=int, default=20)
    kill.add_argument("--rows", type=int, default=8)
    kill.add_argument("--seed", type=int, default=0)
    loop = sub.add_parser("dispatch")
    loop.add_argument("--limit", type=int, default=3)
    loop.add_argument("--gate", required=True)
    for p in (kill, loop):
        p.add_argument("--db", required=True)
        p.add_argument("--contacts", required=True)
    args = parser.parse_args(argv)
    return kill_rounds(args) if args.command == "kill" else dispatch_loop(args)


if __name__ == "__main__":
    sys.exit(main())
