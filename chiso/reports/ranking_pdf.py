"""The ranking as an administrative document (Decree 30/2020/NĐ-CP): a decision with one annex per group.

Domain layer (reports room): takes the plain inputs of `chiso.reports.schemas` and returns PDF bytes;
nothing from web, flows, assessment or the store. The main text carries the national emblem line,
the issuing body, number, place and date, type and summary, the articles (with the written summary),
recipients and signature; each annex (Phụ lục I, II, ...) holds one group's table, numbered on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from chiso.clock import today
from chiso.reports.annex import Column, fit_columns, line_count, paginate
from chiso.reports.annex_canvas import AnnexPages, draw_annex
from chiso.reports.narrative import Narrative, write_narrative
from chiso.reports.pdf import (
    PARALLEL_FROM_PAGES,
    PT_MM_PER_PT,
    Part,
    content_mm,
    env,
    font_faces_css,
    join_pdfs,
    page_css,
    render_parts,
    stylesheet,
)
from chiso.reports.schemas import AgencyResult, DocumentInfo, GroupInfo, Index766Month, RankingInput
from chiso.reports.text import band_label, document_number, fmt_points, place_and_date, roman


@dataclass(frozen=True)
class _Article:
    text: str
    paragraphs: list[str]


def annex_note(document: DocumentInfo) -> str:
    """Return "(Kèm theo Quyết định số 125/QĐ-UBND ngày 15 tháng 7 năm 2026)"; blanks in a draft."""
    number = document_number(document.number, document.symbol).removeprefix("Số:").lstrip(" ")
    day = place_and_date("", document.issued_on, year=today().year).removeprefix(", ")
    return f"(Kèm theo {document.doc_type.capitalize()} số {number} {day})"


def _articles(ranking: RankingInput, document: DocumentInfo, narrative: Narrative | None) -> list[_Article]:
    texts = list(document.articles) or [
        f"Công bố kết quả xếp hạng {ranking.framework.name_vi} {ranking.period.name_vi.lower()} "
        "của các cơ quan, đơn vị (chi tiết tại các Phụ lục kèm theo).",
        f"{document.doc_type.capitalize()} này có hiệu lực kể từ ngày ký.",
        "Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị có tên tại các Phụ lục và các tổ chức, "
        f"cá nhân có liên quan chịu trách nhiệm thi hành {document.doc_type.lower()} này.",
    ]
    extra = narrative.paragraphs if narrative is not None else []
    return [_Article(text, extra if i == 0 else []) for i, text in enumerate(texts)]


def _columns(ranking: RankingInput, lang_vi: bool = True) -> list[Column]:
    cols = [Column("Hạng", 10.0, "c")]
    if ranking.has_rank_intervals:
        cols.append(Column("Khoảng hạng", 15.0, "c"))
    cols.append(Column("Cơ quan, đơn vị", None, "l"))
    cols += [Column(f"({i})", 12.5) for i, _p in enumerate(ranking.framework.pillars, start=1)]
    cols += [
        Column("Tổng điểm", 14.0),
        Column("Xếp loại", 18.0, "c"),
        Column("Thay đổi điểm", 14.0),
        Column("Thay đổi hạng", 13.0, "c"),
    ]
    return cols


def _rank_change(a: AgencyResult) -> str:
    if a.rank_change is None:
        return ""
    if a.rank_change > 0:
        return f"▲ {a.rank_change}"
    return f"▼ {-a.rank_change}" if a.rank_change < 0 else "="


def _cells(ranking: RankingInput, a: AgencyResult) -> list[str]:
    d = ranking.framework.decimals
    cells = ["—" if a.rank is None else str(a.rank)]
    if ranking.has_rank_intervals:
        cells.append("" if a.rank_low is None else f"{a.rank_low}–{a.rank_high}")
    cells.append(a.name_vi)
    cells += [fmt_points(a.pillars.get(p.code), d) for p in ranking.framework.pillars]
    change = fmt_points(a.points_change, d, signed=True) if a.points_change is not None else ""
    cells += [
        fmt_points(a.total, d),
        band_label(a.band, ranking.framework.bands),
        change or ("mới" if a.status == "new" else ""),
        _rank_change(a),
    ]
    return cells


def _legend(ranking: RankingInput) -> str:
    fw = ranking.framework
    parts = [
        f"({i}) {p.name_vi} – tối đa {fmt_points(p.max_points, fw.decimals)} điểm"
        for i, p in enumerate(fw.pillars, start=1)
    ]
    before = ranking.period.previous_name_vi
    change = f" Thay đổi so với {before}; ▲ tăng hạng, ▼ giảm hạng." if before else ""
    interval = (
        " Khoảng hạng: các hạng đơn vị có thể đạt khi tính đến sai số." if ranking.has_rank_intervals else ""
    )
    top = fmt_points(fw.max_points, fw.decimals)
    return f"Chỉ số chính: {'; '.join(parts)}. Tổng điểm tối đa {top}.{change}{interval}"


def _lines_mm(text: str, width: float, size: float, bold: bool = False) -> float:
    return line_count(text, width, size, bold=bold) * size * 1.25 * PT_MM_PER_PT


def _plan_annex(
    ranking: RankingInput, document: DocumentInfo, group: GroupInfo, number: int, *, draft: bool = False
) -> AnnexPages:
    """Return annex `number` (the group's table): its heading, its rows and the rows of each page."""
    rows = [_cells(ranking, a) for a in ranking.group_rows(group.code)]
    layout = fit_columns(_columns(ranking), rows)
    title = (
        f"KẾT QUẢ XẾP HẠNG {ranking.framework.name_vi.upper()} {ranking.period.name_vi.upper()}"
        f" – {group.name_vi.upper()}"
    )
    note, legend = annex_note(document), _legend(ranking)
    width = content_mm(layout.orientation)[0]
    heading = 7.0 + _lines_mm(title, width, 13, True) + _lines_mm(note, width, 13) + 1.0
    heading += _lines_mm(legend, width, 11) + 5.0
    wrap = [i for i, c in enumerate(layout.columns) if c.align == "l"]
    pages = paginate(rows, layout, wrap=wrap, first_page_used_mm=heading)
    return AnnexPages(
        layout, rows, pages, roman(number), title, note, legend, first_page=1, draft=draft, wrap=wrap
    )


def render_ranking_pdf(
    ranking: RankingInput,
    document: DocumentInfo,
    *,
    index766: Index766Month | None = None,
    workers: int | None = None,
) -> bytes:
    """Render the ranking as a decision in Decree 30's format, one annex per group, as PDF bytes.

    Args:
        ranking: the ranking (a draft when not published: every page carries a "DỰ THẢO" watermark).
        document: number, date, summary, bases, recipients and signer filled in before generating.
        index766: a month of the 766 index summarised in the written summary, when given.
        workers: unused since annexes are drawn on a canvas in this process (kept for callers).

    Returns:
        The PDF: A4, the decree's margins, page numbers in the top margin from page 2, annex tables
        with their header on every page.
    """
    draft = not ranking.published
    narrative = write_narrative(ranking, index766=index766) if document.include_narrative else None
    main = env.get_template("decision.html").render(
        title=document.summary,
        css="\n".join([font_faces_css(), page_css("portrait"), stylesheet("decree.css")]),
        draft=draft,
        doc=document,
        number_line=document_number(document.number, document.symbol),
        date_line=place_and_date(document.place, document.issued_on, year=today().year),
        articles=_articles(ranking, document, narrative),
    )
    annexes = [
        _plan_annex(ranking, document, g, i, draft=draft)
        for i, g in enumerate(
            [g for g in ranking.groups if any(a.group == g.code for a in ranking.agencies)], start=1
        )
    ]
    pdfs = render_parts([Part(main)], rebuild=lambda _i, _first: main, workers=0)
    for annex in annexes:
        drawn, _count = draw_annex(annex)
        pdfs.append(drawn)
    return join_pdfs(pdfs, title=f"{document.doc_type} – {document.summary}")


__all__ = ["PARALLEL_FROM_PAGES", "annex_note", "render_ranking_pdf"]
