"""Render duban's Chinese messages from Jinja2 templates in ``notifications/messages/templates/``.

One template per ladder stage (``reminder``, ``urge``, ``notice``, ``escalate``, ``repeat``), and the two of
an office's own work (``work_reminder``: a 工作提示 to the office; ``work_overdue``: the leader told, in
neutral words, that it is not done — :mod:`models.rules.authority`), named by the own ladder. A template
sets its title with ``{% set title %}...{% endset %}`` and its output is the body, so title and body
live in one file. All user-facing Chinese text, dates included, lives in the templates
(``_macros.j2`` holds the shared wording); this module only feeds them plain values.
``StrictUndefined`` turns a missing value into a :class:`NotificationError` instead of a silent blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import jinja2

from models.enums import Role, Stage
from models.errors import NotificationError
from notifications.messages.markdown import md

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STAGES: tuple[Stage, ...] = tuple(Stage)
# A ladder message is for a unit's handler or head, the coordinator or the leader; the fallback contact only
# ever receives failure reports (render_failure_report), never a ladder message.
ROLES: tuple[Role, ...] = tuple(role for role in Role if role is not Role.FALLBACK)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready to send: a one-line title and a plain-text body."""

    title: str
    body: str


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
    return env


def available_templates() -> list[str]:
    """The names a ladder stage may use as its ``template`` (files not starting with ``_``)."""
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.j2") if not p.name.startswith("_"))


def _tidy_body(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def render_values(template: str, values: Mapping[str, object]) -> RenderedMessage:
    """Render template ``<template>.j2`` with ``values``.

    Raises:
        NotificationError: the template does not exist, a value it uses is missing, or it yields no title.
    """
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
    return RenderedMessage(title=title, body=_tidy_body(str(module)))


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
    return render_values(template or ctx.stage, asdict(ctx))


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


@lru_cache(maxsize=1)
def truncation_marker() -> str:
    """The marker appended to a body trimmed to a channel's size limit."""
    return _environment().get_template("truncated.j2").render()
