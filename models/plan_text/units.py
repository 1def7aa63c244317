"""Reading who is responsible for an item: the units named at the end of a task or measure.

The forms handled (each may use full- or half-width punctuation):

* a trailing parenthesis with a plain list, the first unit leading:
  ``(市科工商务局、市发改局,各镇人民政府、街道办事处)``;
* labels: ``(牵头单位:市发改局;配合单位:市财政局)``, ``责任单位:市发改局、市财政局``;
* ``市发改局牵头,市财政局配合``; ``市发改局、市财政局按职责分工负责``; ``…等单位`` (others unnamed);
* localities anywhere in the list: ``各镇人民政府、街道办事处``, ``各乡镇``, ``各县(市、区)人民政府``, ``各区``
  mean all of them; ``有关镇…``/``相关…`` the relevant ones.

A parenthesis none of whose parts is a unit — ``(以下简称“园区”)``, ``(见附件)``, ``(2015-2017年)`` — is
not a responsibility and is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.enums import LocalityScope, UnitKind
from models.plan_text import vocab as V

_PAIRS = {")": "(", "】": "【", "]": "["}
_SPLIT = re.compile(r"[、,;/\s]+")
_AND = re.compile(r"[和及与]")
_DEPARTMENT_SUFFIXES = tuple(s for s in V.UNIT_SUFFIXES if s not in ("镇", "乡", "街道", "区", "县", "市", "省",
                                                                     "政府"))


@dataclass(frozen=True)
class Responsibility:
    """The units an item names, lead first, and where in the paragraph they begin."""

    units: tuple[str, ...]
    others_unnamed: bool
    localities: LocalityScope
    unknown: tuple[str, ...]  # parts that are neither a unit nor a locality
    start: int  # offset in the paragraph where the responsibility begins
    wording: str  # the responsibility as written (normalised)


def looks_like_unit(name: str) -> bool:
    """Whether a phrase reads as the name of a responsible body (…局, …办, …中心, …支行, …镇)."""
    return (2 <= len(name) <= 30 and not any(c in V.NOT_UNIT_CHARS for c in name)
            and not name.startswith(V.NOT_UNIT_PREFIXES) and name.endswith(V.UNIT_SUFFIXES))


def unit_kind(name: str, issuer: str = "") -> UnitKind:
    """Town, sub-district, department or other, from how a unit's name ends."""
    if name == issuer or name.endswith("政府"):
        return UnitKind.OTHER
    if name.endswith(("街道", "街道办事处", "街道办")):
        return UnitKind.SUBDISTRICT
    if name.endswith(("镇", "乡")):
        return UnitKind.TOWN
    if name.endswith(_DEPARTMENT_SUFFIXES):
        return UnitKind.DEPARTMENT
    return UnitKind.OTHER


def _merge_scope(a: LocalityScope, b: LocalityScope) -> LocalityScope:
    if LocalityScope.ALL in (a, b):
        return LocalityScope.ALL
    return LocalityScope.RELEVANT if LocalityScope.RELEVANT in (a, b) else LocalityScope.NONE


def parse_unit_list(content: str) -> tuple[list[str], bool, LocalityScope, list[str]]:
    """Read a list of responsible units.

    Returns:
        (units with the lead first, others unnamed (等单位), locality scope, parts not understood).
    """
    scope = LocalityScope.NONE

    def locality(m: re.Match[str]) -> str:
        nonlocal scope
        found = LocalityScope.RELEVANT if m.group("q") in V.RELEVANT_WORDS else LocalityScope.ALL
        scope = _merge_scope(scope, found)
        return "、"

    text = V.LOCALITY.sub(locality, content).strip(" 、,;.。")
    segments: list[tuple[str, str]] = []
    labels = list(V.LABEL.finditer(text))
    if labels:
        segments.append(("plain", text[: labels[0].start()]))
        for m, nxt in zip(labels, [*labels[1:], None], strict=True):
            role = "coop" if m.group(1) in V.COOP_LABELS else "lead"
            segments.append((role, text[m.end(): nxt.start() if nxt else len(text)]))
    elif "牵头" not in text and (d := V.DUTY_DIVISION.search(text)):
        segments.append(("plain", text[: d.start()]))
    elif m2 := V.LEAD_FORM.match(text):
        segments += [("lead", m2.group("lead")), ("coop", m2.group("coop") or "")]
    else:
        segments.append(("plain", text))

    ordered: dict[str, list[str]] = {"lead": [], "plain": [], "coop": []}
    others = False
    unknown: list[str] = []
    for role, seg in segments:
        for raw in _SPLIT.split(seg):
            part = raw.strip(" .。")
            if not part:
                continue
            bucket = role
            if part.endswith("(牵头)"):
                part, bucket = part[:-4], "lead"
            if (o := V.OTHERS_SUFFIX.search(part)) and o.start() > 0:
                others, part = True, part[: o.start()]
            if (d := V.DUTY_DIVISION.search(part)) and d.start() > 0 and looks_like_unit(part[: d.start()]):
                part = part[: d.start()]
            pieces = _AND.split(part)
            if part in V.GENERIC_UNITS:
                others = True
            elif len(pieces) > 1 and all(looks_like_unit(p) and len(p) > 2 for p in pieces):
                ordered[bucket] += pieces  # "市科技局和市经信局"; not "市住房和城乡建设局"
            elif looks_like_unit(part):
                ordered[bucket].append(part)
            else:
                unknown.append(part)
    units = list(dict.fromkeys(ordered["lead"] + ordered["plain"] + ordered["coop"]))
    return units, others, scope, unknown


def _bracketed(t: str) -> tuple[int, str] | None:
    """(offset of the opening bracket, content) of the bracket that closes ``t``."""
    close = t[-1]
    opening = _PAIRS[close]
    depth = 0
    for i in range(len(t) - 1, -1, -1):
        if t[i] == close:
            depth += 1
        elif t[i] == opening:
            depth -= 1
            if depth == 0:
                return i, t[i + 1: -1]
    return None


def find_responsibility(norm: str) -> Responsibility | None:
    """The responsibility that ends a paragraph (normalised text), or None when it names no unit."""
    t = norm.rstrip(" 。.;,、\n")
    if not t:
        return None
    if t[-1] in _PAIRS and (found := _bracketed(t)) is not None:
        start, content = found
        units, others, scope, unknown = parse_unit_list(content)
        if units or scope is not LocalityScope.NONE:
            return Responsibility(tuple(units), others, scope, tuple(unknown), start, t[start:])
        inner = content.strip()
        if V.LABEL.match(inner):
            return Responsibility((), others, scope, tuple(unknown) or (inner,), start, t[start:])
        return None
    cut = max(t.rfind("。"), t.rfind("\n"))
    sentence = t[cut + 1:]
    start = cut + 1 + len(sentence) - len(sentence.lstrip())
    sentence = sentence.strip()
    labelled = V.LABEL.match(sentence) is not None
    if not (labelled or V.LEAD_FORM.match(sentence) or V.DUTY_DIVISION.search(sentence)):
        return None
    units, others, scope, unknown = parse_unit_list(sentence)
    if labelled or (units and not unknown):
        return Responsibility(tuple(units), others, scope, tuple(unknown), start, sentence)
    return None
