"""The outbox and dispatcher with real parts: SQLite and PostgreSQL, the mail catcher, a local HTTP sink."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
import sqlalchemy as sa
from apprise.plugins.wecombot import NotifyWeComBot

from models.db import session_scope
from models.engine.obligations import generate_obligations
from models.engine.sweep import sweep
from models.plan.file import load_plan_file
from models.plan.store import load_plan
from models.rules.calendar import WorkingCalendar, WorkingHours
from models.rules.ladder import load_escalation
from notifications.channels.contacts import Contacts, default_contacts_yaml
from notifications.channels.mailcatcher import MailCatcher
from notifications.channels.router import ContactsSender
from notifications.delivery.digest import bundle
from notifications.delivery.dispatch import Job, Outcome, dispatch_once
from notifications.delivery.outbox import RetryPolicy, claim
from notifications.delivery.targets import Target, TargetOutcome
from tests.conftest import ROOT, SEED_PLAN
from tests.models.engine.conftest import FIRST_MONDAY
from tests.notifications.helpers import HttpSink, write_contacts

TZ = dt.timezone(dt.timedelta(hours=8))
CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
ESC = load_escalation(ROOT / "config" / "escalation.yaml")
HOURS = WorkingHours()
MONDAY = dt.datetime(2015, 11, 30, 9, 30, tzinfo=TZ)  # 5 working days before the 2015-12-07 reports
WECOM_KEY = "a1b2c3d4-0000-4e5f-9a8b-7c6d5e4f3a2b"
QUEUED = sum(FIRST_MONDAY.values())
# What those rows become once the digest step has run (one message per plan, recipient and day): the 20 localities'
# handlers' reminders alone; 3 item leads' reminders alone and one lead's two in one digest; the coordinator's
# handler's 19 work reminders in one digest; the leader's 41 repeats in one digest.
CARRIERS = 20 + 3 + 1 + 1 + 1
BUNDLED = QUEUED - 20 - 3
# 镇隆镇's handler's one message due (its one-off duties' earlier stages were skipped, never sent).
ZHENLONG = "recipient = 'unit-zhenlong+role-handler' AND status <> 'skipped'"


@pytest.fixture
def queued(engine: sa.Engine) -> sa.Engine:
    """The seed plan with the messages of Monday 2015-11-30 queued (:data:`FIRST_MONDAY`: the reminders of the
    20 localities and 24 item leads, the leader's repeats of 1 overdue meeting and 40 overdue one-off duties)."""
    with session_scope(engine) as s:
        load_plan(load_plan_file(SEED_PLAN), session=s, now=MONDAY)
        generate_obligations(None, session=s, cal=CAL, escalation=ESC, now=MONDAY)
        sweep(session=s, cal=CAL, escalation=ESC, now=MONDAY)
    return engine


def units(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as c:
        return [(str(a), str(b)) for a, b in c.execute(sa.text("SELECT code, name FROM unit ORDER BY id"))]


def q(engine: sa.Engine, sql: str, **params: object) -> list[tuple[object, ...]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(sql), params).all()]


class OneTarget:
    """A stub channel's one target per recipient: these tests are about the dispatcher, not a channel."""

    TARGET = Target(id="test", url="test://", service="test")

    def targets(self, job: Job) -> tuple[Target, ...]:
        return (self.TARGET,)


def dispatch(engine: sa.Engine, sender: object, now: dt.datetime, **kw: object) -> object:
    return dispatch_once(engine=engine, sender=sender, cal=CAL, escalation=ESC, now=now,  # type: ignore[arg-type]
                         hours=HOURS, **kw)  # type: ignore[arg-type]


def test_reminders_reach_the_mail_catcher_once(queued: sa.Engine, tmp_path: Path) -> None:
    with MailCatcher(tmp_path / "mail") as catcher:
        contacts = write_contacts(tmp_path, default_contacts_yaml(units(queued), smtp_host="127.0.0.1",
                                                                   smtp_port=catcher.port))
        sender = ContactsSender(Contacts.from_file(contacts), min_gap_seconds=0)
        first = dispatch(queued, sender, MONDAY)
        again = dispatch(queued, sender, MONDAY + dt.timedelta(minutes=30))
        mails = catcher.messages()
    assert (first.claimed, first.sent, first.failed) == (CARRIERS, CARRIERS, 0)  # type: ignore[attr-defined]
    assert again.claimed == 0  # type: ignore[attr-defined]
    # One mail per recipient: every queued decision went out alone or in its recipient's digest.
    to = Counter(m["X-Envelope-To"] for m in mails)
    assert len(mails) == CARRIERS and max(to.values()) == 1
    assert q(queued, "SELECT status, COUNT(*) FROM outbox WHERE status NOT IN ('skipped') GROUP BY status "
                     "ORDER BY status") == [("bundled", BUNDLED), ("sent", CARRIERS)]
    (leader,) = [m for m in mails if "leader@duban.local" in m["X-Envelope-To"]]
    assert q(queued, "SELECT COUNT(*) FROM outbox m JOIN outbox d ON d.id = m.digest_id "
                     "WHERE d.recipient = 'role-leader' AND d.stage = 'digest' AND m.status = 'bundled'") == [(41,)]
    zhenlong = next(m for m in mails if "zhenlong.handler@duban.local" in m["X-Envelope-To"])
    assert zhenlong["Subject"] == "【提醒】请于12月7日前报送2015年下半年项目建设和各项工作进展情况"
    body = zhenlong.get_body(preferencelist=("plain", "html")).get_content()  # type: ignore[union-attr]
    assert body.startswith("镇隆镇人民政府：") and "2015年12月7日(星期一)" in body
    assert "因12月5日为星期六，顺延至12月7日" in body and "市科工商务局" in body
    assert leader["Subject"].startswith("【提请督办】截至11月30日")  # the leader's one message of the day
    rows = q(queued, "SELECT d.url, d.ok, o.status FROM delivery d JOIN outbox o ON o.id = d.outbox_id")
    assert len(rows) == CARRIERS and all(ok and status == "sent" for _u, ok, status in rows)
    assert all(str(u).startswith("mailto://127.0.0.1") for u, _o, _s in rows)


def test_nothing_is_sent_outside_working_hours(queued: sa.Engine) -> None:
    class Boom(OneTarget):
        def send(self, job: Job, only: object = None) -> Outcome:
            raise AssertionError("sent outside working hours")

    for when in (MONDAY.replace(hour=7), MONDAY.replace(hour=18), dt.datetime(2015, 12, 5, 10, tzinfo=TZ)):
        res = dispatch(queued, Boom(), when)
        assert res.outside_hours and res.claimed == 0  # type: ignore[attr-defined]


def _wecom_contacts(tmp_path: Path, sink: HttpSink, fallback: str) -> ContactsSender:
    text = (f"urls:\n  - wecombot://{WECOM_KEY}:\n      - tag: unit-zhenlong, role-handler\n"
            f"  - \"{fallback}\":\n      - tag: role-fallback\n")
    with mock.patch.object(NotifyWeComBot, "notify_url", sink.url("/cgi-bin/webhook/send?key={key}")):
        return ContactsSender(Contacts.from_file(write_contacts(tmp_path, text)), min_gap_seconds=0)


def test_vendor_errcode_is_a_failure_retried_with_backoff(queued: sa.Engine, tmp_path: Path) -> None:
    only_zhenlong = "UPDATE outbox SET status = 'cancelled' WHERE recipient <> 'unit-zhenlong+role-handler'"
    with queued.begin() as c:
        c.execute(sa.text(only_zhenlong))
    with MailCatcher(tmp_path / "mail") as catcher, \
            HttpSink(reply={"errcode": 93000, "errmsg": "invalid webhook url"}) as sink:
        sender = _wecom_contacts(tmp_path, sink, f"mailto://127.0.0.1:{catcher.port}?mode=insecure"
                                                 "&from=duban@localhost&to=coordinator@duban.local")
        res = dispatch(queued, sender, MONDAY)
        assert (res.claimed, res.sent, res.retrying) == (1, 0, 1)  # type: ignore[attr-defined]
        [(status, attempts, err, nxt)] = q(queued, "SELECT status, attempts, last_error, next_attempt_at FROM outbox "
                                                  f"WHERE {ZHENLONG}")
        assert (status, attempts) == ("pending", 1)
        assert "errcode 93000: invalid webhook url" in str(err)
        assert dispatch(queued, sender, MONDAY + dt.timedelta(minutes=2)).claimed == 0  # type: ignore[attr-defined]
        sink.reply = {"errcode": 0, "errmsg": "ok"}
        later = dispatch(queued, sender, MONDAY + dt.timedelta(minutes=6))
        assert later.sent == 1  # type: ignore[attr-defined]
        assert len(sink.received) == 2
        assert sink.received[1].json()["msgtype"] == "text"
        assert "镇隆镇" in sink.received[1].json()["text"]["content"]
    results = q(queued, "SELECT d.ok, d.detail, d.url FROM delivery d ORDER BY d.id")
    assert [ok for ok, _d, _u in results] == [False, True]
    for _ok, detail, url in results:
        assert WECOM_KEY not in str(detail) and WECOM_KEY not in str(url)
    assert WECOM_KEY not in str(q(queued, "SELECT last_error FROM outbox"))


def test_exhausted_retries_fail_and_tell_the_coordinator(queued: sa.Engine, tmp_path: Path) -> None:
    with queued.begin() as c:
        c.execute(sa.text("UPDATE outbox SET status = 'cancelled' WHERE recipient <> 'unit-zhenlong+role-handler'"))
    policy = RetryPolicy(max_attempts=2, base=dt.timedelta(minutes=1))
    with MailCatcher(tmp_path / "mail") as catcher, HttpSink(status=500, reply={"errcode": -1}) as sink:
        sender = _wecom_contacts(tmp_path, sink, f"mailto://127.0.0.1:{catcher.port}?mode=insecure"
                                                 "&from=duban@localhost&to=coordinator@duban.local")
        dispatch(queued, sender, MONDAY, policy=policy)
        second = dispatch(queued, sender, MONDAY + dt.timedelta(minutes=2), policy=policy)
        assert second.failed == 1  # type: ignore[attr-defined]
        report = dispatch(queued, sender, MONDAY + dt.timedelta(minutes=3), policy=policy)
        assert report.sent == 1  # type: ignore[attr-defined]
        mails = catcher.messages()
    assert q(queued, f"SELECT status, attempts FROM outbox WHERE {ZHENLONG}") == [("failed", 2)]
    (mail,) = mails
    assert "coordinator@duban.local" in mail["X-Envelope-To"]
    body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "镇隆镇" in body and WECOM_KEY not in body


def test_a_dispatcher_killed_after_its_claim_loses_nothing(queued: sa.Engine, db_url: str, tmp_path: Path) -> None:
    """A real process claims a batch and dies before sending; after the lease the rows go out once."""
    script = f"""
import datetime as dt, os, sys
sys.path.insert(0, {str(ROOT)!r})
from models.db import make_engine
from tests.notifications.delivery.test_dispatch import CAL, ESC, HOURS, MONDAY
from notifications.delivery.dispatch import dispatch_once
from notifications.delivery.targets import Target

class DiesOnSend:
    def targets(self, job):
        return (Target(id="test", url="test://", service="test"),)

    def send(self, job, only=None):
        os._exit(9)  # killed between claim and send

dispatch_once(engine=make_engine({db_url!r}), sender=DiesOnSend(), cal=CAL, escalation=ESC, now=MONDAY, hours=HOURS)
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ})
    assert proc.returncode == 9, proc.stderr
    assert q(queued, "SELECT status, COUNT(*) FROM outbox WHERE status <> 'skipped' GROUP BY status "
                     "ORDER BY status") == [("bundled", BUNDLED), ("sending", CARRIERS)]
    sent: list[int] = []

    class Records(OneTarget):
        def send(self, job: Job, only: object = None) -> Outcome:
            sent.append(job.outbox_id)
            return Outcome(targets=(TargetOutcome(url="test://", service="test", ok=True),))

    assert dispatch(queued, Records(), MONDAY + dt.timedelta(minutes=5)).claimed == 0  # type: ignore[attr-defined]
    after = dispatch(queued, Records(), MONDAY + dt.timedelta(minutes=11))
    assert after.sent == CARRIERS and len(sent) == len(set(sent)) == CARRIERS  # type: ignore[attr-defined]
    # It died with its first target marked 'sending': that one is re-sent and counted as a possible duplicate.
    assert after.possible_duplicates == 1  # type: ignore[attr-defined]
    assert q(queued, "SELECT SUM(possible_duplicates), COUNT(*) FROM delivery_target WHERE status = 'sent'") == [
        (1, CARRIERS)]


def test_two_dispatchers_never_send_the_same_row(queued: sa.Engine) -> None:
    sent: list[int] = []
    lock = threading.Lock()

    class Slow(OneTarget):
        def send(self, job: Job, only: object = None) -> Outcome:
            time.sleep(0.02)
            with lock:
                sent.append(job.outbox_id)
            return Outcome(targets=(TargetOutcome(url="test://", service="test", ok=True),))

    def run(name: str) -> None:
        for _ in range(QUEUED):  # until the queue is empty
            if not dispatch(queued, Slow(), MONDAY, limit=3, worker=name).claimed:  # type: ignore[attr-defined]
                break

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(sent) == CARRIERS and len(set(sent)) == CARRIERS
    assert q(queued, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == [(CARRIERS,)]
    assert q(queued, "SELECT COUNT(*) FROM outbox WHERE status = 'bundled'") == [(BUNDLED,)]


def test_claims_are_disjoint(queued: sa.Engine) -> None:
    with session_scope(queued) as s:
        assert claim(session=s, worker="a", now=MONDAY, limit=QUEUED, lease=dt.timedelta(minutes=10)) == []
    with session_scope(queued) as s:  # the ladder's rows are claimed once the digest step has decided about them
        bundle(session=s, now=MONDAY, cal=CAL, hours=HOURS)
    with session_scope(queued) as a:
        first = claim(session=a, worker="a", now=MONDAY, limit=10, lease=dt.timedelta(minutes=10))
    with session_scope(queued) as b:
        second = claim(session=b, worker="b", now=MONDAY, limit=QUEUED, lease=dt.timedelta(minutes=10))
    assert len(first) == 10 and len(second) == CARRIERS - 10 and not set(first) & set(second)


def test_a_message_that_cannot_be_rendered_is_retried_not_stalled(queued: sa.Engine, tmp_path: Path) -> None:
    ladder = tmp_path / "escalation.yaml"
    ladder.write_text("default:\n  stages:\n"
                      "    - {stage: reminder, offset: -5, audience: [handler], template: nosuch}\n"
                      "    - {stage: urge, offset: 1, audience: [handler]}\n", encoding="utf-8")
    sent: list[int] = []

    class Records(OneTarget):
        def send(self, job: Job, only: object = None) -> Outcome:
            sent.append(job.outbox_id)
            return Outcome(targets=(TargetOutcome(url="test://", service="test", ok=True),))

    res = dispatch_once(engine=queued, sender=Records(), cal=CAL, escalation=load_escalation(ladder), now=MONDAY,
                        hours=HOURS)
    # The default ladder's reminders going out alone fail to render (20 localities, 3 items led by other units);
    # the digests go: the coordinator's handler's (the own ladder's reminders), the leader's, and the one lead's
    # two reminders (a digest is worded by digest.j2, whatever its members' stage templates).
    assert (res.retrying, res.sent) == (23, CARRIERS - 23)
    assert sent and all(s in {int(str(i)) for (i,) in q(queued, "SELECT id FROM outbox WHERE stage = 'digest'")}
                        for s in sent)
    errors = {str(e) for (e,) in q(queued, "SELECT last_error FROM outbox WHERE stage_key = 'reminder@-5' "
                                           "AND status = 'pending'")}
    assert len(errors) == 1 and "cannot render the message: no message template 'nosuch'" in errors.pop()
