"""Render duban's Chinese messages from Jinja2 templates in ``notifications/messages/templates/``.

One template per ladder stage (``reminder``, ``urge``, ``notice``, ``escalate``, ``repeat``), and the two of
an office's own work (``work_reminder``: a 工作提示 to the office; ``work_overdue``: the leader told, in
neutral words, that it is not done — :mod:`models.rules.authority`), named by the own ladder; ``digest`` puts
one recipient's decisions of a day into one message. A template sets its title with
``{% set title %}...{% endset %}`` and its output is the body, so title and body live in one file. All
user-facing Chinese text, dates included, lives in the templates (``_common.j2``: the register's shared pieces;
``_ladder.j2``: the ladder's sentences); this module only feeds them plain values, and
:mod:`notifications.messages.wording` reshapes plan data for them (what is owed, a unit's kind).
``StrictUndefined`` turns a missing value into a :class:`NotificationError` instead of a silent blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import jinja2

from models.enums import Role, Stage
from models.errors import NotificationError
from notifications.messages import wording
from notifications.messages.markdown import md

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STAGES: tuple[Stage, ...] = tuple(Stage)
# A ladder message is for a unit's handler or head, the coordinator or the leader; the fallback contact only
# ever receives failure reports (render_failure_report), never a ladder message.
ROLES: tuple[Role, ...] = tuple(role for role in Role if role is not Role.FALLBACK)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


CHANNELS: tuple[str, ...] = ("email", "text", "markdown")
"""The forms a message is rendered in: ``email`` (plain text, with the attached workbook), ``text`` (plain text on
an IM channel, no attachment: the mailbox and phone, or the link, instead) and ``markdown`` (an IM contact set to
``format=markdown``: bold time limit, lists). A template reads the form it is rendering as ``channel``."""


@dataclass(frozen=True)
class Contact:
    """Whom an official calls or writes to: the chasing office's desk (plan data, ``units[].contact``)."""

    unit: str
    person: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class MessageContext:
    """Everything a ladder message says: what is due, by when, who chases, and what comes next.

    Attributes:
        stage: reminder | urge | notice | escalate | repeat.
        level: the ladder level (reminder 0, urge 1, notice 2, escalate 3).
        role: whom this copy is for: handler | head | coordinator | leader.
        plan_title: the plan's title, without 《》.
        doc_number: the notice's document number (文号), or "".
        duty_kind: decomposition | progress_report | joint_meeting | inspection | ...
        duty_title: what must be done, e.g. "半年工作进展情况报送".
        duty_clause: the plan's requirement this duty comes from, or "".
        unit_name: the responsible unit.
        period: the period the duty is for, e.g. "2016年上半年".
        nominal_due_on: the date the plan gives.
        due_on: the effective date after the holiday rule.
        holiday_note: a sentence saying which rule moved the date, or "".
        coordinator: the chasing unit's name.
        working_days_left: working days to ``due_on``; negative when overdue.
        next_stage: the stage that follows if still not done, or None after the last one.
        next_on: when ``next_stage`` happens, or None.
        own: the obligation is the supervising office's own work (coordinator or secretariat).
        schedule_default: the duty's date is the office's 工作安排 (``default: true`` in the plan file),
            not set by the notice: messages say "工作安排时间", never "文件规定时间".
        duty_owner: the unit the duty belongs to in the plan (the issuer, for the inspection), or "".
    """

    stage: str
    level: int
    role: str
    plan_title: str
    doc_number: str
    duty_kind: str
    duty_title: str
    duty_clause: str
    unit_name: str
    period: str
    nominal_due_on: date
    due_on: date
    holiday_note: str
    coordinator: str
    working_days_left: int
    next_stage: str | None
    next_on: date | None
    own: bool = False
    schedule_default: bool = False
    duty_owner: str = ""
    # Issue 12: what an official needs to act at once.
    holiday_rule: str = "working_day"  # working_day | rolled_forward | pulled_earlier | kept
    issuer: str = ""  # the unit that issues (落款) the message: the chasing office; "" → coordinator
    issued_on: date | None = None  # the 落款 date (the local day it is sent)
    contact: Contact | None = None  # whom to contact; None → the issuer without details
    clause_ref: str = ""  # the clause in words, e.g. 第五部分第(三)项; "" → from duty_clause when it parses
    doc_no: str = ""  # the 督办单 number: at the notice stage (head's copy and the coordinator's), and at the
    #                   later stages (escalate, repeat) the number of the obligation's 督办单 when known; else ""
    limit_on: date | None = None  # a 督办单's new time limit (the working day before the next stage)
    overdue_stage: str | None = None  # before the due date: the first stage after it (what follows if missed)
    overdue_on: date | None = None  # and its date
    leader_title: str = ""  # how the leader is addressed, e.g. 市政府分管领导
    obligation_title: str = ""  # what is owed when more specific than the duty's title (obligation.title)
    # Added by the ladder wording (issue 12), all optional: the words fall back when they are missing.
    unit_kind: str = ""  # town | subdistrict | department | vertical | other (plan data); "" → read from the name
    urged_on: date | None = None  # when this obligation's 催办 (urge stage) went out, once it has
    noticed_on: date | None = None  # when its 督办单 (notice stage) went out, once it has
    escalated_on: date | None = None  # when it was first put to the leader (escalate stage), once it has
    next_meeting_on: date | None = None  # the next joint meeting's date, for the leader's ask (点名 there)


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready to send: a one-line title and its body in each channel's form (:data:`CHANNELS`).

    ``body`` is the email form and what the outbox records; ``text`` and ``markdown`` are the IM forms (None: the
    same as ``body``/``text``). ``items`` counts the entries the message lists, for the note that a channel's size
    limit cut the list (``（共N项，详见…）``).
    """

    title: str
    body: str
    text: str | None = None
    markdown: str | None = None
    items: int = 0

    def form(self, channel: str) -> str:
        """The body in ``channel``'s form: ``email``, ``text`` or ``markdown``."""
        if channel == "markdown":
            return self.markdown or self.text or self.body
        if channel == "text":
            return self.text or self.body
        return self.body

    def payload(self) -> dict[str, object]:
        """The JSON an outbox row keeps of a pre-rendered message (:func:`from_payload` reads it back)."""
        out: dict[str, object] = {"title": self.title, "body": self.body}
        if self.text is not None and self.text != self.body:
            out["text"] = self.text
        if self.markdown is not None and self.markdown != (self.text or self.body):
            out["markdown"] = self.markdown
        if self.items:
            out["items"] = self.items
        return out


def from_payload(payload: Mapping[str, object]) -> RenderedMessage:
    """A pre-rendered message back from an outbox row's payload (:meth:`RenderedMessage.payload`)."""
    text, markdown = payload.get("text"), payload.get("markdown")
    items = payload.get("items", 0)
    return RenderedMessage(title=str(payload.get("title", "")), body=str(payload.get("body", "")),
                           text=str(text) if text is not None else None,
                           markdown=str(markdown) if markdown is not None else None,
                           items=int(items) if isinstance(items, int) else 0)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text: escaping would print &lt; into messages
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["md"] = md  # for the markdown of artifacts (circular.md.j2) only; messages stay plain text
    env.globals.update(period_words=wording.period_words, with_period=wording.with_period,
                       report_object=wording.report_object, is_report=wording.is_report,
                       unit_kind=wording.unit_kind, gov_short=wording.gov_short, note_body=note_body)
    return env


def available_templates() -> list[str]:
    """The names a ladder stage may use as its ``template`` (files not starting with ``_``)."""
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.j2") if not p.name.startswith("_"))


def _tidy_body(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def render_values(template: str, values: Mapping[str, object]) -> RenderedMessage:
    """Render template ``<template>.j2`` with ``values``, once per channel form (``channel`` is set for it).

    A template may set ``{% set items = N %}`` (how many entries it lists) for the truncation note.

    Raises:
        NotificationError: the template does not exist, a value it uses is missing, or it yields no title.
    """
    forms = {channel: _render_one(template, {**values, "channel": channel}) for channel in CHANNELS}
    email, text, markdown = forms["email"], forms["text"], forms["markdown"]
    return RenderedMessage(title=email[0], body=email[1], text=text[1] if text[1] != email[1] else None,
                           markdown=markdown[1] if markdown[1] != text[1] else None, items=email[2])


def _render_one(template: str, values: Mapping[str, object]) -> tuple[str, str, int]:
    """Title, body and item count of one rendering."""
    if not _NAME_RE.match(template):
        raise NotificationError(f"invalid template name {template!r}; known: {', '.join(available_templates())}")
    try:
        tmpl = _environment().get_template(f"{template}.j2")
    except jinja2.TemplateNotFound as exc:
        raise NotificationError(
            f"no message template {template!r} in {TEMPLATE_DIR}; known: {', '.join(available_templates())}"
        ) from exc
    try:
        module = tmpl.make_module(dict(values))
    except jinja2.UndefinedError as exc:
        raise NotificationError(f"template {template}.j2: {exc} (a value the message needs was not given)") from exc
    except jinja2.TemplateError as exc:
        raise NotificationError(f"template {template}.j2 cannot be rendered: {exc}") from exc
    title = " ".join(str(getattr(module, "title", "")).split())
    if not title:
        raise NotificationError(f"template {template}.j2 sets no title (expected {{% set title %}}...{{% endset %}})")
    items = getattr(module, "items", 0)
    return title, _tidy_body(str(module)), items if isinstance(items, int) else 0


def render(ctx: MessageContext, *, template: str | None = None) -> RenderedMessage:
    """Render the message for one ladder decision.

    Args:
        ctx: what to say.
        template: a template name overriding the stage's own (the ladder's ``template`` option).

    Raises:
        NotificationError: an unknown stage or role, or a template problem.
    """
    if ctx.stage not in STAGES:
        raise NotificationError(f"unknown message stage {ctx.stage!r}; known: {', '.join(STAGES)}")
    if ctx.role not in ROLES:
        raise NotificationError(f"unknown recipient role {ctx.role!r}; known: {', '.join(ROLES)}")
    if ctx.next_stage is not None and ctx.next_stage not in STAGES:
        raise NotificationError(f"unknown next stage {ctx.next_stage!r}; known: {', '.join(STAGES)}")
    return render_values(template or ctx.stage, {"ctx": complete(ctx)})


def complete(ctx: MessageContext) -> MessageContext:
    """``ctx`` with what the words need filled in from what it has: the issuer (the coordinator), the contact
    (the issuer, without details), the clause in words (from ``duty_clause`` when it is a clause like 五(三)),
    and the unit's kind (read from its name)."""
    issuer = ctx.issuer or ctx.coordinator
    clause = ctx.clause_ref
    if not clause and ctx.duty_clause:
        words = wording.clause_words(ctx.duty_clause)
        clause = "" if words.startswith("“") else words
    return replace(ctx, issuer=issuer, contact=ctx.contact or Contact(unit=issuer), clause_ref=clause,
                   unit_kind=wording.unit_kind(ctx.unit_name, ctx.unit_kind))


def render_test_message() -> RenderedMessage:
    """The message ``duban notify test`` sends to prove a channel works."""
    return render_values("test", {})


def render_failure_report(
    *,
    unit_name: str | None,
    role: str,
    subject: str,
    target: str,
    error: str,
    attempts: int,
    coordinator: str,
) -> RenderedMessage:
    """Tell the coordinator that a message could not be delivered after every retry.

    Args:
        unit_name: the unit the message was for (None for coordinator/leader messages).
        role: the recipient role the message was for.
        subject: the undelivered message's title.
        target: the masked contact URL it failed on ("" when no contact matched).
        error: the last error, already scrubbed of secrets (``SendOutcome.error`` / ``TargetResult.detail``).
        attempts: how many times it was tried.
        coordinator: the coordinator's unit name (the report's addressee).
    """
    values = {
        "unit_name": unit_name or "",
        "role": role,
        "subject": subject,
        "target": target,
        "error": error,
        "attempts": attempts,
        "coordinator": coordinator,
    }
    return render_values("failure_report", values)


@dataclass(frozen=True)
class DigestContext:
    """One recipient's day of decisions for one plan, sent as one message (:mod:`notifications.delivery.digest`).

    Attributes:
        role: whom it is for: handler | head | coordinator | leader.
        unit_name: the recipient's unit (handler, head), or "" for the coordinator and the leader.
        day: the local day it is sent (the 落款 date).
        members: the ladder decisions it carries, one per obligation and stage, in outbox order.
        notes: pre-rendered notices bundled with them (the leader's 销号申请…), in outbox order.
        doc_no: the 督办单 number, when it carries notice-stage decisions to a unit's head; else "".
        issuer: who issues it (落款); "" → the first member's issuer.
        contact: whom to contact; None → the first member's contact.
        leader_title: how the leader is addressed; "" → the first member's.
    """

    role: str
    unit_name: str
    day: date
    members: tuple[MessageContext, ...]
    notes: tuple[RenderedMessage, ...] = ()
    doc_no: str = ""
    issuer: str = ""
    contact: Contact | None = None
    leader_title: str = ""


# The order of strength of the ladder's stages to a unit: the strongest decides a unit digest's kind.
_STRENGTH = {stage: n for n, stage in enumerate(("reminder", "urge", "escalate", "repeat", "notice"))}


def render_digest(digest: DigestContext) -> RenderedMessage:
    """Render one digest (``digest.j2``): the day's decisions for one recipient, as one message.

    The leader gets the overdue obligations grouped by what is owed (one group per duty, period and due date,
    the most overdue first), then the office's own late work (提请关注), then the notes; a unit's handler or head
    gets its obligations in one 催办 or 督办单 (the strongest stage decides); the coordinator its copies, one
    entry per document. The template words them; ``items`` is the number of listed entries.

    Raises:
        NotificationError: an empty digest, an unknown role, or a template problem.
    """
    if not digest.members and not digest.notes:
        raise NotificationError("a digest carries nothing: no ladder decision and no notice")
    if digest.role not in ROLES:
        raise NotificationError(f"unknown recipient role {digest.role!r}; known: {', '.join(ROLES)}")
    members = tuple(complete(replace(m, issued_on=m.issued_on or digest.day)) for m in digest.members)
    first = members[0] if members else None
    issuer = digest.issuer or (first.issuer if first else "")
    groups: dict[tuple[object, ...], list[MessageContext]] = {}
    for m in members:
        if not m.own:
            key = (m.duty_kind, m.duty_title, m.obligation_title, m.period, m.due_on, m.nominal_due_on)
            groups.setdefault(key, []).append(m)
    copies: dict[tuple[str, str, str], list[MessageContext]] = {}
    for m in members:
        copies.setdefault((m.stage, m.doc_no, m.unit_name), []).append(m)
    values = {
        "digest": digest,
        "members": members,
        "first": first,
        "issuer": issuer,
        "contact": digest.contact or (first.contact if first else None) or Contact(unit=issuer),
        "leader_title": digest.leader_title or (first.leader_title if first else ""),
        "kind": wording.unit_kind(digest.unit_name, first.unit_kind if first else ""),
        "strongest": max((m.stage for m in members), key=lambda s: _STRENGTH.get(s, -1), default=""),
        "groups": [sorted(g, key=lambda m: m.working_days_left) for g in groups.values()],
        "own": [m for m in members if m.own],
        "copies": list(copies.values()),
        "notes": digest.notes,
    }
    return render_values("digest", values)


_SIGNOFF_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


def note_body(note: RenderedMessage, channel: str) -> list[str]:
    """The lines of a bundled notice's body in ``channel``'s form, without what the digest says once for all:
    its 称谓 (a first line ending in "："), its 落款 (a unit and a date without weekday) and its contact line."""
    lines = [line for line in note.form(channel).splitlines() if line.strip()]
    if lines and lines[0].endswith("：") and "。" not in lines[0]:
        lines = lines[1:]
    if len(lines) >= 2 and _SIGNOFF_DATE.match(lines[-1].strip()):
        lines = lines[:-2]
    while lines and lines[-1].lstrip().startswith(("联系人：", "联系单位：")):
        lines = lines[:-1]
    return [line.strip() for line in lines]
