"""`duban plan import-text`: a plan file straight from the text of its notice.

Exit codes: 0 — the whole notice was read; 1 — not a notice, or nothing usable (one line on stderr);
2 — a plan was printed or written, but some paragraphs were not understood: each is listed on stderr
as a warning and left out of the plan. The plan is still produced so the office can finish it by hand;
the exit code tells a script the import is incomplete. No Prefect here: this is a plain command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from flows.cli.errors import cli_errors, say
from models.errors import PlanError
from models.plan.file import load_plan_file, parse_plan_text, read_input_bytes
from models.plan_text.reader import decode_notice, notice_summary, notice_to_plan, parse_notice, plan_yaml

EXIT_UNREAD = 2


MAX_NOTICE_BYTES = 10 * 1024 * 1024  # a notice is text: anything larger is not one


def _read(file: Path) -> bytes:
    return read_input_bytes(file, what="notice", max_bytes=MAX_NOTICE_BYTES)


@cli_errors
def import_text(
    file: Path = typer.Argument(..., help="The text of a notice (通知), UTF-8 or GB18030."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (plan show --json plus text)."),
    as_yaml: bool = typer.Option(False, "--yaml", help="Print the plan file (YAML); the default."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of printing."),
    roster: Path | None = typer.Option(
        None, "--roster", help="a plan file whose localities roster and unit codes to reuse"),
) -> None:
    """Read a plan from the text of its notice: items and units, targets, duties.

    Paragraphs that look like tasks, targets or deadlines but cannot be read are listed on stderr and
    the exit code is 2; the plan is still printed (or written) without them.
    """
    source = str(file)
    if as_json and as_yaml:
        raise PlanError(["--json and --yaml exclude each other; pick one"])
    text = decode_notice(_read(file), source=source)
    parse = parse_notice(text, source=source)
    units = load_plan_file(roster).all_units if roster is not None else None
    plan = notice_to_plan(parse, roster=units)
    if as_json:
        output = json.dumps(notice_summary(parse, plan), ensure_ascii=False, indent=2) + "\n"
    else:
        output = plan_yaml(plan, parse)
        parse_plan_text(output, source=str(out or "(output)"))  # what we print must load
    if out is None:
        sys.stdout.write(output)
        sys.stdout.flush()
    else:
        try:
            out.write_text(output, encoding="utf-8")
        except OSError as exc:
            raise PlanError([f"{out}: cannot write: {exc.strerror or exc}"]) from None
        typer.echo(f"wrote {out} ({'JSON' if as_json else 'YAML'}): {len(plan.items)} items, "
                   f"{len(plan.targets)} targets, {len(plan.duties)} duties")
    if parse.unread:
        for line in parse.unread:
            say("warning", f"{source}: {line}")
        say("warning", f"{source}: {len(parse.unread)} paragraph(s) not understood and left out of the plan")
        raise typer.Exit(EXIT_UNREAD)
