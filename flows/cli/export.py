"""`duban export …`: write the 任务分解表, an inspection's 通报 and the status board as Word and Excel files.

Each command prints the paths it wrote, one per line. No Prefect here; the work is in :mod:`flows.ops.exports`,
imported when a command runs so that `duban --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from flows.cli.errors import cli_errors

export_app = typer.Typer(
    help="Export the task breakdown table, an inspection's circular and the status board (Word, Excel).",
    no_args_is_help=True,
)

OUT_HELP = "The directory to write into (created when missing)."


@export_app.callback()
def _group() -> None:
    """Write the documents offices file and pass around."""


def _run(write: Callable[[], list[Path]]) -> None:
    """Run an export and print each path written (errors: see :func:`~flows.cli.errors.cli_errors`)."""
    for path in write():
        typer.echo(str(path))


@export_app.command("breakdown")
@cli_errors
def breakdown(
    out: Path = typer.Option(Path("."), "--out", help=OUT_HELP),
    plan: str | None = typer.Option(None, "--plan", help="Plan code; default: the most recently loaded plan."),
) -> None:
    """Write the 任务分解表 (tasks, lead and cooperating units, localities; the targets) as .xlsx and .docx."""
    from flows.ops.exports import export_breakdown

    _run(lambda: export_breakdown(out, plan_code=plan))


@export_app.command("circular")
@cli_errors
def circular(
    period: str = typer.Option(..., "--period", help="The report period inspected: 2016-06-05 or 2016年上半年."),
    out: Path = typer.Option(Path("."), "--out", help=OUT_HELP),
    doc_number: str | None = typer.Option(
        None, "--doc-number", help="The circular's document number, e.g. 信督〔2016〕3号; default: the plan's 文号."
    ),
    plan: str | None = typer.Option(None, "--plan", help="Plan code; default: the most recently loaded plan."),
) -> None:
    """Write an inspection's circular (通报) as an official .docx and its ranking with a chart as .xlsx."""
    from flows.ops.exports import export_circular

    _run(lambda: export_circular(period, out, doc_number=doc_number, plan_code=plan))


@export_app.command("status")
@cli_errors
def status(out: Path = typer.Option(Path("."), "--out", help=OUT_HELP)) -> None:
    """Write the status board (every obligation, its state and light as a cell colour) as .xlsx."""
    from flows.ops.exports import export_status
    from models.dates import now

    _run(lambda: [export_status(out, now())])
