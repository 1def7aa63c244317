"""The rehearsal's seeded decisions (:mod:`flows.ops.rehearsal`) and its Office-file pinning, without a database."""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from docx import Document

from flows.ops.rehearsal import (
    ACTION_ITEMS,
    Behaviour,
    BehaviourMix,
    act_on,
    action_items,
    actual,
    draw,
    pace,
    parse_behaviour,
    task_status,
)
from flows.ops.rehearsal_exports import pin_office_file
from models.dates import local_datetime
from models.enums import TaskStatus
from models.errors import DubanError
from models.rules.calendar import WorkingCalendar
from tests.conftest import ROOT

CAL = WorkingCalendar(data_dir=ROOT / "config" / "calendar")
MIX = BehaviourMix(on_time=0.6, late=0.2, missing=0.2)


@pytest.mark.parametrize(("text", "expected"), [
    ("on-time=0.6,late=0.2,missing=0.2", (0.6, 0.2, 0.2)),
    (" missing=0.25 , on-time=0.5,late=0.25 ", (0.5, 0.25, 0.25)),
    ("on-time=1", (1.0, 0.0, 0.0)),
    ("late=0.5,missing=0.5,on-time=0", (0.0, 0.5, 0.5)),
])
def test_parse_good_specs(text: str, expected: tuple[float, float, float]) -> None:
    mix = parse_behaviour(text)
    assert (mix.on_time, mix.late, mix.missing) == expected
    assert parse_behaviour(mix.spec()) == mix


@pytest.mark.parametrize(("text", "part"), [
    ("", "is empty"),
    ("on-time=0.6,late=0.2,missing", "'missing' is not name=share"),
    ("on-time=0.6,slow=0.2,missing=0.2", "unknown behaviour 'slow' in 'slow=0.2'; known: on-time, late, missing"),
    ("on-time=0.6,late=abc,missing=0.2", "'abc' in 'late=abc' is not a number"),
    ("on-time=1.2,late=-0.2", "the share in 'late=-0.2' must be a number from 0 to 1"),
    ("on-time=nan,late=0.5", "the share in 'on-time=nan'"),
    ("on-time=0.6,late=0.2,late=0.2", "late is given twice"),
    ("on-time=0.6,late=0.2,missing=0.3", "the shares add up to 1.1, not 1"),
    ("on-time=0.5", "the shares add up to 0.5, not 1"),
])
def test_parse_bad_specs_name_the_flag_and_the_part(text: str, part: str) -> None:
    with pytest.raises(DubanError) as caught:
        parse_behaviour(text)
    assert str(caught.value).startswith("--behaviour")
    assert part in str(caught.value)


def test_draw_depends_only_on_seed_unit_and_what() -> None:
    first = draw(MIX, 1, "镇隆镇", "2016-06-05")
    random.seed(99)
    random.random()  # the module's generator in between changes nothing
    assert [draw(MIX, 1, "镇隆镇", "2016-06-05") for _ in range(3)] == [first] * 3
    units = [f"单位{i}" for i in range(200)]
    assert [draw(MIX, 1, u, "p") for u in units] != [draw(MIX, 2, u, "p") for u in units]


def test_draw_follows_the_mix() -> None:
    counts = Counter(draw(MIX, 7, f"单位{i}", "2016-06-05") for i in range(2000))
    assert 0.55 < counts[Behaviour.ON_TIME] / 2000 < 0.65
    assert 0.16 < counts[Behaviour.LATE] / 2000 < 0.24
    assert 0.16 < counts[Behaviour.MISSING] / 2000 < 0.24
    assert {draw(BehaviourMix(0, 0, 1), 7, f"单位{i}", "p") for i in range(50)} == {Behaviour.MISSING}
    assert {draw(BehaviourMix(1, 0, 0), 7, f"单位{i}", "p") for i in range(50)} == {Behaviour.ON_TIME}


def test_act_on_before_after_or_never() -> None:
    due = dt.date(2016, 6, 6)  # 6-5 is a Sunday, rolled forward to Monday
    for n in range(50):
        r = random.Random(n)
        early = act_on(Behaviour.ON_TIME, due, CAL, r)
        late = act_on(Behaviour.LATE, due, CAL, r)
        assert early is not None and late is not None
        assert CAL.is_working_day(early) and 1 <= CAL.working_days_between(early, due) <= 6
        assert CAL.is_working_day(late) and 1 <= CAL.working_days_between(due, late) <= 10
    assert act_on(Behaviour.MISSING, due, CAL, random.Random(1)) is None


def test_actuals_near_the_pace_of_the_target() -> None:
    assert pace("2016-06-05") == pytest.approx(156 / 365)
    for n in range(50):
        on_time = actual(100.0, cumulative=True, period="2016-06-05", behaviour=Behaviour.ON_TIME,
                         r=random.Random(n), decimals=2)
        late = actual(100.0, cumulative=True, period="2016-06-05", behaviour=Behaviour.LATE, r=random.Random(n),
                      decimals=2)
        assert 100 * pace("2016-06-05") - 0.01 <= on_time <= 115 * pace("2016-06-05") + 0.01
        assert late < 100 * pace("2016-06-05")
        rate = actual(6.0, cumulative=False, period="2016-06-05", behaviour=Behaviour.ON_TIME, r=random.Random(n),
                      decimals=2)
        assert 6.0 <= rate <= 6.9  # a rate is compared as a rate: not scaled by the pace
    assert actual(37, cumulative=True, period="2017-12-05", behaviour=Behaviour.LATE, r=random.Random(3),
                  decimals=0).is_integer()


def test_task_status_completes_near_the_end() -> None:
    last = Counter(task_status(Behaviour.ON_TIME, 4, 5, random.Random(n)) for n in range(400))
    first = Counter(task_status(Behaviour.ON_TIME, 0, 5, random.Random(n)) for n in range(400))
    late = Counter(task_status(Behaviour.LATE, 2, 5, random.Random(n)) for n in range(400))
    assert last[TaskStatus.COMPLETED] > 200
    assert first[TaskStatus.COMPLETED] == 0 and first[TaskStatus.NOT_STARTED] > 0
    assert late[TaskStatus.LAGGING] > 100 and late[TaskStatus.COMPLETED] == 0


def test_action_items_go_to_members() -> None:
    members = ["市发改局", "市财政局", "市统计局"]
    items = action_items(1, dt.date(2016, 6, 20), members)
    assert items == action_items(1, dt.date(2016, 6, 20), members)
    assert 1 <= len(items) <= 2
    assert all(title in ACTION_ITEMS and owner in members for title, owner in items)
    assert action_items(1, dt.date(2016, 6, 20), []) == []


def test_pinned_office_files_are_byte_identical(tmp_path: Path) -> None:
    when = local_datetime(dt.date(2016, 6, 20), dt.time(9, 15))
    paths = []
    for n in range(2):
        doc = Document()
        doc.add_paragraph("关于2016年上半年专项督查结果的通报")
        doc.core_properties.modified = dt.datetime(2020 + n, 1, 1)  # as if written at two different moments
        path = tmp_path / f"{n}.docx"
        doc.save(str(path))
        pin_office_file(path, when)
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    with zipfile.ZipFile(paths[0]) as z:
        assert {i.date_time for i in z.infolist()} == {(2016, 6, 20, 9, 15, 0)}
        assert "2016-06-20T01:15:00Z" in z.read("docProps/core.xml").decode()
    assert Document(str(paths[0])).paragraphs[0].text == "关于2016年上半年专项督查结果的通报"


# --- the task-report step: windows, reports and close-out reviews through flows.ops.tasks -------------------


def test_task_reports_and_close_out_reviews_go_through_flows_ops_tasks(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from flows.ops.simulate import Rehearse, simulate
    from models.plan.file import load_plan_file

    items = load_plan_file(ROOT / "config" / "plans" / "xinyi-2015-2017.yaml").items
    db = tmp_path / "duban.db"
    result = simulate(start=dt.date(2017, 11, 1), end=dt.date(2017, 12, 31), jsonl=tmp_path / "m.jsonl",
                      db_url=f"sqlite:///{db}", progress=False, rehearse=Rehearse(mix=MIX, seed=1))
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        reports = conn.execute(sa.text(
            "SELECT i.ref, u.name, o.period, r.status, r.source, r.review, r.review_note FROM task_report r "
            "JOIN item i ON i.id = r.item_id JOIN unit u ON u.id = r.unit_id "
            "JOIN obligation o ON o.id = r.obligation_id"
        )).all()
    engine.dispose()
    leads = {i.ref: i.lead for i in items}
    assert {period for _, _, period, *_ in reports} == {"2017-12-05"}
    assert all(leads[ref] == unit for ref, unit, *_ in reports)  # only leads report in the rehearsal
    reported = {ref for ref, *_ in reports}
    assert 0.6 * len(items) < len(reported) < len(items)  # the missing never report
    assert all(source == "rehearsal" for *_, source, _, _ in reports)
    completed = {ref for ref, _, _, status, *_ in reports if status == TaskStatus.COMPLETED.value}
    approved = {ref for ref, *_, review, _ in reports if review == "approved"}
    returned = [(ref, note) for ref, *_, review, note in reports if review == "returned"]
    assert completed and approved == completed  # returned ones come back with more and pass
    assert all(note for _, note in returned)
    assert result.rehearsal is not None
    assert result.rehearsal.close_outs_approved == len(approved)
    assert result.rehearsal.close_outs_returned == len(returned)
    lines = (tmp_path / "m.jsonl").read_text(encoding="utf-8").splitlines()
    windows = [line for line in lines if "牵头任务" in line and '"stage": "info"' in line]
    assert len(windows) >= len(set(leads.values()))  # every lead was asked before the node
