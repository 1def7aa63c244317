"""How a pydantic ``ValidationError`` reads in duban's messages: one line per problem, naming the path
inside the file, what is wrong and the bad value, e.g.::

    config/plans/x.yaml:88: items[3].kind: Input should be 'department' or 'town' (value 'bureau')

Plan files (:mod:`models.plan.file`), the escalation ladder (:mod:`models.rules.ladder`) and the
operator calendar files (:mod:`models.rules.calendar_data`) all word their problems here. Each has its
own long-standing spelling (tests and users rely on it), so the few differences are keyword options:
the defaults are the plan file's wording.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

# Pydantic puts this before the message of a ValueError raised in a validator; it says nothing to a reader.
PYDANTIC_VALUE_ERROR = "Value error, "


def spell_path(loc: Sequence[int | str], *, dotted_indexes: bool = False) -> str:
    """Spell a pydantic location as a path inside the file.

    Args:
        loc: the error's ``loc``, e.g. ``("items", 3, "lead")``.
        dotted_indexes: write list indexes as ``items.3.lead`` instead of ``items[3].lead``.

    Returns:
        The path, or ``"(top level)"`` for the document itself.
    """
    if dotted_indexes:
        return ".".join(str(part) for part in loc) or "(top level)"
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def shown(value: Any, max_chars: int | None = 60) -> str:
    """A bad value as a message quotes it: its ``repr``, cut to ``max_chars`` with ``...`` (None: whole)."""
    try:
        text = repr(value)
    except ValueError:  # an int past Python's 4,300-digit limit for str()
        text = f"<an integer of {len(format(value, 'x')):,} hex digits>" if isinstance(value, int) else "<?>"
    if max_chars is None or len(text) <= max_chars:
        return text
    return text[: max_chars - 3] + "..."


def format_validation_error(
    exc: ValidationError,
    *,
    where: Callable[[str], str] | None = None,
    value_label: str | None = "value",
    max_value_chars: int | None = 60,
    plain_words: bool = True,
    dotted_indexes: bool = False,
    pydantic_prefix: bool = False,
) -> list[str]:
    """One line per problem of ``exc``: ``[<where>: ]<path>: <message>[ (<value_label> <bad value>)]``.

    Args:
        exc: what pydantic raised.
        where: prefix for a problem at a path, e.g. the file and line (``"plan.yaml:88"``); None for none.
        value_label: the word before the quoted bad value (``value``, ``got``); None leaves the value out.
        max_value_chars: the quoted value is cut to this many characters; None quotes it whole.
        plain_words: say "required field is missing" (without a value) and "unknown field" instead of
            pydantic's "Field required" and "Extra inputs are not permitted".
        dotted_indexes: spell paths ``stages.0.offset`` instead of ``stages[0].offset``.
        pydantic_prefix: keep pydantic's ``"Value error, "`` before a validator's own message.

    Returns:
        The problems, in pydantic's order.
    """
    lines = []
    for err in exc.errors():
        path = spell_path(err["loc"], dotted_indexes=dotted_indexes)
        message, quoted = err["msg"], value_label is not None
        if not pydantic_prefix:
            message = message.removeprefix(PYDANTIC_VALUE_ERROR)
        if plain_words and err["type"] == "missing":
            message, quoted = "required field is missing", False
        elif plain_words and err["type"] == "extra_forbidden":
            message = "unknown field"
        value = f" ({value_label} {shown(err['input'], max_value_chars)})" if quoted else ""
        prefix = f"{where(path)}: " if where is not None else ""
        lines.append(f"{prefix}{path}: {message}{value}")
    return lines
