"""The UI forms' dropdowns come from the loaded plan."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from flows.ops.commands import init_database, load_plan_path
from flows.ops.engine import engine_context, generate
from flows.orchestration.forms import _enum, read_choices
from tests.conftest import SEED_PLAN


def test_choices_and_dropdowns_from_the_seed(db_url: str) -> None:
    init_database()
    load_plan_path(SEED_PLAN)
    generate(engine_context(), dt.datetime(2015, 7, 6, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    choices = read_choices()
    assert len(choices.localities) == 20 and choices.localities[0] == "镇隆镇"
    assert choices.periods == ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]
    assert "全市工业投资" in [name for _c, name, _u in choices.indicators]
    locality = _enum("Locality", choices.localities)

    class Form(BaseModel):
        where: locality  # type: ignore[valid-type]

    schema = Form.model_json_schema()
    assert schema["$defs"]["Locality"]["enum"] == choices.localities  # a dropdown in the Prefect UI


def test_no_database_gives_free_text_fields(tmp_path: object) -> None:
    assert read_choices().localities == []
    assert _enum("Locality", []) is str
