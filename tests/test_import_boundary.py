"""Import rules: only flows.orchestration imports Prefect, and the layers go one way.

The rules are contracts in pyproject.toml ([tool.importlinter]) that ``lint-imports`` checks statically; the
first test checks the same promise at run time, in a fresh interpreter, over every module found on disk.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PREFECT_FREE = ["config", "models", "notifications", "flows.cli", "flows.ops"]
# Scripts other programs run, not modules to import: alembic runs its env.py inside its own context.
# Every ``__main__`` module is skipped too (importing it runs the program).
SCRIPTS = {"models.migrations.env"}

_IMPORT_ALL = """
import importlib, json, pkgutil, sys
roots, scripts = json.loads(sys.argv[1])
imported = []
for root in roots:
    package = importlib.import_module(root)
    imported.append(root)
    for info in pkgutil.walk_packages(package.__path__, root + "."):
        if info.name in scripts or info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
prefect = sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect."))
print(json.dumps({"imported": imported, "prefect": prefect}))
"""


def test_every_module_outside_orchestration_imports_without_prefect() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, json.dumps([PREFECT_FREE, sorted(SCRIPTS)])],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    imported = set(result["imported"])
    # The walk really found the tree, down to the leaves (a walk that found nothing would pass vacuously).
    assert {"models.dates", "models.rules.calendar", "notifications.documents.ics", "flows.cli.main",
            "flows.ops.duties", "config.settings"} <= imported
    assert not any(name.startswith("flows.orchestration") for name in imported)
    assert result["prefect"] == []


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run([str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Contracts: 2 kept, 0 broken." in out.stdout, out.stdout


def test_flows_do_import_prefect() -> None:
    # The checks above must be able to fail: the flow modules really pull Prefect in.
    code = "import sys, flows.orchestration.plan; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
