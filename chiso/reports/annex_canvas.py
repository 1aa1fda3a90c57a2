"""Annex tables drawn straight onto PDF pages (ReportLab's canvas), with the same geometry as the plan.

Domain layer (reports room): imports reportlab, the shipped font and the annex plan (annex.py); nothing
from web or flows. WeasyPrint lays out and draws every table cell in Python (about 1 ms of CPU per cell:
a province's 3,521-row annex took 35-90 s); the rows, their line breaks and their pages are already
measured by `annex.paginate`, so drawing them is only placing text and rules: about 0.01 ms per cell.
The decision's main text stays with WeasyPrint; the annex pages are joined to it with pypdf.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from chiso.reports.annex import (
    BODY_PT,
    HEAD_PT,
    LINE,
    PAD_PT,
    RULE_PT,
    SIDE_PAD_MM,
    Layout,
    header_mm,
    row_mm,
    text_width_mm,
)
from chiso.reports.pdf import FONT_DIR, MARGINS_MM, PT_MM_PER_PT

MM = 1 / PT_MM_PER_PT  # points per millimetre
ASCENT, DESCENT = 0.891, 0.216  # Liberation Serif, per em
FACES = {"R": "Regular", "B": "Bold", "I": "Italic"}


@lru_cache(maxsize=1)
def _fonts() -> dict[str, str]:
    """Register the shipped serif with ReportLab once; return the face names by style."""
    names = {}
    for key, face in FACES.items():
        name = f"ChisoSerif-{face}"
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"LiberationSerif-{face}.ttf")))
        names[key] = name
    return names


def wrap(text: str, width_mm: float, size_pt: float, *, bold: bool = False) -> list[str]:
    """Break `text` at spaces into lines of `width_mm` (the same rule as `annex.line_count`)."""
    space = text_width_mm(" ", size_pt, bold=bold)
    lines: list[str] = []
    line, used = "", 0.0
    for word in text.split():
        width = text_width_mm(word, size_pt, bold=bold)
        if line and used + space + width > width_mm:
            lines.append(line)
            line, used = word, width
        else:
            line, used = (f"{line} {word}" if line else word), used + (space if line else 0.0) + width
    return [*lines, line] if line or not lines else lines


@dataclass(frozen=True)
class AnnexPages:
    """What one run of annex pages shows: the plan's layout and rows, its heading and its numbering."""

    layout: Layout
    rows: Sequence[Sequence[str]]
    pages: Sequence[tuple[int, int]]
    numeral: str
    title: str
    note: str
    legend: str
    first_page: int  # the annex's own page number of this run's first page (1: the heading is drawn)
    draft: bool
    wrap: Sequence[int]  # the columns whose text wraps (the agency's name)


class _Page:
    """One page being drawn: the canvas, the orientation's margins and a cursor from the top (mm)."""

    def __init__(self, pdf: canvas.Canvas, orientation: str) -> None:
        self.pdf = pdf
        self.width, self.height = landscape(A4) if orientation == "landscape" else A4
        self.top, self.right, self.bottom, self.left = MARGINS_MM[orientation]
        self.y: float = float(self.top)  # mm from the page's top edge

    def text(self, x_mm: float, baseline_mm: float, text: str, face: str, size: float, align: str) -> None:
        self.pdf.setFont(_fonts()[face], size)
        x, y = x_mm * MM, self.height - baseline_mm * MM
        if align == "r":
            self.pdf.drawRightString(x, y, text)
        elif align == "c":
            self.pdf.drawCentredString(x, y, text)
        else:
            self.pdf.drawString(x, y, text)

    def rule(self, x1: float, y1: float, x2: float, y2: float, width_pt: float = RULE_PT) -> None:
        self.pdf.setLineWidth(width_pt)
        self.pdf.line(x1 * MM, self.height - y1 * MM, x2 * MM, self.height - y2 * MM)


def _baseline(top_mm: float, size: float) -> float:
    """Return the baseline (mm from the page top) of a line box of `size` pt starting at `top_mm`."""
    line = size * LINE
    return top_mm + ((line - (ASCENT + DESCENT) * size) / 2 + ASCENT * size) * PT_MM_PER_PT


def _paragraph(page: _Page, text: str, *, size: float, face: str, align: str, leading: float = 1.25) -> None:
    width = page.width / MM - page.left - page.right
    for line in wrap(text, width, size, bold=face == "B"):
        base = page.y + ((leading - 1) / 2 * size + ASCENT * size) * PT_MM_PER_PT
        x = {"c": page.left + width / 2, "r": page.left + width}.get(align, page.left)
        page.text(x, base, line, face, size, align)
        page.y += size * leading * PT_MM_PER_PT


def _heading(page: _Page, annex: AnnexPages) -> None:
    """Draw "Phụ lục I", the title, the note, a short rule and the legend (the plan measured their height)."""
    width = page.width / MM - page.left - page.right
    page.text(
        page.left + width, page.y + 13 * ASCENT * PT_MM_PER_PT + 1.0, f"Phụ lục {annex.numeral}", "B", 13, "r"
    )
    page.y += 7.0
    _paragraph(page, annex.title, size=13, face="B", align="c")
    _paragraph(page, annex.note, size=13, face="I", align="c")
    page.rule(page.left + width / 3, page.y + 0.7, page.left + 2 * width / 3, page.y + 0.7, 0.6)
    page.y += 1.0 + 2.0
    _paragraph(page, annex.legend, size=11, face="R", align="l")
    page.y += 3.0


def _cells(page: _Page, layout: Layout, top: float, height: float, cells: Sequence[Sequence[str]],
           size: float, face: str) -> None:  # fmt: skip
    """Draw one row: each cell's lines centred vertically, aligned as its column, rules around it."""
    x = float(page.left)
    line_mm = size * LINE * PT_MM_PER_PT
    for column, width, lines in zip(layout.columns, layout.widths, cells, strict=True):
        block = len(lines) * line_mm
        first = top + (height - block) / 2
        align = "c" if face == "B" else {"l": "l", "c": "c"}.get(column.align, "r")
        inner = {"l": x + SIDE_PAD_MM / 2, "c": x + width / 2, "r": x + width - SIDE_PAD_MM / 2}[align]
        for k, line in enumerate(lines):
            page.text(inner, _baseline(first + k * line_mm, size), line, face, size, align)
        x += width
    right = page.left + sum(layout.widths)
    page.rule(page.left, top + height, right, top + height)
    x = float(page.left)
    for width in (0.0, *layout.widths):
        x += width
        page.rule(x, top, x, top + height)


def _number(page: _Page, number: int) -> None:
    """Draw the page number centred in the top margin, 5 mm above the text (as the CSS margin box does)."""
    centre = page.left + (page.width / MM - page.left - page.right) / 2
    page.text(centre, page.top - 5.0 - 13 * DESCENT * PT_MM_PER_PT, str(number), "R", 13, "c")


def _watermark(page: _Page) -> None:
    pdf = page.pdf
    pdf.saveState()
    pdf.setFillColorRGB(0, 0, 0, alpha=0.17)
    pdf.translate(page.width / 2, page.height * 0.55)
    pdf.rotate(35)
    pdf.setFont(_fonts()["B"], 80)
    pdf.drawCentredString(0, 0, "DỰ THẢO")
    pdf.restoreState()


def draw_annex(annex: AnnexPages) -> tuple[bytes, int]:
    """Draw a run of an annex's pages; return the PDF bytes and the page count.

    Every page: the header row, the page's rows (lines broken where `paginate` measured them), rules
    of 0.5 pt, the annex's own page number from its page 2, and the "DỰ THẢO" mark on a draft.
    """
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A4) if annex.layout.orientation == "landscape" else A4)
    pdf.setTitle(f"Phụ lục {annex.numeral}")
    layout = annex.layout
    titles = [
        wrap(c.title, w - SIDE_PAD_MM, HEAD_PT, bold=True)
        for c, w in zip(layout.columns, layout.widths, strict=True)
    ]
    head = header_mm(layout)
    for index, (start, stop) in enumerate(annex.pages):
        page = _Page(pdf, layout.orientation)
        number = annex.first_page + index
        if annex.draft:
            _watermark(page)
        if number == 1:
            _heading(page, annex)
        else:
            _number(page, number)
        _cells(page, layout, page.y, head, titles, HEAD_PT, "B")
        page.rule(page.left, page.y, page.left + sum(layout.widths), page.y)
        page.y += head
        for row in annex.rows[start:stop]:
            cells = [wrap(t, w - SIDE_PAD_MM, BODY_PT) if k in annex.wrap else [t]
                     for k, (t, w) in enumerate(zip(row, layout.widths, strict=True))]  # fmt: skip
            height = row_mm(max(len(c) for c in cells))
            _cells(page, layout, page.y, height, cells, BODY_PT, "R")
            page.y += height
        pdf.showPage()
    pdf.save()
    return buffer.getvalue(), len(annex.pages)


__all__ = ["PAD_PT", "AnnexPages", "draw_annex", "wrap"]
