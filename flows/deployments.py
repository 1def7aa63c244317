"""Every deployment `duban up` serves, with its schedules in Asia/Shanghai."""

from __future__ import annotations

from typing import Any

from flows.plan_flows import load_plan_flow


def all_deployments() -> list[Any]:
    """The deployments to serve. Later duties add theirs here."""
    return [
        load_plan_flow.to_deployment(
            name="load-plan",
            description="载入或更新实施方案(YAML)。参数 path: 服务器上的方案文件路径。",
            tags=["duban", "plan"],
        ),
    ]
