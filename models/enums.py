"""Enumerations shared by the plan schema, the tables and the rules."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    """What a responsible unit is."""

    DEPARTMENT = "department"
    TOWN = "town"
    SUBDISTRICT = "subdistrict"
    OTHER = "other"


class LocalityScope(StrEnum):
    """Which localities an item names: 各镇…(all), 有关镇…(relevant) or none."""

    ALL = "all"
    RELEVANT = "relevant"
    NONE = "none"


class ItemKind(StrEnum):
    """A work task (三、工作任务) or a safeguard measure (四、保障措施)."""

    TASK = "task"
    MEASURE = "measure"


class AssignmentRole(StrEnum):
    """A unit's part in an item."""

    LEAD = "lead"
    COOPERATING = "cooperating"
    LOCALITY = "locality"


class Comparator(StrEnum):
    """How an actual value is held against a target."""

    GE = ">="
    EQ = "="
    LE = "<="


class Aggregation(StrEnum):
    """How a city target relates to the localities' shares."""

    SUM = "sum"
    LEVEL = "level"


class DutyKind(StrEnum):
    """The recurring duties of a plan's 工作要求."""

    DECOMPOSITION = "decomposition"
    PROGRESS_REPORT = "progress_report"
    JOINT_MEETING = "joint_meeting"
    INSPECTION = "inspection"
    # Created by duban itself (not in a plan file): a meeting's action items, an inspection's rectifications.
    ACTION_ITEM = "action_item"
    RECTIFICATION = "rectification"


class Frequency(StrEnum):
    """How often a duty recurs."""

    ANNUAL = "annual"
    SEMIANNUAL = "semiannual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"


class Responsible(StrEnum):
    """Who must act on a duty."""

    OWNER = "owner"
    LOCALITIES = "localities"
    MEMBERS = "members"


class HolidayPolicy(StrEnum):
    """What happens to a nominal due date that falls on a day off.

    ``roll_forward``: the next working day; ``pull_earlier``: the last working day before; ``keep``: unchanged.
    """

    ROLL_FORWARD = "roll_forward"
    PULL_EARLIER = "pull_earlier"
    KEEP = "keep"
