"""Task supervision in the Prefect UI: the window, a task report entered for a unit, the close-out review.

- `task-reports` (scheduled two weeks before each task report node, or on demand): tells each lead unit
  which items to report on by when, each cooperating unit that it may contribute; publishes the
  `tasks-<period>` table (item, lead, status, light, when reported, on time, state).
- `submit-task-report` (form): a unit's report on one item, entered by the coordinator on its behalf; from the
  lead it submits the node (已完成 applies for close-out), from a cooperating unit it is a contribution.
- `review-task-report` (form): the coordinator's close-out review (销号): approve, or send back with a reason.

The forms' dropdowns (units, items, nodes) come from the loaded plan; the flows are built by the ``build_*``
functions when `duban up` serves.
"""

# No `from __future__ import annotations` here: the flows take their parameter types from forms built at run
# time, and Prefect reads a flow's signature at run time, which needs them as objects.

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from pydantic import BaseModel, Field

from flows.ops.engine import engine_context, generate
from flows.ops.tasks import (
    STATUS_ZH,
    open_task_window,
    pending_reviews,
    review_task_report,
    submit_task_report,
    task_summary,
)
from flows.orchestration.forms import Forms, _enum, value_of
from models.dates import now as clock_now
from models.enums import TaskStatus
from models.plan.schema import PlanSpec
from models.plan.tasks import task_nodes
from notifications.messages.markdown import md_rows


class Decision(StrEnum):
    """The coordinator's answer to an application for close-out."""

    APPROVE = "同意销号"
    RETURN = "退回"


@dataclass(frozen=True)
class TaskForms:
    """The task forms built from one plan: items and nodes are dropdowns (plain ``str`` with no plan)."""

    TaskReportForm: type[BaseModel]
    TaskReviewForm: type[BaseModel]
    TaskNode: Any
    item_refs: dict[str, str]  # label shown in the dropdown ("三(一)1 鼓励…") → item ref

    def item_ref(self, choice: Any) -> str:
        """The item ref of a dropdown choice, or the text itself when it already is a ref."""
        text = value_of(choice)
        return self.item_refs.get(text, text)


def build_task_forms(forms: Forms, plan: PlanSpec | None) -> TaskForms:
    """The task report and review forms for ``plan`` (units from ``forms``)."""
    labels = {f"{it.ref} {it.title}": it.ref for it in plan.items} if plan is not None else {}
    ItemChoice: Any = _enum("TaskItem", list(labels))
    TaskNode: Any = _enum("TaskNode", task_nodes(plan) if plan is not None else [])
    UnitName: Any = forms.UnitName
    Status: Any = _enum("TaskStatusZh", [STATUS_ZH[s] for s in TaskStatus])

    class TaskReportForm(BaseModel):
        """A unit's report on one item (任务落实情况), entered on its behalf."""

        unit: UnitName = Field(title="报送单位", description="牵头单位报送;配合单位报送的作为配合情况")
        item: ItemChoice = Field(title="任务")
        period: TaskNode | None = Field(default=None, title="报送节点", description="不填则为当前节点")
        status: Status = Field(title="推进状态", description="报“已完成”即申请销号,经审核后销号")
        done: str = Field(min_length=1, max_length=5000, title="已完成工作")
        problems: str = Field(default="", max_length=5000, title="存在问题")
        next_steps: str = Field(default="", max_length=5000, title="下一步工作")
        evidence: str = Field(default="", max_length=2000, title="佐证材料", description="文号、文件名或链接")

    class TaskReviewForm(BaseModel):
        """The coordinator's review of an application for close-out (销号审核)."""

        item: ItemChoice = Field(title="任务")
        period: TaskNode = Field(title="报送节点")
        decision: Decision = Field(title="审核意见")
        reason: str = Field(default="", max_length=2000, title="退回理由", description="退回时必填")

    return TaskForms(TaskReportForm=TaskReportForm, TaskReviewForm=TaskReviewForm, TaskNode=TaskNode,
                     item_refs=labels)


@task(name="task-summary")
def task_summary_task(period: str) -> int:
    """Publish each item's task report state for ``period`` as the `tasks-<period>` table."""
    rows = task_summary(engine_context(), period)
    create_table_artifact(key=f"tasks-{period}", table=md_rows(rows),
                          description=f"{period} 牵头任务落实情况:推进状态、亮灯、报送时间、销号")
    return len(rows)


def build_task_reports_flow(task_forms: TaskForms) -> Flow[..., dict[str, Any]]:
    """The `task-reports` flow, its node a dropdown of the plan's task report nodes."""
    TaskNode: Any = task_forms.TaskNode

    @flow(name="task-reports", description="开启牵头任务落实情况报送:按牵头单位逐一通知(列明任务),并提示配合单位。")
    def task_reports_flow(period: TaskNode | None = None) -> dict[str, Any]:
        """Open the window of ``period`` (default: the next node) and publish the summary."""
        ctx, now = engine_context(), clock_now()
        generate(ctx, now)
        result = open_task_window(ctx, now, value_of(period) if period is not None else None)
        if result["period"] is not None:
            result["summary_rows"] = task_summary_task(result["period"])
        get_run_logger().info("task reports %s: %s", result["period"], result)
        return result

    return task_reports_flow


def build_submit_task_report_flow(task_forms: TaskForms) -> Flow[..., dict[str, Any]]:
    """The `submit-task-report` flow, its parameter the task report form."""
    TaskReportForm: Any = task_forms.TaskReportForm

    @flow(name="submit-task-report", description="代为录入一个单位的任务落实情况(新版本);报“已完成”即申请销号。")
    def submit_task_report_flow(report: TaskReportForm) -> dict[str, Any]:
        """Record one unit's report on one item from the form."""
        recorded = submit_task_report(
            engine_context(), clock_now(), unit=value_of(report.unit), item_ref=task_forms.item_ref(report.item),
            period=value_of(report.period) if report.period is not None else None, status=value_of(report.status),
            done=report.done, problems=report.problems, next_steps=report.next_steps, evidence=report.evidence)
        task_summary_task(recorded.period)
        return {"report_id": recorded.report_id, "period": recorded.period, "version": recorded.version,
                "created": recorded.created, "contribution": recorded.contribution,
                "awaiting_review": recorded.awaiting_review}

    return submit_task_report_flow


def build_review_task_report_flow(task_forms: TaskForms) -> Flow[..., dict[str, Any]]:
    """The `review-task-report` flow, its parameter the review form."""
    TaskReviewForm: Any = task_forms.TaskReviewForm

    @flow(name="review-task-report", description="销号审核:同意销号(此后不再要求报送),或填写理由退回牵头单位。")
    def review_task_report_flow(review: TaskReviewForm) -> dict[str, Any]:
        """Approve or return the lead's application for close-out; the lead is told."""
        ctx = engine_context()
        result = review_task_report(ctx, clock_now(), item_ref=task_forms.item_ref(review.item),
                                    period=value_of(review.period), approve=review.decision is Decision.APPROVE,
                                    reason=review.reason)
        task_summary_task(result["period"])
        result["still_awaiting_review"] = len(pending_reviews(ctx))
        return result

    return review_task_report_flow
