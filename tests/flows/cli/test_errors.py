"""The one CLI error printer: ``duban: <kind>: <line>`` on stderr, exit code 1, through a real Typer app."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from flows.cli.errors import cli_errors, error_lines, fail, say
from models.errors import CalendarError, DubanError, PlanError, WorkbookError

runner = CliRunner()


def _invoke(raised: BaseException | None = None, *, then: str = "") -> tuple[int, str, str]:
    app = typer.Typer()

    @app.command()
    @cli_errors
    def command(name: str = typer.Option("x", "--name")) -> None:
        """A stand-in command."""
        typer.echo(f"hello {name}")
        if raised is not None:
            raise raised
        if then:
            say("warning", then)

    result = runner.invoke(app, ["--name", "镇隆镇"])
    return result.exit_code, result.stdout, result.stderr


def test_cli_errors_leaves_a_clean_run_alone() -> None:
    assert _invoke() == (0, "hello 镇隆镇\n", "")


@pytest.mark.parametrize(
    ("raised", "stderr"),
    [
        (DubanError("no plan is loaded"), "duban: error: no plan is loaded\n"),
        (CalendarError("cannot read calendar file x.yaml"), "duban: error: cannot read calendar file x.yaml\n"),
        (PlanError(["p.yaml:3: items[0].lead: unknown unit '镇龙镇'", "p.yaml:9: period: end 2015 is before start"]),
         "duban: error: p.yaml:3: items[0].lead: unknown unit '镇龙镇'\n"
         "duban: error: p.yaml:9: period: end 2015 is before start\n"),
        (WorkbookError(["r.xlsx: sheet 指标: C3: unknown locality '镇龙镇'",
                        "r.xlsx: sheet 指标: D4: '约12亿' is text"]),
         "duban: error: r.xlsx: sheet 指标: C3: unknown locality '镇龙镇'\n"
         "duban: error: r.xlsx: sheet 指标: D4: '约12亿' is text\n"),
        (DubanError("cannot reach the database: refused\n\tIs the server running?"),
         "duban: error: cannot reach the database: refused\nduban: error:   Is the server running?\n"),
    ],
    ids=["one line", "subclass", "plan problems", "workbook problems", "multi-line message"],
)
def test_cli_errors_prints_each_line_and_exits_1(raised: DubanError, stderr: str) -> None:
    assert _invoke(raised) == (1, "hello 镇隆镇\n", stderr)


def test_cli_errors_prints_markup_and_emoji_codes_as_written() -> None:
    code, _, stderr = _invoke(DubanError("unknown unit '[bold]x[/bold]' :smile:"))
    assert (code, stderr) == (1, "duban: error: unknown unit '[bold]x[/bold]' :smile:\n")


def test_cli_errors_never_wraps_a_long_line() -> None:
    message = "unknown locality '镇龙镇'; known: " + "、".join(["镇隆镇"] * 60)
    assert _invoke(DubanError(message))[2] == f"duban: error: {message}\n"


def test_cli_errors_lets_other_exceptions_through() -> None:
    app = typer.Typer()

    @app.command()
    @cli_errors
    def command() -> None:
        """Fails with a bug, not a DubanError."""
        raise KeyError("bug")

    result = runner.invoke(app, [])
    assert result.exit_code == 1 and isinstance(result.exception, KeyError) and result.stderr == ""


def test_say_prefixes_each_line_with_its_kind() -> None:
    assert _invoke(then="x.txt: line 3 not understood\nx.txt: 1 paragraph(s) left out")[2] == (
        "duban: warning: x.txt: line 3 not understood\nduban: warning: x.txt: 1 paragraph(s) left out\n")


def test_fail_exits_with_the_code_given() -> None:
    app = typer.Typer()

    @app.command()
    def command() -> None:
        """Fails on purpose."""
        fail("--start: not a date", code=2)

    result = runner.invoke(app, [])
    assert (result.exit_code, result.stderr) == (2, "duban: error: --start: not a date\n")


@pytest.mark.parametrize(
    ("exc", "lines"),
    [
        (DubanError("a\nb"), ["a", "b"]),
        (PlanError(["one", "two\nthree"]), ["one", "two", "three"]),
        (WorkbookError([]), ["WorkbookError"]),
        (DubanError(""), ["DubanError"]),
    ],
)
def test_error_lines_lists_problems_else_the_message(exc: DubanError, lines: list[str]) -> None:
    assert error_lines(exc) == lines
