"""Generation and the sweep per plan: a broken plan is set aside and reported, every other plan is chased."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.ops.engine import EngineContext, engine_context, generate, run_dispatch, run_sweep
from models.db import session_scope
from models.errors import DatabaseError, PlanError
from models.plan.file import load_plan_file
from models.plan.store import load_plan
from notifications.channels.contacts import Contacts, default_contacts_yaml
from notifications.channels.mailcatcher import MailCatcher
from notifications.channels.router import ContactsSender
from tests.conftest import SEED_PLAN, seed_obligations
from tests.models.engine.conftest import AFTER_JUNE_2016, CAL, add_broken_plan, at, pending_by_kind, rows
from tests.notifications.helpers import write_contacts

NOTICES = ("SELECT stage_key, payload FROM outbox WHERE recipient = 'role-fallback' AND stage = 'info' "
           "ORDER BY id")


@pytest.fixture
def ctx(engine: sa.Engine, db_url: str) -> EngineContext:
    with session_scope(engine) as s:
        load_plan(load_plan_file(SEED_PLAN), session=s, now=at(dt.date(2015, 7, 6)))
    add_broken_plan(engine)  # loaded last: the newest plan, generated first
    return engine_context(db_url=db_url)


def test_a_broken_plan_is_set_aside_and_the_seed_plan_is_still_chased(ctx: EngineContext) -> None:
    res = generate(ctx, at(dt.date(2015, 7, 6)))
    assert [(f.plan, f.step) for f in res.failed] == [("broken", "generate")]
    assert "schedule from 0001-01-01 is outside the years 1900–2100" in res.failed[0].error
    assert (res.total, res.created) == (seed_obligations(),) * 2  # the seed plan's obligations, all of them
    res = run_sweep(ctx, at(CAL.add_working_days(dt.date(2016, 6, 6), 3)))
    assert (res.enqueued, res.failed) == (sum(AFTER_JUNE_2016.values()), [])  # as with the seed plan alone
    assert pending_by_kind(ctx.engine) == AFTER_JUNE_2016


def test_the_coordinator_is_told_once_a_day(ctx: EngineContext) -> None:
    for hour in (9, 10, 16):
        generate(ctx, at(dt.date(2015, 7, 6), hour))
    notices = rows(ctx.engine, NOTICES)
    assert [key for key, _ in notices] == [f"plan-failed@{pid}@2015-07-06" for (pid,) in
                                           rows(ctx.engine, "SELECT id FROM plan WHERE code = 'broken'")]
    payload = json.loads(str(notices[0][1]))
    assert payload["title"] == "【督办中断】计划broken本次未能生成督办事项"
    [(coordinator,)] = rows(ctx.engine, "SELECT coordinator FROM plan WHERE code = 'broken'")
    assert payload["body"].startswith(f"{coordinator}：\n")
    assert "其他计划照常督办" in payload["body"] and "1900–2100" in payload["body"]
    generate(ctx, at(dt.date(2015, 7, 7)))
    assert len(rows(ctx.engine, NOTICES)) == 2  # a new day, a new notice


def test_the_notice_reaches_the_coordinator_through_the_dispatcher(ctx: EngineContext, tmp_path: Path) -> None:
    generate(ctx, at(dt.date(2015, 7, 6)))
    units = [(str(c), str(n)) for c, n in rows(ctx.engine, "SELECT DISTINCT code, name FROM unit")]
    with MailCatcher(tmp_path / "mail") as catcher:
        path = write_contacts(tmp_path, default_contacts_yaml(units, smtp_host="127.0.0.1", smtp_port=catcher.port))
        sent = run_dispatch(ctx, ContactsSender(Contacts.from_file(path), min_gap_seconds=0.0),
                            at(dt.date(2015, 7, 6), 10))
        subjects = [str(m["Subject"]) for m in catcher.messages()]
    assert (sent.sent, sent.failed) == (1, 0)
    assert subjects == ["【督办中断】计划broken本次未能生成督办事项"]


def test_one_plan_asked_for_by_code_raises_its_error(ctx: EngineContext) -> None:
    with pytest.raises(PlanError, match="outside the years 1900–2100"):
        generate(ctx, at(dt.date(2015, 7, 6)), plan_code="broken")
    assert rows(ctx.engine, NOTICES) == []


def test_an_unreachable_database_fails_with_one_line_after_the_retries(tmp_path: Path) -> None:
    # Nothing listens on port 1: every connection is refused; the pauses are shortened for the test.
    ctx = dataclasses.replace(engine_context(db_url="postgresql+psycopg://duban@127.0.0.1:1/none"),
                              db_retry_delays=(0.01, 0.01))
    with pytest.raises(DatabaseError) as info:
        run_sweep(ctx, at(dt.date(2016, 6, 6)))
    message = str(info.value)
    assert message.startswith("the sweep could not reach the database at postgresql+psycopg://duban@127.0.0.1:1/none "
                              "after 3 tries (OperationalError: ")
    assert message.endswith("nothing of it was committed, the next run does it") and "\n" not in message
