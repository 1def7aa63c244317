"""Every deployment `duban up` serves, with schedules in Asia/Shanghai taken from the plan and settings.

:func:`all_deployments` builds them from the forms and the stored plan; :mod:`flows.orchestration.serving`
calls it when serving starts and again when the choices change, and applies what changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from prefect import Flow
from prefect.schedules import Cron
from prefect.utilities.callables import parameter_schema

from config.settings import Settings
from flows.ops.commands import stored_plan
from flows.orchestration.done import build_done_forms, build_record_done_flow
from flows.orchestration.duties import (
    build_progress_reports_flow,
    build_record_meeting_minutes_flow,
    build_submit_progress_report_flow,
    import_report_workbook_flow,
    joint_meeting_flow,
    target_decomposition_flow,
)
from flows.orchestration.engine import dispatch_flow, sweep_flow
from flows.orchestration.forms import Forms
from flows.orchestration.inspection import build_inspection_flow
from flows.orchestration.plan import load_plan_flow
from flows.orchestration.tasks import (
    build_review_task_report_flow,
    build_submit_task_report_flow,
    build_task_forms,
    build_task_reports_flow,
)
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
                                 "task-reports": [],
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
        elif duty.kind is DutyKind.TASK_REPORT:
            out["task-reports"] += [_yearly(md, REPORT_WINDOW_DAYS, 9, settings) for md in dates]
    return out


def plan_or_none(settings: Settings | None = None) -> PlanSpec | None:
    """The stored plan, or None when there is none (or no database yet)."""
    try:
        return stored_plan(settings=settings)
    except DubanError:
        return None


def _schedule_fields(schedule: Any) -> dict[str, Any]:
    """A schedule's fields, less its anchor date (a cron schedule is anchored at the moment it is built)."""
    return {k: v for k, v in dataclasses.asdict(schedule).items() if k != "anchor_date"}


@dataclass(frozen=True)
class ServedDeployment:
    """One deployment to serve: its flow, name, tags, description and schedules."""

    name: str
    flow: Flow[..., Any]
    description: str
    tags: list[str]
    schedules: list[Any] = field(default_factory=list)
    # Built from the forms inside a function, so a worker process cannot import it by name: the runner must
    # run this very object (Runner.add_flow) instead of loading the flow from its module.
    from_forms: bool = False

    def signature(self) -> str:
        """What the server holds of this deployment (parameter schema, schedules, description, tags) as text;
        when it is unchanged there is nothing to re-apply."""
        return json.dumps({"parameters": parameter_schema(self.flow).model_dump(mode="json"),
                           "schedules": [_schedule_fields(s) for s in self.schedules],
                           "description": self.description, "tags": self.tags},
                          sort_keys=True, ensure_ascii=False, default=str)


def all_deployments(forms: Forms, plan: PlanSpec | None, settings: Settings) -> list[ServedDeployment]:
    """The deployments to serve: the form flows built from ``forms``, schedules from ``plan`` and settings."""
    sched = duty_schedules(plan, settings)
    task_forms = build_task_forms(forms, plan)
    done_forms = build_done_forms(forms, plan)
    tags = ["duban"]
    return [
        ServedDeployment("load-plan", load_plan_flow, tags=[*tags, "plan"],
                         description="载入或更新实施方案(YAML)。参数 path: 服务器上的方案文件路径。"),
        ServedDeployment("sweep", sweep_flow, tags=[*tags, "engine"], schedules=[_half_hourly(0, settings)],
                         description="每半小时扫描到期义务,写入提醒/催办/督办单队列,刷新督办总览。"),
        ServedDeployment("dispatch", dispatch_flow, tags=[*tags, "engine"], schedules=[_half_hourly(5, settings)],
                         description="每半小时发送队列中的消息(仅工作日工作时间),刷新 recent-messages。"),
        ServedDeployment("progress-reports", build_progress_reports_flow(forms), tags=[*tags, "duty"],
                         schedules=sched["progress-reports"], from_forms=True,
                         description="每个报送节点前两周发出报送通知;之后汇总报送情况。"),
        ServedDeployment("submit-progress-report", build_submit_progress_report_flow(forms), tags=[*tags, "form"],
                         from_forms=True, description="录入一个镇(街道)的进度报告。"),
        ServedDeployment("import-report-workbook", import_report_workbook_flow, tags=[*tags, "form"],
                         description="导入填好的进度报表(服务器上的 .xlsx 路径)。"),
        ServedDeployment("target-decomposition", target_decomposition_flow, tags=[*tags, "duty"],
                         schedules=sched["target-decomposition"],
                         description="年度目标任务分解:草案 → 协调员批准/修改 → 下达。"),
        ServedDeployment("joint-meeting", joint_meeting_flow, tags=[*tags, "duty"], schedules=sched["joint-meeting"],
                         description="召开联席会议(按计划或临时),发出会议通知。"),
        ServedDeployment("record-meeting-minutes", build_record_meeting_minutes_flow(forms), tags=[*tags, "form"],
                         from_forms=True, description="录入会议纪要与议定事项。"),
        ServedDeployment("inspection", build_inspection_flow(forms), tags=[*tags, "duty"],
                         schedules=sched["inspection"], from_forms=True,
                         description="专项督查:评分、排名、通报、整改。每日检查是否到期。"),
        ServedDeployment("task-reports", build_task_reports_flow(task_forms), tags=[*tags, "duty"],
                         schedules=sched["task-reports"], from_forms=True,
                         description="每个任务报送节点前两周通知牵头单位报送任务落实情况,提示配合单位。"),
        ServedDeployment("submit-task-report", build_submit_task_report_flow(task_forms), tags=[*tags, "form"],
                         from_forms=True, description="代为录入一个单位的任务落实情况;报“已完成”即申请销号。"),
        ServedDeployment("review-task-report", build_review_task_report_flow(task_forms), tags=[*tags, "form"],
                         from_forms=True, description="销号审核:同意销号,或说明理由退回。"),
        ServedDeployment("record-done", build_record_done_flow(done_forms), tags=[*tags, "form"],
                         from_forms=True, description="代为录入办结:一次性工作、联席会议议定事项、督查整改。"),
    ]
