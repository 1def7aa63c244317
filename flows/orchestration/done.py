"""A unit's report that a duty is done (办结) in the Prefect UI: the `record-done` form.

The coordinator enters it on the unit's behalf — a one-off duty of the plan (e.g. 五(二) 制定镇(街道)具体实施方案),
a meeting's action item, a rectification — and the obligation stops being chased; the `open-done-items`
table lists what is still open. The form's dropdowns (units, closable duties) come from the loaded plan; the
flow is built by :func:`build_record_done_flow` when `duban up` serves.
"""

# No `from __future__ import annotations` here: the flow takes its parameter type from a form built at run
# time, and Prefect reads a flow's signature at run time, which needs it as an object.

from dataclasses import dataclass
from typing import Any

from prefect import Flow, flow, task
from prefect.artifacts import create_table_artifact
from pydantic import BaseModel, Field

from flows.ops.done import closable_duty_choices, open_done_items, record_done
from flows.ops.engine import engine_context
from flows.orchestration.forms import Forms, _enum, value_of
from models.dates import now as clock_now
from models.plan.schema import PlanSpec
from notifications.messages.markdown import md_rows

# The table's column headings (the rows' keys are English for the CLI).
_HEADINGS = {"unit": "单位", "duty": "工作", "period": "期次", "title": "事项", "due_on": "完成时限", "light": "亮灯"}


@dataclass(frozen=True)
class DoneForms:
    """The record-done form built from one plan: units and closable duties are dropdowns."""

    DoneForm: type[BaseModel]
    duty_codes: dict[str, str]  # label shown in the dropdown ("locality-plan 五(二) 制定…") → duty code

    def duty_code(self, choice: Any) -> str:
        """The duty code of a dropdown choice, or the text itself when it already is a code."""
        text = value_of(choice)
        return self.duty_codes.get(text, text)


def build_done_forms(forms: Forms, plan: PlanSpec | None) -> DoneForms:
    """The record-done form for ``plan`` (units from ``forms``)."""
    labels = {f"{code} {title}": code for code, title in closable_duty_choices(plan)}
    DutyChoice: Any = _enum("DoneDuty", list(labels))
    UnitName: Any = forms.UnitName

    class DoneForm(BaseModel):
        """A unit reports a duty done (办结), entered on its behalf."""

        unit: UnitName = Field(title="办结单位")
        duty: DutyChoice = Field(title="工作事项", description="一次性工作、联席会议议定事项或督查整改")
        period: str | None = Field(default=None, max_length=32, title="期次",
                                   description="该单位同一事项有多项未办结时填写(见 open-done-items 表),否则不填")
        note: str = Field(default="", max_length=2000, title="办理情况", description="如印发的文件、建立的机制")

    return DoneForms(DoneForm=DoneForm, duty_codes=labels)


@task(name="open-done-items")
def open_done_items_task() -> int:
    """Publish what can still be reported done as the `open-done-items` table."""
    rows = [{_HEADINGS[k]: v for k, v in row.items()} for row in open_done_items(engine_context())]
    create_table_artifact(key="open-done-items", table=md_rows(rows),
                          description="未办结的一次性工作、议定事项和整改事项(可由 record-done 录入办结)")
    return len(rows)


def build_record_done_flow(done_forms: DoneForms) -> Flow[..., dict[str, Any]]:
    """The `record-done` flow, its parameter the record-done form."""
    DoneForm: Any = done_forms.DoneForm

    @flow(name="record-done", description="代为录入一个单位的办结情况,停止催办并告知协调员。")
    def record_done_flow(done: DoneForm) -> dict[str, Any]:
        """Record one unit's duty as done from the form; publish what is still open."""
        result = record_done(engine_context(), clock_now(), unit=value_of(done.unit),
                             duty_code=done_forms.duty_code(done.duty), period=done.period or None, note=done.note)
        result["still_open"] = open_done_items_task()
        return result

    return record_done_flow
