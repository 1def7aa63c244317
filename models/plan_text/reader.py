"""Reading a plan straight from the text of its notice (通知): ``duban plan import-text``.

    raw bytes ──decode_notice──▶ text ──parse_notice──▶ NoticeParse ──notice_to_plan──▶ PlanSpec
                                                              └──────notice_summary──▶ JSON

:func:`parse_notice` finds the header (title, 文号, issuer, date, where problems go), the numbered
body (:mod:`models.plan_text.scan`), the items with their responsible units
(:mod:`models.plan_text.units`), the numeric targets (:mod:`models.plan_text.targets`) and the recurring
duties (:mod:`models.plan_text.duties`). It never drops a paragraph silently: a task without
readable units, a target or a deadline it could not read is listed in ``NoticeParse.unread`` with
its line number. The Chinese vocabulary lives in :mod:`models.plan_text.vocab`.

Limits: one line is one paragraph (hard-wrapped text is not re-joined, except a title broken inside
《…》); items must end with their units; the locality roster (the towns behind 各镇) is not in a notice
and comes from ``roster``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import yaml

from models.enums import ItemKind
from models.errors import PlanError
from models.plan.schema import PlanSpec, plan_summary
from models.plan_text import vocab as V
from models.plan_text.build import notice_to_plan, plan_code, plan_period, unit_code
from models.plan_text.duties import read_duties
from models.plan_text.parsed import Line, NoticeParse, ParsedDuty, ParsedItem, ParsedTarget
from models.plan_text.scan import Block, Section, body_bounds, build_sections, marker, quote, read_header, split_lines
from models.plan_text.targets import read_targets
from models.plan_text.units import find_responsibility, looks_like_unit

__all__ = [
    "NoticeParse", "ParsedDuty", "ParsedItem", "ParsedTarget", "decode_notice", "notice_summary",
    "notice_to_plan", "parse_notice", "plan_code", "plan_period", "plan_yaml", "unit_code",
]

MAX_NOTICE_BYTES = 5 * 1024 * 1024
_DATE_KEYS = frozenset({"issued_on", "from", "until"})
_ITEM_SECTIONS = (V.TASKS, V.MEASURES, V.OTHER, V.GENERAL)


_CN_PUNCT = re.compile(r"([\u4e00-\u9fff）])([,;:])(?=[\u4e00-\u9fff（])")
_FULL = {",": "，", ";": "；", ":": "："}


def decode_notice(raw: bytes, *, source: str) -> str:
    """The text of a notice file: UTF-8 (with or without BOM) or GB18030.

    Raises:
        PlanError: with one line when the file is empty, binary, in another encoding, or plainly not
            a notice (no numbered paragraphs, no government units).
    """
    if len(raw) > MAX_NOTICE_BYTES:
        raise PlanError([f"{source}: file is {len(raw)} bytes; a notice is at most {MAX_NOTICE_BYTES}"])
    if not raw.strip():
        raise PlanError([f"{source}: the file is empty; expected the text of a notice (通知)"])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PlanError([f"{source}: UTF-16 text; save the notice as UTF-8 or GB18030"])
    if b"\x00" in raw[:65536]:
        raise PlanError([f"{source}: a binary file (it holds NUL bytes), not the text of a notice"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise PlanError([f"{source}: neither UTF-8 nor GB18030 text (byte {exc.start}); "
                             "save the notice as UTF-8"]) from None
    odd = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Co", "Cn", "Cs") and c not in "\t\n\r\f")
    if odd > max(2, len(text) // 100):
        raise PlanError([f"{source}: looks binary ({odd} control or unassigned characters), "
                         "not the text of a notice"])
    lines = split_lines(text)
    numbered = sum(1 for ln in lines if marker(ln.norm))
    if numbered < 2 or not V.NOTICE_WORDS.search(text):
        raise PlanError([f"{source}: does not look like a notice: it needs numbered paragraphs "
                         f"(一、 (一) 1、) naming responsible units; found {numbered} numbered line(s)"])
    return text


def _item_of(sec: Section, blk: Block) -> ParsedItem | str | None:
    """The item a block states; else a reason it is not understood (str); else None (not an item)."""
    norm = "\n".join([blk.head_norm] + [ln.norm for ln in blk.lines[1:]])
    text = "\n".join([blk.head_text] + [ln.text for ln in blk.lines[1:]])
    where = f"line {blk.lines[0].no} ({blk.ref})"
    resp = find_responsibility(norm)
    if resp is None:
        return f"{where}: no responsible units found: 「{quote(blk.lines[0].text)}」"
    if resp.unknown or not resp.units:
        what = "、".join(resp.unknown) if resp.unknown else "only localities, no lead unit"
        return f"{where}: responsible units not understood ({what}): 「{quote(resp.wording)}」"
    head_len = len(blk.head_norm)
    heading_like = (len(blk.lines) > 1 and "。" not in blk.head_norm.rstrip("。") and len(blk.head_norm) <= 50
                    and resp.start > head_len)
    if heading_like:
        title = blk.head_text.rstrip("。.;: ")
        body = text[head_len + 1: resp.start]
    else:
        body = text[: resp.start]
        cut = body.find("。")
        title = (body[:cut] if cut > 0 else body).strip().rstrip("。.;,: ")
    body = body.strip().rstrip(",;、")  # noqa: B005 - a set of characters
    # A title goes into messages: ASCII punctuation between Chinese characters becomes Chinese (the text stays
    # as the notice wrote it).
    title = _CN_PUNCT.sub(lambda m: m.group(1) + _FULL[m.group(2)], title)
    return ParsedItem(
        ref=blk.ref, kind=ItemKind.MEASURE if sec.kind == V.MEASURES else ItemKind.TASK,
        section=blk.parent_heading or sec.heading, title=(title or blk.ref)[:200], text=body,
        lead=resp.units[0], cooperating=list(resp.units[1:]), others_unnamed=resp.others_unnamed,
        localities=resp.localities, line=blk.lines[0].no,
    )


def _goal_paragraphs(sections: list[Section]) -> list[Line]:
    out: list[Line] = []
    for sec in sections:
        if sec.kind != V.GOALS:
            continue
        for blk in sec.blocks:
            if blk.rank > 0:
                first = blk.lines[0]
                out.append(Line(first.no, blk.head_text, blk.head_norm))
            out += blk.lines[1:]
    return out


def parse_notice(text: str, *, source: str) -> NoticeParse:
    """Read a notice's header, items, targets and duties.

    Args:
        text: the notice as text (see :func:`decode_notice`).
        source: how to name the file in messages.

    Raises:
        PlanError: when nothing of a plan is found — no item with units, no target, no duty.
    """
    lines = split_lines(text)
    if not lines:
        raise PlanError([f"{source}: the file is empty; expected the text of a notice (通知)"])
    start, end = body_bounds(lines)
    header = read_header(lines, start, end)
    unread: list[str] = []
    sections = build_sections(lines[start:end], unread)

    items: list[ParsedItem] = []
    duties: list[ParsedDuty] = []
    for sec in sections:
        if sec.kind == V.REQUIREMENTS:
            duties += read_duties(sec.blocks, issuer=header.issuer, unread=unread)
            continue
        if sec.kind not in _ITEM_SECTIONS:
            continue
        pending: list[str] = []
        found = 0
        for blk in sec.blocks:
            item = _item_of(sec, blk)
            if isinstance(item, ParsedItem):
                items.append(item)
                found += 1
                continue
            block_duties = read_duties([blk], issuer=header.issuer, unread=unread) if sec.kind == V.MEASURES else []
            duties += block_duties
            if item is not None and blk.leaf and not block_duties and (blk.rank > 0 or len(blk.lines) > 1):
                pending.append(item)
        if sec.kind in (V.TASKS, V.MEASURES) or found:
            unread += pending

    allowed = None
    if header.period:
        allowed = (header.period[0] - 1, header.period[1])
    targets = read_targets(_goal_paragraphs(sections), default_year=header.period[1] if header.period else None,
                           allowed=allowed, unread=unread)
    if not (items or targets or duties):
        raise PlanError([f"{source}: no task with responsible units, no target and no duty found; "
                         "is this the text of an implementation notice (通知/实施方案)?"])
    coordinator = header.coordinator if header.coordinator and looks_like_unit(header.coordinator) else None
    return NoticeParse(
        source=source, notice_title=header.notice_title, title=header.title, doc_number=header.doc_number,
        issuer=header.issuer, issued_on=header.issued_on, coordinator=coordinator, period=header.period,
        items=items, targets=targets, duties=duties, unread=unread,
    )


def notice_summary(parse: NoticeParse, plan: PlanSpec) -> dict[str, Any]:
    """The JSON of ``plan import-text --json``: :func:`plan_summary` of the plan, plus what the text says.

    Items gain ``kind``, ``text`` and ``others_unnamed``; duties carry ``due_dates``, ``frequency`` and
    ``owner`` exactly as the text states them (``[]``/``null`` when it is silent or relative), with
    ``schedule_default`` telling whether the plan's schedule was chosen by duban.
    """
    out = plan_summary(plan)
    out.update({
        "title": parse.title or plan.title, "notice_title": parse.notice_title, "doc_number": parse.doc_number,
        "issuer": parse.issuer or None, "issued_on": parse.issued_on.isoformat() if parse.issued_on else None,
        "period": {"start": plan.period.start, "end": plan.period.end}, "coordinator": plan.coordinator,
    })
    for row, it in zip(out["items"], parse.items, strict=True):
        row.update({"kind": it.kind.value, "text": it.text, "others_unnamed": it.others_unnamed})
    for row, t in zip(out["targets"], parse.targets, strict=True):
        row["baseline"] = {"year": t.baseline[0], "value": t.baseline[1]} if t.baseline else None
    for row, spec, d in zip(out["duties"], plan.duties, parse.duties, strict=True):
        row.update({"clause": d.clause, "text": d.text, "frequency": d.frequency.value if d.frequency else None,
                    "due_dates": list(d.due_dates), "owner": d.owner,
                    "relative_working_days": d.relative_working_days, "schedule_default": spec.schedule.default})
    out["unread"] = list(parse.unread)
    return out


def _dates_unquoted(node: Any) -> Any:
    """Dates back to date objects, so the YAML reads ``issued_on: 2015-07-06`` like a hand-made file."""
    if isinstance(node, dict):
        return {k: (dt.date.fromisoformat(v) if k in _DATE_KEYS and isinstance(v, str) else _dates_unquoted(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_dates_unquoted(v) for v in node]
    return node


def plan_yaml(plan: PlanSpec, parse: NoticeParse) -> str:
    """The plan as a plan file (YAML), with a header saying where it came from and what was not read."""
    head = [f"# {plan.title}" + (f" ({plan.doc_number})" if plan.doc_number else ""),
            f"# Read from {parse.source} by `duban plan import-text`: {len(plan.items)} items, "
            f"{len(plan.targets)} targets, {len(plan.duties)} duties.",
            "# Review it: schedules marked `default: true` are duban's choice where the notice is silent."]
    if not plan.localities:
        head.append("# No locality roster: pass --roster PLAN.yaml to list the towns behind 各镇….")
    if parse.unread:
        head.append(f"# NOT UNDERSTOOD ({len(parse.unread)}), left out of the plan:")
        head += [f"#   {u}" for u in parse.unread]
    data = _dates_unquoted(plan.model_dump(mode="json", by_alias=True, exclude_none=True))
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)
    return "\n".join(head) + "\n" + body
