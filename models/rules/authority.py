"""Who supervises whom: the chain of authority, in one place, as pure functions over plain data.

The rules (``shared/docs/domain.md``, "Who supervises whom"):

1. **The top of the chain is never chased.** The plan's issuer (信宜市人民政府) and its leader in charge are
   not supervised by duban's ladder: no obligation is owed by them (:func:`owing_unit`), and no message is
   addressed to them as the unit being chased (:func:`permitted`). The leader still *receives* escalations
   about other units (the ``leader`` audience role); that is being asked to step in, not being chased.
2. **The issuer's and the leader's own duties are the preparing office's work.** A duty whose responsible
   unit is the issuer or the leader (the inspection and its circular: "市政府定期组织…专项督查") is owed by
   the office that prepares it (:func:`preparing_office`): the plan's ``secretariat`` (a 督查室), else the
   coordinator. It is reminded of that work with a 工作提示, never a 催办 or 督办单.
3. **A unit never supervises itself.** An obligation owed by the coordinator (the target split, convening
   the joint meeting) or by the secretariat is the office's *own* work (:func:`is_own`,
   ``Obligation.own``). It follows the "own" ladder (``config/escalation.yaml``): work reminders to its
   handler before the due date, then straight to the leader in neutral words ("提请关注…尚未完成").
   It gets no 催办 (urge) and no 督办单 (notice) — :data:`OWN_STAGES` — and no copy to the coordinator or
   to its own head — :data:`OWN_AUDIENCE`: the coordinator is never copied (抄送) on its own obligation.
4. **A convener convenes; members attend.** The joint meeting's obligation is its convener's (the duty's
   owner, usually the coordinator): it is reminded to convene and file the minutes. The member units are
   invited to attend (the meeting invitation), they owe no obligation of the meeting itself.
5. **Who a unit answers to** (:func:`supervisor_of`): every unit reports to, and is supervised by, the
   coordinator — except the supervising office itself, which answers to the issuer (its inspection result,
   its rectification report: never "报送市科工商务局" to 市科工商务局).

The ladder file is checked against rule 3 when it is loaded (:mod:`models.rules.ladder`), so the sweep,
which is set-based SQL, can follow the own ladder without per-row checks.
"""

from __future__ import annotations

from typing import Protocol

from models.enums import Role, Stage


class ChainOfAuthority(Protocol):
    """The four names the rules read: a :class:`~models.plan.schema.PlanSpec` or a ``plan`` table row."""

    @property
    def issuer(self) -> str: ...

    @property
    def coordinator(self) -> str: ...

    @property
    def leader(self) -> str | None: ...

    @property
    def secretariat(self) -> str | None: ...


# Rule 3: what an office's own obligation may produce. Reminders (工作提示) to its handler before the due
# date, then the leader (提请关注) and repeats of that; never an urge or a 督办单, never a copy to itself.
OWN_STAGES: frozenset[Stage] = frozenset({Stage.REMINDER, Stage.ESCALATE, Stage.REPEAT})
OWN_AUDIENCE: frozenset[Role] = frozenset({Role.HANDLER, Role.LEADER})


def top_of_chain(plan: ChainOfAuthority) -> frozenset[str]:
    """Rule 1: the units the ladder never chases — the issuer and the leader in charge."""
    return frozenset(name for name in (plan.issuer, plan.leader) if name)


def preparing_office(plan: ChainOfAuthority) -> str:
    """Rule 2: the office that prepares the issuer's and the leader's duties: the secretariat, else the coordinator."""
    return plan.secretariat or plan.coordinator


def owing_unit(plan: ChainOfAuthority, unit: str) -> str:
    """Rule 2: who owes an obligation the plan assigns to ``unit``: the preparing office for the top of the
    chain, else ``unit`` itself."""
    return preparing_office(plan) if unit in top_of_chain(plan) else unit


def is_own(plan: ChainOfAuthority, unit: str) -> bool:
    """Rule 3: an obligation owed by ``unit`` is the supervising office's own work (coordinator or secretariat)."""
    return unit in {plan.coordinator, preparing_office(plan)}


def supervisor_of(plan: ChainOfAuthority, unit: str) -> str:
    """Rule 5: who ``unit`` reports to and is supervised by: the coordinator, or the issuer for the office itself."""
    return plan.issuer if is_own(plan, unit) else plan.coordinator


def waive_reason(plan: ChainOfAuthority, unit: str) -> str:
    """The note on an obligation of the top of the chain that is closed as waived (generated before rule 1)."""
    return (f"authority: {unit} is the plan's issuer or leader and is not chased; "
            f"the duty is owed by {preparing_office(plan)} (models.rules.authority)")


def permitted(plan: ChainOfAuthority, unit: str, stage: Stage, role: Role) -> bool:
    """Whether a ladder message at ``stage`` to ``role`` may be sent about an obligation owed by ``unit``.

    Rule 1: nothing about the issuer or the leader (they are never chased). Rule 3: an office's own
    obligation yields only :data:`OWN_STAGES` to :data:`OWN_AUDIENCE` (no 催办/督办单 to itself, no copy to
    the coordinator, no head of the office told to press itself). Every other obligation: any stage, any role.
    """
    if unit in top_of_chain(plan):
        return False
    if is_own(plan, unit):
        return stage in OWN_STAGES and role in OWN_AUDIENCE
    return True


def own_ladder_problems(stages: list[tuple[Stage, list[Role]]]) -> list[str]:
    """Rule 3 for a ladder meant for own obligations: the stages or audiences it may not have."""
    problems = []
    for stage, audience in stages:
        if stage not in OWN_STAGES:
            problems.append(f"stage {stage.value!r} is not for an office's own work (allowed: "
                            f"{', '.join(sorted(s.value for s in OWN_STAGES - {Stage.REPEAT}))})")
        for role in audience:
            if role not in OWN_AUDIENCE:
                problems.append(f"audience {role.value!r} of stage {stage.value!r}: an office is not chased or "
                                f"copied about its own work (allowed: {', '.join(sorted(OWN_AUDIENCE))})")
    return problems
