"""`duban calendar …`: inspect the China working calendar duban uses. No Prefect here."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from flows.cli.errors import cli_errors
from models.rules.calendar import WorkingCalendar, YearInfo, YearSource

calendar_app = typer.Typer(
    help="Show the working calendar (days off, make-up working days) and where each year's data comes from.",
    no_args_is_help=True,
)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@calendar_app.callback()
def _group() -> None:
    """Inspect the China working calendar."""


def _calendar() -> WorkingCalendar:
    """The calendar built from settings (DUBAN_CALENDAR_DIR, DUBAN_CALENDAR_MISSING)."""
    from flows.ops.commands import working_calendar

    return working_calendar()


def _as_json(info: YearInfo) -> str:
    return json.dumps(
        {
            "year": info.year,
            "source": info.source.value,
            "provenance": info.provenance,
            "holidays": [{"date": d.isoformat(), "name": n} for d, n in info.holidays.items()],
            "makeup_workdays": [{"date": d.isoformat(), "for": n} for d, n in info.makeup_workdays.items()],
        },
        ensure_ascii=False,
    )


def _day_table(title: str, rows: dict[date, str], label: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("date")
    table.add_column("day")
    table.add_column(label)
    for d, name in rows.items():
        table.add_row(d.isoformat(), _WEEKDAYS[d.weekday()], name)
    return table


@calendar_app.command("show")
@cli_errors
def show(
    year: int = typer.Argument(..., min=1, max=9998, help="The year, e.g. 2016."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Show a year's source (official, estimated or missing), its days off on weekdays and its 调休 days."""
    info = _calendar().year_info(year)
    if as_json:
        typer.echo(_as_json(info))
        return
    out = Console(highlight=False)
    style = "green" if info.source is YearSource.OFFICIAL else "bold yellow"
    out.print(f"{year}: [{style}]{info.source.value}[/] — ", end="")
    out.print(info.provenance, markup=False)
    weekdays_off = {d: n for d, n in info.holidays.items() if d.weekday() < 5}
    out.print(_day_table(f"Days off on weekdays ({len(weekdays_off)})", weekdays_off, "holiday"))
    makeups = dict(info.makeup_workdays)
    out.print(_day_table(f"Make-up working days ({len(makeups)})", makeups, "for"))
