"""The rehearsal's decisions: how each unit behaves, as pure seeded functions (no database, no clock).

``duban simulate --behaviour on-time=0.6,late=0.2,missing=0.2 --seed N`` asks, for every unit and every
thing it owes, one question of :func:`draw`: will it act on time, late, or never? The answer comes from
``random.Random(f"{seed}:{unit}:{what}")``, so it depends only on the seed, the unit and what is owed — not on
the order the simulation reaches it, the dates simulated, or what else was drawn. The other functions
here turn a behaviour into a day (a working day before or after the due date), a figure (near the
pace-to-date of a target) or a task status; :mod:`flows.ops.rehearsal_run` carries them out through the
same :mod:`flows.ops` functions the Prefect flows call.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from models.enums import TaskStatus
from models.errors import DubanError

BEHAVIOUR_FLAG = "--behaviour"


class Behaviour(StrEnum):
    """How a unit acts on one thing it owes."""

    ON_TIME = "on-time"
    LATE = "late"
    MISSING = "missing"


@dataclass(frozen=True)
class BehaviourMix:
    """The share of each behaviour (non-negative, adding up to 1)."""

    on_time: float
    late: float
    missing: float

    def spec(self) -> str:
        """The mix as the flag spells it, e.g. ``on-time=0.6,late=0.2,missing=0.2``."""
        return f"on-time={self.on_time:g},late={self.late:g},missing={self.missing:g}"


def parse_behaviour(text: str) -> BehaviourMix:
    """Parse ``on-time=0.6,late=0.2,missing=0.2`` (any order; a behaviour left out has share 0).

    Raises:
        DubanError: one message naming the flag and the part that is wrong.
    """
    shares: dict[Behaviour, float] = {}
    known = ", ".join(b.value for b in Behaviour)
    parts = [p.strip() for p in text.split(",")]
    if not text.strip():
        raise DubanError(f"{BEHAVIOUR_FLAG} is empty; give shares like on-time=0.6,late=0.2,missing=0.2")
    for part in parts:
        name, sep, value = part.partition("=")
        if not sep:
            raise DubanError(f"{BEHAVIOUR_FLAG}: {part!r} is not name=share (e.g. late=0.2)")
        try:
            kind = Behaviour(name.strip())
        except ValueError:
            raise DubanError(f"{BEHAVIOUR_FLAG}: unknown behaviour {name.strip()!r} in {part!r}; "
                             f"known: {known}") from None
        if kind in shares:
            raise DubanError(f"{BEHAVIOUR_FLAG}: {kind.value} is given twice")
        try:
            share = float(value)
        except ValueError:
            raise DubanError(f"{BEHAVIOUR_FLAG}: {value.strip()!r} in {part!r} is not a number") from None
        if not math.isfinite(share) or share < 0:
            raise DubanError(f"{BEHAVIOUR_FLAG}: the share in {part!r} must be a number from 0 to 1")
        shares[kind] = share
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-9:
        raise DubanError(f"{BEHAVIOUR_FLAG}: the shares add up to {total:g}, not 1 ({text.strip()})")
    return BehaviourMix(on_time=shares.get(Behaviour.ON_TIME, 0.0), late=shares.get(Behaviour.LATE, 0.0),
                        missing=shares.get(Behaviour.MISSING, 0.0))


def rng(seed: int, unit: str, what: str) -> random.Random:
    """The generator of one unit's decisions about one thing it owes (stable whatever else is drawn)."""
    return random.Random(f"{seed}:{unit}:{what}")


def draw(mix: BehaviourMix, seed: int, unit: str, what: str) -> Behaviour:
    """How ``unit`` acts on ``what`` (e.g. a report period ``2016-06-05``) under ``mix``."""
    x = rng(seed, unit, what).random()
    if x < mix.on_time:
        return Behaviour.ON_TIME
    if x < mix.on_time + mix.late:
        return Behaviour.LATE
    return Behaviour.MISSING


class Calendar(Protocol):
    """The part of :class:`~models.rules.calendar.WorkingCalendar` the decisions use."""

    def add_working_days(self, d: dt.date, n: int) -> dt.date: ...


def act_on(behaviour: Behaviour, due_on: dt.date, cal: Calendar, r: random.Random, *,
           early: tuple[int, int] = (1, 6), late: tuple[int, int] = (1, 10)) -> dt.date | None:
    """The working day the unit acts: ``early`` working days before ``due_on`` when on time, ``late`` working
    days after it when late, None when missing."""
    if behaviour is Behaviour.MISSING:
        return None
    if behaviour is Behaviour.ON_TIME:
        return cal.add_working_days(due_on, -r.randint(*early))
    return cal.add_working_days(due_on, r.randint(*late))


def pace(period: str) -> float:
    """The share of the year elapsed at a report period's nominal date (序时进度): 2016-06-05 → 0.43.

    The same reckoning as :func:`flows.ops.duties.report_summary`: days since 1 January over the days of
    the year to 31 December.
    """
    nominal = dt.date.fromisoformat(period)
    first, last = dt.date(nominal.year, 1, 1), dt.date(nominal.year, 12, 31)
    return (nominal - first).days / (last - first).days


def actual(target: float, *, cumulative: bool, period: str, behaviour: Behaviour, r: random.Random,
           decimals: int) -> float:
    """A reported year-to-date figure near the pace of ``target``: on time at or a bit above it (100-115%),
    late below it (60-95%). A rate is compared as a rate, so it is near the target itself."""
    factor = r.uniform(1.0, 1.15) if behaviour is Behaviour.ON_TIME else r.uniform(0.6, 0.95)
    value = target * factor * (pace(period) if cumulative else 1.0)
    return round(max(value, 0.0), decimals)


def task_status(behaviour: Behaviour, node: int, nodes: int, r: random.Random) -> TaskStatus:
    """What a lead reports at its ``node``-th report node (0-based) of ``nodes``.

    Early on, tasks are started or in progress; on-time leads report most tasks completed at the last node
    (and some at the one before); late leads report lagging work now and then and complete fewer.
    """
    left = nodes - 1 - node
    if behaviour is Behaviour.ON_TIME:
        if left == 0 and r.random() < 0.7 or left == 1 and r.random() < 0.2:
            return TaskStatus.COMPLETED
        return TaskStatus.NOT_STARTED if node == 0 and r.random() < 0.15 else TaskStatus.IN_PROGRESS
    if left == 0 and r.random() < 0.3:
        return TaskStatus.COMPLETED
    return TaskStatus.LAGGING if r.random() < 0.5 else TaskStatus.IN_PROGRESS


def approve_close_out(seed: int, unit: str, what: str) -> bool:
    """Whether the coordinator approves a close-out (销号) at first review: most are, about one in five is
    sent back for more evidence."""
    return rng(seed, unit, f"review:{what}").random() >= 0.2


# --- User-facing text (Chinese): what the rehearsal's units write --------------------------------------
ACTION_ITEMS = (
    "协调解决重点工业项目用地报批问题",
    "梳理汇总技术改造项目资金需求并提出扶持意见",
    "统计核实规模以上工业企业研发机构设立情况",
    "督促推进产业园区基础设施配套建设",
    "研究落实“机器换人”项目专项资金拨付",
)
REPORT_PROBLEMS = {
    Behaviour.ON_TIME: "部分项目用地报批进度偏慢。",
    Behaviour.LATE: "个别重点项目受资金和用地制约，投资进度滞后于序时进度。",
}
REPORT_NEXT_STEPS = {
    Behaviour.ON_TIME: "继续跟踪重点项目建设，协调解决项目推进中的困难和问题。",
    Behaviour.LATE: "加强与项目业主对接，倒排工期，加快投资进度。",
}
TASK_DONE = {
    TaskStatus.NOT_STARTED: "已制定工作方案，正在开展前期调研。",
    TaskStatus.IN_PROGRESS: "按工作方案推进，阶段性任务已完成。",
    TaskStatus.COMPLETED: "各项工作任务已全部完成。",
    TaskStatus.LAGGING: "部分工作未按计划推进，进度滞后。",
}
TASK_EVIDENCE = "工作总结及相关文件"
RETURN_REASON = "佐证材料不足，请补充相关文件、数据或现场照片后重新报送。"
MEETING_PLACE = "市政府常务会议室"
MEETING_DECISIONS = "听取各成员单位工作进展情况汇报，研究部署下一阶段工作。"
SPLIT_REASON = "按草案下达。"
DONE_NOTES = {  # what a unit writes when it reports a thing done (办理情况), by what it is
    "one-off": "已按实施方案要求办结，相关文件已印发并存档备查。",
    "action": "议定事项已落实，相关情况已书面报告。",
    "rectification": "已按督查意见完成整改，整改情况已书面报告。",
}
# -------------------------------------------------------------------------------------------------------


def action_items(seed: int, meeting_day: dt.date, members: list[str]) -> list[tuple[str, str]]:
    """One or two decisions of the meeting on ``meeting_day``: (title, owning member unit)."""
    if not members:
        return []
    r = random.Random(f"{seed}:meeting:{meeting_day.isoformat()}")
    count = r.randint(1, 2)
    titles = r.sample(ACTION_ITEMS, count)
    owners = r.sample(members, min(count, len(members)))
    return list(zip(titles, owners, strict=False))
