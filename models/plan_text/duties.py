"""Reading the recurring duties of a notice's work requirements (五、工作要求).

Each sentence of a requirements block is sorted by its first duty word — joint meeting (联席会议),
decomposition (分解), progress report (报送…进展情况) or inspection (督查, 考核). Sentences of one kind in
one block make one duty; the sentence that states a deadline is the duty's text. Deadlines become
fixed calendar days (MM-DD) when the text fixes them: ``每年6月5日、12月5日前`` → 06-05, 12-05;
``当年4月底前`` → 04-30 ("月底" is that month's last day; February's is taken as 02-28); ``每月底前`` →
the twelve month ends. Relative deadlines (``每季度结束后5个工作日内``) give no fixed days.
"""

from __future__ import annotations

import calendar
import re

from models.enums import DutyKind, Frequency, HolidayPolicy, Responsible
from models.plan_text import vocab as V
from models.plan_text.parsed import ParsedDuty
from models.plan_text.scan import Block, quote
from models.plan_text.units import looks_like_unit

_COUNT_FREQUENCY = {2: Frequency.SEMIANNUAL, 4: Frequency.QUARTERLY, 12: Frequency.MONTHLY}
_QUARTER_MONTHS = (1, 4, 7, 10)
_SHORT_HEADING = 16


def _month_end(month: int) -> str:
    day = 28 if month == 2 else calendar.monthrange(2015, month)[1]
    return f"{month:02d}-{day:02d}"


def _md(month: int, day: int) -> str | None:
    if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2016, month)[1]:
        return f"{month:02d}-{day:02d}"
    return None


def _small_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + V.CN_DIGITS.get(text[1:], 0)
    return V.CN_DIGITS.get(text, 0)


def due_dates(sentence: str) -> tuple[list[str], int | None]:
    """(fixed MM-DD days the sentence sets, working days of a relative deadline or None)."""
    dates: list[str | None] = []
    relative = None
    if r := V.RELATIVE.search(sentence):
        relative = _small_number(r.group(1))
    if V.EVERY_MONTH_END.search(sentence):
        dates += [_month_end(m) for m in range(1, 13)]
    elif m := V.EVERY_MONTH_DAY.search(sentence):
        dates += [_md(mm, int(m.group(1))) for mm in range(1, 13)]
    if V.EVERY_QUARTER_END.search(sentence):
        dates += [_month_end(m) for m in (3, 6, 9, 12)]
    if q := V.QUARTER_FIRST_MONTH_DAY.search(sentence):
        dates += [_md(mm, int(q.group(1))) for mm in _QUARTER_MONTHS]
    if relative is None and (c := V.CALENDAR_AFTER.search(sentence)):
        months = _QUARTER_MONTHS if "季" in c.group("per") else tuple(range(1, 13))
        dates += [_md(mm, int(c.group("n"))) for mm in months]
    dates += [_md(int(a), int(b)) for a, b in V.MONTH_DAY.findall(sentence)]
    dates += [_month_end(int(a)) for a in V.MONTH_END.findall(sentence) if 1 <= int(a) <= 12]
    if V.YEAR_END.search(sentence):
        dates.append("12-31")
    return sorted({d for d in dates if d}), relative


def frequency(sentence: str, dates: list[str]) -> Frequency | None:
    """How often: explicit words first (每月/每季度/每半年), then the number of dates, then 每年/年度.

    A deadline with its year (``2022年3月31日前``) and no 每年/当年 is a one-off: None.
    """
    for freq, pattern in V.FREQ_WORDS[:3]:
        if pattern.search(sentence):
            return freq
    if V.FULL_DATE.search(sentence) and not V.FREQ_WORDS[3][1].search(sentence):
        return None
    if len(dates) > 1:
        return _COUNT_FREQUENCY.get(len(dates), Frequency.ANNUAL)
    if dates or V.FREQ_WORDS[3][1].search(sentence):
        return Frequency.ANNUAL
    return None


def _trim_unit(candidate: str) -> str | None:
    """The longest beginning of ``candidate`` that reads as a unit's name."""
    for end in range(len(candidate), 1, -1):
        if looks_like_unit(candidate[:end]):
            return candidate[:end]
    return None


def government_of(issuer: str) -> str:
    """The government an issuer speaks for: 南江省人民政府办公厅 → 南江省人民政府."""
    core = re.sub(r"(?:办公室|办公厅)$", "", issuer)
    return core if core.endswith("政府") else issuer


def owner(sentence: str, kind: DutyKind, issuer: str) -> str | None:
    """The unit that owns a duty: who it is reported to, who leads it, or the sentence's subject."""
    patterns = [V.DUTY_OWNER_BY, V.DUTY_SUBJECT, V.DUTY_OWNER_TO, V.DUTY_OWNER_REPORT]
    if kind is DutyKind.PROGRESS_REPORT:
        patterns = [V.DUTY_OWNER_TO, V.DUTY_OWNER_REPORT, V.DUTY_OWNER_BY]
    for pattern in patterns:
        for m in pattern.finditer(sentence):
            raw = m.group("u").strip().split("、")[0]  # "县委督查室、县政府督查室": the first owns it
            if V.LOCALITY.match(raw) or raw in V.GENERIC_UNITS:
                continue
            if V.GOVERNMENT_SELF.match(raw):
                return government_of(issuer) or raw
            if (name := _trim_unit(raw)) is not None:
                return name
    return None


def _sentences(norm: str, text: str) -> list[tuple[str, str]]:
    out = []
    start = 0
    for i, c in enumerate(norm + "。"):
        if c in "。;\n":
            end = i + 1 if c == "。" else i  # keep the full stop: the duty's text is a whole sentence
            if norm[start:i].strip():
                out.append((norm[start:end].strip(), text[start:end].strip()))
            start = i + 1
    return out


def _kind(sentence: str) -> DutyKind | None:
    hits = [(m.start(), kind) for kind, p in V.DUTY_WORDS if (m := p.search(sentence))]
    return min(hits)[1] if hits else None


def read_duties(blocks: list[Block], *, issuer: str, unread: list[str]) -> list[ParsedDuty]:
    """The duties the blocks state, block by block, one per kind in each block."""
    duties: list[ParsedDuty] = []
    for blk in blocks:
        heading = ""
        if blk.rank > 0 and len(blk.lines) > 1 and "。" not in blk.head_norm.rstrip("。"):
            heading = blk.head_text.rstrip("。.;: ")
        # A heading ("(四)强化督促检查。") names the duty; the body states it.
        first = 1 if heading or blk.rank == 0 else 0
        norm = "\n".join(([blk.head_norm] + [ln.norm for ln in blk.lines[1:]])[first:])
        text = "\n".join(([blk.head_text] + [ln.text for ln in blk.lines[1:]])[first:])
        sentences = _sentences(norm, text)
        if not heading and blk.rank > 0 and len(sentences) > 1 and len(sentences[0][0]) <= _SHORT_HEADING:
            # "(四)加强督促检查。市政府适时组织督查…": a heading run into its paragraph.
            heading = sentences[0][1].rstrip("。")
            sentences = sentences[1:]
        by_kind: dict[DutyKind, list[tuple[str, str]]] = {}
        for s_norm, s_text in sentences:
            if (kind := _kind(s_norm)) is not None:
                by_kind.setdefault(kind, []).append((s_norm, s_text))
        if not by_kind and sentences and heading and (kind := _kind(blk.head_norm)) is not None:
            by_kind[kind] = sentences[:1]
        for kind, sentences in by_kind.items():
            parsed = [(s, t, *due_dates(s)) for s, t in sentences]
            chosen = next((p for p in parsed if p[2] or p[3] is not None), None)
            if chosen is None:
                chosen = next((p for p in parsed if frequency(p[0], []) is not None), parsed[0])
            s_norm, s_text, dates, relative = chosen
            if not dates and relative is None and V.DATE_CUE.search(s_norm):
                unread.append(f"line {blk.lines[0].no}: deadline not understood in {blk.ref}: 「{quote(s_text)}」")
            who = next((o for s, *_ in [chosen, *parsed] if (o := owner(s, kind, issuer))), None)
            responsible = Responsible.OWNER
            if kind is not DutyKind.JOINT_MEETING:
                if V.LOCALITY_SUBJECT.match(s_norm):
                    responsible = Responsible.LOCALITIES
                elif V.MEMBER_SUBJECT.match(s_norm):
                    responsible = Responsible.MEMBERS
            duties.append(ParsedDuty(
                kind=kind, clause=blk.ref, title=(heading or s_text.rstrip("。.;: "))[:60], text=s_text,
                owner=who, frequency=frequency(s_norm, dates), due_dates=dates, relative_working_days=relative,
                years=sorted({int(y) for y in V.YEAR.findall(s_norm)}), responsible=responsible,
                holiday_policy=(HolidayPolicy.PULL_EARLIER if V.MONTH_END_WORDS.search(s_norm)
                                else HolidayPolicy.ROLL_FORWARD),
                line=blk.lines[0].no,
            ))
    return duties
