"""`duban task …`: task reports (任务落实情况) and their close-out review (销号), entered at a shell.

No Prefect here (the UI has the same as the `submit-task-report` and `review-task-report` forms). Any problem
is one ``duban: error:`` line on stderr and exit code 1, with nothing written.
"""

from __future__ import annotations

import typer

from flows.cli.errors import cli_errors

task_app = typer.Typer(help="Task reports of the items' lead units, and their close-out review (销号).",
                       no_args_is_help=True)


@task_app.callback()
def _group() -> None:
    """Task reports: report, review, list."""


@task_app.command("report")
@cli_errors
def report_command(
    unit: str = typer.Option(..., "--unit", help="The reporting unit: the item's lead, or a cooperating unit."),
    item: str = typer.Option(..., "--item", help="The item's ref, e.g. 四(四)."),
    status: str = typer.Option(..., "--status",
                               help="not_started|in_progress|completed|lagging (or 未启动|推进中|已完成|滞后); "
                                    "completed applies for close-out"),
    done: str = typer.Option(..., "--done", help="What was done (已完成工作)."),
    problems: str = typer.Option("", "--problems", help="Problems (存在问题)."),
    next_steps: str = typer.Option("", "--next-steps", help="Next steps (下一步工作)."),
    evidence: str = typer.Option("", "--evidence", help="Evidence: document numbers, file names, links."),
    period: str | None = typer.Option(None, "--period", help="The report node, YYYY-MM-DD (default: the current)."),
) -> None:
    """Record a unit's report on one item (a new version unless unchanged)."""
    from flows.ops.engine import engine_context
    from flows.ops.tasks import submit_task_report
    from models.dates import now

    r = submit_task_report(engine_context(), now(), unit=unit, item_ref=item, period=period, status=status,
                           done=done, problems=problems, next_steps=next_steps, evidence=evidence, source="cli")
    what = "contribution" if r.contribution else "report"
    state = "recorded" if r.created else "unchanged, nothing recorded"
    tail = "; awaits close-out review (duban task review)" if r.awaiting_review else ""
    typer.echo(f"{item} {r.period}: {unit}'s {what} v{r.version} {state}{tail}")


@task_app.command("review")
@cli_errors
def review_command(
    item: str = typer.Option(..., "--item", help="The item's ref, e.g. 四(四)."),
    period: str = typer.Option(..., "--period", help="The report node, YYYY-MM-DD."),
    approve: bool = typer.Option(False, "--approve/--return",
                                 help="Close the item out (销号), or send the report back (退回)."),
    reason: str = typer.Option("", "--reason", help="Why it is sent back (required with --return)."),
) -> None:
    """Review a lead's application for close-out: approve (later nodes waived) or return with a reason."""
    from flows.ops.engine import engine_context
    from flows.ops.tasks import review_task_report
    from models.dates import now

    r = review_task_report(engine_context(), now(), item_ref=item, period=period, approve=approve, reason=reason)
    if r["outcome"] == "approved":
        typer.echo(f"{item} {r['period']}: closed out (销号); {r['waived']} later node(s) waived; lead told")
    else:
        typer.echo(f"{item} {r['period']}: returned to the lead with the reason; the node is open again")


@task_app.command("list")
@cli_errors
def list_command(
    period: str = typer.Option(..., "--period", help="The report node, YYYY-MM-DD."),
) -> None:
    """Each item's report state at a node: lead, status, light, when reported, on time, close-out."""
    from flows.ops.engine import engine_context
    from flows.ops.tasks import task_summary

    for row in task_summary(engine_context(), period):
        typer.echo("  ".join(str(v) for v in row.values()))
