"""Importing any flows.orchestration module touches no database: the forms are built when serving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flows.ops.commands import init_database, load_plan_path
from tests.conftest import ROOT, SEED_PLAN

# Counts every connection and statement of any engine, then imports every module of flows.orchestration.
IMPORT_ALL = """
import importlib, json, pkgutil
import sqlalchemy as sa

connections, statements = [], []
sa.event.listen(sa.pool.Pool, "connect", lambda *args: connections.append(1))
sa.event.listen(sa.engine.Engine, "before_cursor_execute", lambda conn, cur, sql, *args: statements.append(sql))
import flows.orchestration

modules = sorted(f"flows.orchestration.{m.name}" for m in pkgutil.iter_modules(flows.orchestration.__path__))
for name in modules:
    importlib.import_module(name)
print(json.dumps({"modules": modules, "connections": len(connections), "statements": statements}))
"""


def import_all(database_url: str, tmp_path: Path) -> dict[str, Any]:
    env = {**os.environ, "DUBAN_DATABASE_URL": database_url, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    out = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"flows.orchestration.forms", "flows.orchestration.duties", "flows.orchestration.inspection",
            "flows.orchestration.deployments", "flows.orchestration.serving"} <= set(found["modules"])
    return found


def test_importing_the_flows_creates_no_database(tmp_path: Path) -> None:
    found = import_all(f"sqlite:///{tmp_path / 'absent' / 'duban.db'}", tmp_path)
    assert (found["connections"], found["statements"]) == (0, [])
    assert not (tmp_path / "absent").exists()


def test_importing_the_flows_runs_no_query_on_a_loaded_plan(db_url: str, tmp_path: Path) -> None:
    # A database with a plan: forms built at import would read their dropdowns from it here.
    init_database()
    load_plan_path(SEED_PLAN)
    found = import_all(db_url, tmp_path)
    assert (found["connections"], found["statements"]) == (0, [])
