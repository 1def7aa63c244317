"""Enumerations shared by the plan schema, the tables and the rules."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    """What a responsible unit is."""

    DEPARTMENT = "department"
    TOWN = "town"
    SUBDISTRICT = "subdistrict"
    OTHER = "other"
    # A vertically managed body stationed in the city (驻地单位, e.g. 人民银行信宜市支行): it cooperates, but a
    # city circular neither ranks nor praises it as one of the city's own departments.
    VERTICAL = "vertical"


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


class IndicatorScope(StrEnum):
    """Who an indicator's target is carried by: split over the localities, the city as a whole, or the park."""

    LOCALITY = "locality"
    CITY = "city"
    PARK = "park"


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
    # Each item's lead unit reports how its task is going at each report node (五(三), 五(四)); a plan's
    # ``task_report`` duty is expanded into one duty per item (see models.plan.tasks).
    TASK_REPORT = "task_report"
    # A one-off piece of work closed by the unit reporting it done (`duban done`): a meeting's action items and an
    # inspection's rectifications (duban creates these), or a plan's one-off duty (the seed's 五(一)/五(二)).
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
    ITEM_LEADS = "item_leads"


class HolidayPolicy(StrEnum):
    """What happens to a nominal due date that falls on a day off.

    ``roll_forward``: the next working day; ``pull_earlier``: the last working day before; ``keep``: unchanged.
    """

    ROLL_FORWARD = "roll_forward"
    PULL_EARLIER = "pull_earlier"
    KEEP = "keep"


class ObligationStatus(StrEnum):
    """Where an obligation stands. Only ``open`` is chased; the others are done (closed one way or another)."""

    OPEN = "open"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    WAIVED = "waived"
    CLOSED = "closed"


class TaskStatus(StrEnum):
    """How a lead unit reports its task: 未启动 / 推进中 / 已完成 / 滞后."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    LAGGING = "lagging"


class ReviewOutcome(StrEnum):
    """The coordinator's review of a task reported completed: close it out (销号) or send it back."""

    APPROVED = "approved"
    RETURNED = "returned"


class Light(StrEnum):
    """An obligation's traffic light (亮灯). ``none`` until the first reminder; red is sticky."""

    NONE = "none"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


class ScoreLight(StrEnum):
    """An inspection score's light: on track, behind, far behind (the circular's 绿/黄/红)."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class MeetingStatus(StrEnum):
    """A joint meeting: convened (minutes owed) or minuted."""

    CONVENED = "convened"
    MINUTED = "minuted"


class EventKind(StrEnum):
    """What an ``obligation_event`` row records."""

    CREATED = "created"
    STATUS = "status"
    LIGHT = "light"
    SKIPPED = "skipped"
    DUE = "due"


class OutboxStatus(StrEnum):
    """An outbox row's life: ``pending`` → ``sending`` (claimed) → ``sent`` | ``failed``; or set aside.

    ``skipped`` records a ladder rung the sweep passed over (an obligation that was already further along when
    first swept): the decision is kept, so a later sweep cannot send it, but nothing is sent.
    ``bundled`` is a ladder decision carried by a digest row (``digest_id``): the digest is sent, not the row
    (:mod:`notifications.delivery.digest`).
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
    SKIPPED = "skipped"
    BUNDLED = "bundled"


class Stage(StrEnum):
    """The rungs an escalation ladder is made of (``config/escalation.yaml``)."""

    REMINDER = "reminder"
    URGE = "urge"
    NOTICE = "notice"
    ESCALATE = "escalate"
    REPEAT = "repeat"


class SystemStage(StrEnum):
    """Outbox stages that are not ladder rungs: a failure report, a test message, an informational notice, and a
    digest (one recipient's day of ladder decisions for one plan, sent as one message)."""

    FAILURE = "failure"
    TEST = "test"
    INFO = "info"
    DIGEST = "digest"


class Role(StrEnum):
    """The part a recipient plays. ``handler`` and ``head`` belong to a unit; the others stand alone."""

    HANDLER = "handler"
    HEAD = "head"
    COORDINATOR = "coordinator"
    LEADER = "leader"
    FALLBACK = "fallback"


UNIT_ROLES = frozenset({Role.HANDLER, Role.HEAD})
UNIT_TAG_PREFIX = "unit-"
ROLE_TAG_PREFIX = "role-"


def recipient_key(role: Role | str, unit_code: str | None = None) -> str:
    """The one spelling of a recipient: ``unit-<code>+role-<role>``, or ``role-<role>`` for a unit-less role.

    The same key is the outbox row's ``recipient`` and, split on ``+``, the Apprise tags of its contacts.
    The sweep builds the same string in SQL from :data:`UNIT_TAG_PREFIX` and :data:`ROLE_TAG_PREFIX`.
    """
    role_tag = f"{ROLE_TAG_PREFIX}{Role(role).value}"
    return role_tag if unit_code is None else f"{UNIT_TAG_PREFIX}{unit_code}+{role_tag}"


def spelled(enum: type[StrEnum]) -> str:
    """``a|b|c``: an enumeration's values, for column descriptions generated from the vocabulary."""
    return "|".join(member.value for member in enum)
