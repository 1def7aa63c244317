"""What the CLI and the flows both do, as plain functions (no Prefect here, so the CLI starts fast)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from config.settings import Settings, get_settings
from models.dates import now
from models.db import get_engine, migrate, require_schema, session_scope
from models.errors import PlanError
from models.plan.file import load_plan_file
from models.plan.schema import PlanSpec
from models.plan.store import LoadResult, load_plan, read_plan
from models.rules.calendar import WorkingCalendar


def engine_for(settings: Settings | None = None) -> Engine:
    """The engine of the configured database."""
    settings = settings or get_settings()
    return get_engine(settings.resolved_database_url())


def working_calendar(settings: Settings | None = None) -> WorkingCalendar:
    """China's working calendar with the operator's data files and the missing-year policy from settings."""
    settings = settings or get_settings()
    return WorkingCalendar(data_dir=settings.calendar_dir, missing_policy=settings.calendar_missing)


def init_database(settings: Settings | None = None) -> str:
    """Create or migrate duban's database; return the schema revision."""
    return migrate(engine_for(settings))


@dataclass(frozen=True)
class PlanLoad:
    """A plan load's outcome, with the counts a user wants to see."""

    result: LoadResult
    spec: PlanSpec

    def summary(self) -> str:
        s, r = self.spec, self.result
        counts = (f"{len(s.all_units)} units ({len(s.locality_names)} localities), {len(s.items)} items, "
                  f"{len(s.targets)} targets, {len(s.duties)} duties")
        if r.created:
            return f"loaded plan {r.code}: {counts}"
        if not r.changes:
            return f"plan {r.code} unchanged: {counts}"
        return f"updated plan {r.code} ({len(r.changes)} changes): {counts}"


def plan_path_in_plans_dir(path: Path | str, settings: Settings | None = None) -> Path:
    """``path`` as a file inside the plans directory (``DUBAN_PLANS_DIR``), or a one-line refusal.

    A relative path is taken inside the plans directory; the result is resolved (symlinks followed) before
    the check, so ``../contacts.yaml`` or a link to ``/etc`` is refused before anything is opened.

    Raises:
        PlanError: naming the path and the plans directory.
    """
    settings = settings or get_settings()
    root = settings.plans_dir.resolve()
    given = Path(path)
    resolved = (given if given.is_absolute() else root / given).resolve()
    if not resolved.is_relative_to(root):
        raise PlanError([f"{path}: is outside the plans directory {root} (DUBAN_PLANS_DIR); "
                         "load-plan reads plan files only there"])
    return resolved


def load_plan_path(path: Path | str, settings: Settings | None = None, *, plans_dir_only: bool = False) -> PlanLoad:
    """Validate a plan file, then upsert it in one transaction (nothing is written if it is invalid).

    Args:
        path: the plan file.
        settings: the settings to use (default: the process's).
        plans_dir_only: read only a file inside ``DUBAN_PLANS_DIR`` (:func:`plan_path_in_plans_dir`); the
            `load-plan` deployment sets it, the command line (an operator at a shell) does not.

    Raises:
        PlanError: the path is refused or the file is invalid.
    """
    if plans_dir_only:
        path = plan_path_in_plans_dir(path, settings)
    spec = load_plan_file(path)
    engine = engine_for(settings)
    require_schema(engine)
    with session_scope(engine) as session:
        result = load_plan(spec, session=session, now=now(), source=str(path))
    return PlanLoad(result=result, spec=spec)


def stored_plan(code: str | None = None, settings: Settings | None = None) -> PlanSpec:
    """The plan as stored in the database."""
    engine = engine_for(settings)
    require_schema(engine)
    with session_scope(engine) as session:
        return read_plan(code, session=session)
