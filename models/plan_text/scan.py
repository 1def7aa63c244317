"""The shape of a notice: its lines, its header (title, number, issuer, date) and its numbered blocks.

A *block* is a numbered line (一、 / (一) / 1、 / 1. / (1) / ①) with the unnumbered lines that follow it.
Its reference joins the numbers above it: ``三(二)5`` is item 5 of group (二) of section 三, whether
the numbers restart in each group or run on across groups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.plan_text import vocab as V
from models.plan_text.parsed import Line

_STOPS = "。.;; "  # characters that close a heading line


@dataclass
class Block:
    """A numbered line and the unnumbered lines after it."""

    ref: str
    rank: int
    marker_len: int  # characters of the numbering on the first line
    lines: list[Line]
    parent_heading: str  # heading of the enclosing block, e.g. "(一)强化…新引擎" or "四、保障措施"
    leaf: bool = True

    @property
    def head_norm(self) -> str:
        return self.lines[0].norm[self.marker_len:]

    @property
    def head_text(self) -> str:
        return self.lines[0].text[self.marker_len:]


@dataclass
class Section:
    """A top-level part of the plan (一、总体要求 … 五、工作要求) and its blocks."""

    label: str
    heading: str
    kind: str
    blocks: list[Block] = field(default_factory=list)


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of a text, stripped, each with its normalised twin."""
    out = []
    for i, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped:
            out.append(Line(i, stripped, stripped.translate(V.NORMALISE)))
    return out


def marker(norm: str) -> tuple[int, str, int] | None:
    """(rank, label for the reference, length of the numbering) of a numbered line, or None."""
    for rank, pattern in V.MARKERS:
        m = pattern.match(norm)
        if m and len(norm) > m.end():
            label = m.group(1)
            if rank in (1, 3):
                label = f"({label})"
            return rank, label, m.end()
    return None


def section_kind(heading: str) -> str:
    """What a top-level section holds, from the words of its heading."""
    for kind, words in V.SECTION_KINDS:
        if any(w in heading for w in words):
            return kind
    return V.OTHER


def _is_signature(lines: list[Line], i: int) -> bool:
    """A date line, or an issuing body's name standing just above one."""
    if _date_of(lines[i].norm) is not None:
        return True
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    return (nxt is not None and _date_of(nxt.norm) is not None and len(lines[i].norm) <= 30
            and lines[i].norm.endswith(V.ORG_ENDINGS) and not any(c in lines[i].norm for c in ",。;:"))


def body_bounds(lines: list[Line]) -> tuple[int, int]:
    """Indices [start, end) of the plan's numbered body within ``lines``.

    The body starts at the first top-level heading (一、) — or, in a notice without one, at the first
    numbered line — and ends before an attachment list, web-page furniture or a trailing signature.
    """
    start = next((i for i, ln in enumerate(lines) if (mk := marker(ln.norm)) and mk[0] == 0), None)
    if start is None:
        start = next((i for i, ln in enumerate(lines) if marker(ln.norm)), len(lines))
    end = start
    while end < len(lines) and not V.BODY_STOP.match(lines[end].norm) and not _is_signature(lines, end):
        end += 1
    return start, end


def build_sections(lines: list[Line], unread: list[str]) -> list[Section]:
    """Group the body's lines into sections and numbered blocks.

    A number that repeats an earlier reference (a duplicated or mis-numbered paragraph) is reported in
    ``unread`` and its lines are left out rather than merged into the wrong item.
    """
    sections: list[Section] = []
    stack: list[tuple[int, str, str]] = []  # (rank, label, heading)
    seen: dict[str, int] = {}
    current: Block | None = None
    for ln in lines:
        mk = marker(ln.norm)
        if mk is None:
            if current is not None:
                current.lines.append(ln)
            continue
        rank, label, length = mk
        while stack and stack[-1][0] >= rank:
            stack.pop()
        parent_heading = stack[-1][2] if stack else ""
        heading = ln.text.rstrip(_STOPS)
        stack.append((rank, label, heading))
        if rank == 0 or not sections:
            sections.append(Section(label if rank == 0 else "", heading if rank == 0 else "",
                                    section_kind(ln.norm[length:]) if rank == 0 else V.OTHER))
        ref = "".join(s[1] for s in stack)
        if ref in seen:
            unread.append(f"line {ln.no}: number {ref} repeats line {seen[ref]}; "
                          f"paragraph left out: 「{quote(ln.text)}」")
            current = None
            continue
        seen[ref] = ln.no
        current = Block(ref, rank, length, [ln], parent_heading)
        sections[-1].blocks.append(current)
    for sec in sections:
        for a, b in zip(sec.blocks, sec.blocks[1:], strict=False):
            a.leaf = b.rank <= a.rank
    return sections


def quote(text: str, limit: int = 60) -> str:
    """A paragraph shortened for a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cn_number(text: str) -> int:
    if len(text) == 4:  # a year written digit by digit: 二〇一五
        return int("".join(str(V.CN_DIGITS.get(c, 0)) for c in text))
    if text.startswith("十"):
        return 10 + (V.CN_DIGITS.get(text[1], 0) if len(text) > 1 else 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return V.CN_DIGITS.get(tens, 0) * 10 + (V.CN_DIGITS.get(ones, 0) if ones else 0)
    return V.CN_DIGITS.get(text, 0)


def _date_of(norm: str) -> dt.date | None:
    compact = norm.replace(" ", "")
    m = V.DATE_LINE.match(compact)
    parts: tuple[int, int, int] | None = None
    if m:
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif mc := V.CN_DATE_LINE.match(compact):
        parts = (_cn_number(mc.group(1)), _cn_number(mc.group(2)), _cn_number(mc.group(3)))
    if parts is None:
        return None
    try:
        return dt.date(*parts)
    except ValueError:
        return None


@dataclass
class Header:
    """The notice's identity, from the lines around the body."""

    notice_title: str = ""
    title: str = ""
    doc_number: str = ""
    issuer: str = ""
    issued_on: dt.date | None = None
    coordinator: str | None = None
    period: tuple[int, int] | None = None


def read_header(lines: list[Line], start: int, end: int) -> Header:
    """Title, number, issuer, date, coordinator and period from the lines outside the body."""
    h = Header()
    outside = lines[:start] + lines[end:]
    for i, ln in enumerate(outside):
        if (not h.notice_title and not any(c in ln.norm for c in "。,;") and not ln.norm.startswith("《")
                and (m := V.NOTICE_TITLE.match(ln.norm))):
            h.notice_title = ln.text
            h.issuer = m.group(1).strip()
        if not h.doc_number and (d := V.DOC_NUMBER.search(ln.norm)):
            h.doc_number = ln.text[d.start():d.end()].replace(" ", "")
        if h.issued_on is None and (day := _date_of(ln.norm)) is not None:
            h.issued_on = day
            prev = outside[i - 1].norm if i else ""
            if not h.issuer and prev.endswith(V.ORG_ENDINGS) and len(prev) <= 30:
                h.issuer = outside[i - 1].text
        if h.coordinator is None and (c := V.COORDINATOR.search(ln.norm)):
            h.coordinator = c.group(1).strip()
    if h.issued_on is None:
        for ln in outside:
            if p := V.PUBLISHED.search(ln.norm):
                try:
                    h.issued_on = dt.date(int(p.group(1)), int(p.group(2)), int(p.group(3)))
                except ValueError:
                    continue
                break
    h.title = _plan_title(lines[:start], h.notice_title)
    for candidate in (h.title, h.notice_title):
        if p2 := V.PERIOD.search(candidate.translate(V.NORMALISE)):
            first, last = int(p2.group(1)), int(p2.group(2))
            if first <= last <= first + 30:
                h.period = (first, last)
                break
    return h


def _plan_title(header: list[Line], notice_title: str) -> str:
    """The plan's own title line(s) above the body; else what the notice title says it prints."""
    for i in range(len(header) - 1, -1, -1):
        ln = header[i]
        if (ln.text == notice_title or not ln.norm.endswith(V.TITLE_ENDINGS[:-1])
                or any(c in ln.norm for c in "。,;:") or len(ln.norm) > 80):
            continue
        title = ln.text
        j = i - 1
        # A title broken inside 《…》 over two lines: join the lines back.
        while j >= 0 and title.count("》") > title.count("《") and len(header[j].norm) < 60:
            title = header[j].text + title
            j -= 1
        return title
    norm = notice_title.translate(V.NORMALISE)
    at = norm.find("关于")
    if at >= 0 and (m := V.PRINTED_TITLE.match(norm[at:])):
        return notice_title[at + m.start(1):at + m.end(1)]
    return notice_title
