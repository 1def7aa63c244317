"""The one YAML loader for every file duban reads: plans, contacts, the escalation ladder, the calendar.

PyYAML's safe loader builds no Python objects, but it keeps the last of two equal keys without a word (a
second ``items:`` silently deletes the first list), lets aliases expand without limit (a 342-byte "billion
laughs" grows to gigabytes once something walks it), recurses once per nesting level (deep brackets end in
``RecursionError``) and lets ``ValueError`` escape for an impossible date such as ``2015-02-30``. This loader is
PyYAML's safe constructor on libyaml's event parser (the pure-Python one where libyaml is missing), with a
composer and a constructor that count. It refuses, with the 1-based line of the problem:

- a document longer than :attr:`YamlLimits.max_chars` (before parsing it);
- nesting deeper than :attr:`YamlLimits.max_depth` levels, more than :attr:`YamlLimits.max_nodes` nodes;
- aliases that would add more than :attr:`YamlLimits.max_alias_nodes` nodes if written out, and an alias
  inside the node it names (a recursive structure);
- any explicit tag except the core ones (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
  ``!!seq``, ``!!map``): ``!!python/...``, ``!!binary``, ``!!set``, ``!custom`` ...;
- a duplicate key in a mapping, naming both lines; merge keys (``<<``);
- a scalar that cannot be read as its type: ``2015-02-30``, an integer of thousands of digits.

Every refusal and every syntax error is a :class:`~models.errors.YamlError`; the callers wrap it in their
own error naming the file. The counting is linear in the document, so a refusal takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from models.errors import DubanError, YamlError
from models.validation import shown

CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset({None, "!", *(CORE + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))})
MERGE_TAG = CORE + "merge"
TIMESTAMP_TAG = CORE + "timestamp"
NUMBER_TAGS = frozenset({CORE + "int", CORE + "float"})
MAX_NUMBER_CHARS = 100  # longer digits cost PyYAML quadratic time (1:0:0:…) or pass Python's 4,300-digit limit


@dataclass(frozen=True)
class YamlLimits:
    """How much one document may hold. The defaults are far above the largest plan (a province's).

    Attributes:
        max_chars: characters in the document.
        max_depth: nesting levels (the seed plan uses 5).
        max_nodes: scalars, sequences and mappings, aliases not counted (the seed plan has about 1,100).
        max_alias_nodes: nodes all aliases together would add if each were written out.
        dates_as_text: leave ``2015-07-06`` as text (for a schema that parses dates itself).
    """

    max_chars: int = 5 * 1024 * 1024
    max_depth: int = 50
    max_nodes: int = 100_000
    max_alias_nodes: int = 10_000
    dates_as_text: bool = False


DEFAULT_LIMITS = YamlLimits()


def _refuse(problem: str, mark: Any) -> YamlError:
    """The error for ``problem`` at ``mark`` (PyYAML's or libyaml's Mark; None: no line)."""
    return YamlError(problem, mark.line + 1 if mark is not None else None)


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix(CORE) if tag.startswith(CORE) else tag


class _CountingComposer(Composer):
    """PyYAML's composer, counting depth, nodes and alias expansion, and refusing tags as it goes."""

    limits: YamlLimits

    def _start_counting(self, limits: YamlLimits) -> None:
        Composer.__init__(self)
        self.limits = limits
        self._depth = 0
        self._nodes = 0
        self._alias_nodes = 0
        self._size: dict[int, int] = {}  # id(node) → nodes it stands for, aliases written out

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, AliasEvent):
            self._charge_alias(event)
            return super().compose_node(parent, index)
        self._depth += 1
        self._nodes += 1
        if self._depth > self.limits.max_depth:
            raise _refuse(f"nested deeper than {self.limits.max_depth} levels", event.start_mark)
        if self._nodes > self.limits.max_nodes:
            raise _refuse(f"more than {self.limits.max_nodes} values in one document", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag not in ALLOWED_TAGS:
            raise _refuse(f"the tag {shown(_tag_name(str(tag)), 40)} is not allowed; write plain values",
                          event.start_mark)
        node = super().compose_node(parent, index)
        if node is None:  # pragma: no cover - PyYAML composes a node for every non-alias event
            return None
        self._depth -= 1
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        self._size[id(node)] = 1 + sum(self._size[id(child)] for child in children)
        return node

    def _charge_alias(self, event: AliasEvent) -> None:
        target = self.anchors.get(event.anchor)
        if target is None:
            return  # PyYAML reports the undefined alias
        size = self._size.get(id(target))
        if size is None:
            raise _refuse(f"the alias *{event.anchor} is inside the node it names (a recursive structure)",
                          event.start_mark)
        self._alias_nodes += size
        if self._alias_nodes > self.limits.max_alias_nodes:
            raise _refuse(f"aliases would expand to more than {self.limits.max_alias_nodes} values "
                          "(an alias bomb?); write the values out", event.start_mark)


class _StrictConstructor(SafeConstructor):
    """PyYAML's safe constructor, refusing duplicate and merge keys and unreadable scalars as YamlError."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if isinstance(node, ScalarNode) and node.tag in NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            raise _refuse(f"{shown(node.value, 40)} is {len(node.value):,} characters long, more than the "
                          f"{MAX_NUMBER_CHARS} a number may have; it cannot be read as "
                          f"{_tag_name(node.tag).removeprefix('!!')}", node.start_mark)
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, KeyError, IndexError, TypeError) as exc:
            # PyYAML's own constructors fail this way on a tagged scalar they cannot read:
            # !!bool maybe → KeyError, !!int '' → IndexError
            if not isinstance(node, ScalarNode):
                raise
            if node.tag == TIMESTAMP_TAG:
                problem = f"{shown(node.value, 40)} is not a date ({exc})"
            else:
                problem = f"{shown(node.value, 40)} cannot be read as {_tag_name(node.tag).removeprefix('!!')}"
            raise _refuse(problem, node.start_mark) from None

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Hashable, Any]:
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, f"expected a mapping node, but found {type(node).__name__}",
                                   node.start_mark)
        mapping: dict[Hashable, Any] = {}
        first_line: dict[Hashable, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                raise _refuse("merge keys (<<) are not supported; write the keys out", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            try:
                seen = key in first_line
            except TypeError:
                raise _refuse("a mapping key must be a plain value, not a list or a mapping",
                              key_node.start_mark) from None
            if seen:
                raise _refuse(f"duplicate key {shown(key, 40)} (first at line {first_line[key]})",
                              key_node.start_mark)
            first_line[key] = key_node.start_mark.line + 1
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


class _TextDatesResolver(Resolver):
    """The core resolver without timestamps: ``2015-07-06`` stays text."""


_TextDatesResolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}

_LIBYAML: bool = yaml.__with_libyaml__
if _LIBYAML:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
else:  # pragma: no cover - libyaml ships in PyYAML's wheels
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


class _Loader(_CountingComposer, _Parser, _StrictConstructor, Resolver):
    def __init__(self, text: str, limits: YamlLimits) -> None:
        _Parser.__init__(self, text)
        _StrictConstructor.__init__(self)
        Resolver.__init__(self)
        self._start_counting(limits)


class _TextDatesLoader(_CountingComposer, _Parser, _StrictConstructor, _TextDatesResolver):
    def __init__(self, text: str, limits: YamlLimits) -> None:
        _Parser.__init__(self, text)
        _StrictConstructor.__init__(self)
        _TextDatesResolver.__init__(self)
        self._start_counting(limits)


def _syntax_error(exc: yaml.YAMLError, text: str) -> YamlError:
    """PyYAML's error as one line: its problem (or context) and the line it points at."""
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or exc.context or "cannot be parsed"
        if exc.context and problem.startswith("but "):  # "expected a single document…, but found another"
            problem = f"{exc.context}, {problem}"
        return _refuse(f"not valid YAML: {problem}", exc.problem_mark or exc.context_mark)
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts the position in bytes of the UTF-8 text, PyYAML's reader in characters.
        before = text.encode("utf-8", "surrogatepass")[: max(exc.position, 0)] if _LIBYAML else text[: exc.position]
        line = (before.count(b"\n") if isinstance(before, bytes) else before.count("\n")) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
        return YamlError(f"not valid YAML: character #x{char:04x} is not allowed ({exc.reason})", line)
    return YamlError(f"not valid YAML: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def load_with_node(text: str, *, limits: YamlLimits = DEFAULT_LIMITS) -> tuple[Any, Node | None]:
    """Parse one YAML document within ``limits``.

    Returns:
        The data (plain dicts, lists, strings, numbers, booleans, None and dates) and the composed node
        tree, whose marks give each value's line; ``(None, None)`` for an empty document.

    Raises:
        YamlError: the document is not valid YAML or breaks a limit (see the module docstring).
    """
    if len(text) > limits.max_chars:
        raise YamlError(f"the document has {len(text)} characters; at most {limits.max_chars} are read")
    loader = (_TextDatesLoader if limits.dates_as_text else _Loader)(text, limits)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text) from None
    except RecursionError:  # defensive: the depth limit stops recursion long before Python's limit
        raise YamlError(f"nested deeper than {limits.max_depth} levels") from None
    finally:
        loader.dispose()
    return data, node


def load(text: str, *, limits: YamlLimits = DEFAULT_LIMITS) -> Any:
    """Parse one YAML document within ``limits`` (see :func:`load_with_node`)."""
    return load_with_node(text, limits=limits)[0]


def read_text(path: Path, *, max_bytes: int = DEFAULT_LIMITS.max_chars) -> str:
    """Read a YAML file as UTF-8 text, reading at most ``max_bytes`` (+1 to tell that there is more).

    Raises:
        OSError: the file cannot be opened (each caller words a missing file its own way).
        YamlError: the file is larger than ``max_bytes`` or is not UTF-8.
    """
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise YamlError(f"the file is larger than {max_bytes} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def load_config_file(path: Path, error: type[DubanError]) -> Any:
    """Read and parse a configuration file (the ladder, the rubric), every problem one ``error`` naming the file.

    Raises:
        error: no such file, unreadable, too large, not UTF-8, or bad YAML (with its line).
    """
    try:
        return load(read_text(path))
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except YamlError as exc:
        raise error(f"{path}:{exc.line}: {exc.problem}" if exc.line else f"{path}: {exc.problem}") from None
