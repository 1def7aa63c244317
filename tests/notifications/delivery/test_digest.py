"""The digest step (notifications.delivery.digest) through the real dispatcher, on SQLite and PostgreSQL.

The seed plan's first Monday (2015-11-30, :data:`tests.models.engine.conftest.FIRST_MONDAY`) queues 85 ladder rows
for 26 recipients; 2016-06-13, three working days after the June reports were due, queues the 督办单 to the heads.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from models.db import make_engine, session_scope
from models.engine.adhoc import close_obligation
from models.engine.obligations import generate_obligations
from models.engine.sweep import sweep
from models.plan.file import load_plan_file
from models.plan.store import load_plan
from models.tables.engine import Outbox
from notifications.delivery import compose as compose_module
from notifications.delivery.digest import bundle, take_digest_turn
from notifications.delivery.dispatch import DispatchResult, Job, Outcome, dispatch_once
from notifications.delivery.outbox import insert_ignore, queue_info, supersede_stale
from notifications.delivery.targets import Target, TargetOutcome
from notifications.messages.render import DigestContext, MessageContext, RenderedMessage
from tests.conftest import SEED_PLAN
from tests.notifications.delivery.test_dispatch import BUNDLED, CAL, CARRIERS, ESC, HOURS, MONDAY, QUEUED, TZ, q

LEADER = "role-leader"
COORDINATOR = "role-coordinator"
KGSWJ = "unit-kgswj+role-handler"  # the coordinator's own desk: its 19 work reminders on the first Monday
FGJ = "unit-fgj+role-handler"  # one lead with two items: two reminders on the first Monday
JUNE_NOTICES = dt.datetime(2016, 6, 13, 9, 30, tzinfo=TZ)  # 3 working days after the 2016-06-06 reports
LATER = "stage_key IN ('apply@1', 'reminder@-1') AND obligation_id = :o"


def seed(engine: sa.Engine, sweep_at: dt.datetime) -> sa.Engine:
    with session_scope(engine) as s:
        load_plan(load_plan_file(SEED_PLAN), session=s, now=MONDAY)
        generate_obligations(None, session=s, cal=CAL, escalation=ESC, now=MONDAY)
        sweep(session=s, cal=CAL, escalation=ESC, now=sweep_at)
    return engine


@pytest.fixture
def monday(engine: sa.Engine) -> sa.Engine:
    return seed(engine, MONDAY)


@pytest.fixture
def june(engine: sa.Engine) -> sa.Engine:
    return seed(engine, JUNE_NOTICES)


@dataclass
class Recorder:
    """A stub channel: every recipient has the targets named in ``ids``; ``fail`` says which sends fail."""

    ids: tuple[str, ...] = ("t",)
    fail: Callable[[Job, str], bool] = lambda _job, _target: False
    sent: list[tuple[str, str, Job]] = field(default_factory=list)  # (recipient, target, job)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def targets(self, job: Job) -> tuple[Target, ...]:
        return tuple(Target(id=i, url=f"test://{i}", service="test") for i in self.ids)

    def send(self, job: Job, only: Collection[str] | None = None) -> Outcome:
        (target,) = only or self.ids
        ok = not self.fail(job, target)
        if ok:
            with self.lock:
                self.sent.append((job.recipient, target, job))
        return Outcome(targets=(TargetOutcome(url=f"test://{target}", service="test", ok=ok, target=target,
                                              detail="" if ok else "down"),))

    def by_recipient(self) -> Counter[str]:
        return Counter(r for r, _t, _j in self.sent)


def run(engine: sa.Engine, sender: Recorder, now: dt.datetime, **kw: Any) -> DispatchResult:
    return dispatch_once(engine=engine, sender=sender, cal=CAL, escalation=ESC, now=now, hours=HOURS, **kw)


def digest_of(engine: sa.Engine, recipient: str) -> tuple[int, str, str, int | None, str, str, str]:
    (row,) = q(engine, "SELECT id, stage, stage_key, obligation_id, role, status, carried_on FROM outbox "
                       "WHERE recipient = :r AND stage = 'digest'", r=recipient)
    return (int(str(row[0])), str(row[1]), str(row[2]), row[3], str(row[4]), str(row[5]),  # type: ignore[return-value]
            str(row[6]))


class TestOneMessagePerRecipientAndDay:
    def test_several_obligations_go_as_one_digest_sent_once(self, monday: sa.Engine) -> None:
        sender = Recorder()
        res = run(monday, sender, MONDAY)
        assert res.bundled is not None
        assert (res.bundled.taken, res.bundled.alone, res.bundled.digests, res.bundled.bundled) == (
            QUEUED, QUEUED - BUNDLED, 3, BUNDLED)
        assert (res.claimed, res.sent) == (CARRIERS, CARRIERS)
        assert max(sender.by_recipient().values()) == 1 and len(sender.by_recipient()) == CARRIERS
        assert run(monday, sender, MONDAY + dt.timedelta(hours=2)).claimed == 0
        digest_id, stage, key, ob, role, status, day = digest_of(monday, KGSWJ)
        (plan_id,) = q(monday, "SELECT id FROM plan")[0]
        assert (stage, key, ob, role, status, day) == ("digest", f"digest@{plan_id}@2015-11-30", None, "handler",
                                                       "sent", "2015-11-30")
        members = q(monday, "SELECT obligation_id, status, digest_id, plan_id FROM outbox WHERE recipient = :r "
                            "AND stage <> 'digest' AND status <> 'skipped' ORDER BY id", r=KGSWJ)
        assert len(members) == 19 and {(s, d, p) for _o, s, d, p in members} == {("bundled", digest_id, plan_id)}
        assert q(monday, "SELECT digest_id FROM outbox WHERE id = :i", i=digest_id) == [(digest_id,)]
        (job,) = [j for r, _t, j in sender.sent if r == KGSWJ]
        assert job.outbox_id == digest_id and job.stage == "digest"
        decisions = job.meta.pop("decisions")
        assert job.meta == {"digest": True, "members": [o for o, *_rest in members], "stages": ["reminder"] * 19,
                            "unit": "市科工商务局", "duty": "digest", "stage_key": key, "doc_no": None}
        # each decision it carries, as the simulate sink records it
        assert [d["obligation"] for d in decisions] == job.meta["members"]
        assert {(d["stage"], d["duty"], d["unit"], d["own"]) for d in decisions} == {
            ("reminder", "task_report", "市科工商务局", True)}
        # The digest's recorded title and body are its email form; one delivery, one target state.
        assert q(monday, "SELECT title, body FROM outbox WHERE id = :i", i=digest_id) == [
            (job.message.title, job.message.body)]
        assert q(monday, "SELECT COUNT(*) FROM delivery WHERE outbox_id = :i", i=digest_id) == [(1,)]
        # A row that went alone carries itself.
        zhenlong = q(monday, "SELECT status, digest_id = id, carried_on FROM outbox "
                             "WHERE recipient = 'unit-zhenlong+role-handler' AND status <> 'skipped'")
        assert [(s, bool(c), str(d)) for s, c, d in zhenlong] == [("sent", True, "2015-11-30")]

    def test_two_dispatchers_at_once_make_one_carrier_per_recipient(self, monday: sa.Engine, db_url: str) -> None:
        sender = Recorder()
        start = threading.Barrier(2, timeout=60)
        errors: list[BaseException] = []

        def work(name: str) -> None:
            engine = make_engine(db_url)
            try:
                start.wait()
                for _ in range(50):  # bounded: a few batches of 3 empty the queue
                    if not run(engine, sender, MONDAY, limit=3, worker=name).claimed:
                        break
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=work, args=(f"w{i}",), daemon=True) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads) and errors == []
        assert sender.by_recipient() == Counter(dict.fromkeys(sender.by_recipient(), 1))
        assert len(sender.sent) == CARRIERS
        assert q(monday, "SELECT COUNT(*) FROM outbox WHERE stage = 'digest'") == [(3,)]
        per_day = q(monday, "SELECT plan_id, recipient, carried_on, COUNT(*) FROM outbox WHERE digest_id = id "
                            "GROUP BY plan_id, recipient, carried_on HAVING COUNT(*) > 1")
        assert per_day == []
        assert q(monday, "SELECT status, COUNT(*) FROM outbox WHERE status <> 'skipped' GROUP BY status "
                         "ORDER BY status") == [("bundled", BUNDLED), ("sent", CARRIERS)]

    def test_two_bundle_steps_at_once_decide_once(self, monday: sa.Engine, db_url: str) -> None:
        start = threading.Barrier(2, timeout=60)
        results: list[object] = []

        def work() -> None:
            engine = make_engine(db_url)
            try:
                with session_scope(engine) as s:
                    start.wait()
                    results.append(bundle(session=s, now=MONDAY, cal=CAL, hours=HOURS))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                results.append(exc)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=work, daemon=True) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(results) == 2 and all(not isinstance(r, BaseException) for r in results), results
        assert sorted(r.taken for r in results) == [0, QUEUED]  # type: ignore[attr-defined]
        assert q(monday, "SELECT COUNT(*) FROM outbox WHERE digest_id = id") == [(CARRIERS,)]

    def test_a_bundle_step_waits_for_the_one_under_way(self, monday: sa.Engine, db_url: str) -> None:
        """The turn is the transaction's: PostgreSQL's advisory lock, SQLite's BEGIN IMMEDIATE."""
        done = threading.Event()
        holder = make_engine(db_url)
        try:
            with session_scope(holder) as a:
                take_digest_turn(a)
                a.execute(sa.text("SELECT 1"))  # SQLite: the first statement begins the (immediate) transaction

                def other() -> None:
                    engine = make_engine(db_url)
                    try:
                        with session_scope(engine) as b:
                            bundle(session=b, now=MONDAY, cal=CAL, hours=HOURS)
                        done.set()
                    finally:
                        engine.dispose()

                worker = threading.Thread(target=other, daemon=True)
                worker.start()
                assert not done.wait(1.0)  # still waiting for the turn
            worker.join(timeout=60)
            assert done.is_set()
        finally:
            holder.dispose()
        assert q(monday, "SELECT COUNT(*) FROM outbox WHERE digest_id = id") == [(CARRIERS,)]

    def test_later_rows_wait_for_the_next_working_day(self, monday: sa.Engine) -> None:
        sender = Recorder()
        run(monday, sender, MONDAY)
        # In the afternoon a notice to the leader about an obligation (no attachment) and another reminder to
        # 镇隆镇's handler are queued: both recipients already had today's message.
        afternoon = MONDAY.replace(hour=14)
        (ob,) = q(monday, "SELECT o.id FROM obligation o JOIN unit u ON u.id = o.unit_id JOIN duty d ON "
                          "d.id = o.duty_id WHERE u.code = 'zhenlong' AND d.code = 'progress-report' "
                          "AND o.period = '2015-12-05'")[0]
        with session_scope(monday) as s:
            queue_info(session=s, recipient=LEADER, role="leader", title="销号申请", body="正文", key="apply@1",
                       now=afternoon, cal=CAL, hours=HOURS, obligation_id=int(str(ob)))
            assert insert_ignore(s, {
                "obligation_id": ob, "stage_key": "reminder@-1", "stage": "reminder", "level": 0,
                "recipient": "unit-zhenlong+role-handler", "role": "handler", "status": "pending", "attempts": 0,
                "not_before": afternoon, "next_attempt_at": afternoon, "created_at": afternoon})
        later = run(monday, sender, afternoon)
        assert later.bundled is not None and (later.bundled.deferred, later.claimed) == (2, 0)
        tuesday = dt.datetime(2015, 12, 1, 9, 0, tzinfo=TZ)
        waiting = q(monday, "SELECT recipient, status, carried_on, digest_id FROM outbox "
                            f"WHERE {LATER} ORDER BY recipient", o=ob)
        assert waiting == [
            (LEADER, "pending", None, None), ("unit-zhenlong+role-handler", "pending", None, None)]
        with session_scope(monday) as s:  # read through the table: aware datetimes on both backends
            times = {(r.next_attempt_at, r.not_before) for r in s.exec(
                select(Outbox).where(col(Outbox.stage_key).in_(["apply@1", "reminder@-1"]),
                                    col(Outbox.obligation_id) == ob))}
        assert times == {(tuesday, tuesday)}
        assert run(monday, sender, tuesday - dt.timedelta(minutes=1)).outside_hours
        nxt = run(monday, sender, tuesday)
        assert (nxt.claimed, nxt.sent) == (2, 2)
        assert sender.by_recipient()[LEADER] == 2 and sender.by_recipient()["unit-zhenlong+role-handler"] == 2
        assert {str(d) for (d,) in q(monday, f"SELECT carried_on FROM outbox WHERE {LATER}", o=ob)} == {"2015-12-01"}

    def test_a_friday_afternoon_row_waits_for_monday(self, engine: sa.Engine) -> None:
        friday = dt.datetime(2015, 12, 4, 10, 0, tzinfo=TZ)
        seed(engine, friday)
        sender = Recorder()
        run(engine, sender, friday)
        (ob,) = q(engine, "SELECT MIN(id) FROM obligation WHERE status = 'open'")[0]
        with session_scope(engine) as s:
            queue_info(session=s, recipient=LEADER, role="leader", title="报告", body="正文", key="late@1",
                       now=friday.replace(hour=15), cal=CAL, hours=HOURS, obligation_id=int(str(ob)))
        res = run(engine, sender, friday.replace(hour=15))
        assert sender.by_recipient()[LEADER] == 1 and res.bundled is not None and res.bundled.deferred == 1
        assert run(engine, sender, dt.datetime(2015, 12, 5, 10, 0, tzinfo=TZ)).outside_hours  # Saturday
        monday = run(engine, sender, dt.datetime(2015, 12, 7, 9, 0, tzinfo=TZ))
        assert sender.by_recipient()[LEADER] == 2 and monday.sent >= 1


class TestClosedMembers:
    def test_a_member_closed_before_sending_drops_out(self, monday: sa.Engine) -> None:
        with session_scope(monday) as s:
            bundle(session=s, now=MONDAY, cal=CAL, hours=HOURS)
        digest_id = digest_of(monday, KGSWJ)[0]
        first, *_rest = [int(str(o)) for (o,) in q(
            monday, "SELECT obligation_id FROM outbox WHERE digest_id = :d AND id <> :d ORDER BY id", d=digest_id)]
        with session_scope(monday) as s:
            assert close_obligation(session=s, obligation_id=first, status="submitted", now=MONDAY)
        sender = Recorder()
        res = run(monday, sender, MONDAY)
        (job,) = [j for r, _t, j in sender.sent if r == KGSWJ]
        assert len(job.meta["members"]) == 18 and first not in job.meta["members"]
        assert res.cancelled == 0 and res.sent == CARRIERS
        assert q(monday, "SELECT status FROM outbox WHERE digest_id = :d AND obligation_id = :o", d=digest_id,
                 o=first) == [("cancelled",)]
        assert q(monday, "SELECT status FROM outbox WHERE id = :d", d=digest_id) == [("sent",)]

    def test_a_digest_whose_members_all_closed_is_cancelled_never_sent(self, monday: sa.Engine) -> None:
        with session_scope(monday) as s:
            bundle(session=s, now=MONDAY, cal=CAL, hours=HOURS)
        digest_id = digest_of(monday, FGJ)[0]
        obs = [int(str(o)) for (o,) in q(monday, "SELECT obligation_id FROM outbox WHERE digest_id = :d AND id <> :d",
                                         d=digest_id)]
        assert len(obs) == 2
        with session_scope(monday) as s:
            for ob in obs:
                close_obligation(session=s, obligation_id=ob, status="submitted", now=MONDAY)
        sender = Recorder()
        res = run(monday, sender, MONDAY)
        assert FGJ not in sender.by_recipient()
        assert (res.claimed, res.sent, res.cancelled, res.retrying, res.failed) == (CARRIERS, CARRIERS - 1, 1, 0, 0)
        [(status, sent_at, attempts, why)] = q(monday, "SELECT status, sent_at, attempts, last_error FROM outbox "
                                                       "WHERE id = :d", d=digest_id)
        assert (status, sent_at) == ("cancelled", None) and "closed" in str(why)
        assert q(monday, "SELECT COUNT(*) FROM delivery WHERE outbox_id = :d", d=digest_id) == [(0,)]
        assert q(monday, "SELECT COUNT(*) FROM delivery_target WHERE outbox_id = :d", d=digest_id) == [(0,)]
        assert q(monday, "SELECT DISTINCT status FROM outbox WHERE digest_id = :d AND id <> :d", d=digest_id) == [
            ("cancelled",)]
        assert run(monday, sender, MONDAY + dt.timedelta(hours=1)).claimed == 0  # and never claimed again


class TestNumbers:
    def test_sequential_per_plan_and_year_restarting_each_year(self, june: sa.Engine) -> None:
        run(june, Recorder(), JUNE_NOTICES)
        first = numbers(june, 2016)
        assert sorted(first.values()) == list(range(1, len(first) + 1)) and len(first) == 24
        # In outbox order: the carrier of the earlier decision has the smaller number.
        order = [c for c, _n in sorted(first.items(), key=lambda kv: kv[1])]
        assert order == sorted(order, key=lambda c: first_row(june, c))
        # December's 督办单 continue the year's count; next June's start again at 1.
        december = dt.datetime(2016, 12, 8, 9, 30, tzinfo=TZ)
        with session_scope(june) as s:
            sweep(session=s, cal=CAL, escalation=ESC, now=december)
        run(june, Recorder(), december)
        assert sorted(numbers(june, 2016).values()) == list(range(1, 49))
        june17 = dt.datetime(2017, 6, 8, 9, 30, tzinfo=TZ)
        with session_scope(june) as s:
            sweep(session=s, cal=CAL, escalation=ESC, now=june17)
        run(june, Recorder(), june17)
        assert sorted(numbers(june, 2017).values()) == list(range(1, 25))
        assert q(june, "SELECT series, year, \"last\" FROM serial ORDER BY year") == [("notice", 2016, 48),
                                                                                    ("notice", 2017, 24)]
        # Only heads' carriers of a notice are numbered.
        assert q(june, "SELECT DISTINCT role FROM outbox WHERE doc_no IS NOT NULL") == [("head",)]
        assert q(june, "SELECT COUNT(*) FROM outbox c WHERE c.digest_id = c.id AND c.role = 'head' AND c.doc_no IS "
                       "NULL AND EXISTS (SELECT 1 FROM outbox m WHERE m.digest_id = c.id AND m.stage = 'notice')"
                 ) == [(0,)]

    def test_without_a_notice_code_the_issuers_first_character(self, june: sa.Engine) -> None:
        with june.begin() as c:
            c.execute(sa.text("UPDATE plan SET notice_code = NULL, issuer = '高州市人民政府'"))
        run(june, Recorder(), JUNE_NOTICES)
        got = {str(d) for (d,) in q(june, "SELECT doc_no FROM outbox WHERE doc_no IS NOT NULL")}
        assert len(got) == 24 and all(d.startswith("高督办〔2016〕") and d.endswith("号") for d in got)


def numbers(engine: sa.Engine, year: int) -> dict[int, int]:
    """Carrier id → its 督办单 number, for one year."""
    prefix = f"信督办〔{year}〕"
    return {int(str(i)): int(str(d)[len(prefix):-1]) for i, d in q(engine, "SELECT id, doc_no FROM outbox "
                                                                       "WHERE doc_no LIKE :p", p=f"{prefix}%")}


def first_row(engine: sa.Engine, carrier: int) -> int:
    return int(str(q(engine, "SELECT MIN(id) FROM outbox WHERE digest_id = :c", c=carrier)[0][0]))


class Captured:
    """Wraps the dispatcher's renderers to keep what they were given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.single: list[MessageContext] = []
        self.digests: list[DigestContext] = []
        real_render, real_digest = compose_module.render, compose_module.render_digest

        def render(ctx: MessageContext, *, template: str | None = None) -> RenderedMessage:
            self.single.append(ctx)
            return real_render(ctx, template=template)

        def render_digest(digest: DigestContext) -> RenderedMessage:
            self.digests.append(digest)
            return real_digest(digest)

        monkeypatch.setattr(compose_module, "render", render)
        monkeypatch.setattr(compose_module, "render_digest", render_digest)


class TestContexts:
    def test_the_coordinators_copy_names_the_heads_number(self, june: sa.Engine,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
        seen = Captured(monkeypatch)
        run(june, Recorder(), JUNE_NOTICES)
        heads = {str(u): str(d) for u, d in q(
            june, "SELECT u.name, c.doc_no FROM outbox c JOIN outbox m ON m.digest_id = c.id JOIN obligation o ON "
                  "o.id = m.obligation_id JOIN unit u ON u.id = o.unit_id WHERE c.role = 'head' AND m.stage = 'notice' "
                  "AND c.doc_no IS NOT NULL")}
        (copies,) = [d for d in seen.digests if d.role == "coordinator"]
        notices = [m for m in copies.members if m.stage == "notice"]
        assert len(notices) == 25 and len(heads) == 24  # 市发改局 leads two items: one 督办单 lists both
        assert all(m.doc_no == heads[m.unit_name] and m.doc_no for m in notices)
        # The heads' own: a 督办单 alone names its number, and so does each member of a head's digest.
        for ctx in seen.single:
            if ctx.role == "head":
                assert ctx.doc_no == heads[ctx.unit_name]
        (fgj,) = [d for d in seen.digests if d.role == "head"]
        assert fgj.doc_no and all(m.doc_no == fgj.doc_no for m in fgj.members) and len(fgj.members) == 2

    def test_every_field_of_a_ladder_message(self, june: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
        seen = Captured(monkeypatch)
        run(june, Recorder(), JUNE_NOTICES)
        (notice,) = [c for c in seen.single if c.role == "head" and c.unit_name == "镇隆镇"]
        assert (notice.stage, notice.due_on, notice.nominal_due_on, notice.holiday_rule) == (
            "notice", dt.date(2016, 6, 6), dt.date(2016, 6, 5), "rolled_forward")
        assert notice.next_on == CAL.add_working_days(dt.date(2016, 6, 6), 7)  # the leader, escalate@7
        assert notice.limit_on == CAL.previous_working_day(notice.next_on)
        assert (notice.overdue_stage, notice.overdue_on) == (None, None)  # already overdue
        assert notice.issuer == "市科工商务局" and notice.issued_on == dt.date(2016, 6, 13)
        assert notice.contact is not None and (notice.contact.unit, notice.contact.person, notice.contact.email) == (
            "市科工商务局", "督查股 李明", "dbk@kgswj.xinyi.example")
        assert notice.clause_ref == "第五部分第(三)项" and notice.leader_title == "市政府分管领导"
        assert notice.doc_no.startswith("信督办〔2016〕") and notice.obligation_title == ""
        # Before the due date: what follows if it is missed is the 催办 the working day after it.
        with session_scope(june) as s:
            sweep(session=s, cal=CAL, escalation=ESC, now=dt.datetime(2016, 11, 28, 9, 30, tzinfo=TZ))
        run(june, Recorder(), dt.datetime(2016, 11, 28, 9, 30, tzinfo=TZ))
        reminders = [c for c in seen.single if c.stage == "reminder" and c.unit_name == "镇隆镇"]
        assert reminders, [(c.stage, c.unit_name) for c in seen.single]
        r = reminders[0]
        assert (r.overdue_stage, r.overdue_on) == ("urge", CAL.add_working_days(r.due_on, 1))
        assert r.limit_on is None and r.doc_no == "" and r.issued_on == dt.date(2016, 11, 28)
        # The inspection is the issuer's duty: its messages come from the office that prepares it.
        inspections = [c for d in seen.digests for c in d.members if c.duty_kind == "inspection"] + [
            c for c in seen.single if c.duty_kind == "inspection"]
        assert inspections and {c.issuer for c in inspections} == {"市科工商务局"}
        assert {c.duty_owner for c in inspections} == {"信宜市人民政府"}


    def test_what_was_done_before_and_what_comes_next(self, engine: sa.Engine,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
        due = dt.date(2016, 6, 6)
        urged, noticed, escalated = (CAL.add_working_days(due, n) for n in (1, 3, 7))
        seed(engine, dt.datetime.combine(urged, dt.time(9, 30), TZ))  # the first sweep: the 催办 day
        seen = Captured(monkeypatch)
        day = urged
        while day <= escalated:
            if CAL.is_working_day(day):
                now = dt.datetime.combine(day, dt.time(9, 30), TZ)
                with session_scope(engine) as s:
                    sweep(session=s, cal=CAL, escalation=ESC, now=now)
                run(engine, Recorder(), now)
            day += dt.timedelta(days=1)
        zhenlong = [c for c in seen.single + [m for d in seen.digests for m in d.members]
                    if c.unit_name == "镇隆镇" and c.duty_kind == "progress_report" and c.due_on == due]
        by_stage = {c.stage: c for c in zhenlong if c.role != "coordinator"}
        assert set(by_stage) == {"urge", "notice", "escalate"}
        assert (by_stage["urge"].urged_on, by_stage["notice"].urged_on, by_stage["notice"].noticed_on) == (
            None, urged, None)
        leader = by_stage["escalate"]
        assert (leader.urged_on, leader.noticed_on, leader.escalated_on) == (urged, noticed, None)
        (number,) = q(engine, "SELECT c.doc_no FROM outbox c JOIN outbox m ON m.digest_id = c.id JOIN obligation o "
                              "ON o.id = m.obligation_id JOIN unit u ON u.id = o.unit_id WHERE u.name = '镇隆镇' "
                              "AND m.stage = 'notice' AND m.role = 'head' AND o.due_on = :d", d=due)[0]
        assert number and leader.doc_no == number == by_stage["notice"].doc_no
        (meeting,) = q(engine, "SELECT MIN(o.due_on) FROM obligation o JOIN duty d ON d.id = o.duty_id "
                               "WHERE d.kind = 'joint_meeting' AND o.due_on >= :d", d=escalated)[0]
        assert leader.next_meeting_on is not None and str(leader.next_meeting_on) == str(meeting)
        assert {c.unit_kind for c in zhenlong} == {"town"}


class TestRetriesAndLoners:
    def test_a_failed_digest_is_retried_only_to_the_target_that_failed(self, monday: sa.Engine) -> None:
        down = {"b"}
        sender = Recorder(ids=("a", "b"), fail=lambda job, target: job.recipient == LEADER and target in down)
        first = run(monday, sender, MONDAY)
        assert first.retrying == 1 and first.sent == CARRIERS - 1
        digest_id = digest_of(monday, LEADER)[0]
        assert [(t) for r, t, _j in sender.sent if r == LEADER] == ["a"]
        down.clear()
        again = run(monday, sender, MONDAY + dt.timedelta(minutes=6))
        assert (again.claimed, again.sent) == (1, 1)
        assert [t for r, t, _j in sender.sent if r == LEADER] == ["a", "b"]  # 'a' is not sent to again
        assert q(monday, "SELECT status, attempts FROM outbox WHERE id = :d", d=digest_id) == [("sent", 2)]
        assert q(monday, "SELECT target, status, attempts FROM delivery_target WHERE outbox_id = :d ORDER BY target",
                 d=digest_id) == [("a", "sent", 1), ("b", "sent", 2)]
        assert q(monday, "SELECT DISTINCT status FROM outbox WHERE digest_id = :d AND id <> :d", d=digest_id) == [
            ("bundled",)]
        # The retry renders the same members again.
        jobs = [j for r, _t, j in sender.sent if r == LEADER]
        assert jobs[0].meta["members"] == jobs[1].meta["members"] and len(jobs[0].meta["members"]) == 41

    def test_notices_with_attachments_travel_alone_and_the_leaders_notes_join_the_digest(
            self, monday: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
        (ob,) = q(monday, "SELECT MIN(id) FROM obligation")[0]
        note = RenderedMessage(title="销号申请", body="邮件正文", text="即时消息正文", markdown="**即时消息**正文")
        with session_scope(monday) as s:
            queue_info(session=s, recipient=LEADER, role="leader", key="apply@1", now=MONDAY, cal=CAL, hours=HOURS,
                       obligation_id=int(str(ob)), message=note)
            queue_info(session=s, recipient=LEADER, role="leader", title="报表", body="见附件", key="table@1",
                       now=MONDAY, cal=CAL, hours=HOURS, obligation_id=int(str(ob)), attachments=["/tmp/x.xlsx"])
            queue_info(session=s, recipient="unit-zhenlong+role-head", role="head", title="通知", body="正文",
                       key="head@1", now=MONDAY, cal=CAL, hours=HOURS, obligation_id=int(str(ob)))
        assert json.loads(str(q(monday, "SELECT payload FROM outbox WHERE stage_key = 'apply@1'")[0][0])) == {
            "title": "销号申请", "body": "邮件正文", "text": "即时消息正文", "markdown": "**即时消息**正文"}
        seen = Captured(monkeypatch)
        sender = Recorder()
        run(monday, sender, MONDAY)
        to_leader = [j for r, _t, j in sender.sent if r == LEADER]
        assert sorted(j.stage for j in to_leader) == ["digest", "info"]  # the workbook went on its own
        (alone,) = [j for j in to_leader if j.stage == "info"]
        assert alone.message.title == "报表" and [str(p) for p in alone.attachments] == ["/tmp/x.xlsx"]
        (digest,) = seen.digests[-1:] if seen.digests[-1].role == "leader" else [
            d for d in seen.digests if d.role == "leader"]
        assert digest.notes == (note,) and len(digest.members) == 41
        assert sender.by_recipient()["unit-zhenlong+role-head"] == 1  # a notice to a head is not bundled
        assert q(monday, "SELECT status, digest_id FROM outbox WHERE stage_key IN ('table@1', 'head@1')") == [
            ("sent", None), ("sent", None)]


def test_a_pending_row_behind_a_bundled_decision_is_superseded(monday: sa.Engine) -> None:
    # One of the coordinator's work reminders waits (as after downtime: not ready yet) when a newer decision for the
    # same obligation and recipient is queued and bundled into the day's digest: the older one must never go out.
    (older, ob) = q(monday, "SELECT MIN(id), MIN(obligation_id) FROM outbox WHERE recipient = :r "
                            "AND status = 'pending' AND obligation_id = (SELECT MIN(obligation_id) FROM outbox "
                            "WHERE recipient = :r AND status = 'pending')", r=KGSWJ)[0]
    with session_scope(monday) as s:
        row = s.get(Outbox, older)
        assert row is not None
        row.next_attempt_at = MONDAY + dt.timedelta(days=1)
        s.flush()
        assert insert_ignore(s, {
            "obligation_id": ob, "stage_key": "reminder@-1", "stage": "reminder", "level": 0, "recipient": KGSWJ,
            "role": "handler", "status": "pending", "attempts": 0, "not_before": MONDAY, "next_attempt_at": MONDAY,
            "created_at": MONDAY})
    with session_scope(monday) as s:
        bundle(session=s, now=MONDAY, cal=CAL, hours=HOURS)
    assert q(monday, "SELECT status FROM outbox WHERE obligation_id = :o AND recipient = :r ORDER BY id", o=ob,
             r=KGSWJ) == [("pending",), ("bundled",)]
    with session_scope(monday) as s:
        assert supersede_stale(s) == 1
    assert q(monday, "SELECT status FROM outbox WHERE id = :i", i=older) == [("superseded",)]
