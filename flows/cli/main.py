"""The `duban` command line. Errors are one line on stderr and a non-zero exit, never a traceback
(:mod:`flows.cli.errors` prints them for every command)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from config.settings import get_settings
from flows.cli.calendar import calendar_app
from flows.cli.done import done_command
from flows.cli.errors import cli_errors, say
from flows.cli.export import export_app
from flows.cli.plan_text import import_text
from flows.cli.report import report_app
from flows.cli.task import task_app
from models.db import safe_url
from models.errors import DubanError
from models.plan.breakdown import HEADERS, TARGET_HEADERS, breakdown_rows, target_rows
from models.plan.schema import plan_summary
from models.plan.warnings import plan_warnings

app = typer.Typer(help="duban (督办): turns an implementation plan into duties and chases them.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
plan_app = typer.Typer(help="Load, show and import implementation plans.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
app.add_typer(calendar_app, name="calendar")
app.add_typer(export_app, name="export")
app.add_typer(report_app, name="report")
app.add_typer(task_app, name="task")
app.command("done")(done_command)


@app.command()
@cli_errors
def init() -> None:
    """Create the database, or migrate it to the newest schema."""
    from flows.ops.commands import init_database

    settings = get_settings()
    revision = init_database(settings)
    typer.echo(f"database {safe_url(settings.resolved_database_url())} is at schema revision {revision}")


@plan_app.command("load")
@cli_errors
def plan_load(
    path: Path = typer.Argument(..., help="A plan file (YAML), e.g. config/plans/xinyi-2015-2017.yaml"),
) -> None:
    """Validate a plan file and upsert it: the same file twice changes nothing; edits update in place.

    Any path the operator types is read (the `load-plan` deployment reads only inside DUBAN_PLANS_DIR).
    """
    from flows.ops.commands import load_plan_path

    loaded = load_plan_path(path)
    typer.echo(loaded.summary())
    for change in loaded.result.changes:
        typer.echo(f"  {change}")
    for warning in plan_warnings(loaded.spec):
        say("warning", f"{path}: {warning}")


@plan_app.command("show")
@cli_errors
def plan_show(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    code: str | None = typer.Option(None, "--code", help="Which plan (default: the last loaded)."),
) -> None:
    """Print the task breakdown table (任务分解表) and the targets of the loaded plan."""
    from flows.ops.commands import stored_plan

    spec = stored_plan(code)
    if as_json:
        # allow_nan=False: the output is always valid JSON (plan_summary prints a non-finite value as null).
        sys.stdout.write(json.dumps(plan_summary(spec), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
        return
    out = Console(highlight=False)
    out.print(f"[bold]{spec.title}[/bold]")
    out.print(f"{spec.doc_number}  {spec.issuer}  {spec.issued_on.isoformat()}  "
              f"{spec.period.start}–{spec.period.end}  牵头: {spec.coordinator}")
    table = Table(title="任务分解表", show_lines=False, expand=False)
    for h in HEADERS:
        table.add_column(h, overflow="fold")
    for r in breakdown_rows(spec):
        table.add_row(r.ref, r.title, r.lead, r.cooperating, r.localities)
    out.print(table)
    targets = Table(title="主要目标")
    for h in TARGET_HEADERS:
        targets.add_column(h, overflow="fold")
    for t in target_rows(spec):
        targets.add_row(*t)
    out.print(targets)
    duties = Table(title="工作要求")
    for h in ("代码", "类别", "牵头/责任", "频次", "节点", "节假日"):
        duties.add_column(h, overflow="fold")
    for d in spec.duties:
        when = ", ".join(d.schedule.dates) or (
            f"{d.schedule.after} 后 {d.schedule.offset_working_days} 个工作日" if d.schedule.after else "—")
        if d.schedule.default:
            when += " (默认)"
        duties.add_row(d.code, d.kind.value, d.owner, d.frequency.value if d.frequency else "—", when,
                       d.holiday_policy.value)
    out.print(duties)
    out.print(f"{len(spec.locality_names)} 个镇(街道): " + "、".join(spec.locality_names))
    contacts = [(u.name, u.contact) for u in spec.all_units if u.contact is not None]
    if contacts:  # the desks the messages name (units[].contact)
        table = Table(title="联系方式")
        for h in ("单位", "联系人", "电话", "邮箱"):
            table.add_column(h, overflow="fold")
        for name, c in contacts:
            table.add_row(name, c.person or "—", c.phone or "—", c.email or "—")
        out.print(table)


plan_app.command("import-text")(import_text)


notify_app = typer.Typer(help="Check the delivery channels.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


def _parse_day(text: str, option: str) -> date:
    from models.dates import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise DubanError(f"{option}: {exc}") from None


@app.command()
@cli_errors
def simulate(
    start: str = typer.Option(..., "--start", help="First day, YYYY-MM-DD (e.g. 2015-07-06)."),
    end: str = typer.Option(..., "--end", help="Last day, YYYY-MM-DD (e.g. 2017-12-31)."),
    jsonl: Path = typer.Option(..., "--jsonl", help="Write one JSON object per message per recipient here."),
    db: str | None = typer.Option(None, "--db", help="An empty database URL (default: a temporary SQLite file)."),
    plan: Path | None = typer.Option(None, "--plan", help="The plan file (default: DUBAN_PLAN, the seed)."),
    behaviour: str | None = typer.Option(
        None, "--behaviour", help="Rehearse: how units act, e.g. on-time=0.6,late=0.2,missing=0.2 (shares add up "
        "to 1); the duty flows run as scheduled. Without it nobody submits anything."),
    seed: int = typer.Option(1, "--seed", help="The rehearsal's seed: the same seed gives the same output."),
    exports: Path | None = typer.Option(
        None, "--exports", help="Rehearsal only: write every circular, ranking and status board here, with index.csv."),
) -> None:
    """Run the real sweep and dispatcher day by day on a simulated clock; with --behaviour, rehearse the duty
    flows too (reports, the target split, meetings, inspections and their circulars)."""
    from flows.ops.rehearsal import parse_behaviour
    from flows.ops.simulate import Rehearse
    from flows.ops.simulate import simulate as run

    first, last = _parse_day(start, "--start"), _parse_day(end, "--end")
    if behaviour is None and exports is not None:
        raise DubanError("--exports needs --behaviour: without it no inspection runs and nothing is issued")
    rehearse = None if behaviour is None else Rehearse(mix=parse_behaviour(behaviour), seed=seed, exports=exports)
    res = run(start=first, end=last, jsonl=jsonl, db_url=db, plan=plan, progress=sys.stderr.isatty(),
              rehearse=rehearse)
    stages = ", ".join(f"{k} {v}" for k, v in sorted(res.by_stage.items()))
    typer.echo(f"simulated {first} → {last}: {res.days} days, {res.obligations} obligations, "
               f"{res.messages} messages ({stages}) → {jsonl}")
    if res.rehearsal is not None:
        typer.echo(f"rehearsal ({rehearse.mix.spec() if rehearse else ''}, seed {seed}):")
        for line in res.rehearsal.lines():
            typer.echo(f"  {line}")
        if exports is not None:
            typer.echo(f"  → {exports}")
    for notice in res.calendar_notices:
        say("note", notice)


@notify_app.command("test")
@cli_errors
def notify_test(
    tag: str = typer.Option(..., "--tag", help="Whom to send to: role-coordinator, or unit-<code>+role-handler."),
) -> None:
    """Send one test message through the configured contacts and print each target's result (masked)."""
    from flows.ops.delivery import contacts_sender, target_lines
    from notifications.channels.redact import scrub
    from notifications.delivery.dispatch import Job
    from notifications.messages.render import render_test_message

    sender = contacts_sender(get_settings())
    key = "+".join(t.strip() for t in tag.replace(",", "+").split("+") if t.strip())
    outcome = sender.send(Job(outbox_id=0, recipient=key, role="test", stage="test", level=0,
                              message=render_test_message()))
    for line in target_lines(outcome):
        typer.echo(line)
    if outcome.error or not outcome.targets or not all(t.ok for t in outcome.targets):
        raise DubanError(scrub(outcome.error) or f"the test message to {key} was not delivered to every target")


@app.command()
@cli_errors
def up() -> None:
    """Start the Prefect server (UI at http://127.0.0.1:4200) and serve every duban deployment."""
    from flows.orchestration.server import run_up

    run_up(get_settings())


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
