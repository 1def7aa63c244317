"""Text from people and files made inert in markdown: the one escaping function of every artifact.

Unit names, duty and action-item titles, report texts, meeting places and plan titles reach Prefect's
markdown artifacts (the status board, the circular, the plan breakdown, the joint meeting) and its table
artifacts, whose string cells the UI renders as markdown too. Written raw, ``<script>`` would be HTML,
``[点我](http://evil)`` a link, a ``|`` a new column and a line break a new paragraph or heading.
:func:`md` makes such text render as exactly its characters, on one line; :func:`md_rows` does it to every
string of a table artifact's rows. The Word circular is built from the circular's markdown:
:func:`md_runs` reads it back into plain text (and its bold spans), so documents keep the plain text.

Messages (WeCom, e-mail, the .ics file) are plain text and are never escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = ["md", "md_plain", "md_rows", "md_runs"]

# Backslash-escaped wherever they stand (CommonMark lets any ASCII punctuation be escaped): code spans,
# emphasis, links and images, raw HTML and autolinks, table cells, strikethrough, entities.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
# Bare links GFM turns into anchors: http://…, www.…, name@host.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=\bwww)(\.)|(@)")
# What starts a block when it opens a line: heading, list item, setext underline, ordered list item.
_BLOCK_START = re.compile(r"^([#+\-=])|^(\d+)([.)])")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def md(value: object) -> str:
    """``value`` as markdown text that renders as exactly its characters, on one line (a table cell or a
    line of text): markdown and HTML syntax backslash-escaped, line breaks and tabs turned into spaces,
    control characters dropped, the ends trimmed."""
    text = _CONTROLS.sub("", _LINE_BREAKS.sub(" ", "" if value is None else str(value))).strip()
    text = _INLINE.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: "\\" + m[0], text)
    return _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text, count=1)


def md_rows(rows: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """A table artifact's rows with every string (column names included) passed through :func:`md`;
    numbers and other values stay as they are."""
    return [{md(key): md(value) if isinstance(value, str) else value for key, value in row.items()} for row in rows]


def md_runs(markdown: str) -> list[tuple[str, bool]]:
    """Read one line of duban's markdown back as (plain text, bold) runs: backslash escapes undone and
    ``**bold**`` spans marked — the only inline markdown duban's templates write."""
    runs: list[tuple[str, bool]] = []
    text: list[str] = []
    bold = False
    opened = -1  # index in runs where the open bold span starts, to undo it if it never closes
    i = 0
    while i < len(markdown):
        if markdown[i] == "\\" and _ESCAPED.match(markdown, i):
            text.append(markdown[i + 1])
            i += 2
        elif markdown.startswith("**", i):
            runs.append(("".join(text), bold))
            text, bold = [], not bold
            opened = len(runs) if bold else -1
            i += 2
        else:
            text.append(markdown[i])
            i += 1
    runs.append(("".join(text), bold))
    if bold:  # an unclosed ** is text
        tail = "**" + "".join(t for t, _ in runs[opened:])
        runs = [*runs[:opened], (tail, False)]
    merged: list[tuple[str, bool]] = []
    for part, strong in runs:
        if merged and merged[-1][1] == strong:
            merged[-1] = (merged[-1][0] + part, strong)
        elif part:
            merged.append((part, strong))
    return [run for run in merged if run[0]]


def md_plain(markdown: str) -> str:
    """One line of duban's markdown as the plain text it renders (escapes undone, bold markers dropped)."""
    return "".join(part for part, _ in md_runs(markdown))
