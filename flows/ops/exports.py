"""Export what offices file and pass around: the 任务分解表, an inspection's 通报, the status board.

Plain functions (no Prefect) over the stored plan and inspections; :mod:`flows.cli.export` is their
command line. Each writes into ``out_dir`` (created when missing) and returns the paths written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flows.ops.commands import engine_for, stored_plan
from flows.ops.engine import engine_context
from flows.ops.inspections import circular_number, status_board
from models.dates import to_local
from models.db import require_schema, session_scope
from models.enums import Frequency
from models.errors import DubanError
from models.plan.store import find_plan
from models.records.inspections import plan_inspections, rectification_due_on, stored_scores
from models.rules.rubric import configured_rubric
from notifications.delivery.dispatch import period_label, quoted_title
from notifications.documents.breakdown_export import write_breakdown_docx, write_breakdown_xlsx
from notifications.documents.circular_export import write_circular_docx, write_circular_xlsx
from notifications.documents.status_export import write_status_xlsx
from notifications.messages.markdown import md_plain

# --- User-facing text (Chinese): file names ---------------------------------------------------------
BREAKDOWN_NAME = "任务分解表"
CIRCULAR_NAME = "{period_label}专项督查通报"
RANKING_NAME = "{period_label}专项督查排名"
STATUS_NAME = "督办总览-{day}"
# ---------------------------------------------------------------------------------------------------


def _out_dir(out_dir: Path | str) -> Path:
    path = Path(out_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DubanError(f"cannot create the output directory {str(path)!r}: {exc.strerror or exc}") from exc
    return path


def _written(path: Path, write: Any, *args: Any, **kwargs: Any) -> Path:
    """Call a writer, turning a file-system failure into one readable DubanError."""
    try:
        result: Path = write(*args, path=path, **kwargs)
    except OSError as exc:
        raise DubanError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc
    return result


def _label(period: str) -> str:
    """A stored report period ('2016-06-05') as the circular names it ('2016年上半年')."""
    try:
        return period_label(dt.date.fromisoformat(period), Frequency.SEMIANNUAL)
    except ValueError:
        return period


def _period_name(period: str) -> str:
    label = _label(period)
    return period if label == period else f"{period} ({label})"


def export_breakdown(out_dir: Path | str, *, plan_code: str | None = None) -> list[Path]:
    """Write the plan's 任务分解表 as .xlsx and .docx.

    Raises:
        DubanError: no database or plan, or a file cannot be written.
    """
    plan = stored_plan(plan_code)
    out = _out_dir(out_dir)
    return [_written(out / f"{BREAKDOWN_NAME}.xlsx", write_breakdown_xlsx, plan),
            _written(out / f"{BREAKDOWN_NAME}.docx", write_breakdown_docx, plan)]


def export_circular(period: str, out_dir: Path | str, *, doc_number: str | None = None,
                    plan_code: str | None = None) -> list[Path]:
    """Write the circular of the inspection that followed report period ``period`` as .docx, and its ranking
    (with a chart) as .xlsx.

    Args:
        period: the report period the inspection followed, as stored ('2016-06-05'), or its label
            ('2016年上半年').
        out_dir: the directory to write into.
        doc_number: the circular's document number; None numbers it <DUBAN_CIRCULAR_PREFIX>〔year〕n号
        plan_code: the plan; None means the only or most recently loaded one.

    Raises:
        DubanError: no such inspection (the message lists those that exist), or a file cannot be written.
    """
    engine = engine_for()
    require_schema(engine)
    with session_scope(engine) as session:
        plan = find_plan(plan_code, session=session)
        inspections = plan_inspections(session=session, plan_id=plan.id or 0)
        found = next((i for i in inspections if period in (i.period, _label(i.period))), None)
        if found is None:
            known = ", ".join(_period_name(i.period) for i in inspections) or "none has run yet"
            raise DubanError(f"no inspection for period {period!r} of plan {plan.code}; known: {known}")
        values: dict[str, Any] = {
            "plan_title": quoted_title(plan.title),
            "doc_number": circular_number(session, found) if doc_number is None else doc_number,
            "issuer": plan.leader or plan.issuer,
            "receiver": plan.coordinator,
            "issued_on": to_local(found.run_at).date(),
            "rectification_due_on": rectification_due_on(session=session, inspection_id=found.id or 0),
        }
        label = _label(found.period)
        scores = stored_scores(found)
        node = dt.date.fromisoformat(found.period)
    out = _out_dir(out_dir)
    return [
        _written(out / f"{CIRCULAR_NAME.format(period_label=label)}.docx", write_circular_docx,
                 period_label=label, scores=scores, period_node=node, rubric=configured_rubric(), **values),
        _written(out / f"{RANKING_NAME.format(period_label=label)}.xlsx", write_circular_xlsx,
                 period_label=label, scores=scores),
    ]


def export_status(out_dir: Path | str, now: dt.datetime) -> Path:
    """Write the status board (every obligation, its state and light) as .xlsx, titled as the board is.

    Raises:
        DubanError: no database or plan, or the file cannot be written.
    """
    ctx = engine_context()
    require_schema(ctx.engine)
    markdown, rows = status_board(ctx, now)
    title = md_plain(markdown.splitlines()[0].removeprefix("# ").strip())  # the board's title, as plain text
    out = _out_dir(out_dir)
    name = STATUS_NAME.format(day=to_local(now).date().isoformat())
    return _written(out / f"{name}.xlsx", write_status_xlsx, rows, title=title)
