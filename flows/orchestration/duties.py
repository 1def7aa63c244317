"""The plan's recurring duties as Prefect flows a coordinator runs and answers from the UI.

- `progress-reports` (scheduled before each 06-05 / 12-05): notices with what to report, pre-filled;
  afterwards a summary artifact `progress-<period>`.
- `submit-progress-report` (form): one locality's report; closes its obligation.
- `target-decomposition` (scheduled early in April): a draft split, then waits for the coordinator's
  approval or edits in a form, validates, stores, and sends each locality its targets.
- `joint-meeting` (scheduled before each meeting date, or on demand) and `record-meeting-minutes` (form).

The flows whose parameters are forms or dropdowns (`progress-reports`, `submit-progress-report`,
`record-meeting-minutes`) are built from a :class:`~flows.orchestration.forms.Forms` by the ``build_*``
functions when `duban up` serves; the others are plain module-level flows.
"""

# No `from __future__ import annotations` here: the ``build_*`` flows take their parameter types from the
# forms they are built with, and Prefect reads a flow's signature at run time, which needs them as objects.

import datetime as dt
from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field, create_model

from flows.ops.duties import (
    DraftIndicator,
    approve_split,
    convene_meeting,
    decomposition_draft,
    open_report_window,
    record_meeting,
    report_summary,
    split_problems,
    submit_report,
)
from flows.ops.engine import engine_context, generate
from flows.orchestration.forms import Forms, value_of
from models.dates import now as clock_now
from models.dates import to_local
from models.records.meetings import ActionItem
from notifications.messages.markdown import md, md_rows

APPROVAL_TIMEOUT_S = 7 * 24 * 3600  # a paused split waits a week; the ladder chases the coordinator meanwhile


@task(name="open-report-window")
def window_task(period: str | None) -> dict[str, Any]:
    """Make sure every locality's obligation exists, then queue the report notice to those that still owe it."""
    ctx, now = engine_context(), clock_now()
    generate(ctx, now)
    return open_report_window(ctx, now, period)


@task(name="report-summary")
def summary_task(period: str) -> int:
    """Publish who reported, when, and each indicator against the pace-to-date."""
    rows = report_summary(engine_context(), period)
    create_table_artifact(key=f"progress-{period}", table=md_rows(rows),
                          description=f"{period} 进度报送汇总:谁已报送、何时报送、序时进度与亮灯")
    return len(rows)


def build_progress_reports_flow(forms: Forms) -> Flow[..., dict[str, Any]]:
    """The `progress-reports` flow, its period a dropdown of the report periods in ``forms``."""
    ReportPeriod: Any = forms.ReportPeriod  # an enum built from the plan (or str): Any to the type checker

    @flow(name="progress-reports",
          description="开启半年进度报送:向各镇(街道)发出报送通知(预填已报数据),并汇总报送情况。")
    def progress_reports_flow(period: ReportPeriod | None = None) -> dict[str, Any]:
        """Open the reporting window of ``period`` (default: the next deadline) and publish the summary."""
        result = window_task(value_of(period) if period is not None else None)
        result["summary_rows"] = summary_task(result["period"])
        get_run_logger().info("progress reports %s: %s", result["period"], result)
        return result

    return progress_reports_flow


def build_submit_progress_report_flow(forms: Forms) -> Flow[..., dict[str, Any]]:
    """The `submit-progress-report` flow, its parameter the progress report form of ``forms``."""
    ProgressReportForm: Any = forms.ProgressReportForm  # a model built from the plan: Any to the type checker

    @flow(name="submit-progress-report", description="录入一个镇(街道)的进度报告(新版本),并办结该期报送义务。")
    def submit_progress_report_flow(report: ProgressReportForm) -> dict[str, Any]:
        """Record one locality's report from the form."""
        actuals: dict[str, float] = {}
        for a in report.actuals:
            actuals[forms.indicator_code(a.indicator)] = float(a.value)
        recorded = submit_report(
            engine_context(), clock_now(), locality=value_of(report.locality), period=value_of(report.period),
            actuals=actuals, projects=[p.model_dump() for p in report.projects], problems=report.problems,
            next_steps=report.next_steps)
        get_run_logger().info("report of %s for %s: version %s (%s)", value_of(report.locality),
                              value_of(report.period), recorded.version, "new" if recorded.created else "unchanged")
        summary_task(value_of(report.period))
        return {"report_id": recorded.report_id, "version": recorded.version, "created": recorded.created,
                "obligation_closed": recorded.closed}

    return submit_progress_report_flow


def _split_input(localities: list[str], drafts: list[DraftIndicator], values: dict[str, dict[str, float]],
                 reason: str) -> type[RunInput]:
    """A form with one number per locality per indicator, pre-filled with the draft (or the last answer)."""
    fields: dict[str, Any] = {}
    for n, d in enumerate(drafts):
        loc_fields = {f"l{i}": (float, Field(default=values[d.code][name], ge=0, title=name))
                      for i, name in enumerate(localities)}
        section = create_model(f"Split{n}", **loc_fields)  # type: ignore[call-overload]
        basis = {"actuals": "上年实际完成", "previous_split": "上年分解", None: "平均"}[d.basis]
        how = f"草案按{basis}比例分配" if d.aggregation == "sum" else "各镇(街道)同为市目标比率"
        note = f"市目标 {d.city_value:g}{d.unit}(来自{d.from_year}年目标);{how}"
        fields[f"i{n}"] = (section, Field(default_factory=section, title=f"{d.name}({d.unit})", description=note))
    fields["reason"] = (str, Field(default=reason, max_length=2000, title="合计与市目标不一致的理由",
                                   description="如各地合计与市目标不一致,须说明理由"))
    form: type[RunInput] = create_model("SplitApproval", __base__=RunInput, **fields)
    return form


@task(name="draft-split")
def draft_task(year: int) -> tuple[list[str], list[DraftIndicator]]:
    """Compute the draft split and show it as the `targets-<year>` table artifact (status: draft)."""
    localities, drafts = decomposition_draft(engine_context(), year)
    _targets_artifact(year, localities, drafts, {d.code: d.split for d in drafts}, "草案")
    return localities, drafts


def _targets_artifact(year: int, localities: list[str], drafts: list[DraftIndicator],
                      split: dict[str, dict[str, float]], status: str) -> None:
    rows = [{"镇(街道)": name, **{f"{d.name}({d.unit})": split[d.code][name] for d in drafts}} for name in localities]
    rows.append({"镇(街道)": "合计/市目标", **{f"{d.name}({d.unit})": f"{sum(split[d.code].values()):g} / "
                                             f"{d.city_value:g}" for d in drafts}})
    create_table_artifact(key=f"targets-{year}", table=md_rows(rows), description=f"{year}年度目标任务分解({status})")


@flow(name="target-decomposition", description="年度目标任务分解:生成草案,等待协调员批准或修改,校验后下达各镇(街道)。")
def target_decomposition_flow(year: int | None = None) -> dict[str, Any]:
    """Draft the year's split, wait for the coordinator's answer, validate, store, notify."""
    year = year or to_local(clock_now()).year
    logger = get_run_logger()
    localities, drafts = draft_task(year)
    if not drafts:
        logger.warning("no city target for %s or earlier: nothing to split", year)
        return {"year": year, "allocations": 0}
    values = {d.code: dict(d.split) for d in drafts}
    reason, attempt = "", 0
    problems: list[str] = []
    while True:
        attempt += 1
        form = _split_input(localities, drafts, values, reason)
        note = ("**请修改后重新提交:**\n\n" + "\n".join(f"- {md(p)}" for p in problems) + "\n\n") if problems else ""
        answer: Any = pause_flow_run(
            wait_for_input=form.with_initial_data(
                description=f"{note}{year}年度目标任务分解草案:逐项核对各镇(街道)目标,可直接修改数值后提交。"),
            timeout=APPROVAL_TIMEOUT_S, poll_interval=2, key=f"split-{year}-{attempt}")
        values = {d.code: {name: float(getattr(getattr(answer, f"i{n}"), f"l{i}"))
                           for i, name in enumerate(localities)} for n, d in enumerate(drafts)}
        reason = str(answer.reason or "")
        problems = split_problems(localities, drafts, values, reason)
        if not problems:
            break
        logger.warning("split for %s not accepted (attempt %s): %s", year, attempt, "; ".join(problems))
    _targets_artifact(year, localities, drafts, values, "已批准")
    result = approve_split(engine_context(), clock_now(), year, drafts, values, reason)
    logger.info("split for %s approved after %s attempt(s): %s", year, attempt, result)
    return {**result, "attempts": attempt}


@flow(name="joint-meeting",
      description="召开部门间联席会议:议题取自逾期和红灯事项,向成员单位发出会议通知(附日程文件)。")
def joint_meeting_flow(starts_at: dt.datetime | None = None, place: str = "市政府常务会议室") -> dict[str, Any]:
    """Convene a meeting (default: 7 days from now at 09:30) and invite the member units."""
    now = clock_now()
    when = starts_at or to_local(now).replace(hour=9, minute=30, second=0, microsecond=0) + dt.timedelta(days=7)
    result = convene_meeting(engine_context(), now, when, place)
    local = to_local(when)
    create_markdown_artifact(key="joint-meeting", markdown=(
        f"# 联席会议 #{result['meeting_id']}\n\n时间：{local.year}年{local.month}月{local.day}日 {local:%H:%M} · "
        f"地点：{md(place)}\n\n"
        f"议题：逾期/红灯事项 {result['agenda_items']} 项 · 会议通知 {result['invitations']} 份已排入发送队列"
        f"（工作时间内发出）\n\n"
        f"会后请运行 **record-meeting-minutes**，会议编号填 {result['meeting_id']}。"),
        description="最近一次联席会议")
    return result


def build_record_meeting_minutes_flow(forms: Forms) -> Flow[..., dict[str, Any]]:
    """The `record-meeting-minutes` flow, its parameter the minutes form of ``forms``."""
    MinutesForm: Any = forms.MinutesForm  # a model built from the plan: Any to the type checker

    @flow(name="record-meeting-minutes",
          description="录入联席会议纪要:出席、议定事项;每个议定事项作为督办事项逐项跟踪。")
    def record_meeting_minutes_flow(minutes: MinutesForm) -> dict[str, Any]:
        """Record the minutes; each action item becomes an obligation chased by the ladder."""
        items = [ActionItem(title=a.title, owner=value_of(a.owner), due_on=a.due_on) for a in minutes.action_items]
        return record_meeting(engine_context(), clock_now(), meeting_id=minutes.meeting_id,
                              attendance=[value_of(u) for u in minutes.attendance], decisions=minutes.decisions,
                              action_items=items)

    return record_meeting_minutes_flow


@flow(name="import-report-workbook",
      description="导入一个镇(街道)填好的进度报表(Excel),校验后记为新版本;有问题则逐条列出,不写入。")
def import_report_workbook_flow(path: str, dry_run: bool = False) -> dict[str, Any]:
    """Import a filled progress-report workbook (a path on the server's machine)."""
    from flows.ops.documents import import_report

    result = import_report(path, dry_run=dry_run, now=clock_now())
    get_run_logger().info(result.summary())
    if not dry_run:
        summary_task(result.period)
    return {"locality": result.locality, "period": result.period, "version": result.version,
            "created": result.created, "dry_run": result.dry_run}
