"""Only flows/ imports Prefect: the rules import without it, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

RULE_MODULES = [
    "config", "config.settings", "models", "models.tables.plan", "models.plan.store", "models.plan.file",
    "models.plan.schema", "models.plan.breakdown", "models.dates", "models.db", "notifications",
    "models.rules.decomposition", "models.rules.scoring", "models.records.reports", "models.records.meetings",
    "models.engine.adhoc", "notifications.messages.board", "notifications.messages.circular",
    "notifications.delivery.dispatch", "notifications.channels.router", "notifications.documents.workbook",
    "notifications.documents.report_import", "notifications.documents.circular_export", "flows.ops.exports",
    "flows.ops.documents", "flows.ops.commands", "flows.cli", "flows.ops.duties", "flows.ops.inspections",
    "flows.ops.engine",
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
    code = "import sys, flows.orchestration.plan; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
