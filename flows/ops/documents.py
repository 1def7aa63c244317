"""The workbooks officials fill in, as plain functions (no Prefect): write a locality's pre-filled
progress-report workbook or target sheet from the database, and import a filled workbook.

An import reads the valid choices (localities, report periods, indicators) from the database, parses
the workbook (:mod:`notifications.documents.report_import`), then records the report in one transaction:
on any problem nothing is written. A dry run goes through the very same recording and rolls it back, so
it reports the version that would be recorded and fails exactly where a real import would.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from config.settings import Settings
from flows.ops.commands import engine_for
from models.db import require_schema, session_scope
from models.enums import DutyKind
from models.errors import ReportError, WorkbookError
from models.plan.schema import PlanSpec
from models.plan.store import find_plan, read_plan
from models.records.obligations import unit_obligation
from models.records.reports import (
    allocations,
    duty_of_kind,
    latest_actuals,
    latest_report,
    record_progress_report,
    report_periods,
)
from models.tables.duties import ProgressReport
from models.tables.plan import Plan
from notifications.documents import labels as L
from notifications.documents.report_container import one_line
from notifications.documents.report_import import read_report_workbook
from notifications.documents.targets_sheet import write_targets_sheet
from notifications.documents.workbook import write_report_workbook

_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class ImportResult:
    """What importing a workbook did (or, in a dry run, would do)."""

    locality: str
    period: str
    version: int
    created: bool
    dry_run: bool
    actuals: dict[str, float] = field(default_factory=dict)
    source: str = ""

    def summary(self) -> str:
        """One line for the CLI, e.g. ``imported 镇隆镇 2016-06-05: version 2 (new)``."""
        what = f"{self.locality} {self.period}"
        if self.dry_run:
            outcome = (f"would be recorded as version {self.version} (new)" if self.created
                       else f"same as the recorded version {self.version}")
            count = len(self.actuals)
            return f"dry run: {what} {outcome}, {count} value{'' if count == 1 else 's'}; nothing written"
        state = "new" if self.created else "unchanged, already recorded"
        return f"imported {what}: version {self.version} ({state})"


@dataclass(frozen=True)
class _Choices:
    plan: Plan
    spec: PlanSpec
    periods: list[str]

    @property
    def plan_id(self) -> int:
        return self.plan.id or 0

    @property
    def indicators(self) -> dict[str, str]:
        return {i.code: i.name for i in self.spec.indicators}


def _choices(session: Session, plan_code: str | None) -> _Choices:
    plan = find_plan(plan_code, session=session)
    return _Choices(plan=plan, spec=read_plan(plan.code, session=session),
                    periods=report_periods(session=session, plan_id=plan.id or 0))


def _unknown(what: str, value: str, choices: list[str]) -> WorkbookError:
    near = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return WorkbookError([f"unknown {what} {value!r}; {hint}known: {'、'.join(choices)}"])


def _file_name(pattern: str, **fields: Any) -> str:
    return _UNSAFE_IN_NAME.sub("_", pattern.format(**fields))


def import_report(
    path: Path | str, *, dry_run: bool, now: dt.datetime, plan_code: str | None = None,
    settings: Settings | None = None,
) -> ImportResult:
    """Import a filled progress-report workbook (a new report version unless identical).

    Args:
        path: the returned .xlsx file; its name is recorded as the report's source.
        dry_run: check everything and report the outcome, but write nothing.
        now: the aware time of the import.
        plan_code: the plan the workbook belongs to (default: the most recently loaded plan).
        settings: duban's settings (default: from the environment).

    Raises:
        WorkbookError: every problem with the file; nothing is written.
        PlanError, DatabaseError: no plan loaded, or the database is not initialised.
    """
    engine = engine_for(settings)
    require_schema(engine)
    p = Path(path)
    with session_scope(engine) as session:
        choices = _choices(session, plan_code)
    parsed = read_report_workbook(p, localities=choices.spec.locality_names, periods=choices.periods,
                                  indicators=choices.indicators, plan_code=choices.plan.code)
    with Session(engine, expire_on_commit=False) as session:
        try:
            recorded = record_progress_report(
                session=session, plan_id=choices.plan_id, unit_name=parsed.locality, period=parsed.period,
                actuals=parsed.actuals, projects=parsed.projects, problems=parsed.problems,
                next_steps=parsed.next_steps, now=now, source=one_line(p.name),  # a GBK name: escaped, not a crash
            )
        except ReportError as exc:
            session.rollback()
            raise WorkbookError([f"{p}: {exc}"]) from exc
        except sa.exc.IntegrityError as exc:  # the same report imported twice at the same moment
            session.rollback()
            raise WorkbookError([f"{p}: another import recorded this report at the same time; import it again "
                                 "to see whether it is already recorded"]) from exc
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return ImportResult(locality=parsed.locality, period=parsed.period, version=recorded.version,
                        created=recorded.created, dry_run=dry_run, actuals=dict(parsed.actuals),
                        source=one_line(p.name))


def report_workbook_for(
    locality: str, period: str, out_dir: Path | str, now: dt.datetime, *, plan_code: str | None = None,
    settings: Settings | None = None,
) -> Path:
    """Write ``locality``'s progress-report workbook for ``period``, pre-filled from the database.

    Pre-filled: the targets allocated for the period's year, the values already reported this year, the
    projects of the latest report this year, and (when this period was already reported) its problems
    and next steps — so that nobody types the same figure twice.

    Returns:
        The path written, ``out_dir/进度填报_<locality>_<period>.xlsx``.

    Raises:
        WorkbookError: an unknown locality or period (with the nearest one), or the file cannot be written.
    """
    return report_workbooks_for([locality], period, out_dir, now, plan_code=plan_code, settings=settings)[0]


def report_workbooks_for(
    localities: list[str], period: str, out_dir: Path | str, now: dt.datetime, *, plan_code: str | None = None,
    settings: Settings | None = None,
) -> list[Path]:
    """:func:`report_workbook_for` for several localities, reading the plan, targets and reports once."""
    engine = engine_for(settings)
    require_schema(engine)
    jobs: list[tuple[str, dt.date, ProgressReport | None, bool]] = []
    with session_scope(engine) as session:
        choices = _choices(session, plan_code)
        known = choices.spec.locality_names
        if period not in choices.periods:
            raise _unknown("report period", period, choices.periods)
        pid, year = choices.plan_id, int(period[:4])
        duty = duty_of_kind(session=session, plan_id=pid, kind=DutyKind.PROGRESS_REPORT)
        allocated = allocations(session=session, plan_id=pid, year=year)
        reported = latest_actuals(session=session, plan_id=pid, year=year)
        for locality in localities:
            if locality not in known:
                raise _unknown("locality", locality, known)
            found = unit_obligation(session=session, duty=duty, unit_name=locality, period=period)
            if found is None:
                raise WorkbookError([f"{locality} owes no progress report for {period}"])
            unit, ob = found
            last = latest_report(session=session, unit_id=unit.id or 0, year=year)
            jobs.append((locality, ob.due_on, last, last is not None and last.obligation_id == ob.id))
    plan = choices.plan
    paths = []
    for locality, due_on, last, same_period in jobs:
        rows = [(i.code, i.name, i.unit, allocated.get(i.code, {}).get(locality),
                 reported.get(i.code, {}).get(locality)) for i in choices.spec.indicators]
        paths.append(write_report_workbook(
            Path(out_dir) / _file_name(L.FILE_REPORT, locality=locality, period=period),
            plan_title=plan.title, doc_number=plan.doc_number, coordinator=plan.coordinator, locality=locality,
            period=period, due_on=due_on, indicators=rows, projects=list(last.projects) if last else [],
            localities=known, periods=choices.periods, plan_code=plan.code,
            problems=last.problems if last and same_period else "",
            next_steps=last.next_steps if last and same_period else "", made_at=now,
        ))
    return paths


def targets_sheet_for(
    locality: str, year: int, out_dir: Path | str, *, plan_code: str | None = None, settings: Settings | None = None,
) -> Path:
    """Write ``locality``'s approved targets for ``year``.

    Returns:
        The path written, ``out_dir/目标任务_<locality>_<year>.xlsx``.

    Raises:
        WorkbookError: an unknown locality, no approved split for the year, or the file cannot be written.
    """
    return targets_sheets_for([locality], year, out_dir, plan_code=plan_code, settings=settings)[0]


def targets_sheets_for(
    localities: list[str], year: int, out_dir: Path | str, *, plan_code: str | None = None,
    settings: Settings | None = None,
) -> list[Path]:
    """:func:`targets_sheet_for` for several localities, reading the plan and the split once."""
    engine = engine_for(settings)
    require_schema(engine)
    with session_scope(engine) as session:
        choices = _choices(session, plan_code)
        allocated = allocations(session=session, plan_id=choices.plan_id, year=year)
    known = choices.spec.locality_names
    plan = choices.plan
    paths = []
    for locality in localities:
        if locality not in known:
            raise _unknown("locality", locality, known)
        targets = [(i.name, i.unit, allocated.get(i.code, {}).get(locality)) for i in choices.spec.indicators]
        if all(value is None for _, _, value in targets):
            raise WorkbookError([f"no approved targets for {locality} in {year}: approve the year's target split "
                                 "(target-decomposition) first"])
        paths.append(write_targets_sheet(
            Path(out_dir) / _file_name(L.FILE_TARGETS, locality=locality, year=year),
            plan_title=plan.title, coordinator=plan.coordinator, locality=locality, year=year, targets=targets,
            doc_number=plan.doc_number, plan_code=plan.code,
        ))
    return paths
