"""The UI forms' dropdowns come from the loaded plan, and are built when asked for, never at import."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from flows.ops.commands import init_database, load_plan_path
from flows.ops.engine import engine_context, generate
from flows.orchestration.forms import _enum, build_forms, current_choices
from models.records.choices import Choices
from tests.conftest import SEED_PLAN


def test_choices_and_dropdowns_from_the_seed(db_url: str) -> None:
    init_database()
    load_plan_path(SEED_PLAN)
    generate(engine_context(), dt.datetime(2015, 7, 6, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    choices = current_choices()
    assert len(choices.localities) == 20 and choices.localities[0] == "镇隆镇"
    assert choices.periods == ["2015-12-05", "2016-06-05", "2016-12-05", "2017-06-05", "2017-12-05"]
    assert "全市工业投资" in [name for _c, name, _u in choices.indicators]
    locality = _enum("Locality", choices.localities)

    class Form(BaseModel):
        where: locality  # type: ignore[valid-type]

    schema = Form.model_json_schema()
    assert schema["$defs"]["Locality"]["enum"] == choices.localities  # a dropdown in the Prefect UI


def test_no_database_gives_free_text_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings

    monkeypatch.setenv("DUBAN_DATABASE_URL", f"sqlite:///{tmp_path / 'absent' / 'duban.db'}")
    get_settings.cache_clear()
    assert current_choices().localities == []
    assert not (tmp_path / "absent").exists()  # looking for choices never creates a database
    assert _enum("Locality", []) is str


def test_build_forms_gives_dropdowns_and_leaves_earlier_forms_alone() -> None:
    free = build_forms(Choices())
    forms = build_forms(Choices(localities=["镇隆镇", "水口镇"], units=["镇隆镇", "水口镇", "市发改局"],
                                indicators=[("industrial-investment", "全市工业投资", "亿元")],
                                periods=["2016-06-05", "2016-12-05"]))
    schema = forms.ProgressReportForm.model_json_schema()
    assert schema["$defs"]["ReportPeriod"]["enum"] == ["2016-06-05", "2016-12-05"]
    assert schema["$defs"]["IndicatorCode"]["enum"] == ["全市工业投资(亿元)"]  # the label, not the code
    assert forms.MinutesForm.model_json_schema()["$defs"]["UnitName"]["enum"] == ["镇隆镇", "水口镇", "市发改局"]
    report = forms.ProgressReportForm(locality="水口镇", period="2016-12-05",
                                      actuals=[{"indicator": "全市工业投资(亿元)", "value": 3}])
    assert isinstance(report.period, Enum)  # type: ignore[attr-defined]
    assert forms.indicator_code(report.actuals[0].indicator) == "industrial-investment"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        forms.ProgressReportForm(locality="水口镇", period="2099-06-05")
    # Forms built before the plan was loaded keep their free-text fields.
    assert free.ReportPeriod is str and free.ProgressReportForm(locality="x", period="2099-06-05")
    assert free.indicator_code("industrial-investment") == "industrial-investment"


def test_an_unreadable_database_gives_no_choices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings

    (tmp_path / "duban.db").write_bytes(b"")  # an SQLite database without duban's tables: not initialised
    monkeypatch.setenv("DUBAN_DATABASE_URL", f"sqlite:///{tmp_path / 'duban.db'}")
    get_settings.cache_clear()
    assert current_choices() is None
