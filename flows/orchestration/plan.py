"""Flows about the plan itself: `load-plan` validates and upserts a plan file from the UI."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from config.settings import get_settings
from flows.ops.commands import load_plan_path
from notifications.messages.breakdown import breakdown_markdown


@task(name="validate-and-upsert-plan")
def upsert_plan(path: str) -> dict[str, Any]:
    """Validate the plan file (only inside DUBAN_PLANS_DIR) and upsert it in one transaction."""
    loaded = load_plan_path(path, plans_dir_only=True)
    logger = get_run_logger()
    logger.info(loaded.summary())
    for change in loaded.result.changes:
        logger.info("  %s", change)
    create_markdown_artifact(
        key="plan-breakdown",
        markdown=breakdown_markdown(loaded.spec),
        description=f"任务分解表 · {loaded.spec.title}",
    )
    return {"plan": loaded.result.code, "created": loaded.result.created, "changes": loaded.result.changes,
            "summary": loaded.summary()}


@flow(name="load-plan", description="校验并载入实施方案文件(任务分解表、目标、工作要求)。")
def load_plan_flow(path: str = str(get_settings().plan)) -> dict[str, Any]:
    """Load a plan file into duban's database: a path on the server's machine, inside DUBAN_PLANS_DIR
    (a relative path is taken there); any other path is refused in one line before it is opened."""
    return upsert_plan(path)
