"""What the notice reader finds in a notice: plain dataclasses, before any plan is built from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.enums import Comparator, DutyKind, Frequency, HolidayPolicy, ItemKind, LocalityScope, Responsible


@dataclass(frozen=True)
class Line:
    """One non-blank line of the notice: a paragraph."""

    no: int  # 1-based line number in the file
    text: str  # the original text, stripped
    norm: str  # the same text normalised (same length, see plan_text_vocab.NORMALISE)


@dataclass(frozen=True)
class ParsedItem:
    """A task or measure that names its responsible units."""

    ref: str
    kind: ItemKind
    section: str
    title: str
    text: str
    lead: str
    cooperating: list[str]
    others_unnamed: bool
    localities: LocalityScope
    line: int


@dataclass(frozen=True)
class ParsedTarget:
    """A numeric target of the goals section."""

    year: int
    name: str
    value: float
    unit: str
    comparator: Comparator
    wording: str
    line: int
    baseline: tuple[int, float] | None = None
    parent: int | None = None  # index of the target this one is a part of (其中…)


@dataclass(frozen=True)
class ParsedDuty:
    """A recurring duty of the work-requirements section, as the text states it."""

    kind: DutyKind
    clause: str
    title: str
    text: str
    owner: str | None
    frequency: Frequency | None
    due_dates: list[str]  # fixed MM-DD days in a year, as the text says; [] when relative or silent
    relative_working_days: int | None  # "每季度结束后5个工作日内" → 5
    years: list[int]  # the years the sentence names ("2016年、2017年的年度目标任务")
    responsible: Responsible
    holiday_policy: HolidayPolicy
    line: int


@dataclass
class NoticeParse:
    """Everything read from one notice; ``unread`` lists what looked meaningful but was not understood."""

    source: str
    notice_title: str = ""
    title: str = ""
    doc_number: str = ""
    issuer: str = ""
    issued_on: dt.date | None = None
    coordinator: str | None = None
    period: tuple[int, int] | None = None
    items: list[ParsedItem] = field(default_factory=list)
    targets: list[ParsedTarget] = field(default_factory=list)
    duties: list[ParsedDuty] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
