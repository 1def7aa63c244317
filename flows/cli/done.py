"""`duban done`: a unit reports a duty done (办结) — a one-off duty of the plan (e.g. locality-plan), a meeting's
action item, a rectification — the one way a person closes what has no submission path of its own.

No Prefect here (the UI has the same as the `record-done` form). Any problem is one ``duban: error:`` line on
stderr and exit code 1, with nothing written.
"""

from __future__ import annotations

import typer

from flows.cli.errors import cli_errors
from models.errors import DoneError


@cli_errors
def done_command(
    unit: str | None = typer.Option(None, "--unit", help="The unit that has done it, e.g. 镇隆镇."),
    duty: str | None = typer.Option(None, "--duty",
                                    help="The duty's code: locality-plan, locality-mechanism, action-item, "
                                         "rectification (see --list)."),
    period: str | None = typer.Option(None, "--period",
                                      help="Which obligation (see --list); needed only when several are open."),
    note: str = typer.Option("", "--note", help="How it was done (办理情况), e.g. the document issued."),
    list_open: bool = typer.Option(False, "--list", help="List what can be reported done and is still open."),
) -> None:
    """Record that a unit has done a duty (办结): the obligation is closed as submitted, the ladder stops, the
    coordinator is told once. The same command twice changes nothing."""
    from flows.ops.done import open_done_items, record_done
    from flows.ops.engine import engine_context
    from models.dates import now

    if list_open:
        if duty is not None or period is not None or note:
            raise DoneError("--list takes only --unit")
        rows = open_done_items(engine_context(), unit, now=now())
        for row in rows:
            typer.echo("  ".join(str(row[k]) for k in ("unit", "duty", "period", "due_on", "light", "title")))
        typer.echo(f"{len(rows)} open" + (f" for {unit}" if unit else ""))
        return
    if unit is None or duty is None:
        raise DoneError("duban done needs --unit and --duty (or --list to see what is open)")
    r = record_done(engine_context(), now(), unit=unit, duty_code=duty, period=period, note=note, source="cli")
    if not r["done"]:
        typer.echo(f"{r['unit']} {r['duty']} {r['period']}: already {r['status']}, nothing changed")
        return
    when = "on time" if r["on_time"] else f"{r['late_working_days']} working day(s) late"
    told = "; coordinator told" if r["coordinator_told"] else ""
    typer.echo(f"{r['unit']} {r['duty']} {r['period']}: done ({when}){told}")
