"""`inspection`: score, rank and circulate (通报), after each report deadline and on demand.

The flow's period is a dropdown of the report periods, so it is built from a
:class:`~flows.orchestration.forms.Forms` by :func:`build_inspection_flow` when `duban up` serves.
"""

# No `from __future__ import annotations` here: the flow takes its parameter type from the forms it is built
# with, and Prefect reads a flow's signature at run time, which needs it as an object.

from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from config.settings import get_settings
from flows.ops.engine import engine_context
from flows.ops.exports import export_circular
from flows.ops.inspections import (
    due_inspection_period,
    inspection_documents,
    latest_report_period,
    run_inspection,
    status_board,
)
from flows.orchestration.forms import Forms, value_of
from models.dates import now as clock_now
from notifications.messages.markdown import md_rows


@task(name="score-rank-circulate")
def inspection_task(period: str) -> dict[str, Any]:
    """Score and rank every unit, store it, notify, open rectifications; publish ranking and circular."""
    result = run_inspection(engine_context(), clock_now(), period)
    markdown, table = inspection_documents(result)
    create_markdown_artifact(key=f"circular-{period}", markdown=markdown, description=f"{period} 专项督查通报")
    create_table_artifact(key=f"ranking-{period}", table=md_rows(table), description=f"{period} 专项督查排名")
    folder = get_settings().var_dir / "exports" / period
    for path in export_circular(period, folder):
        create_link_artifact(key=f"circular-file-{'docx' if path.suffix == '.docx' else 'xlsx'}-{period}",
                             link=path.resolve().as_uri(), link_text=path.name,
                             description="通报 Word 文件与排名 Excel 文件(服务器上的路径)")
    scores = result["scores"]
    return {"inspection_id": result["inspection_id"], "period": period, "new": result["new"],
            "units": len(scores), "red": sum(1 for s in scores if s.light == "red"),
            "rectifications": result.get("rectifications", 0)}


def build_inspection_flow(forms: Forms) -> Flow[..., dict[str, Any]]:
    """The `inspection` flow, its period a dropdown of the report periods in ``forms``."""
    ReportPeriod: Any = forms.ReportPeriod  # an enum built from the plan (or str): Any to the type checker

    @flow(name="inspection",
          description="专项督查:按评分细则对各镇(街道)和部门打分排名,生成通报,通知各单位,红灯单位限期整改。")
    def inspection_flow(period: ReportPeriod | None = None,
                        only_if_due: bool = False) -> dict[str, Any]:
        """Inspect the report period ``period`` (default: the one whose inspection is due).

        Scheduled daily with ``only_if_due``: it does nothing unless an inspection falls due.
        """
        ctx, now = engine_context(), clock_now()
        chosen = value_of(period) if period is not None else due_inspection_period(ctx, now)
        if chosen is None and not only_if_due:
            chosen = latest_report_period(ctx, now)
        if chosen is None:
            get_run_logger().info("no inspection is due")
            return {"ran": False}
        return {"ran": True, **inspection_task(chosen)}

    return inspection_flow


@task(name="status-board-artifact")
def status_board_task() -> int:
    """Refresh the `status-board` artifacts (markdown board and detail table)."""
    markdown, table = status_board(engine_context(), clock_now())
    create_markdown_artifact(key="status-board", markdown=markdown, description="督办总览:各单位 × 各项工作的亮灯")
    create_table_artifact(key="status-board-detail", table=md_rows(table), description="督办明细:红灯在前")
    return len(table)
