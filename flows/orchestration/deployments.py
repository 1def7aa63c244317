"""Every deployment `duban up` serves, with schedules in Asia/Shanghai taken from the plan and settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect.schedules import Cron

from config.settings import Settings, get_settings
from flows.ops.commands import stored_plan
from flows.orchestration.duties import (
    import_report_workbook_flow,
    joint_meeting_flow,
    progress_reports_flow,
    record_meeting_minutes_flow,
    submit_progress_report_flow,
    target_decomposition_flow,
)
from flows.orchestration.engine import dispatch_flow, sweep_flow
from flows.orchestration.inspection import inspection_flow
from flows.orchestration.plan import load_plan_flow
from models.dates import working_hours
from models.enums import DutyKind
from models.errors import DubanError
from models.plan.schema import PlanSpec

REPORT_WINDOW_DAYS = 14  # the report notice goes out two weeks before each deadline
MEETING_NOTICE_DAYS = 7  # invitations a week before each scheduled joint meeting


def _half_hourly(minute: int, settings: Settings) -> Any:
    """Every half hour from the start to the end of working hours, every day (the flows skip days off)."""
    start, end = working_hours(settings)  # cron has whole hours; the flows keep to the minute-precise window
    return Cron(f"{minute},{minute + 30} {start.hour}-{end.hour} * * *", timezone=settings.timezone)


def _yearly(month_day: str, days_before: int, hour: int, settings: Settings) -> Any:
    """A yearly run ``days_before`` the MM-DD (reckoned in a leap year, so 02-29 works) at ``hour``."""
    when = dt.date(2016, *(int(x) for x in month_day.split("-"))) - dt.timedelta(days=days_before)
    return Cron(f"0 {hour} {when.day} {when.month} *", timezone=settings.timezone)


def duty_schedules(plan: PlanSpec | None, settings: Settings) -> dict[str, list[Any]]:
    """The plan-driven schedules of the duty deployments, by deployment name."""
    out: dict[str, list[Any]] = {"progress-reports": [], "target-decomposition": [], "joint-meeting": [],
                                 "inspection": [Cron("15 9 * * *", timezone=settings.timezone,
                                                     parameters={"only_if_due": True})]}
    if plan is None:
        return out
    for duty in plan.duties:
        dates = duty.schedule.dates
        if duty.kind is DutyKind.PROGRESS_REPORT:
            out["progress-reports"] += [_yearly(md, REPORT_WINDOW_DAYS, 9, settings) for md in dates]
        elif duty.kind is DutyKind.DECOMPOSITION:
            # Opens on the 1st of the month the split is due in ("4月底前" → 1 April).
            out["target-decomposition"] += [Cron(f"0 9 1 {int(md[:2])} *", timezone=settings.timezone)
                                             for md in dates]
        elif duty.kind is DutyKind.JOINT_MEETING:
            out["joint-meeting"] += [_yearly(md, MEETING_NOTICE_DAYS, 9, settings) for md in dates]
    return out


def _plan_or_none() -> PlanSpec | None:
    try:
        return stored_plan()
    except DubanError:
        return None


def all_deployments() -> list[Any]:
    """The deployments to serve."""
    settings = get_settings()
    sched = duty_schedules(_plan_or_none(), settings)
    tags = ["duban"]
    return [
        load_plan_flow.to_deployment(name="load-plan", tags=[*tags, "plan"],
                                     description="载入或更新实施方案(YAML)。参数 path: 服务器上的方案文件路径。"),
        sweep_flow.to_deployment(name="sweep", tags=[*tags, "engine"], schedules=[_half_hourly(0, settings)],
                                 description="每半小时扫描到期义务,写入提醒/催办/督办单队列,刷新督办总览。"),
        dispatch_flow.to_deployment(name="dispatch", tags=[*tags, "engine"], schedules=[_half_hourly(5, settings)],
                                    description="每半小时发送队列中的消息(仅工作日工作时间),刷新 recent-messages。"),
        progress_reports_flow.to_deployment(name="progress-reports", tags=[*tags, "duty"],
                                            schedules=sched["progress-reports"],
                                            description="每个报送节点前两周发出报送通知;之后汇总报送情况。"),
        submit_progress_report_flow.to_deployment(name="submit-progress-report", tags=[*tags, "form"],
                                                  description="录入一个镇(街道)的进度报告。"),
        import_report_workbook_flow.to_deployment(name="import-report-workbook", tags=[*tags, "form"],
                                                  description="导入填好的进度报表(服务器上的 .xlsx 路径)。"),
        target_decomposition_flow.to_deployment(name="target-decomposition", tags=[*tags, "duty"],
                                                schedules=sched["target-decomposition"],
                                                description="年度目标任务分解:草案 → 协调员批准/修改 → 下达。"),
        joint_meeting_flow.to_deployment(name="joint-meeting", tags=[*tags, "duty"],
                                         schedules=sched["joint-meeting"],
                                         description="召开联席会议(按计划或临时),发出会议通知。"),
        record_meeting_minutes_flow.to_deployment(name="record-meeting-minutes", tags=[*tags, "form"],
                                                  description="录入会议纪要与议定事项。"),
        inspection_flow.to_deployment(name="inspection", tags=[*tags, "duty"], schedules=sched["inspection"],
                                      description="专项督查:评分、排名、通报、整改。每日检查是否到期。"),
    ]
