"""The chain of authority as pure rules, and the own ladder that carries rule 3 into the escalation file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from models.enums import Role, Stage
from models.errors import LadderError
from models.plan.file import load_plan_file
from models.rules.authority import (
    OWN_AUDIENCE,
    OWN_STAGES,
    is_own,
    owing_unit,
    own_ladder_problems,
    permitted,
    preparing_office,
    supervisor_of,
    top_of_chain,
    waive_reason,
)
from models.rules.ladder import load_escalation, step_at
from tests.conftest import ROOT, SEED_PLAN

ESCALATION = ROOT / "config" / "escalation.yaml"


@dataclass(frozen=True)
class Chain:
    issuer: str = "信宜市人民政府"
    coordinator: str = "市科工商务局"
    leader: str | None = "分管副市长"
    secretariat: str | None = None


SEED = load_plan_file(SEED_PLAN)
WITH_SECRETARIAT = Chain(secretariat="市政府督查室")


def test_the_seed_plan_is_read_as_a_chain() -> None:
    assert top_of_chain(SEED) == {"信宜市人民政府"}  # issuer and leader are the same unit in the seed
    assert preparing_office(SEED) == "市科工商务局"
    assert owing_unit(SEED, "信宜市人民政府") == "市科工商务局"
    assert is_own(SEED, "市科工商务局") and not is_own(SEED, "镇隆镇") and not is_own(SEED, "市发改局")


def test_the_top_of_the_chain_owes_nothing_the_preparing_office_owes_it() -> None:
    chain = Chain()
    assert top_of_chain(chain) == {"信宜市人民政府", "分管副市长"}
    assert owing_unit(chain, "信宜市人民政府") == "市科工商务局"
    assert owing_unit(chain, "分管副市长") == "市科工商务局"
    assert owing_unit(chain, "镇隆镇") == "镇隆镇"
    assert owing_unit(chain, "市科工商务局") == "市科工商务局"
    assert top_of_chain(Chain(leader=None)) == {"信宜市人民政府"}


def test_a_secretariat_prepares_the_issuers_duties_and_its_work_is_own() -> None:
    assert preparing_office(WITH_SECRETARIAT) == "市政府督查室"
    assert owing_unit(WITH_SECRETARIAT, "信宜市人民政府") == "市政府督查室"
    assert is_own(WITH_SECRETARIAT, "市政府督查室")
    assert is_own(WITH_SECRETARIAT, "市科工商务局")  # the coordinator's own split stays its own work
    assert not is_own(WITH_SECRETARIAT, "市发改局")


def test_every_unit_answers_to_the_coordinator_and_the_office_to_the_issuer() -> None:
    assert supervisor_of(SEED, "镇隆镇") == "市科工商务局"
    assert supervisor_of(SEED, "市发改局") == "市科工商务局"
    assert supervisor_of(SEED, "市科工商务局") == "信宜市人民政府"
    assert supervisor_of(WITH_SECRETARIAT, "市政府督查室") == "信宜市人民政府"


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.FALLBACK])
def test_permitted_messages(stage: Stage, role: Role) -> None:
    chain = Chain()
    # Rule 1: nothing at all about the issuer or the leader.
    assert not permitted(chain, "信宜市人民政府", stage, role)
    assert not permitted(chain, "分管副市长", stage, role)
    # Rule 3: the office's own work: reminders and the leader only; no urge, no 督办单, no copy to itself.
    own_ok = stage in {Stage.REMINDER, Stage.ESCALATE, Stage.REPEAT} and role in {Role.HANDLER, Role.LEADER}
    assert permitted(chain, "市科工商务局", stage, role) is own_ok
    assert permitted(WITH_SECRETARIAT, "市政府督查室", stage, role) is own_ok
    # Any other unit: the whole ladder.
    assert permitted(chain, "镇隆镇", stage, role)


def test_the_coordinator_is_never_copied_or_pressed_on_its_own_obligation() -> None:
    chain = Chain()
    assert not permitted(chain, "市科工商务局", Stage.NOTICE, Role.COORDINATOR)
    assert not permitted(chain, "市科工商务局", Stage.REMINDER, Role.COORDINATOR)
    assert not permitted(chain, "市科工商务局", Stage.ESCALATE, Role.HEAD)
    assert not permitted(chain, "市科工商务局", Stage.URGE, Role.HANDLER)
    assert permitted(chain, "市科工商务局", Stage.ESCALATE, Role.LEADER)


def test_waive_reason_names_the_unit_and_the_office() -> None:
    note = waive_reason(SEED, "信宜市人民政府")
    assert note.startswith("authority:") and "信宜市人民政府" in note and "市科工商务局" in note


def test_own_ladder_problems() -> None:
    assert own_ladder_problems([(Stage.REMINDER, [Role.HANDLER]), (Stage.ESCALATE, [Role.LEADER])]) == []
    problems = own_ladder_problems([(Stage.URGE, [Role.HANDLER]), (Stage.NOTICE, [Role.HEAD, Role.COORDINATOR])])
    assert len(problems) == 4
    assert "'urge'" in problems[0] and "'notice'" in problems[1]
    assert "'head'" in problems[2] and "'coordinator'" in problems[3]
    assert {Stage.REMINDER, Stage.ESCALATE, Stage.REPEAT} == OWN_STAGES
    assert {Role.HANDLER, Role.LEADER} == OWN_AUDIENCE


class TestOwnLadder:
    def test_the_shipped_own_ladder(self) -> None:
        own = load_escalation(ESCALATION).own
        got = [(s.stage, s.offset, tuple(s.audience), s.resolved_template) for s in own.stages]
        assert got == [(Stage.REMINDER, -5, (Role.HANDLER,), "work_reminder"),
                       (Stage.REMINDER, -1, (Role.HANDLER,), "work_reminder"),
                       (Stage.ESCALATE, 3, (Role.LEADER,), "work_overdue")]
        assert own.repeat_every == 5

    @pytest.mark.parametrize(
        ("d", "key", "template", "audience"),
        [(-5, "reminder@-5", "work_reminder", ("handler",)), (0, "reminder@-1", "work_reminder", ("handler",)),
         (2, "reminder@-1", "work_reminder", ("handler",)), (3, "escalate@3", "work_overdue", ("leader",)),
         (8, "repeat@8", "work_overdue", ("leader",)), (13, "repeat@13", "work_overdue", ("leader",))],
    )
    def test_steps(self, d: int, key: str, template: str, audience: tuple[str, ...]) -> None:
        step = step_at(load_escalation(ESCALATION).own, d)
        assert step is not None
        assert (step.key, step.template, tuple(r.value for r in step.audience)) == (key, template, audience)

    def test_a_file_without_own_loads_with_the_same_default(self, tmp_path: Path) -> None:
        text = ESCALATION.read_text(encoding="utf-8")
        bare = tmp_path / "escalation.yaml"
        bare.write_text(text.split("\nown:")[0] + "\n", encoding="utf-8")
        assert "own:" not in bare.read_text(encoding="utf-8")
        loaded = load_escalation(bare)
        assert loaded.own == load_escalation(ESCALATION).own
        assert loaded.for_obligation("inspection", True) is loaded.own
        assert loaded.for_obligation("inspection", False) is loaded.default

    @pytest.mark.parametrize(
        ("stage", "match"),
        [("{stage: urge, offset: 1, audience: [handler]}", "'urge' is not for an office's own work"),
         ("{stage: notice, offset: 3, audience: [leader]}", "'notice' is not for an office's own work"),
         ("{stage: escalate, offset: 3, audience: [coordinator]}", "'coordinator' of stage 'escalate'"),
         ("{stage: reminder, offset: -1, audience: [head]}", "'head' of stage 'reminder'")],
    )
    def test_an_own_ladder_that_supervises_the_office_is_refused(self, tmp_path: Path, stage: str,
                                                                  match: str) -> None:
        path = tmp_path / "escalation.yaml"
        path.write_text("default:\n  stages:\n    - {stage: reminder, offset: -1, audience: [handler]}\n"
                        f"own:\n  stages:\n    - {stage}\n", encoding="utf-8")
        with pytest.raises(LadderError, match=match):
            load_escalation(path)
