"""Per-target delivery state, through the real dispatcher and real channels (SMTP catcher, local HTTP servers)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from unittest import mock

import pytest
import sqlalchemy as sa
from apprise.plugins.wecombot import NotifyWeComBot

from models.db import session_scope
from notifications.channels.contacts import Contacts
from notifications.channels.mailcatcher import MailCatcher
from notifications.channels.router import ContactsSender
from notifications.delivery.dispatch import Job, Outcome, dispatch_once, recent_messages
from notifications.delivery.outbox import RetryPolicy
from notifications.delivery.targets import Target, TargetOutcome
from tests.notifications.delivery.drill_worker import queue
from tests.notifications.delivery.test_dispatch import CAL, ESC, HOURS, MONDAY, WECOM_KEY, q
from tests.notifications.helpers import HttpSink, Received, write_contacts

TAGS = "      - tag: unit-zhenlong, role-handler\n"


def url_of(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(engine: sa.Engine, sender: object, at: dt.datetime, policy: RetryPolicy | None = None) -> object:
    return dispatch_once(engine=engine, sender=sender, cal=CAL, escalation=ESC, now=at, hours=HOURS,  # type: ignore[arg-type]
                         policy=policy)


def test_a_failing_target_is_retried_alone_then_reported(engine: sa.Engine, tmp_path: Path) -> None:
    """The issue's case: WeCom refuses (errcode 93000), mail works; 5 attempts send the mail once, not 5 times."""
    queue(url_of(engine), prefix="提醒", rows=1, now=MONDAY)
    policy = RetryPolicy(max_attempts=5, base=dt.timedelta(minutes=1))
    with MailCatcher(tmp_path / "mail") as catcher, \
            HttpSink(reply={"errcode": 93000, "errmsg": "invalid webhook url"}) as sink:
        mail = f"mailto://127.0.0.1:{catcher.port}?mode=insecure&from=duban@localhost"
        text = (f"urls:\n  - wecombot://{WECOM_KEY}:\n{TAGS}  - \"{mail}&to=zhenlong.handler@duban.local\":\n{TAGS}"
                f"  - \"{mail}&to=coordinator@duban.local\":\n      - tag: role-fallback\n")
        with mock.patch.object(NotifyWeComBot, "notify_url", sink.url("/cgi-bin/webhook/send?key={key}")):
            sender = ContactsSender(Contacts.from_file(write_contacts(tmp_path, text)), min_gap_seconds=0)
        results = [run(engine, sender, MONDAY + dt.timedelta(minutes=m), policy) for m in (0, 1, 3, 7, 15, 16)]
        mails = catcher.messages()
    assert [(r.sent, r.retrying, r.failed) for r in results] == [  # type: ignore[attr-defined]
        (0, 1, 0), (0, 1, 0), (0, 1, 0), (0, 1, 0), (0, 0, 1), (1, 0, 0)]  # the last one is the failure report
    assert len(sink.received) == 5
    to_handler = [m for m in mails if "zhenlong.handler" in m["X-Envelope-To"]]
    assert len(to_handler) == 1  # the working target got it once, however often WeCom was retried
    states = q(engine, "SELECT t.service, t.status, t.attempts, t.possible_duplicates, t.last_error "
                       "FROM delivery_target t JOIN outbox o ON o.id = t.outbox_id "
                       "WHERE o.recipient = 'unit-zhenlong+role-handler' ORDER BY t.id")
    assert [s[:4] for s in states] == [("wecombot", "failed", 5, 0), ("mailto", "sent", 1, 0)]
    assert states[0][4] == "errcode 93000: invalid webhook url" and states[1][4] is None
    assert q(engine, "SELECT status, attempts FROM outbox WHERE recipient = 'unit-zhenlong+role-handler'") == [
        ("failed", 5)]
    (report,) = [m for m in mails if "coordinator@" in m["X-Envelope-To"]]
    body = report.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "wecombot://" in body and "zhenlong.handler" not in body  # only the target that failed is reported
    assert WECOM_KEY not in str(q(engine, "SELECT * FROM delivery_target")) + body
    with session_scope(engine) as session:
        shown = {r["recipient"]: r["targets"] for r in recent_messages(session=session)}
    assert shown["unit-zhenlong+role-handler"] == (
        "wecombot failed ×5 (errcode 93000: invalid webhook url); mailto sent")


def test_contacts_changed_between_attempts(engine: sa.Engine, tmp_path: Path) -> None:
    """A removed contact is cancelled, a new one is sent to, the one that had it is not sent to again."""
    queue(url_of(engine), prefix="通知", rows=1, now=MONDAY)
    with HttpSink(status=503, reply={}) as down, HttpSink(reply={}) as ok, HttpSink(reply={}) as new:
        def sender(*sinks: HttpSink) -> ContactsSender:
            text = "urls:\n" + "".join(f"  - json://127.0.0.1:{s.port}/hook:\n{TAGS}" for s in sinks)
            return ContactsSender(Contacts.from_file(write_contacts(tmp_path, text)), min_gap_seconds=0)

        first = run(engine, sender(down, ok), MONDAY)
        second = run(engine, sender(ok, new), MONDAY + dt.timedelta(minutes=6))
    assert (first.retrying, second.sent) == (1, 1)  # type: ignore[attr-defined]
    assert (len(down.received), len(ok.received), len(new.received)) == (1, 1, 1)
    assert [(u.split("/hook")[0].rsplit(":", 1)[1], s, a) for u, s, a in q(
        engine, "SELECT url, status, attempts FROM delivery_target ORDER BY id")] == [
        (str(down.port), "cancelled", 1), (str(ok.port), "sent", 1), (str(new.port), "sent", 1)]


def test_a_sender_crash_on_one_target_leaves_the_others_sent(engine: sa.Engine) -> None:
    queue(url_of(engine), prefix="x", rows=2, now=MONDAY)
    calls: list[tuple[int, str]] = []

    class HalfBroken:
        def targets(self, job: Job) -> tuple[Target, ...]:
            return (Target(id="a", url="test://a", service="test"), Target(id="b", url="test://b", service="test"))

        def send(self, job: Job, only: object = None) -> Outcome:
            (target,) = only  # type: ignore[misc]
            calls.append((job.outbox_id, target))
            if target == "b" and len(calls) <= 4:
                raise RuntimeError("plugin bug")
            return Outcome(targets=(TargetOutcome(url=f"test://{target}", service="test", ok=True, target=target),))

    first = run(engine, HalfBroken(), MONDAY)
    again = run(engine, HalfBroken(), MONDAY + dt.timedelta(minutes=6))
    assert (first.retrying, again.sent) == (2, 2)  # type: ignore[attr-defined]
    assert sorted(t for _o, t in calls) == ["a", "a", "b", "b", "b", "b"]  # 'a' once per row, 'b' retried
    errors = q(engine, "SELECT DISTINCT detail FROM delivery WHERE ok = false")
    assert errors == [("RuntimeError: plugin bug",)]
    assert q(engine, "SELECT DISTINCT status FROM delivery_target") == [("sent",)]


@pytest.mark.parametrize("where", ["path", "header"])
def test_a_target_keeps_its_id_when_a_contact_that_masks_alike_is_removed(
        engine: sa.Engine, tmp_path: Path, where: str) -> None:
    """Two webhooks to one endpoint that differ only in a secret mask alike; ids must still follow the contact.

    A delivers, B answers 500. The operator retires A and fixes B: the retry must reach B. With ids numbered
    in file order among contacts that mask alike, B took A's id, inherited its ``sent`` and never got it.
    """
    queue(url_of(engine), prefix="通知", rows=1, now=MONDAY)
    token_a, token_b = "aaaa1111aaaa1111", "bbbb2222bbbb2222"
    failing = {token_b}

    def token_of(r: Received) -> str:
        return r.path.rsplit("/", 1)[-1] if where == "path" else r.headers.get("X-Token", "")

    with HttpSink(reply={}, status_for=lambda r: 500 if token_of(r) in failing else None) as sink:
        def sender(*tokens: str) -> ContactsSender:
            hooks = [f"/hook/{t}" if where == "path" else f"/hook?+X-Token={t}" for t in tokens]
            text = "urls:\n" + "".join(f"  - \"json://127.0.0.1:{sink.port}{h}\":\n{TAGS}" for h in hooks)
            return ContactsSender(Contacts.from_file(write_contacts(tmp_path, text)), min_gap_seconds=0)

        both = sender(token_a, token_b)
        shown = [t.url for t in both.sender.targets(both._route("unit-zhenlong+role-handler"))]
        assert shown[0] == shown[1]  # the masked URLs are alike: only the secret tells them apart
        first = run(engine, both, MONDAY)
        failing.clear()  # the operator fixes B's endpoint...
        second = run(engine, sender(token_b), MONDAY + dt.timedelta(minutes=6))  # ...and retires A
    assert (first.retrying, second.sent) == (1, 1)  # type: ignore[attr-defined]
    assert [token_of(r) for r in sink.received] == [token_a, token_b, token_b]  # B got it on the retry
    assert q(engine, "SELECT status, attempts FROM delivery_target ORDER BY id") == [("sent", 1), ("sent", 2)]
    assert q(engine, "SELECT status FROM outbox") == [("sent",)]
    rows = str(q(engine, "SELECT * FROM delivery_target")) + str(q(engine, "SELECT * FROM delivery"))
    assert token_a not in rows and token_b not in rows
