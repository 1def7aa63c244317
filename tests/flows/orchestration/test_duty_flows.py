"""The duty flows end to end on the seed, against the real Prefect server (and both databases)."""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from flows.ops.commands import engine_for, init_database, load_plan_path
from flows.ops.engine import engine_context, generate, run_sweep
from models.dates import FixedClock, use_clock
from models.records.choices import Choices
from tests.conftest import SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))


def free_text_forms() -> Any:
    """The forms with free-text fields (built with no choices), as the flows are called directly here."""
    from flows.orchestration.forms import build_forms

    return build_forms(Choices())


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def q(sql: str, **params: object) -> list[tuple[Any, ...]]:
    with engine_for().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params).all()]


@pytest.fixture
def seeded(prefect_api: str, db_url: str) -> str:
    init_database()
    load_plan_path(SEED_PLAN)
    generate(engine_context(), at(2015, 7, 6))
    return db_url


def artifacts() -> dict[str, Any]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return {a.key: a for a in client.read_latest_artifacts()}


def table_of(artifact: Any) -> list[dict[str, Any]]:
    data = artifact.data
    return json.loads(data) if isinstance(data, str) else list(data)


def test_plan_schedules_fall_on_the_right_2016_dates_in_shanghai(seeded: str) -> None:
    from prefect.server.schemas.schedules import CronSchedule

    from config.settings import get_settings
    from flows.ops.commands import stored_plan
    from flows.orchestration.deployments import duty_schedules

    sched = duty_schedules(stored_plan(), get_settings())

    async def first(cron: Any) -> dt.datetime:
        server = CronSchedule(cron=cron.cron, timezone=cron.timezone, day_or=cron.day_or)
        dates = await server.get_dates(n=1, start=dt.datetime(2016, 1, 1, tzinfo=dt.UTC))
        return dates[0].astimezone(TZ)

    def dates(name: str) -> list[dt.datetime]:
        return sorted(asyncio.run(first(c)) for c in sched[name])

    assert dates("target-decomposition") == [at(2016, 4, 1, 9, 0)]
    assert dates("progress-reports") == [at(2016, 5, 22, 9, 0), at(2016, 11, 21, 9, 0)]
    assert dates("joint-meeting") == [at(2016, 3, 13, 9, 0), at(2016, 6, 13, 9, 0), at(2016, 9, 13, 9, 0),
                                      at(2016, 12, 13, 9, 0)]
    assert all(c.timezone == "Asia/Shanghai" for cs in sched.values() for c in cs)


def test_report_window_then_a_submitted_report_stops_the_ladder(seeded: str) -> None:
    from flows.orchestration.duties import build_progress_reports_flow, build_submit_progress_report_flow
    from flows.orchestration.forms import Project

    forms = free_text_forms()
    progress_reports_flow = build_progress_reports_flow(forms)
    submit_progress_report_flow = build_submit_progress_report_flow(forms)
    Actual, ProgressReportForm = forms.Actual, forms.ProgressReportForm
    with use_clock(FixedClock(at(2016, 5, 23))):
        opened = progress_reports_flow(period="2016-06-05")
        again = progress_reports_flow(period="2016-06-05")
    assert (opened["queued"], again["queued"]) == (20, 0)
    body, attached = q("SELECT payload, attachments FROM outbox WHERE stage = 'info' "
                       "AND recipient = 'unit-zhenlong+role-handler'")[0]
    assert "2016年6月6日(星期一)" in body and "工业投资" in body  # the locality-facing name where the plan gives one
    workbook = Path(json.loads(attached)[0])
    assert workbook.name == "进度填报_镇隆镇_2016-06-05.xlsx" and workbook.exists()  # the pre-filled template
    with use_clock(FixedClock(at(2016, 6, 3, 10, 0))):
        report = ProgressReportForm(locality="镇隆镇", period="2016-06-05",
                                    actuals=[Actual(indicator="industrial-investment", value=3.2)],
                                    projects=[Project(name="东莞大朗(信宜)产业转移工业园配套项目", investment=0.8)],
                                    problems="用地指标紧张", next_steps="加快报批")
        first = submit_progress_report_flow(report=report)
        same = submit_progress_report_flow(report=report)
    assert (first["version"], first["created"], first["obligation_closed"]) == (1, True, True)
    assert (same["version"], same["created"]) == (1, False)
    run_sweep(engine_context(), at(2016, 6, 7))  # first working day after the 06-06 deadline: 催办
    urged = {r[0] for r in q("SELECT x.recipient FROM outbox x JOIN obligation o ON o.id = x.obligation_id "
                             "JOIN duty d ON d.id = o.duty_id WHERE x.stage_key = 'urge@1' AND x.status = 'pending' "
                             "AND o.period = '2016-06-05' AND d.kind = 'progress_report'")}
    assert len(urged) == 19  # the 20 localities but 镇隆镇 (the item leads' task reports share the node)
    assert "unit-shuikou+role-handler" in urged and "unit-zhenlong+role-handler" not in urged
    status = q("SELECT o.status FROM obligation o JOIN unit u ON u.id = o.unit_id "
               "WHERE u.name = '镇隆镇' AND o.period = '2016-06-05'")
    assert status == [("submitted",)]
    summary = table_of(artifacts()["progress-2016-06-05"])
    assert len(summary) == 20 and next(r for r in summary if r["单位"] == "镇隆镇")["报送"] == "已报送"


def _wait_for_state(flow_name: str, state: str, timeout: float = 60, pause_key: str | None = None) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[flow_name])))
        current = runs[0].state if runs else None
        if current is not None and current.name == state and (
                pause_key is None or current.state_details.pause_key == pause_key):
            return runs[0]
        time.sleep(0.5)
    seen = f"{current.name}: {current.message}" if current is not None else "no run"
    raise AssertionError(f"flow run {flow_name} did not reach {state} ({pause_key}) in {timeout} s; it is {seen}")


def test_target_split_asks_again_on_invalid_input_then_stores_and_notifies(seeded: str) -> None:
    from prefect.flow_runs import resume_flow_run

    from flows.ops.duties import decomposition_draft
    from flows.orchestration.duties import target_decomposition_flow

    localities, drafts = decomposition_draft(engine_context(), 2016)
    # 2015's targets carried forward; 2017's R&D not yet; city- and park-scope targets are not split.
    with engine_context().engine.connect() as conn:
        splittable = conn.execute(sa.text("SELECT COUNT(DISTINCT i.code) FROM indicator i JOIN target t "
                                          "ON t.indicator_id = i.id WHERE i.scope = 'locality' AND t.year <= 2016"))
        assert len(localities) == 20 and len(drafts) == splittable.scalar_one()
    draft = {f"i{n}": {f"l{i}": d.split[name] for i, name in enumerate(localities)} for n, d in enumerate(drafts)}
    inv = next(n for n, d in enumerate(drafts) if d.code == "industrial-investment")
    assert sum(draft[f"i{inv}"].values()) == pytest.approx(105)
    outcome: dict[str, Any] = {}
    run_name = f"split-2016-{uuid.uuid4().hex[:8]}"  # unique on the shared server (both databases' runs)

    def run() -> None:
        try:
            with use_clock(FixedClock(at(2016, 4, 1))):
                outcome["result"] = target_decomposition_flow.with_options(flow_run_name=run_name)(year=2016)
        except BaseException as exc:  # noqa: BLE001 - shown by the test when the run never pauses
            outcome["error"] = exc
            raise

    # A copy of this context, so the run talks to the test server: PREFECT_API_URL is a context setting, and a
    # bare thread gets Prefect's root settings, which are ephemeral when Prefect was first imported before the
    # test server's fixture ran (as a module of form tests without the server does).
    worker = threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True)
    worker.start()
    try:
        paused = _wait_for_state(run_name, "Paused", pause_key="split-2016-1")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the run raised {outcome.get('error')!r}") from None
    wrong = json.loads(json.dumps(draft))
    wrong[f"i{inv}"]["l0"] += 50  # the towns' sum no longer matches the city's 105 亿元, and no reason given
    resume_flow_run(paused.id, run_input={**wrong, "reason": ""})
    # Asked again: paused anew under the second attempt's key (not the first pause, still showing).
    asked_again = _wait_for_state(run_name, "Paused", pause_key="split-2016-2")
    assert asked_again.id == paused.id
    right = json.loads(json.dumps(draft))
    right[f"i{inv}"]["l0"] += 5
    right[f"i{inv}"]["l1"] -= min(5, right[f"i{inv}"]["l1"])
    resume_flow_run(paused.id, run_input={**right, "reason": "镇隆镇新增重大项目,相应调整"})
    worker.join(timeout=90)
    result = outcome["result"]
    assert result["attempts"] == 2 and result["allocations"] == 20 * len(drafts) and result["obligations_closed"] == 1
    assert q("SELECT status FROM obligation o JOIN duty d ON d.id = o.duty_id WHERE d.kind = 'decomposition' "
             "AND o.period = '2016-04-30'") == [("accepted",)]
    zhenlong = q("SELECT a.value FROM allocation a JOIN unit u ON u.id = a.unit_id JOIN indicator i "
                 "ON i.id = a.indicator_id WHERE u.name = '镇隆镇' AND i.code = 'industrial-investment'")
    assert zhenlong == [(pytest.approx(draft[f"i{inv}"]["l0"] + 5),)]
    notices = q("SELECT attachments FROM outbox WHERE stage = 'info' AND stage_key LIKE 'targets@2016%'")
    assert len(notices) == 20 and all(Path(json.loads(a)[0]).exists() for (a,) in notices)
    table = table_of(artifacts()["targets-2016"])
    assert len(table) == 21 and table[0]["镇(街道)"] == "镇隆镇"


def test_meeting_invites_members_and_its_action_items_are_chased(seeded: str) -> None:
    from flows.orchestration.duties import build_record_meeting_minutes_flow, joint_meeting_flow

    forms = free_text_forms()
    record_meeting_minutes_flow = build_record_meeting_minutes_flow(forms)
    ActionItemForm, MinutesForm = forms.ActionItemForm, forms.MinutesForm
    with use_clock(FixedClock(at(2016, 6, 13))):
        convened = joint_meeting_flow(starts_at=at(2016, 6, 20), place="市政府第一会议室")
    assert convened["invitations"] == 16  # 15 member departments + the coordinator
    (attachments,) = q("SELECT attachments FROM outbox WHERE recipient = 'unit-fgj+role-head' "
                       "AND stage = 'info'")[0]
    ics = json.loads(attachments)[0]
    assert ics.endswith(".ics") and "BEGIN:VEVENT" in Path(ics).read_text(encoding="utf-8")
    with use_clock(FixedClock(at(2016, 6, 20, 11, 0))):
        minutes = record_meeting_minutes_flow(minutes=MinutesForm(
            meeting_id=convened["meeting_id"], attendance=["市发改局", "市国土资源局"], decisions="加快项目用地报批",
            action_items=[ActionItemForm(title="协调解决重点项目用地指标", owner="市国土资源局",
                                         due_on=dt.date(2016, 7, 15))]))
    (item,) = minutes["action_items"]
    assert item["due_on"] == "2016-07-15"
    run_sweep(engine_context(), at(2016, 7, 8))  # 5 working days before 07-15
    chased = q("SELECT recipient, stage_key FROM outbox WHERE obligation_id = :o", o=item["obligation"])
    assert chased == [("unit-gtzyj+role-handler", "reminder@-5")]
    assert q("SELECT status FROM meeting") == [("minuted",)]


def test_inspection_ranks_circulates_and_rectifies_once(seeded: str) -> None:
    from flows.orchestration.duties import build_submit_progress_report_flow
    from flows.orchestration.inspection import build_inspection_flow

    forms = free_text_forms()
    submit_progress_report_flow = build_submit_progress_report_flow(forms)
    inspection_flow = build_inspection_flow(forms)
    ProgressReportForm = forms.ProgressReportForm
    for name, day in (("镇隆镇", 3), ("水口镇", 6), ("丁堡镇", 8)):  # on time, on the day, late
        with use_clock(FixedClock(at(2016, 6, day))):
            submit_progress_report_flow(report=ProgressReportForm(locality=name, period="2016-06-05"))
    with use_clock(FixedClock(at(2016, 6, 21))):
        run_sweep(engine_context(), at(2016, 6, 21))
        first = inspection_flow(period="2016-06-05")
        second = inspection_flow(period="2016-06-05")
    assert first["ran"] and first["new"] and not second["new"]
    found = artifacts()
    ranking = table_of(found["ranking-2016-06-05"])
    units = {r["单位"] for r in ranking}
    assert len(units) == 36 and {"镇隆镇", "北界镇", "市发改局"} <= units  # 20 localities + 16 departments
    circular = str(found["circular-2016-06-05"].data)
    assert "通报" in circular and "镇隆镇" in circular and "督查〔2016〕1号" in circular
    link = str(found["circular-file-docx-2016-06-05"].data)  # [name](file:///…)
    assert link.startswith("[2016年上半年专项督查通报.docx](file://")
    assert Path(unquote(link.split("](file://", 1)[1].rstrip(")"))).exists()
    assert first["rectifications"] == first["red"] >= 17  # the 17 localities that never reported
    assert q("SELECT COUNT(*) FROM obligation o JOIN duty d ON d.id = o.duty_id WHERE d.kind = 'rectification'") == [
        (first["red"],)]
    # Only units with something due get their result (the 20 localities' reports, departments' task reports);
    # a unit with nothing due is listed as 本期无督查任务 and told nothing.
    due = [r for r in ranking if r["亮灯"] != "本期无督查任务"]
    assert len(due) >= 20 and len(due) < len(ranking)
    assert q("SELECT COUNT(*) FROM outbox WHERE stage_key LIKE 'result@inspection:%'") == [(len(due),)]
    closed = q("SELECT o.period, o.status FROM obligation o JOIN duty d ON d.id = o.duty_id "
               "WHERE d.kind = 'inspection' AND o.status <> 'open'")
    assert closed == [("2016-06-05", "closed")]  # the inspection that follows the 2016-06-05 reports


def test_sweep_refreshes_the_status_board(seeded: str) -> None:
    from flows.orchestration.engine import sweep_flow

    sweep_flow(as_of=at(2016, 6, 7))
    found = artifacts()
    assert "status-board" in found and "status-board-detail" in found
    assert "🔴" in str(found["status-board"].data)
