"""What every message an official reads must satisfy (issue 12), checked over `duban simulate`'s records.

Each check returns the violations it found (``[]`` when none) so a test can print them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

Record = Mapping[str, Any]

LADDER = frozenset({"reminder", "urge", "notice", "escalate", "repeat", "digest"})
BANNED = ("【温馨提示】", "温馨提示", "您好", "感谢", "尊敬的")
# An ASCII comma, colon or semicolon with Chinese text (or full-width punctuation) on both sides.
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
ASCII_PUNCT = re.compile(f"{CJK}[,:;]\\s?{CJK}")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
CONTACT = re.compile(r"联系(人|单位)：")
SIGNOFF_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
NOTICE_NO = re.compile(r"信督办〔(\d{4})〕(\d+)号")
CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def day_of(record: Record) -> str:
    return str(record["sent_at"])[:10]


def recipient(record: Record) -> tuple[str, ...]:
    return tuple(record["tags"])


def too_many_per_day(records: Iterable[Record], *, ladder_only: bool, roles: set[str] | None = None) -> list[str]:
    """Recipients that received more than one (ladder) message on one day."""
    count: Counter[tuple[tuple[str, ...], str]] = Counter()
    for r in records:
        if ladder_only and r["stage"] not in LADDER:
            continue
        if roles is not None and r["role"] not in roles:
            continue
        count[(recipient(r), day_of(r))] += 1
    return [f"{'+'.join(k[0])} on {k[1]}: {n} messages" for k, n in sorted(count.items()) if n > 1]


def register_faults(records: Iterable[Record]) -> list[str]:
    """Banned words, ASCII punctuation between Chinese characters, ISO dates, a 落款 date with a weekday."""
    out = []
    for r in records:
        text = f"{r['title']}\n{r['body']}"
        where = f"{r['outbox']} {r['title'][:30]}"
        out += [f"{where}: {word}" for word in BANNED if word in text]
        out += [f"{where}: ASCII punctuation {m.group(0)!r}" for m in ASCII_PUNCT.finditer(text)]
        out += [f"{where}: ISO date {m.group(0)}" for m in ISO_DATE.finditer(text)]
        last = str(r["body"]).rstrip().splitlines()[-1].strip()
        if not SIGNOFF_DATE.match(last):
            out.append(f"{where}: the last line is not a 落款 date: {last!r}")
    return out


def without_contact(records: Iterable[Record]) -> list[str]:
    """Messages that name no contact (联系人：… or 联系单位：…)."""
    return [f"{r['outbox']} {r['title'][:40]}" for r in records if not CONTACT.search(str(r["body"]))]


def notices_without_number_or_limit(records: Iterable[Record]) -> list[str]:
    """督办单 to a unit's head without a number, or without a new time limit after the day it is sent."""
    out = []
    numbers: dict[str, list[int]] = {}
    for r in records:
        if r["role"] != "head" or "【督办单】" not in str(r["title"]):
            continue
        where = f"{r['outbox']} {r['title'][:40]}"
        found = NOTICE_NO.search(f"{r['title']}\n{r['body']}")
        if found is None:
            out.append(f"{where}: no number")
            continue
        numbers.setdefault(found.group(1), []).append(int(found.group(2)))
        sent = dt.date.fromisoformat(day_of(r))
        limits = [dt.date(int(y), int(m), int(d)) for y, m, d in
                  CN_DATE.findall(re.sub(r"^.*?(请|须)", "", str(r["body"]), count=1, flags=re.S))]
        if not any(limit > sent for limit in limits):
            out.append(f"{where}: no new time limit after {sent}")
    for year, seen in numbers.items():
        if sorted(seen) != list(range(1, len(seen) + 1)):
            out.append(f"督办单 numbers of {year} are not 1..{len(seen)} once each: {sorted(seen)}")
    return out
