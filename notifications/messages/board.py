"""The status board (督办总览): units × duties with lights, as the content of Prefect artifacts.

After each sweep the ``sweep`` flow refreshes the markdown artifact ``status-board`` with
:func:`board_markdown` and a filterable table artifact with :func:`board_table`. Both take plain
:class:`BoardCell` rows (one per obligation, read by SQL) and know nothing of Prefect or the database.
Names and titles in the markdown go through :func:`~notifications.messages.markdown.md`; the table's rows
are plain (the Excel export writes them), escaped with ``md_rows`` where they become an artifact.

The markdown board shows what matters now, not the whole plan: for each duty only the most recent
``limit_periods`` periods whose due date is at most 30 days after ``as_of``. Older periods drop off the
board (their open items are still counted, and listed in the table artifact); later ones are not shown
yet. All user-facing Chinese text is in the constants block below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from models.dates import to_local
from models.enums import Light, ObligationStatus, UnitKind
from models.plan.schema import LOCALITY_KINDS
from notifications.messages.markdown import md

# --- User-facing text (Chinese) -------------------------------------------------------------------
TITLE = "督办总览"
AS_OF = "截至{year}年{month}月{day}日 {hour:02d}:{minute:02d}"
LEGEND = "🔵 临近截止 🟡 进度滞后 🔴 逾期 ✅ 已办结 ⚪ 未到期"
COUNTS = "未办结 {open} 项:🔴 {red} · 🟡 {yellow} · 🔵 {blue} · ⚪ {none};✅ 已办结 {done} 项"
OLDER_OPEN = "另有 {count} 项未办结事项属于较早期次,未列入下表,见督办明细表。"
NOTHING_DUE = "目前没有到期或临近截止的督办事项。"
UNIT_HEADER = "单位"
COLUMN_HEADER = "{duty} · {period}"
DONE_EMOJI = "✅"
# Keyed by the enum members, typed str: cells carry the plain strings SQL returns, and a StrEnum member is one.
LIGHT_EMOJI: dict[str, str] = {Light.RED: "🔴", Light.YELLOW: "🟡", Light.BLUE: "🔵", Light.NONE: "⚪"}
LIGHT_LABEL: dict[str, str] = {Light.RED: "红", Light.YELLOW: "黄", Light.BLUE: "蓝", Light.NONE: "—"}
STATUS_LABEL: dict[str, str] = {
    ObligationStatus.OPEN: "办理中",
    ObligationStatus.SUBMITTED: "已报送",
    ObligationStatus.ACCEPTED: "已确认",
    ObligationStatus.WAIVED: "已豁免",
    ObligationStatus.CLOSED: "已办结",
}
KIND_LABEL: dict[str, str] = {
    UnitKind.DEPARTMENT: "部门", UnitKind.TOWN: "镇", UnitKind.SUBDISTRICT: "街道", UnitKind.OTHER: "其他",
    UnitKind.VERTICAL: "驻地单位",
}
TABLE_COLUMNS = ("单位", "类别", "工作", "期次", "截止日期", "状态", "亮灯")
# ---------------------------------------------------------------------------------------------------

HORIZON = timedelta(days=30)
DONE_STATUSES: frozenset[str] = frozenset(status for status in ObligationStatus if status is not ObligationStatus.OPEN)
# Severity when one unit has several items in one column (should not happen): the worst one shows.
_SEVERITY: dict[str, int] = {Light.RED: 0, Light.YELLOW: 1, Light.BLUE: 2, Light.NONE: 3}


@dataclass(frozen=True)
class BoardCell:
    """One obligation as the board sees it.

    Attributes:
        unit: the responsible unit's name.
        unit_kind: department | town | subdistrict | other.
        duty: the duty's title, e.g. 报送项目建设和各项工作进展情况.
        period: the period, e.g. 2016年上半年.
        due_on: the effective due date.
        status: open | submitted | accepted | waived | closed.
        light: none | blue | yellow | red.
    """

    unit: str
    unit_kind: str
    duty: str
    period: str
    due_on: date
    status: str
    light: str


def _check(cells: Iterable[BoardCell]) -> None:
    for cell in cells:
        if cell.status not in STATUS_LABEL:
            raise ValueError(f"invalid status {cell.status!r} for {cell.unit} / {cell.duty} / {cell.period}: "
                             f"expected one of {', '.join(STATUS_LABEL)}")
        if cell.light not in LIGHT_LABEL:
            raise ValueError(f"invalid light {cell.light!r} for {cell.unit} / {cell.duty} / {cell.period}: "
                             f"expected one of {', '.join(LIGHT_LABEL)}")
        if cell.unit_kind not in KIND_LABEL:
            raise ValueError(f"invalid unit kind {cell.unit_kind!r} for {cell.unit}: "
                             f"expected one of {', '.join(KIND_LABEL)}")


def _is_done(cell: BoardCell) -> bool:
    return cell.status in DONE_STATUSES


def cell_emoji(cell: BoardCell) -> str:
    """The board's mark for one item: ✅ once handed in or closed, else its light."""
    return DONE_EMOJI if _is_done(cell) else LIGHT_EMOJI[cell.light]


def _severity(cell: BoardCell) -> int:
    return len(_SEVERITY) if _is_done(cell) else _SEVERITY[cell.light]


def _unit_group(kind: str) -> int:
    if kind in LOCALITY_KINDS:
        return 0
    return 1 if kind == UnitKind.DEPARTMENT else 2


def _columns(cells: list[BoardCell], horizon: date, limit_periods: int) -> list[tuple[str, str]]:
    """(duty, period) columns: per duty, the latest ``limit_periods`` periods due by ``horizon``."""
    period_due: dict[tuple[str, str], date] = {}
    for cell in cells:
        key = (cell.duty, cell.period)
        period_due[key] = min(period_due.get(key, cell.due_on), cell.due_on)
    columns: list[tuple[str, str]] = []
    for duty in dict.fromkeys(cell.duty for cell in cells):
        due = sorted((d, period) for (k, period), d in period_due.items() if k == duty and d <= horizon)
        columns.extend((duty, period) for _, period in due[-limit_periods:])
    return columns


def _title(plan_title: str, as_of: datetime) -> str:
    local = to_local(as_of)
    stamp = AS_OF.format(year=local.year, month=local.month, day=local.day, hour=local.hour, minute=local.minute)
    return f"# {TITLE} · {md(plan_title)} · {stamp}"


def board_markdown(cells: list[BoardCell], *, as_of: datetime, plan_title: str, limit_periods: int = 2) -> str:
    """Render the status board as markdown for the ``status-board`` artifact.

    Args:
        cells: every obligation of the plan, in unit display order (localities in roster order).
        as_of: when the board is drawn (aware; shown in Asia/Shanghai).
        plan_title: the plan's title, without 《》.
        limit_periods: how many recent periods to show per duty.

    Returns:
        A title line, a legend, a counts line and one table (rows: units, localities first, then
        departments, then others; columns: duty × period); or a short "nothing due" board.

    Raises:
        ValueError: on an unknown status, light or unit kind, a naive ``as_of`` or ``limit_periods`` < 1.
    """
    if limit_periods < 1:
        raise ValueError(f"invalid limit_periods {limit_periods!r}: expected an integer >= 1")
    _check(cells)
    title = _title(plan_title, as_of)
    horizon = to_local(as_of).date() + HORIZON
    columns = _columns(cells, horizon, limit_periods)
    if not columns:
        return f"{title}\n\n{NOTHING_DUE}\n"

    due = [c for c in cells if c.due_on <= horizon]
    open_ = [c for c in due if not _is_done(c)]
    shown = set(columns)
    older = sum(1 for c in open_ if (c.duty, c.period) not in shown)
    lines = [
        title,
        "",
        LEGEND,
        "",
        _counts(due, open_),
        *([OLDER_OPEN.format(count=older)] if older else []),
        "",
        *_table(cells, columns),
    ]
    return "\n".join(lines) + "\n"


def _counts(due: list[BoardCell], open_: list[BoardCell]) -> str:
    """The counts line: items due and still open, by light, and items handed in or closed."""
    return COUNTS.format(
        open=len(open_),
        done=len(due) - len(open_),
        **{light: sum(1 for c in open_ if c.light == light) for light in LIGHT_EMOJI},
    )


def _table(cells: list[BoardCell], columns: list[tuple[str, str]]) -> list[str]:
    """The markdown table: a row per unit with an item in ``columns`` (localities first), the worst item's mark
    in each column."""
    shown = set(columns)
    grid: dict[str, dict[tuple[str, str], BoardCell]] = {}
    kinds: dict[str, str] = {}
    for cell in cells:
        kinds.setdefault(cell.unit, cell.unit_kind)
        key = (cell.duty, cell.period)
        if key in shown:
            row = grid.setdefault(cell.unit, {})
            if key not in row or _severity(cell) < _severity(row[key]):
                row[key] = cell
    units = sorted(grid, key=lambda u: _unit_group(kinds[u]))  # stable: first-seen order within a group

    header = [UNIT_HEADER] + [COLUMN_HEADER.format(duty=d, period=p) for d, p in columns]
    lines = [
        "| " + " | ".join(md(h) for h in header) + " |",
        "|" + "---|" * len(header),
    ]
    for unit in units:
        marks = [cell_emoji(grid[unit][col]) if col in grid[unit] else "" for col in columns]
        lines.append("| " + " | ".join([md(unit), *marks]) + " |")
    return lines


def board_table(cells: list[BoardCell]) -> list[dict[str, object]]:
    """One row per obligation for the filterable table artifact: red first, then by due date.

    Args:
        cells: the obligations to list.

    Returns:
        Dicts keyed 单位, 类别, 工作, 期次, 截止日期 (YYYY-MM-DD), 状态, 亮灯, in Chinese.

    Raises:
        ValueError: on an unknown status, light or unit kind.
    """
    _check(cells)
    order = sorted(range(len(cells)), key=lambda i: (cells[i].light != Light.RED, cells[i].due_on, i))
    rows: list[dict[str, object]] = []
    for i in order:
        c = cells[i]
        values = (c.unit, KIND_LABEL[c.unit_kind], c.duty, c.period, c.due_on.isoformat(),
                  STATUS_LABEL[c.status], LIGHT_LABEL[c.light])
        rows.append(dict[str, object](zip(TABLE_COLUMNS, values, strict=True)))
    return rows
