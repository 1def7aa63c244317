"""Small pieces of official wording computed from plan data (the templates hold every sentence).

* :func:`clause_words` — a clause as an official cites it (``五(三)`` → ``第五部分第(三)项``);
* :func:`gov_short` — how a message names the issuing government (信宜市人民政府 → 市政府);
* :func:`leader_title` — how the leader in charge is addressed (市政府分管领导);
* :func:`contact_of` — a unit's contact (``units[].contact`` in the plan file) for a message's contact block;
* :func:`period_words`, :func:`with_period`, :func:`report_object`, :func:`is_report`, :func:`unit_kind` — the
  pieces the ladder's templates build their sentences from (what is owed, the unit's kind).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # render imports this module for its templates' helpers; Contact is imported where it is built
    from notifications.messages.render import Contact

_CLAUSE = re.compile(r"^([一二三四五六七八九十]+)(\(.+?\)|（.+?）)$")
_GOV = re.compile(r"(省|自治区|市|州|盟|县|旗|区)人民政府$")


def clause_words(clause: str) -> str:
    """A clause as an official cites it: ``五(三)、五(四)`` → ``第五部分第(三)、(四)项``.

    A clause of another shape is quoted as written (``“附件1”``); an empty clause gives "".
    """
    parts = [_CLAUSE.match(p.strip()) for p in clause.split("、")] if clause else []
    if not clause or not all(parts) or len({m.group(1) for m in parts if m}) != 1:
        return f"“{clause}”" if clause else ""
    return f"第{parts[0].group(1) if parts[0] else ''}部分第{'、'.join(m.group(2) for m in parts if m)}项"


def gov_short(issuer: str) -> str:
    """The government as its own officials name it: 信宜市人民政府 → 市政府, 广东省人民政府 → 省政府.

    A non-government issuer (a department, an office) is named in full.
    """
    found = _GOV.search(issuer)
    return f"{found.group(1)}政府" if found else issuer


def leader_title(issuer: str) -> str:
    """How messages address the leader in charge: 市政府分管领导 (a name, where known, is contacts data)."""
    return f"{gov_short(issuer)}分管领导"


def contact_of(unit_name: str, stored: str | None) -> Contact:
    """The contact block's data for ``unit_name`` from its stored JSON (``unit.contact``); empty fields if none."""
    from notifications.messages.render import Contact

    data = json.loads(stored) if stored else {}
    return Contact(unit=unit_name, person=str(data.get("person", "")), phone=str(data.get("phone", "")),
                   email=str(data.get("email", "")))


# Pieces the ladder's templates build sentences from (they hold the sentences; these only reshape plan data).

_QUARTER = re.compile(r"第([1-4])季度")
_KINDS = ("town", "subdistrict", "department", "vertical", "other")


def period_words(period: str) -> str:
    """A period as an official writes it: ``2016年第2季度`` → ``2016年第二季度``; other periods as they are."""
    return _QUARTER.sub(lambda m: f"第{'一二三四'[int(m.group(1)) - 1]}季度", period)


def with_period(period: str, text: str) -> str:
    """``text`` with its period in front, said once: ``2016年度`` + ``年度目标任务`` → ``2016年度目标任务``."""
    period = period_words(period)
    for word in ("年度", "季度", "半年"):
        if period.endswith(word) and text.startswith(word):
            return period + text[len(word):]
    return period + text


def report_object(title: str, period: str) -> str:
    """What a report duty asks to be sent, with its period: the title without its verb 报送.

    ``报送项目建设和各项工作进展情况`` → ``2016年上半年项目建设和各项工作进展情况``; ``工作进展情况报送`` (the verb
    last) the same way; ``报送“深化体制机制改革”落实情况`` → ``2016年上半年“深化体制机制改革”落实情况``.
    """
    verb = "报送"
    text = title.removeprefix(verb) if title.startswith(verb) else title.removesuffix(verb)
    return with_period(period, text)


def is_report(duty_kind: str, title: str) -> bool:
    """True when the duty asks for something to be sent (报送): a progress or task report, or a title saying so."""
    return duty_kind in ("progress_report", "task_report") or title.startswith("报送") or title.endswith("报送")


def unit_kind(name: str, kind: str = "") -> str:
    """The unit's kind (``town``, ``subdistrict``, ``department``, ``vertical``, ``other``): the plan's, or, when
    not given, read from its name (…镇 and …乡 are towns, …街道 a sub-district, anything else a department)."""
    if kind in _KINDS:
        return kind
    if name.endswith(("镇", "乡")):
        return "town"
    if name.endswith("街道"):
        return "subdistrict"
    return "department"
