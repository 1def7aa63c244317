"""Reading a plan file: YAML → :class:`~models.plan.schema.PlanSpec`, or one clear error per problem.

Every problem names the file, the line, the path inside the file and the bad value, e.g.::

    config/plans/x.yaml:88: items[3].lead: unknown unit '镇龙镇'; known: 市科工商务局、…

The YAML goes through :mod:`models.safe_yaml` (duplicate keys, alias bombs, tags, deep nesting and
oversized documents are refused with their line). A file that does not look like a plan (the contacts
file given by mistake) gets one line that quotes nothing from it: its values may be secrets.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import yaml
from pydantic import ValidationError

from models.errors import PlanError, YamlError
from models.plan.checks import check_plan
from models.plan.schema import PLAN_MARKERS, PlanSpec
from models.safe_yaml import YamlLimits, load_with_node
from models.validation import format_validation_error

MAX_PLAN_BYTES = 5 * 1024 * 1024
PLAN_YAML_LIMITS = YamlLimits(max_chars=MAX_PLAN_BYTES)
# A top-level plan key at the start of a line (block style) or after "{" or "," (flow style).
_MARKER_RE = re.compile(r"""(?m)(?:^|[{,]\s*)["']?(""" + "|".join(PLAN_MARKERS) + r""")["']?\s*:""")


def _not_a_plan(source: str) -> PlanError:
    wanted = ", ".join(PLAN_MARKERS)
    return PlanError([f"{source}: does not look like a plan file (a plan has at least two of {wanted} at "
                      "its top level); nothing is quoted from it and nothing was loaded"])


def _looks_like_plan(data: dict[object, object]) -> bool:
    return sum(1 for key in PLAN_MARKERS if key in data) >= 2


def _text_looks_like_plan(text: str) -> bool:
    """For a document the YAML loader refuses: does a plan key start a line (or follow ``{`` or ``,``)?

    One is enough here: a half-typed plan with a syntax error deserves its line and problem, and the
    loader's problems quote at most a key, a tag or a character, never a whole value.
    """
    return _MARKER_RE.search(text) is not None


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
        PlanError: with one line per problem; a single line, quoting nothing, when the text does not look
            like a plan.
    """
    try:
        data, node = load_with_node(text, limits=PLAN_YAML_LIMITS)
    except YamlError as exc:
        if not _text_looks_like_plan(text):
            raise _not_a_plan(source) from None
        at = f"{source}:{exc.line}" if exc.line is not None else source
        raise PlanError([f"{at}: {exc.problem}"]) from None
    if not isinstance(data, dict) or node is None:
        kind = "empty" if data is None else type(data).__name__
        raise PlanError([f"{source}: a plan file must be a YAML mapping with code, title, units, items…; got {kind}"])
    if not _looks_like_plan(data):
        raise _not_a_plan(source)
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


def read_input_bytes(path: Path | str, *, what: str, max_bytes: int = MAX_PLAN_BYTES,
                     regular_only: bool = False) -> bytes:
    """Read an input file whole, with one clear error for a missing, unreadable, special or oversized file.

    Never more than ``max_bytes`` + 1 bytes are read, whatever its size says (``/dev/zero`` never ends).
    With ``regular_only`` (plan files) only a regular file is opened: a FIFO would block until a writer
    comes; without it a pipe such as ``/dev/stdin`` can be read (``plan import-text``).

    Raises:
        PlanError: naming the file and what is wrong with it.
    """
    p = Path(path)
    try:
        info = p.stat()
        if stat.S_ISDIR(info.st_mode):
            raise PlanError([f"{p}: is a directory, not a {what}"])
        if regular_only and not stat.S_ISREG(info.st_mode):
            raise PlanError([f"{p}: is not a regular file, so not a {what}"])
        if info.st_size > max_bytes:
            raise PlanError([f"{p}: file is {info.st_size} bytes; a {what} is at most {max_bytes}"])
        with p.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise PlanError([f"{p}: no such file"]) from None
    except IsADirectoryError:
        raise PlanError([f"{p}: is a directory, not a {what}"]) from None
    except PermissionError:
        raise PlanError([f"{p}: permission denied"]) from None
    except OSError as exc:
        raise PlanError([f"{p}: cannot be read: {exc.strerror or type(exc).__name__}"]) from None
    if len(raw) > max_bytes:  # it grew since stat, or it is a device or a pipe
        raise PlanError([f"{p}: file is more than {max_bytes} bytes; a {what} is at most {max_bytes}"])
    return raw


def load_plan_file(path: Path | str) -> PlanSpec:
    """Read and validate a plan file.

    Raises:
        PlanError: when the file cannot be read or does not validate; nothing is written anywhere.
    """
    source = str(path)
    raw = read_input_bytes(path, what="plan file", regular_only=True)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanError([f"{source}: not UTF-8 text (byte {exc.start}); save the plan as UTF-8"]) from None
    return parse_plan_text(text, source=source)
