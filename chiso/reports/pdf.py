"""PDF engine of the reports: HTML templates rendered by WeasyPrint with the shipped font, offline.

Domain layer (reports room): imports jinja2, weasyprint, pypdf and the report text helpers; nothing
from web, flows or assessment. A long document is rendered as parts (the main text, then each annex
in runs of whole pages) that may go to worker processes and are joined with pypdf; each part starts
its page counter where the part before it ended, so page numbers run on as in one document.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

from chiso.reports.text import fmt_int, fmt_points

HERE = Path(__file__).parent
FONT_DIR = HERE / "fonts"
FONT_FAMILY = "Chiso Serif"
FACES = (("Regular", "normal", "normal"), ("Bold", "bold", "normal"), ("Italic", "normal", "italic"),
         ("BoldItalic", "bold", "italic"))  # fmt: skip
# Decree 30/2020, Annex I: portrait margins top/bottom 20-25 mm, left 30-35, right 15-20. A landscape page
# keeps its binding edge at the top: top 30, bottom 15, left and right 20 (as Circular 01/2011 set out).
MARGINS_MM = {"portrait": (20, 15, 20, 30), "landscape": (30, 20, 15, 20)}  # top, right, bottom, left
PAGE_MM = {"portrait": (210.0, 297.0), "landscape": (297.0, 210.0)}
PT_MM_PER_PT = 25.4 / 72
PARALLEL_FROM_PAGES = 24  # render in worker processes from this many annex pages on

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
env.filters["points"] = fmt_points
env.filters["count"] = fmt_int


@lru_cache(maxsize=4)
def stylesheet(name: str) -> str:
    """Return one of the reports' stylesheets (templates/decree.css, templates/report.css)."""
    return (HERE / "templates" / name).read_text(encoding="utf-8")


def content_mm(orientation: str) -> tuple[float, float]:
    """Return the width and height (mm) inside the decree's margins for a portrait or landscape page."""
    width, height = PAGE_MM[orientation]
    top, right, bottom, left = MARGINS_MM[orientation]
    return width - left - right, height - top - bottom


@lru_cache(maxsize=1)
def font_faces_css() -> str:
    """Return the @font-face rules of the shipped Liberation Serif (a Times New Roman metric clone)."""
    rules = []
    for face, weight, style in FACES:
        url = (FONT_DIR / f"LiberationSerif-{face}.ttf").as_uri()
        rules.append(
            f"@font-face {{ font-family: '{FONT_FAMILY}'; src: url('{url}'); "
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def page_css(orientation: str, *, first_page: int = 1, number_first: bool = False) -> str:
    """Return the @page rules: A4, the decree's margins, the page number centred in the top margin.

    Args:
        orientation: "portrait" or "landscape".
        first_page: the number of this part's first page (parts continue each other's numbering).
        number_first: show the number on the first page too (the decree hides it on page 1).
    """
    top, right, bottom, left = MARGINS_MM[orientation]
    hide = "" if number_first or first_page > 1 else "@top-center { content: none; }"
    return (
        f"@page {{ size: A4 {orientation}; margin: {top}mm {right}mm {bottom}mm {left}mm;"
        f" @top-center {{ content: counter(page); font-family: '{FONT_FAMILY}'; font-size: 13pt;"
        " vertical-align: bottom; padding-bottom: 5mm; } }\n"
        f"@page :first {{ counter-reset: page {first_page}; {hide} }}"
    )


@dataclass(frozen=True)
class Part:
    """One piece of a document: its HTML and, for an annex run, where its page numbers start."""

    html: str
    pages: int | None = None  # planned page count (None: whatever it takes)
    annex: int | None = None  # the annex it belongs to (None: the main text)
    first_page: int = 1


_FONTS: list[FontConfiguration] = []


def _font_config() -> FontConfiguration:
    if not _FONTS:
        from weasyprint.text.fonts import FontConfiguration  # lazy: see render_html

        _FONTS.append(FontConfiguration())
    return _FONTS[0]


def render_html(html: str) -> tuple[bytes, int]:
    """Render one HTML document to PDF bytes and return them with the page count."""
    # lazy: WeasyPrint is 0.75 s of every start (server, CLI) and only a PDF needs it
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=str(HERE)).render(font_config=_font_config())
    return document.write_pdf(), len(document.pages)


def _workers(parts: Sequence[Part], workers: int | None) -> int:
    if workers is not None:
        return max(0, workers)
    pages = sum(p.pages or 1 for p in parts)
    return min(2, os.cpu_count() or 1) if pages >= PARALLEL_FROM_PAGES else 0


def render_parts(
    parts: Sequence[Part], *, rebuild: Callable[[int, int], str], workers: int | None = None
) -> list[bytes]:
    """Render parts (in worker processes when many), then re-render any annex run whose numbering slipped.

    Args:
        parts: the document's parts in order.
        rebuild: `rebuild(index, first_page)` returns part `index`'s HTML numbered from `first_page`;
            used when an earlier run of the same annex took more or fewer pages than planned.
        workers: worker processes (0: in this process; None: two for long documents).
    """
    count = _workers(parts, workers)
    htmls = [p.html for p in parts]
    if count > 1:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            done = list(pool.map(render_html, htmls))
    else:
        done = [render_html(h) for h in htmls]
    out, expected = [], 1
    for i, (part, (pdf, pages)) in enumerate(zip(parts, done, strict=True)):
        if i and part.annex is not None and part.annex != parts[i - 1].annex:
            expected = 1
        if part.annex is not None and part.first_page != expected:
            pdf, pages = render_html(rebuild(i, expected))
        out.append(pdf)
        expected += pages
    return out


def join_pdfs(pdfs: Sequence[bytes], *, title: str, lang: str = "vi") -> bytes:
    """Join PDF parts into one file with a title and language in its metadata."""
    if len(pdfs) == 1:
        return pdfs[0]
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Title": title, "/Producer": "chiso"})
    writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
