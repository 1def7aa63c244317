"""`duban report …`: the progress-report workbook — write a locality's pre-filled template, import a
filled one. No Prefect here: these are plain commands (the lead mounts ``report_app`` as ``report``).

``import`` prints one summary line; on any problem it prints each on its own line on stderr, prefixed
``duban: error:``, writes nothing and exits 1.
"""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.errors import cli_errors

report_app = typer.Typer(
    help="Progress-report workbooks (进度填报表): write the pre-filled template, import a filled one.",
    no_args_is_help=True,
)


@report_app.callback()
def _group() -> None:
    """Progress-report workbooks: template, import, targets."""


@report_app.command("import")
@cli_errors
def import_command(
    file: Path = typer.Argument(..., help="The filled workbook (.xlsx) a locality sent back."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check it and say what would be recorded; write nothing."),
    plan: str | None = typer.Option(None, "--plan", help="The plan's code (default: the last loaded plan)."),
) -> None:
    """Import a filled progress-report workbook: values only, every problem listed, nothing written on any."""
    from flows.ops.documents import import_report
    from models.dates import now

    result = import_report(file, dry_run=dry_run, now=now(), plan_code=plan)
    typer.echo(result.summary())


@report_app.command("template")
@cli_errors
def template_command(
    locality: str = typer.Option(..., "--locality", help="The town or sub-district, e.g. 镇隆镇."),
    period: str = typer.Option(..., "--period", help="The report's due date, YYYY-MM-DD, e.g. 2016-06-05."),
    out: Path = typer.Option(Path("."), "--out", help="The folder to write the workbook in."),
    plan: str | None = typer.Option(None, "--plan", help="The plan's code (default: the last loaded plan)."),
) -> None:
    """Write a locality's progress-report workbook, pre-filled with its targets and what it already reported."""
    from flows.ops.documents import report_workbook_for
    from models.dates import now

    path = report_workbook_for(locality, period, out, now(), plan_code=plan)
    typer.echo(f"wrote {path}")


@report_app.command("targets")
@cli_errors
def targets_command(
    locality: str = typer.Option(..., "--locality", help="The town or sub-district, e.g. 镇隆镇."),
    year: int = typer.Option(..., "--year", min=1949, max=2200, help="The year of the targets."),
    out: Path = typer.Option(Path("."), "--out", help="The folder to write the sheet in."),
    plan: str | None = typer.Option(None, "--plan", help="The plan's code (default: the last loaded plan)."),
) -> None:
    """Write a locality's target sheet (目标任务分解表) for a year, from the approved split."""
    from flows.ops.documents import targets_sheet_for

    path = targets_sheet_for(locality, year, out, plan_code=plan)
    typer.echo(f"wrote {path}")
