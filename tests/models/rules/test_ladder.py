"""The escalation ladder as a pure rule: which step an obligation has reached d working days after due."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from models.enums import Role, Stage
from models.errors import LadderError
from models.rules.ladder import LadderSpec, StageSpec, load_escalation, step_at
from tests.conftest import ROOT

DEFAULT = load_escalation(ROOT / "config" / "escalation.yaml").default


@pytest.mark.parametrize(
    ("d", "key", "level", "audience", "next_offset"),
    [
        (-9, None, None, None, None),
        (-6, None, None, None, None),
        (-5, "reminder@-5", 0, ("handler",), -1),
        (-2, "reminder@-5", 0, ("handler",), -1),
        (-1, "reminder@-1", 0, ("handler",), 1),
        (0, "reminder@-1", 0, ("handler",), 1),
        (1, "urge@1", 1, ("handler",), 3),
        (2, "urge@1", 1, ("handler",), 3),
        (3, "notice@3", 2, ("head", "coordinator"), 7),
        (7, "escalate@7", 3, ("leader",), 12),
        (11, "escalate@7", 3, ("leader",), 12),
        (12, "repeat@12", 3, ("leader",), 17),
        (16, "repeat@12", 3, ("leader",), 17),
        (17, "repeat@17", 3, ("leader",), 22),
        (107, "repeat@107", 3, ("leader",), 112),
    ],
)
def test_default_ladder_table(d: int, key: str | None, level: int | None, audience: tuple[str, ...] | None,
                              next_offset: int | None) -> None:
    step = step_at(DEFAULT, d)
    if key is None:
        assert step is None
        return
    assert step is not None
    assert (step.key, step.level, tuple(r.value for r in step.audience), step.next_offset) == (
        key, level, audience, next_offset)


def test_levels_never_go_down_along_the_days() -> None:
    levels = [s.level for d in range(-10, 60) if (s := step_at(DEFAULT, d)) is not None]
    assert levels == sorted(levels)


def test_without_repeats_the_last_stage_ends_the_ladder() -> None:
    ladder = LadderSpec.model_validate({"stages": [{"stage": "reminder", "offset": -1, "audience": ["handler"]},
                                                   {"stage": "urge", "offset": 2, "audience": ["handler"]}]})
    step = step_at(ladder, 40)
    assert step is not None and step.key == "urge@2" and step.next_offset is None
    assert step.stage is Stage.URGE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("default: {stages: []}\n", "default.stages: List should have at least 1 item"),
        ("default: {stages: [{stage: urge, offset: 1, audience: [boss]}]}\n", "default.stages.0.audience.0"),
        ("default: {stages: [{stage: urge, offset: 3, audience: [handler]}, "
         "{stage: reminder, offset: 1, audience: [handler]}]}\n", "offsets must be strictly increasing"),
        ("default: {stages: [{stage: notice, offset: 1, audience: [head]}, "
         "{stage: urge, offset: 3, audience: [handler]}]}\n", "levels must never go down"),
        ("default: {stages: [{stage: repeat, offset: 1, audience: [head]}]}\n", "'repeat' is not a stage to list"),
        ("stages: []\n", "default: Field required"),
    ],
)
def test_bad_ladder_files(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "escalation.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LadderError, match=message):
        load_escalation(path)


def test_the_fallback_role_is_not_a_ladder_audience() -> None:
    with pytest.raises(ValidationError, match="fallback"):
        StageSpec(stage=Stage.URGE, offset=1, audience=[Role.FALLBACK])
