"""Every deployment `duban up` serves, with its schedules in Asia/Shanghai."""

from __future__ import annotations

from typing import Any

from prefect.schedules import Cron

from config.settings import get_settings
from flows.engine_flows import dispatch_flow, sweep_flow
from flows.plan_flows import load_plan_flow


def _half_hourly(minute: int, settings: Any) -> Any:
    """Every half hour from the start to the end of working hours, every day (the flows skip days off)."""
    start = int(settings.working_hours_start.split(":")[0])
    end = int(settings.working_hours_end.split(":")[0])
    return Cron(f"{minute},{minute + 30} {start}-{end} * * *", timezone=settings.timezone)


def all_deployments() -> list[Any]:
    """The deployments to serve."""
    settings = get_settings()
    return [
        load_plan_flow.to_deployment(
            name="load-plan",
            description="载入或更新实施方案(YAML)。参数 path: 服务器上的方案文件路径。",
            tags=["duban", "plan"],
        ),
        sweep_flow.to_deployment(
            name="sweep",
            description="每半小时(上海时间)扫描到期义务,写入提醒/催办/督办单队列。可指定 as_of 重放某一时刻。",
            tags=["duban", "engine"],
            schedules=[_half_hourly(0, settings)],
        ),
        dispatch_flow.to_deployment(
            name="dispatch",
            description="每半小时发送队列中的消息(仅工作日工作时间),并刷新 recent-messages。",
            tags=["duban", "engine"],
            schedules=[_half_hourly(5, settings)],
        ),
    ]
