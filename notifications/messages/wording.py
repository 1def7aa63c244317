"""Small pieces of official wording computed from plan data (the templates hold every sentence).

* :func:`clause_words` — a clause as an official cites it (``五(三)`` → ``第五部分第(三)项``);
* :func:`gov_short` — how a message names the issuing government (信宜市人民政府 → 市政府);
* :func:`leader_title` — how the leader in charge is addressed (市政府分管领导);
* :func:`contact_of` — a unit's contact (``units[].contact`` in the plan file) for a message's contact block.
"""

from __future__ import annotations

import json
import re

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
    data = json.loads(stored) if stored else {}
    return Contact(unit=unit_name, person=str(data.get("person", "")), phone=str(data.get("phone", "")),
                   email=str(data.get("email", "")))
