"""The duty engine's flows: `sweep` decides what is due and queues it, `dispatch` sends what is queued.

Both are scheduled every half hour in Asia/Shanghai; each is idempotent and safe to run late, twice or
concurrently (the outbox's unique key and claims do the work), so Prefect's catch-up of late runs
after downtime sends what is due *now*, once.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import asdict
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from config.settings import get_settings
from flows.ops.delivery import contacts_sender, recent_messages_table
from flows.ops.engine import engine_context, generate, run_dispatch, run_sweep
from models.dates import now as clock_now
from models.dates import to_local
from models.db import session_scope
from notifications.delivery.dispatch import recent_messages
from notifications.messages.markdown import md_rows


@task(name="generate-obligations")
def generate_task(as_of: dt.datetime) -> dict[str, Any]:
    """Create the obligations of every duty that are missing (idempotent)."""
    res = generate(engine_context(), as_of)
    for notice in res.calendar_notices:
        get_run_logger().warning(notice)
    for failure in res.failed:
        get_run_logger().error("plan %s set aside: %s (the coordinator is told; every other plan goes on)",
                               failure.plan, failure.error)
    return {"created": res.created, "moved": res.moved, "total": res.total,
            "failed": [asdict(f) for f in res.failed]}


@task(name="sweep-obligations")
def sweep_task(as_of: dt.datetime) -> dict[str, Any]:
    """One set-based sweep: enqueue the current ladder stage of every obligation that has one due."""
    res = run_sweep(engine_context(), as_of)
    for failure in res.failed:
        get_run_logger().error("plan %s set aside in the sweep: %s (the coordinator is told; every other plan "
                               "goes on)", failure.plan, failure.error)
    return {"as_of": to_local(res.as_of).isoformat(), "enqueued": res.enqueued, "skipped": res.skipped,
            "advanced": res.advanced, "lights_changed": res.lights_changed, "cancelled": res.cancelled,
            "not_before": to_local(res.not_before).isoformat(), "failed": [asdict(f) for f in res.failed]}


def _md(text: str) -> str:
    """Plain text safe inside markdown: HTML escaped, markdown punctuation backslashed, one line."""
    return re.sub(r"([\\`*_\[\]{}()#+!|~>-])", r"\\\1", html.escape(" ".join(text.split()), quote=False))


def sweep_markdown(generated: dict[str, Any], swept: dict[str, Any]) -> str:
    """The `sweep` artifact: what this sweep did, and a line for each plan it had to set aside."""
    lines = [f"**督办扫描 {swept['as_of']}**：新建督办事项 {generated['created']} 项，"
             f"入队消息 {swept['enqueued']} 条(补记跳过 {swept['skipped']} 条)，推进 {swept['advanced']} 项，"
             f"亮灯变化 {swept['lights_changed']} 项，取消 {swept['cancelled']} 条。"]
    failed = [*generated["failed"], *swept["failed"]]
    if failed:
        lines.append("")
        for f in failed:
            step = "生成督办事项" if f["step"] == "generate" else "扫描"
            lines.append(f"- ⚠️ **计划 {_md(f['plan'])} 本次{step}失败，已暂停督办并通知协调单位**"
                         f"(其他计划照常督办)：{_md(f['error'])}")
    return "\n".join(lines)


@flow(name="sweep", description="督办扫描:按督办阶梯找出当前到期的提醒、催办、督办单和提级督办,写入待发队列。")
def sweep_flow(as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Decide which reminders and escalations are due now (or at ``as_of``) and queue them."""
    when = as_of if as_of is not None else clock_now()
    if when.tzinfo is None:
        raise ValueError("as_of must carry its time zone, e.g. 2016-06-07T09:30:00+08:00")
    generated = generate_task(when)
    swept = sweep_task(when)
    create_markdown_artifact(key="sweep", markdown=sweep_markdown(generated, swept),
                             description="督办扫描结果(有计划出错时在此列出)")
    if generated["total"]:
        from flows.orchestration.inspection import status_board_task

        status_board_task()
    get_run_logger().info("sweep as of %s: %s (obligations: %s)", swept["as_of"], swept, generated)
    return {"generated": generated, "swept": swept}


@task(name="send-queued-messages")
def dispatch_task(as_of: dt.datetime) -> dict[str, Any]:
    """Claim, render and send ready messages through the contacts; record every target's result."""
    res = run_dispatch(engine_context(), contacts_sender(get_settings()), as_of, clock=clock_now)
    return {"claimed": res.claimed, "sent": res.sent, "retrying": res.retrying, "failed": res.failed,
            "superseded": res.superseded, "possible_duplicates": res.possible_duplicates,
            "outside_hours": res.outside_hours}


@task(name="recent-messages-artifact")
def recent_messages_task() -> int:
    """Refresh the `recent-messages` table artifact (errors scrubbed of secrets)."""
    ctx = engine_context()
    with session_scope(ctx.engine) as session:
        table = recent_messages_table(recent_messages(session=session, limit=50))
    create_table_artifact(key="recent-messages", table=md_rows(table), description="最近发送的督办消息(最新在前)")
    return len(table)


@flow(name="dispatch", description="发送待发队列中的督办消息(仅在工作日工作时间),失败自动重试。")
def dispatch_flow() -> dict[str, Any]:
    """Send what is queued and ready; outside working hours nothing is sent."""
    result = dispatch_task(clock_now())
    recent_messages_task()
    get_run_logger().info("dispatch: %s", result)
    return result
