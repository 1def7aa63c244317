"""Units' contacts in the plan file: a bad phone or mailbox is one clear line; an office its messages cannot
name a way to reach is a warning at `duban plan load`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from flows.cli.main import app
from models.errors import PlanError
from models.plan.file import load_plan_file, parse_plan_text
from models.plan.warnings import chasing_office, contact_warnings, plan_warnings
from tests.conftest import ROOT, SEED_PLAN

BASE = ROOT / "tests" / "corpus" / "bad_plans" / "_valid_base.yaml"  # 市科工商务局 is units[1], on line 15
GOOD = {"person": "督查股 李明", "phone": "0668-8812345", "email": "dbk@kgswj.example.gov.cn"}
NO_WAY = "messages chasing progress-report will name 市科工商务局 without a phone or mailbox"


def base() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    return data


def with_contact(contact: dict[str, str] | None, data: dict[str, Any] | None = None) -> str:
    data = base() if data is None else data
    if contact is not None:
        data["units"][1]["contact"] = contact
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


class TestContactSpec:
    @pytest.mark.parametrize("phone", ["0668-8812345", "0668-8812345转801", "(0668)8812345", "13800138000",
                                       "0668-8812345、13800138000", "+86 668 8812345", "０６６８-８８１２３４５", ""])
    def test_phones_an_office_writes_are_accepted(self, phone: str) -> None:
        plan = parse_plan_text(with_contact({**GOOD, "phone": phone}), source="p.yaml")
        contact = plan.units[1].contact
        assert contact is not None and contact.phone == phone

    @pytest.mark.parametrize("phone", ["督查股", "()", "12", "0668-8812345 ext 801", "tel:0668-8812345"])
    def test_a_bad_phone_is_one_line_naming_file_path_and_value(self, phone: str) -> None:
        with pytest.raises(PlanError) as caught:
            parse_plan_text(with_contact({**GOOD, "phone": phone}), source="p.yaml")
        line = next(n for n, text in enumerate(with_contact({**GOOD, "phone": phone}).splitlines(), 1)
                    if text.strip().startswith("phone:"))
        assert caught.value.problems == [
            f"p.yaml:{line}: units[1].contact.phone: not a phone number: write it like 0668-8812345 or "
            f"0668-8812345转801 (value {phone!r})"]

    @pytest.mark.parametrize("email", ["dbk.kgswj.example", "dbk@", "dbk@kgswj", "a@b.cn, c@d.cn", "李 明@b.cn"])
    def test_a_bad_mailbox_is_one_line(self, email: str) -> None:
        with pytest.raises(PlanError) as caught:
            parse_plan_text(with_contact({**GOOD, "email": email}), source="p.yaml")
        (problem,) = caught.value.problems
        assert problem.endswith(f": units[1].contact.email: not a mailbox: write one address like "
                                f"dbk@kgswj.example.gov.cn (value {email!r})")

    def test_whitespace_around_values_is_dropped(self) -> None:
        plan = parse_plan_text(with_contact({"person": " 李明 ", "phone": " 0668-8812345 ", "email": " a@b.cn "}),
                               source="p.yaml")
        assert plan.units[1].contact is not None
        assert plan.units[1].contact.model_dump() == {"person": "李明", "phone": "0668-8812345", "email": "a@b.cn"}

    def test_the_seed_gives_the_coordinator_a_contact(self) -> None:
        plan = load_plan_file(SEED_PLAN)
        contacts = {u.name: u.contact for u in plan.all_units if u.contact is not None}
        assert list(contacts) == ["市科工商务局"]


class TestContactWarnings:
    def test_the_seed_leaves_no_office_unreachable(self) -> None:
        assert contact_warnings(load_plan_file(SEED_PLAN)) == []

    def test_an_office_that_chases_without_a_contact_is_warned(self) -> None:
        plan = parse_plan_text(with_contact(None), source="p.yaml")
        assert contact_warnings(plan) == [f"{NO_WAY}: add units[1].contact with phone and email"]
        assert plan_warnings(plan)[-1] == contact_warnings(plan)[0]

    def test_a_contact_with_a_person_only_is_warned(self) -> None:
        plan = parse_plan_text(with_contact({"person": "督查股 李明"}), source="p.yaml")
        assert contact_warnings(plan) == [
            f"{NO_WAY} (units[1].contact has neither): add units[1].contact with phone and email"]

    def test_a_phone_without_a_mailbox_is_warned_for_the_workbook(self) -> None:
        plan = parse_plan_text(with_contact({"person": "李明", "phone": "0668-8812345"}), source="p.yaml")
        assert contact_warnings(plan) == [
            "units[1].contact of 市科工商务局 has no email: emails chasing progress-report cannot say where the "
            "workbook goes back to (they name 市科工商务局 and the phone): add units[1].contact.email"]

    @pytest.mark.parametrize("contact", [GOOD, {"email": "dbk@kgswj.example.gov.cn"}])
    def test_a_mailbox_is_enough(self, contact: dict[str, str]) -> None:
        assert contact_warnings(parse_plan_text(with_contact(contact), source="p.yaml")) == []

    def test_the_issuers_duty_is_chased_by_the_secretariat_else_the_coordinator(self) -> None:
        data = base()
        data["units"].append({"name": "市政府督查室", "code": "dcs", "kind": "other"})
        data["duties"][1]["responsible"] = "localities"  # the issuer's inspection, owed by the towns
        plan = parse_plan_text(with_contact(GOOD, data), source="p.yaml")
        inspection = plan.duties[1]
        assert chasing_office(plan, inspection) == "市科工商务局"
        assert contact_warnings(plan) == []  # the coordinator chases it and has a contact
        data["secretariat"] = "市政府督查室"
        plan = parse_plan_text(with_contact(GOOD, data), source="p.yaml")
        assert chasing_office(plan, plan.duties[1]) == "市政府督查室"
        assert contact_warnings(plan) == [
            "messages chasing inspection will name 市政府督查室 without a phone or mailbox: add units[3].contact "
            "with phone and email"]

    def test_an_office_chasing_nobody_but_itself_needs_no_contact(self) -> None:
        data = base()
        data["duties"] = [data["duties"][1]]  # the issuer's inspection only: the coordinator's own work
        data["duties"][0]["schedule"] = {"dates": ["06-20"]}
        plan = parse_plan_text(with_contact(None, data), source="p.yaml")
        assert contact_warnings(plan) == []

    def test_duties_chased_by_one_office_share_one_line(self) -> None:
        data = base()
        data["duties"].append({"code": "task-report", "kind": "task_report", "title": "报送任务落实情况",
                               "owner": "市科工商务局", "responsible": "item_leads",
                               "schedule": {"dates": ["12-05"]}})
        plan = parse_plan_text(with_contact(None, data), source="p.yaml")
        assert contact_warnings(plan) == [
            "messages chasing progress-report, task-report will name 市科工商务局 without a phone or mailbox: "
            "add units[1].contact with phone and email"]


def test_plan_load_prints_the_warning(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    plan = tmp_path / "plan.yaml"
    plan.write_text(with_contact(None), encoding="utf-8")
    loaded = runner.invoke(app, ["plan", "load", str(plan)])
    assert loaded.exit_code == 0, loaded.stderr
    assert loaded.stderr.splitlines()[-1] == (f"duban: warning: {plan}: {NO_WAY}: add units[1].contact with phone "
                                              "and email")


def test_plan_show_lists_the_contacts(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    plan = tmp_path / "plan.yaml"
    plan.write_text(with_contact({"person": "督查股 李明", "email": "dbk@kgswj.example.gov.cn"}), encoding="utf-8")
    assert runner.invoke(app, ["plan", "load", str(plan)]).exit_code == 0
    show = runner.invoke(app, ["plan", "show"], env={"COLUMNS": "160"})
    assert show.exit_code == 0, show.stderr
    table = show.stdout[show.stdout.index("联系方式"):]
    (row,) = [line for line in table.splitlines() if "市科工商务局" in line]
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == ["市科工商务局", "督查股 李明", "—",
                                                                     "dbk@kgswj.example.gov.cn"]
