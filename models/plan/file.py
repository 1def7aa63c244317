"""Reading a plan file: YAML → :class:`~models.plan.schema.PlanSpec`, or one clear error per problem.

Every problem names the file, the line, the path inside the file and the bad value, e.g.::

    config/plans/x.yaml:88: items[3].lead: unknown unit '镇龙镇'; known: 市科工商务局、…
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from models.errors import PlanError
from models.plan.schema import PlanSpec, check_plan
from models.validation import format_validation_error

MAX_PLAN_BYTES = 5 * 1024 * 1024


def _line_map(node: yaml.Node, path: str = "", out: dict[str, int] | None = None) -> dict[str, int]:
    """Map each path inside the document to its 1-based line number."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = f"{path}.{key.value}" if path else str(key.value)
            out.setdefault(sub, key.start_mark.line + 1)
            _line_map(value, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _line_map(value, f"{path}[{i}]", out)
    return out


def _line_for(lines: dict[str, int], path: str) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def parse_plan_text(text: str, *, source: str) -> PlanSpec:
    """Validate the text of a plan file.

    Args:
        text: the YAML document.
        source: how to name the file in messages.

    Raises:
        PlanError: with one line per problem.
    """
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlanError([f"{at}: not valid YAML: {problem}"]) from exc
    if not isinstance(data, dict) or node is None:
        kind = "empty" if data is None else type(data).__name__
        raise PlanError([f"{source}: a plan file must be a YAML mapping with code, title, units, items…; got {kind}"])
    lines = _line_map(node)

    def where(path: str) -> str:
        line = _line_for(lines, path)
        return f"{source}:{line}" if line else source

    try:
        plan = PlanSpec.model_validate(data)
    except ValidationError as exc:
        raise PlanError(format_validation_error(exc, where=where)) from None
    problems = [f"{where(path)}: {path}: {msg}" for path, msg in check_plan(plan)]
    if problems:
        raise PlanError(problems)
    return plan


def read_input_bytes(path: Path | str, *, what: str, max_bytes: int = MAX_PLAN_BYTES) -> bytes:
    """Read an input file whole, with one clear error for a missing, unreadable or oversized file.

    Raises:
        PlanError: naming the file and what is wrong with it.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise PlanError([f"{p}: file is {size} bytes; a {what} is at most {max_bytes}"])
        return p.read_bytes()
    except FileNotFoundError:
        raise PlanError([f"{p}: no such file"]) from None
    except IsADirectoryError:
        raise PlanError([f"{p}: is a directory, not a {what}"]) from None
    except PermissionError:
        raise PlanError([f"{p}: permission denied"]) from None


def load_plan_file(path: Path | str) -> PlanSpec:
    """Read and validate a plan file.

    Raises:
        PlanError: when the file cannot be read or does not validate; nothing is written anywhere.
    """
    source = str(path)
    raw = read_input_bytes(path, what="plan file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanError([f"{source}: not UTF-8 text (byte {exc.start}); save the plan as UTF-8"]) from None
    return parse_plan_text(text, source=source)
