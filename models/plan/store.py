"""Persisting plans: upsert a validated plan in place (ids kept) and read it back.

``load_plan(spec, session=...)`` makes the database match the plan file and returns what changed;
loading the same file twice changes nothing. ``read_plan(code, session=...)`` rebuilds the
:class:`~models.plan.schema.PlanSpec` from the tables, so what is shown is what is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from models.enums import AssignmentRole, LocalityScope
from models.errors import PlanError
from models.plan.schema import (
    LOCALITY_KINDS,
    Baseline,
    ContactSpec,
    DutySpec,
    IndicatorSpec,
    ItemSpec,
    Period,
    PlanSpec,
    Schedule,
    TargetSpec,
    UnitSpec,
)
from models.plan.sync import apply_values as _apply
from models.plan.sync import sync_rows as _sync
from models.plan.tasks import COOPERATING, sync_members, sync_task_duties
from models.tables.plan import Duty, DutyMember, Indicator, Item, ItemAssignment, Plan, Target, Unit


@dataclass
class LoadResult:
    """What a plan load did."""

    plan_id: int
    code: str
    created: bool
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.changes)


def spec_hash(spec: PlanSpec) -> str:
    """A stable fingerprint of a plan's content."""
    payload = json.dumps(spec.model_dump(mode="json", by_alias=True), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def load_plan(spec: PlanSpec, *, session: Session, now: dt.datetime, source: str = "") -> LoadResult:
    """Upsert ``spec`` so that the database matches it; keep the ids of rows that stay.

    Args:
        spec: a validated plan.
        session: the open session; the caller commits.
        now: the aware time of the load.
        source: where the plan came from (a path), for the record.
    """
    changes: list[str] = []
    digest = spec_hash(spec)
    plan = session.exec(select(Plan).where(Plan.code == spec.code)).first()
    head: dict[str, Any] = {
        "title": spec.title, "notice_title": spec.notice_title, "doc_number": spec.doc_number,
        "issuer": spec.issuer, "issued_on": spec.issued_on, "period_start": spec.period.start,
        "period_end": spec.period.end, "coordinator": spec.coordinator, "leader": spec.leader,
        "secretariat": spec.secretariat, "notice_code": spec.notice_code,
    }
    created = plan is None
    if plan is None:
        plan = Plan(code=spec.code, source_path=source, content_hash=digest, loaded_at=now, updated_at=now, **head)
        session.add(plan)
        session.flush()
    else:
        if plan.content_hash == digest:
            return LoadResult(plan_id=plan.id or 0, code=spec.code, created=False)
        _apply(plan, head, "plan", changes)
    assert plan.id is not None
    pid = plan.id

    units = _sync_units(session, pid, spec, changes)
    unit_id = {name: u.id for name, u in units.items()}
    _sync_items(session, pid, spec, unit_id, changes)
    _sync_indicators(session, pid, spec, changes)
    _sync_duties(session, pid, spec, unit_id, changes)
    sync_task_duties(session, pid, spec, unit_id, [])  # they mirror the items: the item's change is the news

    if not changes:
        changes.append("order of entries changed")
    plan.content_hash = digest
    plan.source_path = source or plan.source_path
    plan.updated_at = now
    session.flush()
    return LoadResult(plan_id=pid, code=spec.code, created=created, changes=[] if created else changes)


def _sync_units(session: Session, pid: int, spec: PlanSpec, changes: list[str]) -> dict[str, Unit]:
    existing = list(session.exec(select(Unit).where(Unit.plan_id == pid)))
    # A unit renamed in the file keeps its id when its code stays: match by name, then by code.
    by_name = {u.name: u for u in existing}
    by_code = {u.code: u for u in existing}
    matched: dict[str, Unit] = {}
    taken: set[int | None] = set()
    for u in spec.all_units:
        row = by_name.get(u.name)
        if row is None or row.id in taken:
            row = by_code.get(u.code)
        if row is not None and row.id not in taken:
            matched[u.name] = row
            taken.add(row.id)
    for row in existing:
        if row.id not in taken:
            session.delete(row)
            changes.append(f"unit {row.name}: removed")
    # Names and codes are unique per plan: park the ones that change so that swaps cannot collide.
    before = {row.id: (row.name, row.code) for row in matched.values()}
    parked = False
    for u in spec.all_units:
        row = matched.get(u.name)
        if row is not None and (row.name, row.code) != (u.name, u.code):
            row.name, row.code, parked = f"~{row.id}", f"~{row.id}", True
    if parked:
        session.flush()
    out: dict[str, Unit] = {}
    for pos, u in enumerate(spec.all_units):
        row = matched.get(u.name)
        if row is None:
            row = Unit(plan_id=pid, name=u.name, code=u.code, kind=u.kind, position=pos, contact=_contact_json(u))
            session.add(row)
            changes.append(f"unit {u.name}: added")
        else:
            old_name, old_code = before[row.id]
            if old_name != u.name:
                changes.append(f"unit {u.name}: name {old_name} → {u.name}")
            if old_code != u.code:
                changes.append(f"unit {u.name}: code {old_code} → {u.code}")
            row.name, row.code = u.name, u.code
            _apply(row, {"kind": u.kind, "position": pos, "contact": _contact_json(u)}, f"unit {u.name}", changes)
        out[u.name] = row
    session.flush()
    return out


def _contact_json(u: UnitSpec) -> str | None:
    """A unit's contact as stored (JSON), or None when the plan gives none."""
    if u.contact is None:
        return None
    return json.dumps(u.contact.model_dump(), ensure_ascii=False, sort_keys=True)


def _unit_spec(u: Unit) -> UnitSpec:
    """The stored unit back as a spec, its contact included."""
    contact = ContactSpec.model_validate(json.loads(u.contact)) if u.contact else None
    return UnitSpec(name=u.name, code=u.code, kind=u.kind, contact=contact)


def _sync_items(
    session: Session, pid: int, spec: PlanSpec, unit_id: dict[str, int | None], changes: list[str]
) -> None:
    items = _sync(
        session,
        session.exec(select(Item).where(Item.plan_id == pid)),
        [
            (it.ref, {"kind": it.kind, "section": it.section, "title": it.title, "text": it.text,
                      "locality_scope": it.localities, "others_unnamed": it.others_unnamed, "position": pos})
            for pos, it in enumerate(spec.items)
        ],
        lambda k, v: Item(plan_id=pid, ref=k, **v),
        lambda r: r.ref,
        lambda k: f"item {k}",
        changes,
    )
    localities = spec.locality_names
    item_ids = [r.id for r in items.values()]
    existing = list(session.exec(select(ItemAssignment).where(col(ItemAssignment.item_id).in_(item_ids))))
    by_item: dict[int, list[ItemAssignment]] = {}
    for a in existing:
        by_item.setdefault(a.item_id, []).append(a)
    name_of = {v: k for k, v in unit_id.items()}
    for it in spec.items:
        row = items[it.ref]
        assert row.id is not None
        iid = row.id
        wanted = [(it.lead, AssignmentRole.LEAD)] + [(c, AssignmentRole.COOPERATING) for c in it.cooperating]
        scope = localities if it.localities is LocalityScope.ALL else it.relevant_localities
        wanted += [(loc, AssignmentRole.LOCALITY) for loc in scope]
        _sync(
            session,
            by_item.get(iid, []),
            [(unit_id[name], {"role": role, "position": pos}) for pos, (name, role) in enumerate(wanted)],
            lambda k, v, iid=iid: ItemAssignment(item_id=iid, unit_id=k, **v),  # type: ignore[misc]
            lambda r: r.unit_id,
            lambda k, ref=it.ref: f"item {ref} unit {name_of.get(k, k)}",  # type: ignore[misc]
            changes,
        )


def _sync_indicators(session: Session, pid: int, spec: PlanSpec, changes: list[str]) -> None:
    inds = _sync(
        session,
        session.exec(select(Indicator).where(Indicator.plan_id == pid)),
        [
            (x.code, {"name": x.name, "unit": x.unit, "aggregation": x.aggregation, "position": pos,
                      "scope": x.scope, "local_name": x.local_name})
            for pos, x in enumerate(spec.indicators)
        ],
        lambda k, v: Indicator(plan_id=pid, code=k, **v),
        lambda r: r.code,
        lambda k: f"indicator {k}",
        changes,
    )
    for x in spec.indicators:
        parent = inds[x.parent].id if x.parent else None
        _apply(inds[x.code], {"parent_id": parent}, f"indicator {x.code}", changes)
    ind_ids = {r.id: code for code, r in inds.items()}
    _sync(
        session,
        session.exec(select(Target).where(col(Target.indicator_id).in_(list(ind_ids)))),
        [
            ((inds[t.indicator].id, t.year),
             {"value": t.value, "comparator": t.comparator, "wording": t.wording, "carried_from": t.carried_from,
              "baseline_year": t.baseline.year if t.baseline else None,
              "baseline_value": t.baseline.value if t.baseline else None})
            for t in spec.targets
        ],
        lambda k, v: Target(indicator_id=k[0], year=k[1], **v),
        lambda r: (r.indicator_id, r.year),
        lambda k: f"target {ind_ids.get(k[0], k[0])} {k[1]}",
        changes,
    )


def _sync_duties(
    session: Session, pid: int, spec: PlanSpec, unit_id: dict[str, int | None], changes: list[str]
) -> None:
    duties = _sync(
        session,
        session.exec(select(Duty).where(Duty.plan_id == pid, col(Duty.system).is_(False), col(Duty.item_id).is_(None))),
        [
            (d.code, {"kind": d.kind, "clause": d.clause, "title": d.title, "text": d.text,
                      "owner_id": unit_id[d.owner], "responsible": d.responsible, "frequency": d.frequency,
                      "schedule": d.schedule.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                      "holiday_policy": d.holiday_policy, "position": pos})
            for pos, d in enumerate(spec.duties)
        ],
        lambda k, v: Duty(plan_id=pid, code=k, **v),
        lambda r: r.code,
        lambda k: f"duty {k}",
        changes,
    )
    duty_ids = [r.id for r in duties.values()]
    existing = list(session.exec(select(DutyMember).where(col(DutyMember.duty_id).in_(duty_ids))))
    for d in spec.duties:
        row = duties[d.code]
        sync_members(session, row, d, unit_id, [m for m in existing if m.duty_id == row.id], changes)


def list_plans(*, session: Session) -> list[Plan]:
    """Every loaded plan, newest first."""
    return list(session.exec(select(Plan).order_by(col(Plan.updated_at).desc(), col(Plan.id).desc())))


def find_plan(code: str | None, *, session: Session) -> Plan:
    """The plan with ``code``, or the only/most recently loaded plan when ``code`` is None.

    Raises:
        PlanError: when no plan is loaded or ``code`` is unknown.
    """
    plans = list_plans(session=session)
    if not plans:
        raise PlanError(["no plan is loaded; run `duban plan load PATH` first"])
    if code is None:
        return plans[0]
    for plan in plans:
        if plan.code == code:
            return plan
    raise PlanError([f"no plan with code {code!r}; loaded: {', '.join(p.code for p in plans)}"])


def read_plan(code: str | None = None, *, session: Session) -> PlanSpec:
    """Rebuild the stored plan as a :class:`PlanSpec` (what the tables hold, not the file)."""
    plan = find_plan(code, session=session)
    pid = plan.id
    units = list(session.exec(select(Unit).where(Unit.plan_id == pid).order_by(col(Unit.position))))
    name = {u.id: u.name for u in units}
    indicators, targets = _read_indicators(session, pid)
    return PlanSpec(
        code=plan.code, title=plan.title, notice_title=plan.notice_title, doc_number=plan.doc_number,
        issuer=plan.issuer, issued_on=plan.issued_on,
        period=Period(start=plan.period_start, end=plan.period_end),
        coordinator=plan.coordinator, leader=plan.leader, secretariat=plan.secretariat, notice_code=plan.notice_code,
        units=[_unit_spec(u) for u in units if u.kind not in LOCALITY_KINDS],
        localities=[_unit_spec(u) for u in units if u.kind in LOCALITY_KINDS],
        indicators=indicators,
        targets=targets,
        items=_read_items(session, pid, name),
        duties=_read_duties(session, pid, name),
    )


def _read_items(session: Session, pid: int | None, name: dict[int | None, str]) -> list[ItemSpec]:
    """The plan's items in order, each with its lead, cooperating and locality units (``name``: unit id → name)."""
    items = list(session.exec(select(Item).where(Item.plan_id == pid).order_by(col(Item.position))))
    assigns = list(
        session.exec(
            select(ItemAssignment)
            .where(col(ItemAssignment.item_id).in_([i.id for i in items]))
            .order_by(col(ItemAssignment.position))
        )
    )
    by_item: dict[int | None, list[ItemAssignment]] = {}
    for a in assigns:
        by_item.setdefault(a.item_id, []).append(a)

    def item_spec(it: Item) -> ItemSpec:
        rows = by_item.get(it.id, [])
        lead = next((name[a.unit_id] for a in rows if a.role is AssignmentRole.LEAD), "")
        coop = [name[a.unit_id] for a in rows if a.role is AssignmentRole.COOPERATING]
        locs = [name[a.unit_id] for a in rows if a.role is AssignmentRole.LOCALITY]
        return ItemSpec(
            ref=it.ref, kind=it.kind, section=it.section, title=it.title, text=it.text, lead=lead,
            cooperating=coop, others_unnamed=it.others_unnamed, localities=it.locality_scope,
            relevant_localities=locs if it.locality_scope is LocalityScope.RELEVANT else [],
        )

    return [item_spec(it) for it in items]


def _read_indicators(session: Session, pid: int | None) -> tuple[list[IndicatorSpec], list[TargetSpec]]:
    """The plan's indicators in order, and their targets."""
    inds = list(session.exec(select(Indicator).where(Indicator.plan_id == pid).order_by(col(Indicator.position))))
    ind_code = {i.id: i.code for i in inds}
    targets = list(
        session.exec(
            select(Target).where(col(Target.indicator_id).in_(list(ind_code))).order_by(col(Target.id))
        )
    )
    indicators = [
        IndicatorSpec(code=i.code, name=i.name, unit=i.unit, aggregation=i.aggregation,
                      parent=ind_code.get(i.parent_id) if i.parent_id else None, scope=i.scope,
                      local_name=i.local_name)
        for i in inds
    ]
    return indicators, [
        TargetSpec(
            indicator=ind_code[t.indicator_id], year=t.year, value=t.value, comparator=t.comparator,
            baseline=Baseline(year=t.baseline_year, value=t.baseline_value)
            if t.baseline_year is not None and t.baseline_value is not None else None,
            wording=t.wording, carried_from=t.carried_from,
        )
        for t in targets
    ]


def _read_duties(session: Session, pid: int | None, name: dict[int | None, str]) -> list[DutySpec]:
    """The plan file's duties in order (not the system ones nor those derived per item), with their units."""
    duties = list(session.exec(
        select(Duty).where(Duty.plan_id == pid, col(Duty.system).is_(False), col(Duty.item_id).is_(None))
        .order_by(col(Duty.position))
    ))
    members = list(
        session.exec(
            select(DutyMember)
            .where(col(DutyMember.duty_id).in_([d.id for d in duties]))
            .order_by(col(DutyMember.position))
        )
    )
    return [
        DutySpec(
            code=d.code, kind=d.kind, clause=d.clause, title=d.title, text=d.text, owner=name[d.owner_id],
            responsible=d.responsible,
            members=[name[m.unit_id] for m in members if m.duty_id == d.id and m.role != COOPERATING],
            cooperating=[name[m.unit_id] for m in members if m.duty_id == d.id and m.role == COOPERATING],
            frequency=d.frequency, schedule=Schedule.model_validate(d.schedule),
            holiday_policy=d.holiday_policy,
        )
        for d in duties
    ]
