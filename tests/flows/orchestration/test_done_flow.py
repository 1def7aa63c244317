"""The `record-done` form: its dropdowns from the seed plan, its deployment among those `duban up` serves (no
server needed), and one run against the real Prefect server on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from config.settings import get_settings
from flows.ops.commands import init_database, load_plan_path
from models.dates import FixedClock, use_clock
from models.plan.file import load_plan_file
from models.records.choices import Choices
from tests.conftest import SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))
DUTIES = ["locality-mechanism 五(一) 建立镇(街道)协调工作机制", "locality-plan 五(二) 制定镇(街道)具体实施方案",
          "action-item 联席会议议定事项", "rectification 督查整改"]


def _forms() -> tuple[Any, Any]:
    from flows.orchestration.forms import build_forms

    spec = load_plan_file(SEED_PLAN)
    return build_forms(Choices(units=[u.name for u in spec.all_units])), spec


def test_the_form_offers_units_and_the_duties_closed_this_way() -> None:
    from flows.orchestration.done import build_done_forms

    forms, spec = _forms()
    done_forms = build_done_forms(forms, spec)
    schema = done_forms.DoneForm.model_json_schema()
    assert schema["$defs"]["DoneDuty"]["enum"] == DUTIES
    assert "镇隆镇" in schema["$defs"]["UnitName"]["enum"]
    assert set(schema["required"]) == {"unit", "duty"}
    chosen = done_forms.DoneForm(unit="镇隆镇", duty=DUTIES[1])
    assert (done_forms.duty_code(chosen.duty), chosen.period, chosen.note) == ("locality-plan", None, "")
    with pytest.raises(ValueError, match="DoneDuty|duty"):
        done_forms.DoneForm(unit="镇隆镇", duty="progress-report")
    assert build_done_forms(forms, None).duty_codes == {"action-item 联席会议议定事项": "action-item",
                                                        "rectification 督查整改": "rectification"}


def test_record_done_is_served_as_a_form_deployment() -> None:
    from flows.orchestration.deployments import all_deployments

    forms, spec = _forms()
    served = {d.name: d for d in all_deployments(forms, spec, get_settings())}
    record = served["record-done"]
    assert (record.from_forms, record.tags, record.schedules) == (True, ["duban", "form"], [])
    assert '"DoneDuty"' in record.signature() and "locality-plan" in record.signature()


def test_a_done_entered_from_the_form(prefect_api: str, db_url: str) -> None:
    from flows.orchestration.done import build_done_forms, build_record_done_flow

    init_database()
    load_plan_path(SEED_PLAN)
    forms, spec = _forms()
    done_forms = build_done_forms(forms, spec)
    with use_clock(FixedClock(dt.datetime(2015, 8, 27, 10, 0, tzinfo=TZ))):
        form = done_forms.DoneForm(unit="镇隆镇", duty=DUTIES[1], note="已印发镇隆镇实施方案")
        result = build_record_done_flow(done_forms)(done=form)
        again = build_record_done_flow(done_forms)(done=form)
    assert (result["done"], result["on_time"], result["coordinator_told"], result["still_open"]) == (True, True, 1, 39)
    assert (again["done"], again["coordinator_told"], again["still_open"]) == (False, 0, 39)
