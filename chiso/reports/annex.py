"""Annex tables cut into pages before rendering: columns in mm, rows measured with the shipped font.

Domain layer (reports room): imports fontTools (WeasyPrint's own dependency) and the PDF engine's
page geometry. Knowing each page's rows in advance lets every page carry its own table header and
lets long annexes be rendered in parallel runs whose page numbers are known beforehand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from fontTools.ttLib import TTFont

from chiso.reports.pdf import FONT_DIR, PT_MM_PER_PT, content_mm

PT_MM = PT_MM_PER_PT
BODY_PT = 10.0  # table text (the decree's 13-14 pt is for the body of the document)
HEAD_PT = 9.5
LINE = 1.2  # line-height of table cells; the CSS uses the same figures
PAD_PT = 1.2  # top and bottom padding of a cell
SIDE_PAD_MM = 2 * 2 * PT_MM  # left + right padding (2 pt each)
RULE_PT = 0.5
SLACK = 0.985  # keep 1.5% of each page free: measurement is by advance widths, without kerning


@lru_cache(maxsize=4)
def _metrics(face: str) -> tuple[dict[int, int], float, int]:
    font = TTFont(FONT_DIR / f"LiberationSerif-{face}.ttf", lazy=True)
    cmap = font.getBestCmap()
    hmtx = font["hmtx"].metrics
    advances = {code: hmtx[name][0] for code, name in cmap.items()}
    return advances, float(font["head"].unitsPerEm), hmtx[".notdef"][0]


def text_width_mm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Return the width of `text` set in the shipped serif at `size_pt` (no kerning)."""
    advances, per_em, missing = _metrics("Bold" if bold else "Regular")
    units = sum(advances.get(ord(c), missing) for c in text)
    return units / per_em * size_pt * PT_MM


def line_count(text: str, width_mm: float, size_pt: float, *, bold: bool = False) -> int:
    """Return how many lines `text` takes when wrapped at spaces into `width_mm` (a long word overflows)."""
    space = text_width_mm(" ", size_pt, bold=bold)
    lines, used = 1, 0.0
    for word in text.split():
        width = text_width_mm(word, size_pt, bold=bold)
        if used and used + space + width > width_mm:
            lines, used = lines + 1, width
        else:
            used += (space if used else 0.0) + width
    return lines


def row_mm(lines: int, size_pt: float = BODY_PT) -> float:
    """Return the height of a table row of `lines` lines (cell padding and one rule included)."""
    return (lines * size_pt * LINE + 2 * PAD_PT + RULE_PT) * PT_MM


@dataclass(frozen=True)
class Column:
    """A column of an annex table: its header, width in mm (None: takes what is left) and alignment."""

    title: str
    width_mm: float | None = None
    align: str = "right"


@dataclass(frozen=True)
class Layout:
    """Columns with their final widths on a page of the chosen orientation."""

    orientation: str
    columns: tuple[Column, ...]

    @property
    def widths(self) -> list[float]:
        return [c.width_mm or 0.0 for c in self.columns]


def fit_columns(
    columns: Sequence[Column], rows: Sequence[Sequence[str]] = (), *, min_flexible_mm: float = 55.0
) -> Layout:
    """Size the columns: a fixed column widens to its longest cell (cells do not wrap), the flexible one
    takes what is left; portrait when it keeps `min_flexible_mm`, else landscape."""
    widths = [c.width_mm for c in columns]
    for k, c in enumerate(columns):
        if c.width_mm is not None and rows:
            longest = max(text_width_mm(row[k], BODY_PT) for row in rows)
            widths[k] = max(c.width_mm, longest + SIDE_PAD_MM + 0.8)
    fixed = sum(w or 0.0 for w in widths)
    orientation = "portrait" if content_mm("portrait")[0] - fixed >= min_flexible_mm else "landscape"
    left = content_mm(orientation)[0] - fixed
    return Layout(
        orientation,
        tuple(Column(c.title, w or max(left, 30.0), c.align) for c, w in zip(columns, widths, strict=True)),
    )


def header_mm(layout: Layout) -> float:
    """Return the height of the header row (its tallest wrapped title)."""
    lines = max(
        line_count(c.title, w - SIDE_PAD_MM, HEAD_PT, bold=True)
        for c, w in zip(layout.columns, layout.widths, strict=True)
    )
    return row_mm(lines, HEAD_PT)


def paginate(
    rows: Sequence[Sequence[str]], layout: Layout, *, wrap: Sequence[int], first_page_used_mm: float
) -> list[tuple[int, int]]:
    """Cut rows into pages; return each page's (start, stop) row indices.

    Args:
        rows: the cells of each row as shown.
        layout: the columns and orientation.
        wrap: the columns whose text may wrap (the others hold one line).
        first_page_used_mm: height taken on the first page above the table (the annex heading).
    """
    _, height = content_mm(layout.orientation)
    capacity = height * SLACK - header_mm(layout)
    widths = layout.widths
    pages: list[tuple[int, int]] = []
    start, used = 0, first_page_used_mm
    for i, row in enumerate(rows):
        lines = max((line_count(row[k], widths[k] - SIDE_PAD_MM, BODY_PT) for k in wrap), default=1)
        need = row_mm(lines)
        if used + need > capacity and i > start:
            pages.append((start, i))
            start, used = i, 0.0
        used += need
    pages.append((start, len(rows)))
    return pages
