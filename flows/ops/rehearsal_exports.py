"""The documents a rehearsal issues (``duban simulate --exports DIR``), each as it would have been issued.

Every inspection's circular (.docx) and ranking (.xlsx), the status board (.md and .xlsx) on the day of each
inspection and at the end, named by date and kind (``2016-06-20_通报_督查〔2016〕1号.docx``), and
``index.csv`` listing them. The files are written by the existing exports (:mod:`flows.ops.exports`,
:func:`flows.ops.inspections.status_board`); the rehearsal then pins the timestamps inside each Office file
(zip entries and document properties) to the moment of issue, so the same seed writes the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.ops.engine import EngineContext
from flows.ops.exports import export_circular, export_status
from flows.ops.inspections import status_board
from models.dates import to_local, to_utc
from models.errors import DubanError

# --- User-facing text (Chinese): the kinds of document, as file names and the index show them ------------
CIRCULAR = "通报"
RANKING = "排名"
BOARD = "督办总览"
# ---------------------------------------------------------------------------------------------------------
INDEX = "index.csv"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_CORE_DATES = re.compile(r"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


@dataclass(frozen=True)
class Entry:
    """One document in the index."""

    day: dt.date
    kind: str
    number: str
    period: str
    file: str


def pin_office_file(path: Path, when: dt.datetime) -> None:
    """Rewrite an Office file (a zip) with every entry dated ``when`` and its document properties created
    and modified at ``when``, so the same content gives the same bytes."""
    stamp = to_local(when).timetuple()[:6]
    iso = to_utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(lambda m: f"{m.group(1)}{iso}{m.group(2)}", data.decode("utf-8")).encode()
            pinned = zipfile.ZipInfo(info.filename, date_time=stamp)
            pinned.compress_type = info.compress_type
            pinned.external_attr = info.external_attr
            out.writestr(pinned, data)
    tmp.replace(path)


class ExportLog:
    """Writes the rehearsal's documents into ``out`` (via a scratch folder ``staging``) and lists them."""

    def __init__(self, out: Path, staging: Path) -> None:
        try:
            out.mkdir(parents=True, exist_ok=True)
            staging.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DubanError(f"cannot create the output directory {str(out)!r}: {exc.strerror or exc}") from exc
        self.out, self.staging = out, staging
        self.entries: list[Entry] = []

    def _keep(self, written: Path, when: dt.datetime, kind: str, number: str, period: str, suffix: str) -> None:
        day = to_local(when).date()
        name = _UNSAFE.sub("_", "_".join(p for p in (day.isoformat(), kind, number) if p)) + suffix
        target = self.out / name
        shutil.move(str(written), target)
        if suffix in (".docx", ".xlsx"):
            pin_office_file(target, when)
        self.entries.append(Entry(day=day, kind=kind, number=number, period=period, file=name))

    def inspection(self, ctx: EngineContext, result: dict[str, Any], now: dt.datetime) -> None:
        """The circular and ranking of an inspection just run, and the status board that day."""
        number, period = str(result["doc_number"]), str(result["period"])
        for path in export_circular(period, self.staging):
            if path.suffix == ".docx":
                self._keep(path, now, CIRCULAR, number, period, ".docx")
            else:
                self._keep(path, now, RANKING, number, period, ".xlsx")
        self.board(ctx, now, period)

    def board(self, ctx: EngineContext, now: dt.datetime, period: str = "") -> None:
        """The status board as it stands at ``now``, as markdown and as a workbook."""
        if any(e.kind == BOARD and e.day == to_local(now).date() for e in self.entries):
            return  # already written today (an inspection on the rehearsal's last day)
        markdown, _rows = status_board(ctx, now)
        md = self.staging / "board.md"
        md.write_text(markdown, encoding="utf-8")
        self._keep(md, now, BOARD, "", period, ".md")
        self._keep(export_status(self.staging, now), now, BOARD, "", period, ".xlsx")

    def write_index(self) -> Path:
        """``index.csv``: date, kind, document number, report period, file — in the order issued."""
        path = self.out / INDEX
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["date", "kind", "number", "period", "file"])
            for e in self.entries:
                writer.writerow([e.day.isoformat(), e.kind, e.number, e.period, e.file])
        shutil.rmtree(self.staging, ignore_errors=True)
        return path
