"""Serving against the real Prefect server: the deployments' forms follow the plan and its report periods
without a restart, and the runner runs the rebuilt flows."""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from config.settings import get_settings
from flows.ops.commands import init_database, load_plan_path
from flows.ops.engine import engine_context, generate
from models.records.choices import Choices
from tests.conftest import SEED_PLAN

PERIODS = ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]
DEPLOYMENTS = ["load-plan", "sweep", "dispatch", "progress-reports", "submit-progress-report", "import-report-workbook",
               "target-decomposition", "joint-meeting", "record-meeting-minutes", "inspection", "task-reports",
               "submit-task-report", "review-task-report", "record-done"]


@contextmanager
def serving_in_background(check_every: float = 0.5) -> Iterator[None]:
    """The serving loop of `duban up` in a thread (its own event loop), checking every ``check_every`` s."""
    from prefect.runner import Runner

    from flows.orchestration.serving import Serving

    started = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        state["loop"], state["task"] = asyncio.get_running_loop(), asyncio.current_task()
        serving = Serving(get_settings(), runner=Runner(pause_on_shutdown=False, limit=None, query_seconds=1))
        state["first"] = await serving.refresh()
        started.set()
        await serving.run(check_every)

    def target() -> None:
        try:
            asyncio.run(main())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            state["error"] = exc
            started.set()

    # A copy of this context, so the thread talks to the test server (PREFECT_API_URL is a context setting).
    thread = threading.Thread(target=contextvars.copy_context().run, args=(target,), daemon=True)
    thread.start()
    assert started.wait(90) and "error" not in state, state.get("error")
    assert state["first"] == DEPLOYMENTS  # every deployment applied when serving starts
    try:
        yield
    finally:
        state["loop"].call_soon_threadsafe(state["task"].cancel)
        thread.join(timeout=60)
        assert not thread.is_alive() and "error" not in state, state.get("error")


def schema_of(deployment: str) -> dict[str, Any]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return dict(client.read_deployment_by_name(deployment).parameter_openapi_schema or {})


def dropdown(deployment: str, name: str) -> list[str] | None:
    """The values of the dropdown ``name`` in the deployment's parameter form; None for a free-text field."""
    definitions = schema_of(deployment).get("definitions", {})
    return definitions[name]["enum"] if name in definitions else None


def eventually(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the served deployments did not follow the database"
        time.sleep(0.5)


def test_served_forms_follow_a_plan_loaded_then_periods_created_without_restart(
        prefect_api: str, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from prefect.deployments import run_deployment

    init_database()  # no plan yet: every field is free text
    with serving_in_background():
        assert dropdown("inspection/inspection", "ReportPeriod") is None
        assert dropdown("submit-progress-report/submit-progress-report", "Locality") is None
        assert "period" in schema_of("inspection/inspection")["properties"]

        load_plan_path(SEED_PLAN)  # localities, units and indicators arrive; no report period yet
        eventually(lambda: dropdown("submit-progress-report/submit-progress-report", "Locality") is not None)
        localities = dropdown("submit-progress-report/submit-progress-report", "Locality")
        assert localities is not None and len(localities) == 20 and localities[0] == "镇隆镇"
        eventually(lambda: dropdown("record-meeting-minutes/record-meeting-minutes", "UnitName") is not None)
        assert dropdown("inspection/inspection", "ReportPeriod") is None

        generate(engine_context(), dt.datetime(2015, 7, 6, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
        eventually(lambda: dropdown("inspection/inspection", "ReportPeriod") == PERIODS)  # applied last
        assert dropdown("progress-reports/progress-reports", "ReportPeriod") == PERIODS
        assert dropdown("submit-progress-report/submit-progress-report", "ReportPeriod") == PERIODS

        # The runner runs the rebuilt flow: a period from the new dropdown is accepted and the run completes.
        run = run_deployment("progress-reports/progress-reports", parameters={"period": "2015-12-05"},
                             timeout=180, poll_interval=1)
        assert run.state is not None and run.state.is_completed(), run.state
    printed = capsys.readouterr().out
    # Only the deployments whose form or schedules changed were applied again.
    # The plan brings the units, the schedules and the task forms' items and nodes; the periods, the report forms.
    assert ("updated progress-reports, submit-progress-report, target-decomposition, joint-meeting, "
            "record-meeting-minutes, task-reports, submit-task-report, review-task-report, record-done\n") in printed
    assert "updated progress-reports, submit-progress-report, inspection\n" in printed


def test_serving_keeps_its_forms_while_the_database_cannot_be_read(prefect_api: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.orchestration.serving import Serving

    (tmp_path / "duban.db").write_bytes(b"not a database")
    monkeypatch.setenv("DUBAN_DATABASE_URL", f"sqlite:///{tmp_path / 'duban.db'}")
    get_settings.cache_clear()
    serving = Serving(get_settings())
    served = Choices(localities=["镇隆镇"], periods=["2016-06-05"])
    serving.choices = served
    assert asyncio.run(serving.refresh()) == [] and serving.choices is served  # not rebuilt as free text


def test_a_database_blip_during_a_check_keeps_the_plan_schedules(monkeypatch: pytest.MonkeyPatch) -> None:
    # The choices come from a stored plan, then the plan cannot be read for a moment: the check must fail
    # (and be retried), not re-apply every deployment without its plan-driven schedules.
    import anyio

    from flows.orchestration import deployments, serving
    from models.errors import DatabaseError, DubanError
    from models.plan.file import load_plan_file

    plan = load_plan_file(SEED_PLAN)
    choices = [Choices(localities=[u.name for u in plan.localities], periods=["2016-06-05"], plan_hash="h1")]
    monkeypatch.setattr(serving, "current_choices", lambda settings: choices[0])
    reachable = [True]

    def stored_plan(settings: Any = None) -> Any:
        if not reachable[0]:
            raise DatabaseError("cannot reach the database: connection refused")
        return plan

    monkeypatch.setattr(deployments, "stored_plan", stored_plan)
    schedules: dict[str, int] = {}

    async def apply(served: Any) -> None:
        schedules[served.name] = len(served.schedules)

    s = serving.Serving(get_settings(), runner=object())  # type: ignore[arg-type]
    monkeypatch.setattr(s, "_apply", apply)
    anyio.run(s.refresh)
    before = dict(schedules)
    assert before["joint-meeting"] > 0 and before["progress-reports"] > 0

    choices[0] = Choices(localities=choices[0].localities, periods=["2016-06-05", "2016-12-05"], plan_hash="h1")
    reachable[0] = False
    with pytest.raises(DubanError, match="could not be read"):
        anyio.run(s.refresh)
    assert schedules == before  # nothing applied without the plan

    reachable[0] = True  # the next check catches up
    assert "progress-reports" in anyio.run(s.refresh)
    assert schedules["joint-meeting"] == before["joint-meeting"]
