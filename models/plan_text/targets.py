"""Reading the numeric targets of a notice's goals section (二、主要目标).

A goals paragraph is cut into clauses at ``, ; 。 :`` outside parentheses. A clause carries a target
when it *ends* in a number and a unit of measure (``达105亿元``, ``不低于6%``, ``8%以上``,
``控制在0.5吨标准煤以内``); what comes before is the indicator's name. The year is the last year the
paragraph has named so far (``到2017年末,…``; ``2015年…主要目标:…``). ``(其中…15家)`` and ``其中…``
clauses are sub-targets of the target before them; ``从2014年的0.68%提升到1.0%`` carries a baseline.
"""

from __future__ import annotations

import re

from models.enums import Comparator
from models.plan_text import vocab as V
from models.plan_text.parsed import Line, ParsedTarget
from models.plan_text.scan import quote

_CLAUSE_END = ",;。:"
_SHORT_NAME = 6  # a sub-target name this short only makes sense beside its parent
_COMPARATOR = (dict.fromkeys(V.GE_WORDS, Comparator.GE) | dict.fromkeys(V.LE_WORDS, Comparator.LE)
               | dict.fromkeys(V.EQ_WORDS, Comparator.EQ))


def _clauses(norm: str, text: str) -> list[tuple[str, str, bool]]:
    """(normalised clause, original clause, is a parenthesised 其中 part) in order.

    Parentheses are lifted out of their clause: a ``(其中…)`` becomes its own clauses right after it;
    any other parenthesis (``(以下简称…)``) is dropped from the clause.
    """
    out: list[tuple[str, str, bool]] = []
    depth, start = 0, 0
    kept_n: list[str] = []
    kept_t: list[str] = []
    inner: list[tuple[str, str, bool]] = []
    paren_start = 0
    for i, c in enumerate(norm):
        if c == "(":
            if depth == 0:
                kept_n.append(norm[start:i])
                kept_t.append(text[start:i])
                paren_start = i + 1
            depth += 1
        elif c == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                content_n, content_t = norm[paren_start:i], text[paren_start:i]
                if content_n.lstrip().startswith(V.SUB_TARGET):
                    inner += [(n, t, True) for n, t, _ in _clauses(content_n, content_t)]
                start = i + 1
        elif depth == 0 and c in _CLAUSE_END:
            kept_n.append(norm[start:i])
            kept_t.append(text[start:i])
            out.append(("".join(kept_n), "".join(kept_t), False))
            out += inner
            kept_n, kept_t, inner = [], [], []
            start = i + 1
    if depth == 0:
        kept_n.append(norm[start:])
        kept_t.append(text[start:])
    out.append(("".join(kept_n), "".join(kept_t), False))
    out += inner
    return [(n.strip(), t.strip(), sub) for n, t, sub in out if n.strip()]


def _without(s: str, m: re.Match[str]) -> str:
    return s[: m.start()] + s[m.end():]


def read_targets(paragraphs: list[Line], *, default_year: int | None, allowed: tuple[int, int] | None,
                 unread: list[str]) -> list[ParsedTarget]:
    """The targets stated in the goals section's paragraphs, in document order.

    A clause that holds a number (other than a year) but no target it can read is reported in
    ``unread``, as is a target without a year when no default is known, a target for a year outside
    ``allowed`` (first, last) and a repeated target.
    """
    targets: list[ParsedTarget] = []
    seen: set[tuple[str, int]] = set()
    year: int | None = None
    for para in paragraphs:
        parent: int | None = None
        for norm, text, in_paren in _clauses(para.norm, para.text):
            baseline = None
            wording = text
            if b := V.BASELINE.search(norm):
                baseline = (int(b.group(1)), float(b.group(2)))
                norm, text = _without(norm, b), _without(text, b)
            years = [int(y) for y in V.YEAR.findall(norm)]
            if years:
                year = years[-1]
            m = V.TARGET.search(norm)
            if m is None:
                rest = V.YEAR.sub("", norm)
                if re.search(r"\d", rest):
                    unread.append(f"line {para.no}: target not understood: 「{quote(wording)}」")
                continue
            if V.RANGE_END.search(norm[: m.start()]):
                unread.append(f"line {para.no}: target is a range, not one value: 「{quote(wording)}」")
                continue
            sub = in_paren or norm.startswith(V.SUB_TARGET)
            name = V.YEAR_LEAD.sub("", norm[: m.start()]).strip(" ,的")
            name = V.NAME_LEAD.sub("", name).strip() or name
            post, pre = m.group("post") or m.group("post2"), m.group("pre")
            unit = m.group("unit") or m.group("unit2")
            comparator = Comparator(V.POST_WORDS[post]) if post else _COMPARATOR.get(pre or "", Comparator.GE)
            when = year if year is not None else default_year
            if not name or when is None:
                why = "no indicator name" if not name else "no year"
                unread.append(f"line {para.no}: target has {why}: 「{quote(wording)}」")
                continue
            if sub and parent is not None and len(name) <= _SHORT_NAME:
                name = f"{targets[parent].name}({V.SUB_TARGET}{name})"  # 国家级 → 标杆企业(其中国家级)
            if allowed is not None and not allowed[0] <= when <= allowed[1]:
                unread.append(f"line {para.no}: target year {when} is outside the plan's years "
                              f"{allowed[0] + 1}-{allowed[1]}: 「{quote(wording)}」")
                continue
            if (name, when) in seen:
                unread.append(f"line {para.no}: target repeats {name} in {when}: 「{quote(wording)}」")
                continue
            seen.add((name, when))
            targets.append(ParsedTarget(
                year=when, name=name[:200], value=float(m.group("num")), unit=unit,
                comparator=comparator, wording=wording[:200], line=para.no, baseline=baseline,
                parent=parent if sub else None,
            ))
            if not sub:
                parent = len(targets) - 1
    return targets
