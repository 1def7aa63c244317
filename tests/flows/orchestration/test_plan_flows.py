"""The `load-plan` flow against a real Prefect server and both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.ops.commands import init_database
from models.errors import PlanError
from models.plan.file import load_plan_file
from models.plan.tasks import task_duties
from tests.conftest import SEED_PLAN, count_rows


def test_load_plan_flow_loads_and_writes_the_breakdown_artifact(prefect_api: str, db_url: str) -> None:
    from prefect.client.orchestration import get_client

    from flows.orchestration.plan import load_plan_flow

    init_database()
    result = load_plan_flow(path=str(SEED_PLAN))
    assert result["created"] is True
    assert result["summary"].startswith("loaded plan xinyi-2015-2017: 37 units (20 localities), 24 items")
    again = load_plan_flow(path=str(SEED_PLAN))
    assert again["created"] is False and again["changes"] == []
    rows = count_rows(sa.create_engine(db_url))
    # The plan file's rows; its task_report duty stored beside one derived duty per item.
    plan = load_plan_file(SEED_PLAN)
    assert (len(plan.items), len(plan.targets), len(plan.duties), len(task_duties(plan))) == (24, 25, 7, 24)
    assert (rows["item"], rows["target"], rows["duty"]) == (24, 25, 7 + 24)
    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()
        latest = {a.key: a for a in artifact}
    assert "plan-breakdown" in latest
    assert "| 三(二)5 | 开展技术改造投资动态监测和服务 | 市科工商务局 |" in str(latest["plan-breakdown"].data)


def test_load_plan_flow_fails_clearly_on_a_bad_file(prefect_api: str, db_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings
    from flows.orchestration.plan import load_plan_flow

    monkeypatch.setenv("DUBAN_PLANS_DIR", str(tmp_path))  # load-plan reads only inside the plans directory
    get_settings.cache_clear()
    init_database()
    bad = tmp_path / "bad.yaml"
    bad.write_text(SEED_PLAN.read_text(encoding="utf-8").replace("lead: 市人社局", "lead: 市人事局"), encoding="utf-8")
    with pytest.raises(PlanError, match="unknown unit '市人事局'"):
        load_plan_flow(path=str(bad))
    assert set(count_rows(sa.create_engine(db_url)).values()) == {0}


def test_load_plan_flow_refuses_a_path_outside_the_plans_dir(prefect_api: str, db_url: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings
    from flows.orchestration.plan import load_plan_flow

    plans = tmp_path / "plans"
    plans.mkdir()
    monkeypatch.setenv("DUBAN_PLANS_DIR", str(plans))
    get_settings.cache_clear()
    init_database()
    secret = tmp_path / "contacts.yaml"
    secret.write_text('version: 1\nurls:\n  - "wecombot://PLANTEDKEY123":\n      - tag: role-leader\n',
                      encoding="utf-8")
    (plans / "link.yaml").symlink_to(secret)
    for path in (str(secret), "../contacts.yaml", str(plans / "link.yaml")):
        with pytest.raises(PlanError, match="is outside the plans directory") as info:
            load_plan_flow(path=path)
        assert "PLANTEDKEY123" not in str(info.value) and len(info.value.problems) == 1
    assert set(count_rows(sa.create_engine(db_url)).values()) == {0}
