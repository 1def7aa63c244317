"""The `sweep` flow with a broken plan stored beside the seed plan: its artifact names the plan set aside."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from flows.ops.commands import engine_for, init_database, load_plan_path
from tests.conftest import SEED_PLAN, seed_obligations
from tests.models.engine.conftest import FIRST_MONDAY, add_broken_plan, pending_by_kind

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2015, 11, 30, 9, 30, tzinfo=TZ)


def test_sweep_flow_chases_the_good_plan_and_shows_the_broken_one(prefect_api: str, db_url: str) -> None:
    from prefect.client.orchestration import get_client

    from flows.orchestration.engine import sweep_flow

    init_database()
    load_plan_path(SEED_PLAN)
    add_broken_plan(engine_for())
    result = sweep_flow(as_of=MONDAY)
    assert result["generated"]["total"] == seed_obligations()
    assert result["swept"]["enqueued"] == sum(FIRST_MONDAY.values())  # the seed plan's, as with it alone
    assert pending_by_kind(engine_for(), plan="xinyi-2015-2017") == FIRST_MONDAY
    assert [f["plan"] for f in result["generated"]["failed"]] == ["broken"]
    with engine_for().connect() as conn:  # and the coordinator's notice
        assert conn.execute(sa.text("SELECT COUNT(*) FROM outbox WHERE recipient = 'role-fallback'")).scalar() == 1
    with get_client(sync_client=True) as client:
        latest = {a.key: a for a in client.read_latest_artifacts()}
    markdown = str(latest["sweep"].data)
    assert markdown.startswith(f"**督办扫描 2015-11-30T09:30:00+08:00**：新建督办事项 {seed_obligations()} 项，"
                               f"入队消息 {sum(FIRST_MONDAY.values())} 条")
    line = markdown.splitlines()[-1]
    assert line.startswith("- ⚠️ **计划 broken 本次生成督办事项失败，已暂停督办并通知协调单位**(其他计划照常督办)：")
    assert "0001\\-01\\-01 is outside the years 1900–2100" in line
