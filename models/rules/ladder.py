"""The escalation ladder (督办阶梯): stages at working-day offsets from the effective due date.

A ladder is data (``config/escalation.yaml``): per duty code, with a default, and the ``own`` ladder that
an office's own obligations follow (``Obligation.own``, :mod:`models.rules.authority`). This module
validates it and answers, as a pure function, which stage an obligation has reached ``d`` working days after its
due date — the same rule the sweep evaluates in SQL (:mod:`models.engine.sweep`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models import safe_yaml
from models.enums import Role, Stage
from models.errors import LadderError
from models.rules.authority import own_ladder_problems
from models.validation import format_validation_error

NO_NEXT = 1_000_000  # "no next stage" as a number, so that SQL compares it without NULL handling


DEFAULT_LEVEL = {Stage.REMINDER: 0, Stage.URGE: 1, Stage.NOTICE: 2, Stage.ESCALATE: 3}


class StageSpec(BaseModel):
    """One rung of a ladder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: Stage
    offset: int = Field(ge=-60, le=250, description="Working days from the effective due date")
    audience: list[Role] = Field(min_length=1)
    level: int | None = Field(default=None, ge=0, le=9)
    template: str | None = None

    @field_validator("audience")
    @classmethod
    def _no_fallback(cls, audience: list[Role]) -> list[Role]:
        # The fallback contact receives failure reports from the outbox, never a rung of the ladder.
        if Role.FALLBACK in audience:
            raise ValueError("'fallback' is not a ladder audience; use handler, head, coordinator or leader")
        return audience

    @property
    def resolved_level(self) -> int:
        return self.level if self.level is not None else DEFAULT_LEVEL.get(self.stage, 0)

    @property
    def resolved_template(self) -> str:
        return self.template or self.stage.value


class LadderSpec(BaseModel):
    """A whole ladder: stages in increasing offset, and the repeat interval of the last one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stages: list[StageSpec] = Field(min_length=1)
    repeat_every: int = Field(default=0, ge=0, le=120)
    repeat_template: str | None = Field(default=None, description="The repeats' template (default: repeat)")

    @model_validator(mode="after")
    def _increasing(self) -> LadderSpec:
        offsets = [s.offset for s in self.stages]
        if offsets != sorted(set(offsets)):
            raise ValueError(f"stage offsets must be strictly increasing, got {offsets}")
        levels = [s.resolved_level for s in self.stages]
        if levels != sorted(levels):
            raise ValueError(f"levels must never go down along the ladder, got {levels}")
        if any(s.stage is Stage.REPEAT for s in self.stages):
            raise ValueError("'repeat' is not a stage to list: set repeat_every instead")
        return self


def _default_own() -> LadderSpec:
    """The own ladder of a file that sets none: the one ``config/escalation.yaml`` documents."""
    return LadderSpec(
        stages=[
            StageSpec(stage=Stage.REMINDER, offset=-5, audience=[Role.HANDLER], template="work_reminder"),
            StageSpec(stage=Stage.REMINDER, offset=-1, audience=[Role.HANDLER], template="work_reminder"),
            StageSpec(stage=Stage.ESCALATE, offset=3, audience=[Role.LEADER], template="work_overdue"),
        ],
        repeat_every=5,
        repeat_template="work_overdue",
    )


class EscalationSpec(BaseModel):
    """The escalation file: a default ladder, per-duty overrides, and the ladder of an office's own work."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: LadderSpec
    duties: dict[str, LadderSpec] = Field(default_factory=dict)
    own: LadderSpec = Field(default_factory=_default_own,
                            description="For obligations owed by the coordinator or secretariat (Obligation.own)")

    @field_validator("own")
    @classmethod
    def _own_is_not_supervision(cls, own: LadderSpec) -> LadderSpec:
        problems = own_ladder_problems([(s.stage, s.audience) for s in own.stages])
        if problems:
            raise ValueError("; ".join(problems))
        return own

    def for_duty(self, code: str) -> LadderSpec:
        return self.duties.get(code, self.default)

    def for_obligation(self, code: str, own: bool) -> LadderSpec:
        """The ladder an obligation of duty ``code`` follows: the own ladder for an office's own work."""
        return self.own if own else self.for_duty(code)


def load_escalation(path: Path) -> EscalationSpec:
    """Read and validate the ladder file.

    Raises:
        LadderError: naming the file, the path inside it and the problem.
    """
    data = safe_yaml.load_config_file(path, LadderError)
    try:
        return EscalationSpec.model_validate(data)
    except ValidationError as exc:
        first, *rest = format_validation_error(
            exc, value_label=None, plain_words=False, dotted_indexes=True, pydantic_prefix=True
        )
        more = f" (and {len(rest)} more)" if rest else ""
        raise LadderError(f"{path}: {first}{more}") from None


@dataclass(frozen=True)
class Step:
    """The stage an obligation has reached: which rung, which repeat, and when the next falls due."""

    seq: int
    stage: Stage
    level: int
    offset: int  # working-day offset of this step (for repeats: of this repeat)
    audience: tuple[Role, ...]
    template: str
    next_offset: int | None  # working-day offset of the next step, None when none follows

    @property
    def key(self) -> str:
        """The decision's identity, part of the outbox dedupe key."""
        return f"{self.stage.value}@{self.offset}"


def step_at(ladder: LadderSpec, d: int) -> Step | None:
    """The current step ``d`` working days after the effective due date (negative: before); None if none yet.

    This is the rule the SQL sweep implements; tests hold the two against each other.
    """
    current = None
    for seq, s in enumerate(ladder.stages):
        if s.offset <= d:
            current = seq
    if current is None:
        return None
    s = ladder.stages[current]
    last = current == len(ladder.stages) - 1
    if not last:
        nxt = ladder.stages[current + 1].offset
        return Step(current, s.stage, s.resolved_level, s.offset, tuple(s.audience), s.resolved_template, nxt)
    if ladder.repeat_every <= 0:
        return Step(current, s.stage, s.resolved_level, s.offset, tuple(s.audience), s.resolved_template, None)
    n = (d - s.offset) // ladder.repeat_every
    offset = s.offset + n * ladder.repeat_every
    stage = Stage.REPEAT if n > 0 else s.stage
    template = (ladder.repeat_template or Stage.REPEAT.value) if n > 0 else s.resolved_template
    return Step(current, stage, s.resolved_level, offset, tuple(s.audience), template,
                offset + ladder.repeat_every)


def first_offset(ladder: LadderSpec) -> int:
    """Working-day offset of the ladder's first stage."""
    return ladder.stages[0].offset
