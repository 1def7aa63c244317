"""The rehearsal's day: the duty flows run as the scheduler would, and units act as :mod:`flows.ops.rehearsal`
decides, through the same :mod:`flows.ops` functions the Prefect flows and forms call (no Prefect here).

:func:`flows.ops.simulate.simulate` calls, for every simulated day:

- :meth:`Rehearsal.morning` at the opening of working hours, before the sweep — what is scheduled then:
  a report window opens two weeks before each report date (`progress-reports`), invitations go out a week
  before each joint meeting (`joint-meeting`);
- :meth:`Rehearsal.inspect` a quarter of an hour later — the daily `inspection` run, which scores, ranks
  and circulates when an inspection is due, and writes its documents to ``--exports``;
- :meth:`Rehearsal.afternoon` on working days, after which the simulation sweeps and dispatches again —
  what units and the coordinator do that day: reports submitted on time or late, the year's split
  approved, minutes recorded, task reports and close-out reviews; one-off duties, action items and
  rectifications reported done through :func:`flows.ops.done.record_done` (办结), as a person would.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from flows.ops import rehearsal as R
from flows.ops import tasks as task_ops
from flows.ops.commands import stored_plan
from flows.ops.done import record_done
from flows.ops.duties import (
    approve_split,
    convene_meeting,
    decomposition_draft,
    open_report_window,
    record_meeting,
    split_problems,
    submit_report,
)
from flows.ops.engine import EngineContext, generate
from flows.ops.inspections import due_inspection_period, run_inspection
from flows.ops.rehearsal_exports import ExportLog
from models.dates import local_datetime, to_local
from models.db import session_scope
from models.engine.adhoc import ensure_system_duties
from models.engine.obligations import duty_periods, responsible_units
from models.enums import Aggregation, DutyKind, TaskStatus
from models.plan.schema import DutySpec, PlanSpec
from models.plan.store import find_plan
from models.records.done import CLOSABLE_KINDS
from models.records.inspections import inspection_source
from models.records.meetings import ActionItem
from models.records.obligations import open_obligations
from models.records.reports import allocations, indicators
from models.records.units import plan_units

MEETING_TIME = dt.time(9, 30)
MEETING_NOTICE_DAYS = 7  # as flows.orchestration.deployments: invitations a week before each meeting
REPORT_WINDOW_DAYS = 14  # as flows.orchestration.deployments: the report notice two weeks before each date
ACTION_ITEM_WORKING_DAYS = 20
REVIEW_WORKING_DAYS = 2
RESUBMIT_WORKING_DAYS = 5

Action = Callable[[dt.datetime], None]


@dataclass
class RehearsalSummary:
    """What the units and the office did over the rehearsal."""

    reports_owed: int = 0
    reports_on_time: int = 0
    reports_late: int = 0
    splits_approved: list[int] = field(default_factory=list)
    meetings_convened: int = 0
    meetings_minuted: int = 0
    action_items: int = 0
    action_items_closed: int = 0
    inspections: list[str] = field(default_factory=list)
    rectifications: int = 0
    rectifications_closed: int = 0
    task_reports: int = 0
    close_outs_approved: int = 0
    close_outs_returned: int = 0
    one_offs_owed: int = 0
    one_offs_on_time: int = 0
    one_offs_late: int = 0
    exports: list[str] = field(default_factory=list)

    @property
    def reports_missing(self) -> int:
        """Reports owed (their window opened) and never submitted within the rehearsal."""
        return self.reports_owed - self.reports_on_time - self.reports_late

    @property
    def one_offs_not_done(self) -> int:
        """One-off duties (the plan's action_item duties) owed and never reported done within the rehearsal."""
        return self.one_offs_owed - self.one_offs_on_time - self.one_offs_late

    def lines(self) -> list[str]:
        """The summary as the CLI prints it."""
        tasks = (f"task reports {self.task_reports}, close-outs approved {self.close_outs_approved}, "
                 f"returned {self.close_outs_returned}")
        return [
            f"progress reports: {self.reports_owed} owed, {self.reports_on_time} on time, {self.reports_late} late, "
            f"{self.reports_missing} missing",
            f"target splits approved: {', '.join(map(str, self.splits_approved)) or 'none'}",
            f"joint meetings: {self.meetings_convened} convened, {self.meetings_minuted} minuted; action items "
            f"{self.action_items}, {self.action_items_closed} closed",
            f"inspections: {len(self.inspections)} ({', '.join(self.inspections) or 'none'}); rectifications "
            f"{self.rectifications}, {self.rectifications_closed} closed",
            tasks,
            f"one-off duties: {self.one_offs_owed} owed, {self.one_offs_on_time} done on time, "
            f"{self.one_offs_late} late, {self.one_offs_not_done} not done",
            f"documents written: {len(self.exports)}",
        ]


class Rehearsal:
    """One rehearsal: its schedule of actions by day, filled from the plan and as things happen."""

    def __init__(self, ctx: EngineContext, *, mix: R.BehaviourMix, seed: int, start: dt.date, end: dt.date,
                 exports: ExportLog | None) -> None:
        self.ctx, self.mix, self.seed, self.start, self.end = ctx, mix, seed, start, end
        self.exports = exports
        self.summary = RehearsalSummary()
        self.plan: PlanSpec = stored_plan()
        self._morning: dict[dt.date, list[Action]] = defaultdict(list)
        self._afternoon: dict[dt.date, list[Action]] = defaultdict(list)
        self._closed_items: set[str] = set()
        for duty in self.plan.duties:
            if duty.kind is DutyKind.PROGRESS_REPORT:
                self._plan_reports(duty)
            elif duty.kind is DutyKind.DECOMPOSITION:
                self._plan_splits(duty)
            elif duty.kind is DutyKind.JOINT_MEETING:
                self._plan_meetings(duty)
            elif duty.kind in CLOSABLE_KINDS:
                self._plan_one_offs(duty)
        self._plan_task_reports()

    # --- the day --------------------------------------------------------------------------------------

    def morning(self, now: dt.datetime) -> None:
        """What the scheduler starts at the opening of working hours (before the sweep)."""
        for action in self._morning.pop(to_local(now).date(), []):
            action(now)

    def inspect(self, now: dt.datetime) -> None:
        """The daily inspection run: score, rank, circulate when one is due; write its documents."""
        period = due_inspection_period(self.ctx, now)
        if period is None:
            return
        result = run_inspection(self.ctx, now, period)
        self.summary.inspections.append(period[:7])
        if self.exports is not None:
            self.exports.inspection(self.ctx, result, now)
        self._plan_rectifications(result["inspection_id"], period)

    def afternoon(self, now: dt.datetime) -> None:
        """What units and the coordinator do on a working day (the simulation sweeps and dispatches after)."""
        for action in self._afternoon.pop(to_local(now).date(), []):
            action(now)

    def finish(self, now: dt.datetime) -> RehearsalSummary:
        """The status board as it stands at the end, the index of documents, and the summary."""
        if self.exports is not None:
            self.exports.board(self.ctx, now)
            self.summary.exports = [e.file for e in self.exports.entries]
            self.exports.write_index()
        return self.summary

    def _at(self, day: dt.date | None, action: Action, *, morning: bool = False) -> None:
        if day is None or not self.start <= day <= self.end:
            return
        (self._morning if morning else self._afternoon)[day].append(action)

    def _due(self, nominal: dt.date, duty: DutySpec) -> dt.date:
        return self.ctx.cal.effective_due(nominal, duty.holiday_policy).effective

    # --- progress reports -----------------------------------------------------------------------------

    def _plan_reports(self, duty: DutySpec) -> None:
        for period, nominal in duty_periods(self.plan, duty, self.ctx.cal):
            due = self._due(nominal, duty)
            if due < self.start:
                continue  # before the rehearsal: its story is not rehearsed
            opens = max(nominal - dt.timedelta(days=REPORT_WINDOW_DAYS), self.start)
            self._at(opens, partial(self._open_window, period=period, due_on=due), morning=True)

    def _open_window(self, now: dt.datetime, period: str, due_on: dt.date) -> None:
        generate(self.ctx, now)
        open_report_window(self.ctx, now, period)
        for locality in self.plan.locality_names:
            self.summary.reports_owed += 1
            behaviour = R.draw(self.mix, self.seed, locality, period)
            day = R.act_on(behaviour, due_on, self.ctx.cal, R.rng(self.seed, locality, f"day:{period}"))
            self._at(day, partial(self._submit, locality=locality, period=period, due_on=due_on, behaviour=behaviour))

    def _submit(self, now: dt.datetime, locality: str, period: str, due_on: dt.date, behaviour: R.Behaviour) -> None:
        year = int(period[:4])
        with session_scope(self.ctx.engine) as session:
            pid = find_plan(None, session=session).id or 0
            targets = allocations(session=session, plan_id=pid, year=year)
            inds = {i.code: (i.aggregation, i.unit) for i in indicators(session=session, plan_id=pid)}
        if not targets:  # no approved split (yet) for the year: the units report against the draft
            targets = {d.code: d.split for d in decomposition_draft(self.ctx, year)[1]}
        r = R.rng(self.seed, locality, f"actuals:{period}")
        actuals = {}
        for code, shares in sorted(targets.items()):
            if locality in shares and code in inds:
                aggregation, unit = inds[code]
                actuals[code] = R.actual(shares[locality], cumulative=aggregation == Aggregation.SUM, period=period,
                                         behaviour=behaviour, r=r, decimals=0 if unit in ("家", "个", "项") else 2)
        submit_report(self.ctx, now, locality=locality, period=period, actuals=actuals, projects=[],
                      problems=R.REPORT_PROBLEMS[behaviour], next_steps=R.REPORT_NEXT_STEPS[behaviour],
                      source="rehearsal")
        if to_local(now).date() <= due_on:
            self.summary.reports_on_time += 1
        else:
            self.summary.reports_late += 1

    # --- the yearly target split ----------------------------------------------------------------------

    def _plan_splits(self, duty: DutySpec) -> None:
        for _period, nominal in duty_periods(self.plan, duty, self.ctx.cal):
            due = self._due(nominal, duty)
            r = R.rng(self.seed, self.plan.coordinator, f"split:{nominal.year}")
            day = max(self.ctx.cal.add_working_days(due, -r.randint(3, 10)), nominal.replace(day=1))
            self._at(day, partial(self._approve_split, year=nominal.year))

    def _approve_split(self, now: dt.datetime, year: int) -> None:
        localities, drafts = decomposition_draft(self.ctx, year)
        if not drafts:
            return
        split = {d.code: dict(d.split) for d in drafts}
        reason = R.SPLIT_REASON if split_problems(localities, drafts, split, "") else ""
        approve_split(self.ctx, now, year, drafts, split, reason)
        self.summary.splits_approved.append(year)

    # --- joint meetings and their action items --------------------------------------------------------

    def _plan_meetings(self, duty: DutySpec) -> None:
        for _period, nominal in duty_periods(self.plan, duty, self.ctx.cal):
            held = self._due(nominal, duty)
            convene = max(nominal - dt.timedelta(days=MEETING_NOTICE_DAYS), self.start)
            if convene > held:
                continue
            self._at(convene, partial(self._convene, held=held, members=list(duty.members)), morning=True)

    def _convene(self, now: dt.datetime, held: dt.date, members: list[str]) -> None:
        result = convene_meeting(self.ctx, now, local_datetime(held, MEETING_TIME), R.MEETING_PLACE)
        self.summary.meetings_convened += 1
        self._at(held, partial(self._minutes, meeting_id=result["meeting_id"], held=held, members=members))

    def _minutes(self, now: dt.datetime, meeting_id: int, held: dt.date, members: list[str]) -> None:
        due = self.ctx.cal.add_working_days(held, ACTION_ITEM_WORKING_DAYS)
        items = [ActionItem(title=title, owner=owner, due_on=due)
                 for title, owner in R.action_items(self.seed, held, members)]
        result = record_meeting(self.ctx, now, meeting_id=meeting_id, attendance=[self.plan.coordinator, *members],
                                decisions=R.MEETING_DECISIONS, action_items=items)
        self.summary.meetings_minuted += 1
        for n, (item, created) in enumerate(zip(items, result["action_items"], strict=True), 1):
            self.summary.action_items += 1
            what = f"action:{held.isoformat()}#{n}"
            behaviour = R.draw(self.mix, self.seed, item.owner, what)
            day = R.act_on(behaviour, due, self.ctx.cal, R.rng(self.seed, item.owner, f"day:{what}"))
            self._at(day, partial(self._done, unit=item.owner, duty_code="action-item", period=created["period"],
                                  kind="action"))

    def _done(self, now: dt.datetime, unit: str, duty_code: str, period: str, kind: str) -> None:
        """The unit reports it done (办结) as a person would: through the `duban done` / record-done path."""
        r = record_done(self.ctx, now, unit=unit, duty_code=duty_code, period=period, note=R.DONE_NOTES[kind],
                        source="rehearsal")
        if not r["done"]:
            return
        if kind == "action":
            self.summary.action_items_closed += 1
        elif kind == "rectification":
            self.summary.rectifications_closed += 1
        elif r["on_time"]:
            self.summary.one_offs_on_time += 1
        else:
            self.summary.one_offs_late += 1

    # --- the plan's one-off duties (kind action_item: 五(一), 五(二)) ---------------------------------

    def _plan_one_offs(self, duty: DutySpec) -> None:
        """Each responsible unit reports the duty done by behaviour, drawn per unit and duty: on time some
        working days before the due date, late some after, missing never."""
        for period, nominal in duty_periods(self.plan, duty, self.ctx.cal):
            due = self._due(nominal, duty)
            if due < self.start:
                continue  # before the rehearsal: its story is not rehearsed
            for unit in responsible_units(self.plan, duty):
                self.summary.one_offs_owed += 1
                what = f"{duty.code}:{period}"
                behaviour = R.draw(self.mix, self.seed, unit, what)
                day = R.act_on(behaviour, due, self.ctx.cal, R.rng(self.seed, unit, f"day:{what}"))
                self._at(day if day is None else max(day, self.start),
                         partial(self._done, unit=unit, duty_code=duty.code, period=period, kind="one-off"))

    # --- rectifications -------------------------------------------------------------------------------

    def _plan_rectifications(self, inspection_id: int, period: str) -> None:
        with session_scope(self.ctx.engine) as session:
            pid = find_plan(None, session=session).id or 0
            names = {u.id: u.name for u in plan_units(session=session, plan_id=pid)}
            duty = ensure_system_duties(session=session, plan_id=pid)["rectification"]
            source = inspection_source(inspection_id)
            opened = sorted(((ob.id or 0, names[ob.unit_id], ob.due_on, ob.period)
                             for ob in open_obligations(session=session, duty_id=duty.id or 0)
                             if ob.source == source), key=lambda x: x[0])
        for _id, unit, due_on, ob_period in opened:
            self.summary.rectifications += 1
            what = f"rectify:{period}"
            behaviour = R.draw(self.mix, self.seed, unit, what)
            day = R.act_on(behaviour, due_on, self.ctx.cal, R.rng(self.seed, unit, f"day:{what}"))
            self._at(day, partial(self._done, unit=unit, duty_code="rectification", period=ob_period,
                                  kind="rectification"))

    # --- task reports and close-out reviews (flows.ops.tasks) -----------------------------------------

    def _plan_task_reports(self) -> None:
        """Each node of the plan's task_report duty: the window opens two weeks before it (the task-reports
        deployment's schedule) and each item lead reports by behaviour; a completed task goes to the
        coordinator's review."""
        for duty in self.plan.duties:
            if duty.kind is not DutyKind.TASK_REPORT:
                continue
            periods = duty_periods(self.plan, duty, self.ctx.cal)
            for node, (period, nominal) in enumerate(periods):
                due = self._due(nominal, duty)
                if due < self.start:
                    continue  # before the rehearsal: its story is not rehearsed
                opens = max(nominal - dt.timedelta(days=REPORT_WINDOW_DAYS), self.start)
                self._at(opens, partial(self._open_task_window, period=period), morning=True)
                for item in self.plan.items:
                    what = f"task:{item.ref}:{period}"
                    behaviour = R.draw(self.mix, self.seed, item.lead, what)
                    r = R.rng(self.seed, item.lead, f"day:{what}")
                    day = R.act_on(behaviour, due, self.ctx.cal, r)
                    status = R.task_status(behaviour, node, len(periods), r)
                    self._at(day, partial(self._task_report, unit=item.lead, item_ref=item.ref,
                                              period=period, status=status))

    def _open_task_window(self, now: dt.datetime, period: str) -> None:
        generate(self.ctx, now)
        task_ops.open_task_window(self.ctx, now, period)

    def _task_report(self, now: dt.datetime, unit: str, item_ref: str, period: str,
                     status: TaskStatus, *, resubmitted: bool = False) -> None:
        if item_ref in self._closed_items:
            return  # closed out (销号): nothing more to report
        evidence = R.TASK_EVIDENCE + ("（补充材料）" if resubmitted else "")
        task_ops.submit_task_report(self.ctx, now, unit=unit, item_ref=item_ref, period=period, status=status.value,
                                 done=R.TASK_DONE[status], problems="", next_steps="", evidence=evidence,
                                 source="rehearsal")
        self.summary.task_reports += 1
        if status is TaskStatus.COMPLETED:
            day = self.ctx.cal.add_working_days(to_local(now).date(), REVIEW_WORKING_DAYS)
            approve = resubmitted or R.approve_close_out(self.seed, unit, f"{item_ref}:{period}")
            self._at(day, partial(self._review, unit=unit, item_ref=item_ref, period=period,
                                     approve=approve))

    def _review(self, now: dt.datetime, unit: str, item_ref: str, period: str,
                approve: bool) -> None:
        task_ops.review_task_report(self.ctx, now, item_ref=item_ref, period=period, approve=approve,
                                 reason="" if approve else R.RETURN_REASON)
        if approve:
            self.summary.close_outs_approved += 1
            self._closed_items.add(item_ref)
            return
        self.summary.close_outs_returned += 1
        day = self.ctx.cal.add_working_days(to_local(now).date(), RESUBMIT_WORKING_DAYS)
        self._at(day, partial(self._task_report, unit=unit, item_ref=item_ref, period=period,
                                  status=TaskStatus.COMPLETED, resubmitted=True))

