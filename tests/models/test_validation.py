"""The one validation-error formatter: pydantic problems as ``<path>: <message> (value <bad value>)`` lines."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from models.validation import format_validation_error, shown, spell_path


class _Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offset: int
    audience: list[str]

    @field_validator("audience")
    @classmethod
    def _no_fallback(cls, value: list[str]) -> list[str]:
        if "fallback" in value:
            raise ValueError("'fallback' is not a ladder audience")
        return value


class _Ladder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    stages: list[_Stage]


def _error(data: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        _Ladder.model_validate(data)
    return info.value


BAD = {"stages": [{"offset": 1, "audience": ["head"]}, {"offset": "soon", "audience": ["fallback"], "x": 1}]}


@pytest.mark.parametrize(
    ("loc", "dotted", "path"),
    [
        (("items", 3, "lead"), False, "items[3].lead"),
        (("items", 3, "lead"), True, "items.3.lead"),
        ((0, "days", 2), False, "[0].days[2]"),
        (("duties", "weekly-report", "stages"), False, "duties.weekly-report.stages"),
        ((), False, "(top level)"),
        ((), True, "(top level)"),
    ],
)
def test_spell_path_writes_a_location_as_a_path(loc: tuple[int | str, ...], dotted: bool, path: str) -> None:
    assert spell_path(loc, dotted_indexes=dotted) == path


@pytest.mark.parametrize(
    ("value", "max_chars", "text"),
    [
        ("镇龙镇", 60, "'镇龙镇'"),
        ("x" * 70, 60, "'" + "x" * 56 + "..."),
        ("x" * 70, None, "'" + "x" * 70 + "'"),
        (None, 60, "None"),
    ],
)
def test_shown_quotes_and_shortens_a_value(value: Any, max_chars: int | None, text: str) -> None:
    assert shown(value, max_chars) == text
    assert max_chars is None or len(shown(value, max_chars)) <= max_chars


def test_format_validation_error_plan_wording_names_where_path_and_value() -> None:
    lines = format_validation_error(_error(BAD), where=lambda path: f"p.yaml:{len(path)}")
    assert lines == [
        "p.yaml:4: name: required field is missing",
        "p.yaml:16: stages[1].offset: Input should be a valid integer, unable to parse string as an integer "
        "(value 'soon')",
        "p.yaml:18: stages[1].audience: 'fallback' is not a ladder audience (value ['fallback'])",
        "p.yaml:11: stages[1].x: unknown field (value 1)",
    ]


def test_format_validation_error_calendar_wording_keeps_pydantic_words_and_whole_values() -> None:
    lines = format_validation_error(_error(BAD | {"name": "n" * 80}), value_label="got", max_value_chars=None,
                                    plain_words=False)
    assert lines[1:] == [
        "stages[1].audience: 'fallback' is not a ladder audience (got ['fallback'])",
        "stages[1].x: Extra inputs are not permitted (got 1)",
    ]
    assert lines[0].startswith("stages[1].offset: Input should be a valid integer")
    assert lines[0].endswith("(got 'soon')")
    missing = format_validation_error(_error({"stages": []}), value_label="got", plain_words=False)
    assert missing == ["name: Field required (got {'stages': []})"]


def test_format_validation_error_ladder_wording_dots_indexes_and_leaves_values_out() -> None:
    lines = format_validation_error(_error(BAD), value_label=None, plain_words=False, dotted_indexes=True,
                                    pydantic_prefix=True)
    assert lines == [
        "name: Field required",
        "stages.1.offset: Input should be a valid integer, unable to parse string as an integer",
        "stages.1.audience: Value error, 'fallback' is not a ladder audience",
        "stages.1.x: Extra inputs are not permitted",
    ]


def test_format_validation_error_top_level_problem() -> None:
    assert format_validation_error(_error(["not", "a", "mapping"])) == [
        "(top level): Input should be a valid dictionary or instance of _Ladder (value ['not', 'a', 'mapping'])"
    ]
