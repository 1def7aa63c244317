"""Serving the deployments with one Prefect runner, rebuilt in place when the plan or its report periods change.

The forms' dropdowns (localities, units, indicators, report periods) come from the database, and a
deployment's parameter schema is fixed when it is applied. So every ``CHECK_EVERY_S`` seconds the serving
process reads the choices again (a few small queries); when they differ from those the deployments were built
with — a plan loaded or changed, obligations of a new report period created by a sweep — it rebuilds every
deployment and re-applies those whose parameter schema, schedules, description or tags changed. No restart
of `duban up` is needed.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.abc
from prefect.runner import Runner

from config.settings import Settings
from flows.orchestration.deployments import ServedDeployment, all_deployments, plan_or_none
from flows.orchestration.forms import build_forms, current_choices
from models.errors import DubanError
from models.records.choices import Choices
from notifications.channels.redact import scrub

CHECK_EVERY_S = 60.0  # how often the serving process looks for a new plan or new report periods


class Serving:
    """One runner and the deployments it serves, kept in step with the choices in the database."""

    def __init__(self, settings: Settings, runner: Runner | None = None) -> None:
        self.settings = settings
        # As `prefect.serve` makes it, but never pausing the schedules on shutdown (Prefect #16363).
        self.runner = runner if runner is not None else Runner(pause_on_shutdown=False, limit=None)
        self.choices: Choices | None = None  # what the served deployments were built from (None: nothing yet)
        self._applied: dict[str, str] = {}  # deployment name → signature last applied

    async def refresh(self) -> list[str]:
        """Read the choices; when they changed, rebuild the deployments and apply each one that changed.

        Returns:
            The names of the deployments applied: all of them the first time, none when nothing changed.
        """
        choices = await anyio.to_thread.run_sync(current_choices, self.settings)
        if choices is None:  # unreadable: serve free-text forms at first, else keep what is served
            if self.choices is not None:
                return []
            choices = Choices()
        if choices == self.choices:
            return []
        plan = await anyio.to_thread.run_sync(plan_or_none, self.settings)
        if plan is None and choices.plan_hash:
            # The choices came from a stored plan, but the plan could not be read just now (the database
            # went away between the two reads): applying now would strip every plan-driven schedule.
            raise DubanError("the stored plan could not be read; the served deployments are kept as they are")
        applied: list[str] = []
        for served in all_deployments(build_forms(choices), plan, self.settings):
            signature = served.signature()
            if self._applied.get(served.name) == signature:
                continue
            await self._apply(served)
            self._applied[served.name] = signature
            applied.append(served.name)
        self.choices = choices  # only now: after a failure the next check tries again
        return applied

    async def refresh_without_plan(self) -> list[str]:
        """Apply the deployments with free-text forms and no plan schedules (a start while the plan is unreadable).

        ``self.choices`` stays unset, so the next check rebuilds everything from the database.
        """
        applied: list[str] = []
        for served in all_deployments(build_forms(Choices()), None, self.settings):
            await self._apply(served)
            self._applied[served.name] = served.signature()
            applied.append(served.name)
        return applied

    async def _apply(self, served: ServedDeployment) -> None:
        """Create or update the deployment on the server and have the runner serve it."""
        if served.from_forms:
            # The runner keeps this flow object and runs it in a subprocess (it cannot be imported by name).
            await self.runner.aadd_flow(served.flow, name=served.name, tags=served.tags,
                                        description=served.description, schedules=served.schedules)
            return
        deployment = await served.flow.ato_deployment(name=served.name, tags=served.tags,
                                                      description=served.description, schedules=served.schedules)
        await self.runner.aadd_deployment(deployment)

    async def run(self, check_every: float = CHECK_EVERY_S) -> None:
        """Serve until cancelled (or the runner stops): the runner polls for work while this checks the choices."""
        async with anyio.create_task_group() as group:
            group.start_soon(self._run_runner, group)
            while True:
                await anyio.sleep(check_every)
                try:
                    applied = await self.refresh()
                except Exception as exc:  # noqa: BLE001 - a failed check must not stop serving; the next one retries
                    print(f"duban: could not check the plan for changes ({scrub(str(exc))}); trying again in "
                          f"{check_every:.0f} s", flush=True)
                    continue
                if applied:
                    print(f"duban: the plan or its report periods changed; updated {', '.join(applied)}", flush=True)

    async def _run_runner(self, group: anyio.abc.TaskGroup) -> None:
        await self.runner.start()
        group.cancel_scope.cancel()  # the runner stopped (e.g. on SIGTERM): stop checking too


async def serve(settings: Settings, *, check_every: float = CHECK_EVERY_S,
                ready: Callable[[int], None] | None = None) -> None:
    """Apply every deployment, call ``ready`` with their number, then serve them until cancelled."""
    serving = Serving(settings)
    try:
        applied = await serving.refresh()
    except Exception as exc:  # noqa: BLE001 - serve what can be served; the checks below catch up within a minute
        print(f"duban: could not read the plan ({scrub(str(exc))}); serving free-text forms until it can",
              flush=True)
        applied = await serving.refresh_without_plan()
    if ready is not None:
        ready(len(applied))
    await serving.run(check_every)
