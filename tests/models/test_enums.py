"""The one vocabulary: recipient keys and the column descriptions generated from the enums."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlmodel import SQLModel

from models.enums import Light, ObligationStatus, OutboxStatus, Role, Stage, SystemStage, recipient_key
from models.tables.engine import Obligation, Outbox


@pytest.mark.parametrize(
    ("role", "unit", "key"),
    [
        (Role.HANDLER, "zhenlong", "unit-zhenlong+role-handler"),
        ("head", "kgswj", "unit-kgswj+role-head"),
        (Role.LEADER, None, "role-leader"),
        (Role.FALLBACK, None, "role-fallback"),
    ],
)
def test_recipient_key_spells_unit_and_role(role: Role | str, unit: str | None, key: str) -> None:
    assert recipient_key(role, unit) == key


def test_recipient_key_refuses_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="'chief'"):
        recipient_key("chief", "zhenlong")


@pytest.mark.parametrize(
    ("table", "column", "values"),
    [
        (Obligation, "status", list(ObligationStatus)),
        (Obligation, "light", list(Light)),
        (Outbox, "status", list(OutboxStatus)),
        (Outbox, "stage", [*Stage, *SystemStage]),
        (Outbox, "role", list(Role)),
    ],
)
def test_column_descriptions_list_every_value(table: type[SQLModel], column: str, values: list[StrEnum]) -> None:
    description = table.model_fields[column].description
    assert description is not None
    assert description.split("|") == [v.value for v in values]
