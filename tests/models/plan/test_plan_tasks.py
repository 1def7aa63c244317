"""The supervision fields of a plan (secretariat, indicator scope, carried targets, cooperating units) and the
task_report duty's expansion into one duty per item: checked, stored, read back, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from models.db import session_scope
from models.engine.obligations import generate_obligations
from models.enums import DutyKind, Responsible
from models.plan.checks import check_plan
from models.plan.file import load_plan_file
from models.plan.schema import PlanSpec
from models.plan.store import load_plan, read_plan
from models.plan.tasks import derived_code, expand_duties
from models.rules.calendar import WorkingCalendar
from models.rules.ladder import load_escalation
from models.tables.plan import Duty, DutyMember, Item, Unit
from tests.conftest import ROOT, SEED_PLAN

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2015, 7, 6, 9, 0, tzinfo=TZ)
CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
ESC = load_escalation(ROOT / "config" / "escalation.yaml")
TASK_DUTY: dict[str, Any] = {
    "code": "tasks", "kind": "task_report", "clause": "五(三)", "title": "报送牵头任务落实情况",
    "owner": "市科工商务局", "responsible": "item_leads", "frequency": "semiannual",
    "schedule": {"dates": ["06-05", "12-05"], "from": "2015-12-01", "until": "2016-12-31", "default": True},
}


def _seed_data() -> dict[str, Any]:
    """The seed as data, without its carried-forward targets (the tests add their own)."""
    data = load_plan_file(SEED_PLAN).model_dump(mode="json", by_alias=True)
    data["targets"] = [t for t in data["targets"] if t["carried_from"] is None]
    return data


def _plan(data: dict[str, Any]) -> PlanSpec:
    spec = PlanSpec.model_validate(data)
    assert check_plan(spec) == []
    return spec


def _with_tasks(data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The seed's data with its own task duties replaced by ``TASK_DUTY`` (a smaller schedule)."""
    data = data or _seed_data()
    data["duties"] = [d for d in data["duties"] if d["kind"] != "task_report"] + [dict(TASK_DUTY)]
    return data


def _load(engine: sa.Engine, spec: PlanSpec) -> Any:
    with session_scope(engine) as session:
        return load_plan(spec, session=session, now=NOW, source="test")


def _problems(data: dict[str, Any]) -> list[str]:
    return [f"{path}: {msg}" for path, msg in check_plan(PlanSpec.model_validate(data))]


def test_the_supervision_fields_round_trip(engine: sa.Engine) -> None:
    data = _with_tasks()
    data["secretariat"] = "市科工商务局"
    data["units"][8]["kind"] = "vertical"  # 人民银行信宜市支行
    data["indicators"][0]["scope"] = "city"
    data["indicators"][1]["local_name"] = "工业投资"
    data["targets"].append({"indicator": "industrial-investment", "year": 2016, "value": 105, "carried_from": 2015})
    decomposition = next(d for d in data["duties"] if d["code"] == "decomposition")
    decomposition["cooperating"] = ["市发改局", "市统计局"]
    spec = _plan(data)
    _load(engine, spec)
    with session_scope(engine) as session:
        back = read_plan(session=session)
    assert back == spec
    assert back.secretariat == "市科工商务局" and back.units[8].kind.value == "vertical"
    assert [d.code for d in back.duties] == [d.code for d in spec.duties]  # derived duties not listed
    with engine.connect() as conn:
        roles = conn.execute(sa.text(
            "SELECT u.name, m.role FROM duty_member m JOIN duty d ON d.id = m.duty_id JOIN unit u ON u.id = m.unit_id "
            "WHERE d.code = 'decomposition' ORDER BY m.position")).all()
        joint = conn.execute(sa.text(
            "SELECT DISTINCT m.role FROM duty_member m JOIN duty d ON d.id = m.duty_id "
            "WHERE d.code = 'joint-meeting'")).all()
    assert [tuple(r) for r in roles] == [("市发改局", "cooperating"), ("市统计局", "cooperating")]
    assert [tuple(r) for r in joint] == [("member",)]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda d: d.update(secretariat="市政府督查室"), "secretariat: unknown unit '市政府督查室'"),
    (lambda d: d["duties"][0].update(cooperating=["市科工商务局"]),
     "duties[0].cooperating[0]: '市科工商务局' is the duty's owner, not a cooperating unit"),
    (lambda d: d["duties"][0].update(cooperating=["市统计局", "市统计局"]),
     "duties[0].cooperating[1]: duplicate unit '市统计局' (first at duties[0].cooperating[0])"),
    (lambda d: d["targets"].append({"indicator": "upgrading-firms", "year": 2016, "value": 32, "carried_from": 2014}),
     "targets[9].carried_from: 'upgrading-firms' has no target in 2014 to carry forward to 2016"),
    (lambda d: d["targets"].append({"indicator": "upgrading-firms", "year": 2016, "value": 32, "carried_from": 2016}),
     "targets[9].carried_from: 2016 is not a year before 2016"),
    (lambda d: d["targets"].append({"indicator": "upgrading-firms", "year": 2016, "value": 40, "carried_from": 2015}),
     "targets[9].value: 40 differs from the 2015 target 32 it says it carries forward (carried_from: 2015)"),
    (lambda d: d["duties"][1].update(responsible="item_leads"),
     "duties[1].responsible: 'item_leads' is only for a task_report duty, not 'progress_report'"),
    (lambda d: d["duties"][-1].update(responsible="owner"),
     "duties[6].responsible: a task_report duty is owed by each item's lead: use 'item_leads'"),
    (lambda d: d["duties"][-1].update(members=["市发改局"]),
     "duties[6]: a task_report duty takes its units from the items (lead, cooperating); "
     "list no members or cooperating units"),
    (lambda d: d["duties"][-1].update(code="a" * 55),
     f"duties[6].code: '{'a' * 55}' is 55 characters; a task_report duty's code is at most 54 "
     "(each item's duty adds 9)"),
    (lambda d: d["duties"][0].update(code=derived_code("tasks", "三(一)1")),
     f"duties[6].code: item 三(一)1's duty would be '{derived_code('tasks', '三(一)1')}', already a duty code"),
])
def test_supervision_checks(edit: Any, expected: str) -> None:
    data = _with_tasks()
    edit(data)
    problems = _problems(data)
    assert [p for p in problems if p.startswith(expected)] == problems, problems


def test_no_task_report_duty_adds_no_duty() -> None:
    data = _seed_data()
    data["duties"] = [d for d in data["duties"] if d["kind"] != "task_report"]
    spec = _plan(data)
    assert expand_duties(spec) == list(spec.duties)


def test_each_item_gets_one_duty_owed_by_its_lead() -> None:
    spec = _plan(_with_tasks())
    expanded = expand_duties(spec)
    derived = [d for d in expanded if d.kind is DutyKind.TASK_REPORT]
    assert [d.code for d in expanded if d.kind is not DutyKind.TASK_REPORT] == [
        d.code for d in spec.duties if d.kind is not DutyKind.TASK_REPORT]
    assert len(derived) == len(spec.items) == 24
    item = spec.items[8]  # 三(二)5: 市科工商务局 with 市统计局, 市政府金融工作局, 人民银行信宜市支行
    duty = derived[8]
    assert duty.code == "tasks-" + hashlib.sha1("三(二)5".encode()).hexdigest()[:8]
    assert (duty.title, duty.owner, duty.responsible, duty.members) == (
        f"报送“{item.title}”落实情况", "市科工商务局", Responsible.MEMBERS, ["市科工商务局"])
    assert duty.cooperating == ["市统计局", "市政府金融工作局", "人民银行信宜市支行"]
    parent = spec.duties[-1]
    assert (duty.schedule, duty.frequency, duty.holiday_policy, duty.clause) == (
        parent.schedule, parent.frequency, parent.holiday_policy, parent.clause)
    assert derived[18].members == ["市发改局"]  # 四(一)


def test_expansion_is_stable_across_reorder_and_reload(engine: sa.Engine) -> None:
    data = _with_tasks()
    spec = _plan(data)
    _load(engine, spec)
    with session_scope(engine) as session:
        before = {d.code: (d.id, d.item_id) for d in session.exec(select(Duty).where(col(Duty.item_id).is_not(None)))}
        items = {i.id: i.ref for i in session.exec(select(Item))}
    assert len(before) == 24
    assert {items[i] for _, i in before.values()} == {it.ref for it in spec.items}
    data["items"].reverse()
    data["items"][0]["title"] = "强化工业人才支撑工作"  # 四(六), retitled
    dropped = data["items"].pop()  # 三(一)1 is gone
    result = _load(engine, _plan(data))
    # The item's change is reported once; its derived duty follows without a line of its own.
    assert "item 四(六): title 强化工业人才支撑 → 强化工业人才支撑工作" in result.changes
    assert not any(line.startswith("duty tasks-") for line in result.changes)
    with session_scope(engine) as session:
        after = {d.code: (d.id, d.item_id) for d in session.exec(select(Duty).where(col(Duty.item_id).is_not(None)))}
        assert read_plan(session=session).duties == _plan(data).duties
        retitled = session.exec(select(Duty).where(Duty.code == derived_code("tasks", "四(六)"))).one()
        assert retitled.title == "报送“强化工业人才支撑工作”落实情况"
    gone = derived_code("tasks", dropped["ref"])
    assert set(after) == set(before) - {gone}
    assert all(after[c] == before[c] for c in after)  # same ids, same items


def test_obligations_one_per_lead_per_node_and_members_stored(engine: sa.Engine) -> None:
    spec = _plan(_with_tasks())
    _load(engine, spec)
    with session_scope(engine) as session:
        generate_obligations(None, session=session, cal=CAL, escalation=ESC, now=NOW)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT i.ref, u.name, o.period FROM obligation o JOIN duty d ON d.id = o.duty_id "
            "JOIN item i ON i.id = d.item_id JOIN unit u ON u.id = o.unit_id")).all()
        parent = conn.execute(sa.text(
            "SELECT count(*) FROM obligation o JOIN duty d ON d.id = o.duty_id WHERE d.code = 'tasks'")).scalar_one()
    nodes = ["2015-12-05", "2016-06-05", "2016-12-05"]
    leads = {it.ref: it.lead for it in spec.items}
    assert sorted(tuple(r) for r in rows) == sorted((ref, lead, p) for ref, lead in leads.items() for p in nodes)
    assert parent == 0  # the parent duty stands for its items' duties; nobody owes it itself
    with session_scope(engine) as session:
        unit = {u.id: u.name for u in session.exec(select(Unit))}
        duty = session.exec(select(Duty).where(Duty.code == derived_code("tasks", "四(五)"))).one()
        members = session.exec(select(DutyMember).where(DutyMember.duty_id == duty.id)
                               .order_by(col(DutyMember.position))).all()
        assert [(unit[m.unit_id], m.role) for m in members] == [("市政府金融工作局", "member"),
                                                               ("人民银行信宜市支行", "cooperating")]


def test_the_seed_says_what_the_notice_leaves_open() -> None:
    from models.plan.warnings import plan_warnings

    spec = load_plan_file(SEED_PLAN)
    assert spec.secretariat is None  # the coordinator prepares the issuer's own duties
    kinds = {u.name: u.kind.value for u in spec.units}
    assert kinds["人民银行信宜市支行"] == "vertical" and kinds["市统计局"] == "department"
    scope = {x.code: x.scope.value for x in spec.indicators}
    assert scope == {"rd-institution-ratio": "city", "industrial-investment": "locality",
                     "tech-upgrade-investment": "locality", "upgrading-firms": "locality",
                     "upgrading-firms-large": "locality", "robot-replacement-firms": "locality",
                     "motor-efficiency": "locality", "park-fixed-investment": "park", "rd-spending-ratio": "city"}
    assert [x.local_name for x in spec.indicators if x.local_name] == ["工业投资"]
    duties = {d.code: d for d in spec.duties}
    assert duties["decomposition"].cooperating == ["市发改局", "市统计局"]
    tasks = duties["task-report"]
    assert (tasks.responsible, tasks.owner, tasks.schedule.default, tasks.schedule.dates) == (
        Responsible.ITEM_LEADS, "市科工商务局", True, ["06-05", "12-05"])
    for code in ("locality-mechanism", "locality-plan"):
        assert duties[code].responsible is Responsible.LOCALITIES and duties[code].schedule.default
        assert (duties[code].schedule.from_, duties[code].schedule.until) == (dt.date(2015, 8, 1),
                                                                                dt.date(2015, 8, 31))
    carried = [(t.indicator, t.year) for t in spec.targets if t.carried_from == 2015]
    own = {t.indicator: t.value for t in spec.targets if t.year == 2015}
    assert sorted(carried) == sorted((code, y) for code in own for y in (2016, 2017))
    assert all(t.value == own[t.indicator] for t in spec.targets if t.carried_from)
    warnings = plan_warnings(spec)
    carried_lines = [w for w in warnings if "targets are carried forward (carried_from: 2015)" in w]
    assert [w.split(" target ")[0] for w in carried_lines] == ["the notice sets no 2016", "the notice sets no 2017"]
    assert all("for 8 indicators" in w and "全市工业投资 105亿元" in w for w in carried_lines)
    split = [w for w in warnings if w.startswith("2015: no decomposition duty falls in 2015")]
    assert len(split) == 1 and "全市工业投资" in split[0] and "产业园区" not in split[0]  # the park's is not split
    assert not any(w.startswith(("2016:", "2017:")) for w in warnings)  # the April splits cover them
