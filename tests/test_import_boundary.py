"""Only flows/ imports Prefect: the rules import without it, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

RULE_MODULES = [
    "config", "config.settings", "models", "models.tables", "models.plans", "models.plan_file",
    "models.plan_schema", "models.breakdown", "models.dates", "models.db", "notifications",
    "models.decomposition", "models.scoring", "models.reports", "models.meetings", "models.adhoc",
    "notifications.board", "notifications.circular", "notifications.dispatch", "notifications.channels",
    "notifications.documents.workbook", "notifications.documents.report_import",
    "notifications.documents.circular_export", "flows.exports", "flows.documents_ops",
    "flows.commands", "flows.cli", "flows.duty_ops", "flows.inspection_ops", "flows.engine_ops",
]


def test_rules_import_without_prefect() -> None:
    code = (
        "import importlib, sys\n"
        f"for m in {RULE_MODULES!r}:\n"
        "    importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_flows_do_import_prefect() -> None:
    # The check above must be able to fail: the flow modules really pull Prefect in.
    code = "import sys, flows.plan_flows; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
