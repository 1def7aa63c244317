"""python-docx helpers shared by the Word exports (the 任务分解表 and the circular).

Chinese offices set Latin text in Times New Roman and Chinese text in a named CJK font; Word keeps the two
apart in ``w:rFonts`` (``w:ascii``/``w:hAnsi`` and ``w:eastAsia``), which python-docx only half exposes.
"""

from __future__ import annotations

from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

LATIN_FONT = "Times New Roman"


def set_font(run: Any, east_asia: str, size: float, *, bold: bool = False, colour: RGBColor | None = None) -> None:
    """Set a run's font: Latin text in Times New Roman, Chinese in ``east_asia`` (w:eastAsia), ``size`` in points."""
    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour


def set_default_font(doc: Any, east_asia: str, size: float | None = None) -> None:
    """Set the Normal style's fonts (as :func:`set_font`), and its size when given."""
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    if size is not None:
        normal.font.size = Pt(size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def repeat_header(row: Any) -> None:
    """Mark a table row as the header repeated at the top of every page (w:tblHeader)."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)
