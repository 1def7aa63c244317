"""The task flows against the real Prefect server (and both databases): a report entered for a unit from the
typed form, then the close-out review (销号) from its form; and the forms' dropdowns from the seed plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from flows.ops.commands import engine_for, init_database, load_plan_path
from flows.ops.engine import engine_context, generate
from models.dates import FixedClock, use_clock
from models.plan.file import load_plan_file
from models.records.choices import Choices
from tests.conftest import SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))


def _task_forms() -> Any:
    from flows.orchestration.forms import build_forms
    from flows.orchestration.tasks import build_task_forms

    spec = load_plan_file(SEED_PLAN)
    return build_task_forms(build_forms(Choices(units=[u.name for u in spec.all_units])), spec)


def test_the_task_forms_offer_the_plans_items_nodes_units_and_statuses() -> None:
    forms = _task_forms()
    schema = forms.TaskReportForm.model_json_schema()
    defs = schema["$defs"]
    assert defs["TaskItem"]["enum"][0] == "三(一)1 鼓励和支持龙头企业发挥创新骨干作用"
    assert len(defs["TaskItem"]["enum"]) == 24
    assert defs["TaskNode"]["enum"] == ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]
    assert defs["TaskStatusZh"]["enum"] == ["未启动", "推进中", "已完成", "滞后"]
    assert "人民银行信宜市支行" in defs["UnitName"]["enum"]
    review = forms.TaskReviewForm.model_json_schema()
    assert review["$defs"]["Decision"]["enum"] == ["同意销号", "退回"]
    with pytest.raises(ValueError, match="TaskNode|period"):
        forms.TaskReviewForm(item="四(四) 发挥财政资金扛杆作用", period="2015-06-05", decision="同意销号")
    chosen = forms.TaskReportForm(unit="市财政局", item="四(四) 发挥财政资金扛杆作用", status="已完成", done="…")
    assert forms.item_ref(chosen.item) == "四(四)"


def test_a_report_entered_from_the_form_then_closed_out_from_the_review_form(prefect_api: str, db_url: str) -> None:
    from flows.orchestration.tasks import build_review_task_report_flow, build_submit_task_report_flow

    init_database()
    load_plan_path(SEED_PLAN)
    now = dt.datetime(2015, 11, 20, 10, 0, tzinfo=TZ)
    generate(engine_context(), now)
    forms = _task_forms()
    with use_clock(FixedClock(now)):
        report = forms.TaskReportForm(unit="市财政局", item="四(四) 发挥财政资金扛杆作用", status="已完成",
                                      done="安排工作经费200万元", evidence="信财〔2015〕88号")
        submitted = build_submit_task_report_flow(forms)(report=report)
        assert submitted == {"report_id": 1, "period": "2015-12-05", "version": 1, "created": True,
                             "contribution": False, "awaiting_review": True}
        review = forms.TaskReviewForm(item="四(四) 发挥财政资金扛杆作用", period="2015-12-05", decision="同意销号")
        result = build_review_task_report_flow(forms)(review=review)
    assert (result["outcome"], result["waived"], result["lead_told"], result["still_awaiting_review"]) == (
        "approved", 4, True, 0)
    with engine_for().connect() as conn:
        states = conn.execute(sa.text(
            "SELECT o.status, count(*) FROM obligation o JOIN duty d ON d.id = o.duty_id JOIN item i "
            "ON i.id = d.item_id WHERE i.ref = '四(四)' GROUP BY o.status ORDER BY o.status")).all()
    assert [tuple(s) for s in states] == [("accepted", 1), ("waived", 4)]
