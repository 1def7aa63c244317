"""The `duban` command line. Errors are one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from config.settings import get_settings
from flows.calendar_cli import calendar_app
from flows.plan_text_cli import import_text
from models.breakdown import HEADERS, TARGET_HEADERS, breakdown_rows, target_rows
from models.db import safe_url
from models.errors import DubanError, PlanError
from models.plan_schema import plan_summary

app = typer.Typer(help="duban (督办): turns an implementation plan into duties and chases them.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
plan_app = typer.Typer(help="Load, show and import implementation plans.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
app.add_typer(calendar_app, name="calendar")

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    """Print one error line (or one per problem) on stderr and exit."""
    for line in message.splitlines() or [message]:
        err.print(f"duban: error: {line}", markup=False)
    raise typer.Exit(code)


def cli_errors(func: F) -> F:
    """Turn duban's errors into one readable line each on stderr."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PlanError as exc:
            fail("\n".join(exc.problems))
        except DubanError as exc:
            fail(str(exc))

    return wrapper  # type: ignore[return-value]


@app.command()
@cli_errors
def init() -> None:
    """Create the database, or migrate it to the newest schema."""
    from flows.commands import init_database

    settings = get_settings()
    revision = init_database(settings)
    typer.echo(f"database {safe_url(settings.resolved_database_url())} is at schema revision {revision}")


@plan_app.command("load")
@cli_errors
def plan_load(
    path: Path = typer.Argument(..., help="A plan file (YAML), e.g. config/plans/xinyi-2015-2017.yaml"),
) -> None:
    """Validate a plan file and upsert it: the same file twice changes nothing; edits update in place."""
    from flows.commands import load_plan_path

    loaded = load_plan_path(path)
    typer.echo(loaded.summary())
    for change in loaded.result.changes:
        typer.echo(f"  {change}")


@plan_app.command("show")
@cli_errors
def plan_show(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    code: str | None = typer.Option(None, "--code", help="Which plan (default: the last loaded)."),
) -> None:
    """Print the task breakdown table (任务分解表) and the targets of the loaded plan."""
    from flows.commands import stored_plan

    spec = stored_plan(code)
    if as_json:
        sys.stdout.write(json.dumps(plan_summary(spec), ensure_ascii=False, indent=2) + "\n")
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


plan_app.command("import-text")(import_text)


@app.command()
@cli_errors
def up() -> None:
    """Start the Prefect server (UI at http://127.0.0.1:4200) and serve every duban deployment."""
    from flows.server import run_up

    run_up(get_settings())


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
