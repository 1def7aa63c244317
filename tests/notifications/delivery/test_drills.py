"""Delivery fault drills with real parts: SIGKILLed dispatchers, a channel down for a day, two dispatchers at once.

Real SMTP (the aiosmtpd catcher) and a real HTTP server on 127.0.0.1 receive the messages; only WeCom's fixed
host is redirected to the local server. Every drill is bounded (timeouts on every process and server) and
prints its figures: messages lost, duplicates, and the possible duplicates the outbox counted (the one window
documented in :mod:`notifications.delivery.targets`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
import sqlalchemy as sa
from apprise.plugins.wecombot import NotifyWeComBot

from config.settings import get_settings
from models.dates import FixedClock, use_clock
from models.db import make_engine, migrate
from models.tables.engine import Delivery
from notifications.channels.contacts import Contacts
from notifications.channels.mailcatcher import MailCatcher
from notifications.channels.router import ContactsSender
from notifications.delivery.dispatch import dispatch_once
from notifications.delivery.outbox import RetryPolicy
from tests.conftest import ROOT, drop_pg_database, new_pg_database
from tests.notifications.delivery.drill_worker import queue
from tests.notifications.delivery.test_dispatch import CAL, ESC, HOURS, MONDAY, WECOM_KEY, q
from tests.notifications.helpers import HttpSink, write_contacts

TAGS = "      - tag: unit-zhenlong, role-handler\n"


def mailto(port: int) -> str:
    return f'  - "mailto://127.0.0.1:{port}?mode=insecure&from=duban@localhost&to=zhenlong.handler@duban.local":\n'


def received(mails: list, posts: list) -> Counter[tuple[str, str]]:  # type: ignore[type-arg]
    """How many times each (title, service) arrived: mail subjects, JSON titles, WeCom texts' first lines.

    A request cut short (a client killed while sending it: fewer body bytes than its Content-Length) is not a
    delivery: a server rejects it, as aiosmtpd drops a mail whose DATA never ended.
    """
    got: Counter[tuple[str, str]] = Counter()
    for m in mails:
        got[(str(m["Subject"]), "mailto")] += 1
    for r in posts:
        if len(r.body) < int(r.headers.get("Content-Length") or 0):
            got[("", "truncated")] += 1
            continue
        data = r.json()
        if "text" in data:
            got[(data["text"]["content"].split("\n", 1)[0], "wecombot")] += 1
        else:
            got[(data["title"], "json")] += 1
    return got


def pairs(engine: sa.Engine) -> dict[tuple[str, str], tuple[str, int, int]]:
    """Each (title, service) the outbox owes: (target status, attempts, possible duplicates)."""
    rows = q(engine, "SELECT o.payload, t.service, t.status, t.attempts, t.possible_duplicates "
                     "FROM outbox o JOIN delivery_target t ON t.outbox_id = o.id")
    return {(json.loads(str(p))["title"], str(s)): (str(st), int(a), int(d)) for p, s, st, a, d in rows}  # type: ignore[call-overload]


def test_dispatcher_sigkilled_at_random_points_20_times_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'drill.db'}"
    engine = make_engine(url)
    migrate(engine)
    rounds, rows = 20, 4
    # The sink answers 10 ms after it has the message: a kill then lands inside the window on purpose.
    with MailCatcher(tmp_path / "mail") as catcher, HttpSink(reply={}, delay=0.01, lifetime=120) as sink:
        contacts = write_contacts(tmp_path, f"urls:\n{mailto(catcher.port)}{TAGS}"
                                            f"  - json://127.0.0.1:{sink.port}/hook:\n{TAGS}")
        proc = subprocess.run(
            [sys.executable, "-m", "tests.notifications.delivery.drill_worker", "kill", "--db", url,
             "--contacts", str(contacts), "--rounds", str(rounds), "--rows", str(rows), "--seed", "20161"],
            cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ})
        assert proc.returncode == 0, proc.stderr
        got = received(catcher.messages(), list(sink.received))
    reports = [json.loads(line) for line in proc.stdout.splitlines()]
    kills = [r for r in reports if r["round"] > 0]
    assert len(kills) == rounds
    finished_first = sum(1 for r in kills if not r["killed"])  # the random delay outlasted the batch
    # Killed after its claim and before the batch was done (no target rows yet: killed during the claim).
    mid_batch = sum(1 for r in kills if r["killed"] and r["at_kill"] and r["at_kill"].get("sent", 0) < 2 * rows)
    truncated = got.pop(("", "truncated"), 0)
    owed = pairs(engine)
    assert len(owed) == (rounds + 1) * rows * 2
    lost = [p for p in owed if got[p] == 0]
    duplicates = {p: got[p] - 1 for p in owed if got[p] > 1}
    uncounted = {p: n for p, n in duplicates.items() if n > owed[p][2]}
    counted = sum(d for _s, _a, d in owed.values())
    print(f"\nkill drill: {rounds} SIGKILLs ({mid_batch} mid-batch, {finished_first} after the batch had finished, "
          f"batch span {reports[0]['span_s']} s), "
          f"{len(owed)} (message, target) pairs, lost {len(lost)}, duplicates {sum(duplicates.values())} "
          f"(all in the window: {not uncounted}), possible duplicates counted {counted}, "
          f"requests cut short by a kill {truncated}")
    assert lost == []
    assert uncounted == {}  # every duplicate is one the outbox counted: the vendor had it when the process died
    assert set(got) == set(owed)  # nothing arrived that was not owed
    assert {s for s, _a, _d in owed.values()} == {"sent"}
    assert q(engine, "SELECT DISTINCT status FROM outbox") == [("sent",)]
    assert mid_batch >= 1  # the drill did kill dispatchers in the middle of their work
    engine.dispose()


def _sender(contacts: Path, sink: HttpSink | None) -> ContactsSender:
    if sink is None:
        return ContactsSender(Contacts.from_file(contacts), min_gap_seconds=0)
    with mock.patch.object(NotifyWeComBot, "notify_url", sink.url("/cgi-bin/webhook/send?key={key}")):
        return ContactsSender(Contacts.from_file(contacts), min_gap_seconds=0)


@pytest.mark.parametrize("down", ["wecom", "smtp"])
def test_a_channel_down_for_a_day_then_back_loses_nothing(engine: sa.Engine, tmp_path: Path, down: str) -> None:
    """Production retry settings; the clock moves in 5-minute steps from Monday 09:30 to Wednesday 09:30."""
    settings = get_settings()
    policy = RetryPolicy(max_attempts=settings.send_max_attempts,
                         base=dt.timedelta(minutes=settings.send_backoff_minutes))
    url = engine.url.render_as_string(hide_password=False)
    rows, back_at = 3, MONDAY + dt.timedelta(days=1)
    with MailCatcher(tmp_path / "mail") as catcher, HttpSink(lifetime=120) as sink:
        if down == "wecom":  # WeCom refuses (errcode 93000) for a day; mail works
            sink.reply = {"errcode": 93000, "errmsg": "invalid webhook url"}
            text = f"urls:\n  - wecombot://{WECOM_KEY}:\n{TAGS}{mailto(catcher.port)}{TAGS}"
        else:  # the SMTP server is down for a day; the JSON hook works
            catcher.stop()
            text = f"urls:\n{mailto(catcher.port)}{TAGS}  - json://127.0.0.1:{sink.port}/hook:\n{TAGS}"
        sender = _sender(write_contacts(tmp_path, text), sink if down == "wecom" else None)
        clock = FixedClock(MONDAY)
        restored = None
        with use_clock(clock):
            queue(url, prefix="outage", rows=rows, now=clock.now())
            while clock.now() < MONDAY + dt.timedelta(days=2):
                if restored is None and clock.now() >= back_at:
                    restored = len(sink.received)
                    if down == "wecom":
                        sink.reply = {"errcode": 0, "errmsg": "ok"}
                    else:
                        catcher = MailCatcher(tmp_path / "mail", port=catcher.port).start()
                dispatch_once(engine=engine, sender=sender, cal=CAL, escalation=ESC, now=clock.now(), hours=HOURS,
                              policy=policy)
                clock.advance(minutes=5)
        catcher.stop()
        mails, posts = catcher.messages(), list(sink.received)
    got = received(mails, posts)
    owed = pairs(engine)
    broken, working = ("wecombot", "mailto") if down == "wecom" else ("mailto", "json")
    titles = sorted({t for t, _s in owed})
    assert len(titles) == rows
    assert q(engine, "SELECT DISTINCT status FROM outbox") == [("sent",)]  # no failure report either
    for title in titles:
        assert got[(title, working)] == 1 and owed[(title, working)][1] == 1  # the working target: once
    # The broken channel, once back, got each message once (WeCom's refusals before that reached the sink too).
    after = received([], posts[restored or 0:]) if down == "wecom" else received(mails, [])
    assert {t: after[(t, broken)] for t in titles} == dict.fromkeys(titles, 1) and after.total() == rows
    attempts = [a for (_t, s), (_st, a, _d) in owed.items() if s == broken]
    failures = q(engine, "SELECT COUNT(*) FROM delivery WHERE ok = false")[0][0]
    log = Delivery.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:  # through the table, so that the times come back as aware datetimes
        first = conn.execute(sa.select(sa.func.min(log.outbox_id))).scalar_one()
        failed_at = list(conn.execute(sa.select(log.at).where(log.outbox_id == first, log.service == broken,
                                                              log.ok.is_(False)).order_by(log.id)).scalars())
    gaps = [b - a for a, b in zip(failed_at, failed_at[1:], strict=False)]
    assert all(gap >= policy.delay(k + 1) for k, gap in enumerate(gaps)), gaps  # backoff honoured
    assert max(attempts) <= policy.max_attempts and len(failed_at) >= 5
    print(f"\n{down} down a day: {rows} messages, lost 0, duplicates to {working} 0, {failures} failed sends, "
          f"attempts to {broken} per message {attempts}, gaps {[str(g) for g in gaps]}")


def test_two_dispatchers_on_postgres_send_each_target_exactly_once(
    pg_admin: sa.Engine, tmp_path: Path
) -> None:
    name, url = new_pg_database(pg_admin)
    engine = make_engine(url)
    try:
        migrate(engine)
        queue(url, prefix="pair", rows=24, now=MONDAY)
        gate = tmp_path / "gate"
        gate.mkdir()
        with MailCatcher(tmp_path / "mail") as catcher, HttpSink(reply={}, delay=0.02, lifetime=120) as sink:
            contacts = write_contacts(tmp_path, f"urls:\n{mailto(catcher.port)}{TAGS}"
                                                f"  - json://127.0.0.1:{sink.port}/hook:\n{TAGS}")
            cmd = [sys.executable, "-m", "tests.notifications.delivery.drill_worker", "dispatch", "--db", url,
                   "--contacts", str(contacts), "--limit", "3", "--gate", str(gate)]
            procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      env={**os.environ}) for _ in range(2)]
            try:
                end = time.monotonic() + 60
                while len(list(gate.glob("ready-*"))) < 2 and time.monotonic() < end:
                    if any(p.poll() is not None for p in procs):
                        break
                    time.sleep(0.01)
                (gate / "go").write_text("go", encoding="utf-8")
                outputs = [p.communicate(timeout=120) for p in procs]
            finally:
                for p in procs:
                    if p.poll() is None:
                        p.kill()
            assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outputs]
            got = received(catcher.messages(), list(sink.received))
        summaries = [json.loads(out.splitlines()[-1]) for out, _err in outputs]
        owed = pairs(engine)
        assert len(owed) == 48 and {s for s, _a, _d in owed.values()} == {"sent"}
        assert {p: got[p] for p in owed} == dict.fromkeys(owed, 1) and set(got) == set(owed)
        assert all(a == 1 and d == 0 for _s, a, d in owed.values())
        assert sum(s["claimed"] for s in summaries) == 24 and all(s["claimed"] > 0 for s in summaries)
        print(f"\ntwo dispatchers on PostgreSQL: claimed {[s['claimed'] for s in summaries]} rows, "
              f"48 (message, target) pairs each received once, duplicates 0")
    finally:
        engine.dispose()
        drop_pg_database(pg_admin, name)
