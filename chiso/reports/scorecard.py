"""An agency's own scorecard as a 1-2 page PDF: the certificate it files with its records.

Domain layer (reports room): takes the plain inputs of `chiso.reports.schemas` and returns PDF bytes;
nothing from web, flows or assessment. Shows the total, rank n of N, band, change, points per pillar
against the group's mean and best (table and chart) and the strongest and weakest criteria.
"""

from __future__ import annotations

import base64
from typing import Any

from chiso.errors import NotFound
from chiso.reports.charts import pillar_profile_spec, render_png
from chiso.reports.pdf import env, font_faces_css, page_css, render_html, stylesheet
from chiso.reports.schemas import AgencyResult, DocumentInfo, Lang, RankingInput
from chiso.reports.stats import criterion_max, group_pillar_stats
from chiso.reports.text import (
    band_label,
    document_number,
    fmt_points,
    pick,
    place_and_date,
    publication_status,
)

TEXT = {
    "vi": {
        "heading": "Phiếu kết quả đánh giá",
        "code": "mã",
        "total": "Tổng điểm",
        "rank": "Xếp hạng",
        "band": "Xếp loại",
        "change": "So với kỳ trước",
        "pillars": "Điểm các chỉ số chính",
        "pillar": "Chỉ số chính",
        "points": "Điểm",
        "max": "Tối đa",
        "mean": "TB nhóm",
        "best": "Cao nhất nhóm",
        "gap": "So với TB",
        "strongest": "Tiêu chí mạnh nhất",
        "weakest": "Tiêu chí cần cải thiện",
        "criterion": "Tiêu chí",
    },
    "en": {
        "heading": "Assessment scorecard",
        "code": "code",
        "total": "Total",
        "rank": "Rank",
        "band": "Band",
        "change": "Against the previous period",
        "pillars": "Points per pillar",
        "pillar": "Pillar",
        "points": "Points",
        "max": "Max",
        "mean": "Group mean",
        "best": "Group best",
        "gap": "Against mean",
        "strongest": "Strongest criteria",
        "weakest": "Criteria to improve",
        "criterion": "Criterion",
    },
}


def find_agency(ranking: RankingInput, agency_code: str) -> AgencyResult:
    """Return one agency of the ranking.

    Raises:
        NotFound: the agency is not in this ranking.
    """
    for a in ranking.agencies:
        if a.agency_code == agency_code:
            return a
    raise NotFound(
        f"Đơn vị {agency_code} không có trong kết quả kỳ {ranking.period.code}",
        f"Agency {agency_code} is not in the results of period {ranking.period.code}",
    )


def _criteria(
    ranking: RankingInput, agency: AgencyResult, lang: Lang, count: int = 3
) -> tuple[list[Any], list[Any]]:
    """Return the strongest and weakest criteria by share of their maximum (framework order breaks ties)."""
    maxima, order = criterion_max(ranking), {c.code: i for i, c in enumerate(ranking.framework.criteria)}
    names = {c.code: pick(c.name_vi, c.name_en, lang) for c in ranking.framework.criteria}
    scored = [c for c in agency.criteria if c.code in maxima and maxima[c.code] > 0]
    share = {c.code: (c.points or 0.0) / maxima[c.code] for c in scored}
    d = ranking.framework.decimals

    def rows(items: list[Any]) -> list[dict[str, str]]:
        return [
            {
                "name": f"{names[c.code]} ({c.code})",
                "points": fmt_points(c.points, d, lang),
                "max": fmt_points(maxima[c.code], d, lang),
            }
            for c in items
        ]

    count = min(count, len(scored) // 2)  # a criterion is never both strongest and weakest
    best = sorted(scored, key=lambda c: (-share[c.code], order[c.code]))[:count]
    worst = sorted(scored, key=lambda c: (share[c.code], order[c.code]))[:count]
    return rows(best), rows(worst)


def _pillar_rows(ranking: RankingInput, agency: AgencyResult, lang: Lang) -> list[dict[str, str]]:
    """Return each pillar's points against the group's mean and best, as shown."""
    fw, d = ranking.framework, ranking.framework.decimals
    stats = {s.code: s for s in group_pillar_stats(ranking, agency.group)}
    pillars = []
    for p in fw.pillars:
        mine, s = agency.pillars.get(p.code), stats[p.code]
        gap = None if mine is None or s.mean is None else mine - s.mean
        pillars.append(
            {
                "name": pick(p.name_vi, p.name_en, lang),
                "points": fmt_points(mine, d, lang),
                "max": fmt_points(p.max_points, d, lang),
                "mean": fmt_points(s.mean, d, lang),
                "best": fmt_points(s.best, d, lang),
                "gap": fmt_points(gap, d, lang, signed=True),
            }
        )
    return pillars


def render_scorecard_pdf(
    ranking: RankingInput, agency_code: str, *, document: DocumentInfo | None = None, lang: Lang = "vi"
) -> bytes:
    """Render one agency's scorecard (1-2 A4 pages) and return the PDF bytes.

    Args:
        ranking: the ranking the agency belongs to (its group gives the mean and best).
        agency_code: the agency.
        document: the issuing body, place and date for the national header, when the scorecard is issued.
        lang: "vi" (default) or "en".

    Raises:
        NotFound: the agency is not in the ranking.
    """
    agency, fw, t = find_agency(ranking, agency_code), ranking.framework, TEXT[lang]
    d = fw.decimals
    group = next(g for g in ranking.groups if g.code == agency.group)
    size = sum(1 for a in ranking.agencies if a.group == agency.group)
    pillars = _pillar_rows(ranking, agency, lang)
    chart = (
        "data:image/png;base64,"
        + base64.b64encode(render_png(pillar_profile_spec(ranking, agency_code, lang=lang))).decode()
    )
    strongest, weakest = _criteria(ranking, agency, lang)
    move = ""
    if agency.previous_rank is not None and agency.rank is not None:
        move = pick(
            f"hạng {agency.previous_rank} → {agency.rank}",
            f"rank {agency.previous_rank} → {agency.rank}",
            lang,
        )
    published = publication_status(ranking, lang)
    css = "\n".join(
        [
            font_faces_css(),
            page_css("portrait"),
            stylesheet("decree.css"),
            stylesheet("report.css"),
        ]
    )
    html = env.get_template("scorecard.html").render(
        title=f"{t['heading']} — {agency.name_vi}",
        css=css,
        draft=not ranking.published,
        doc=document,
        t=t,
        number_line=document_number(document.number, document.symbol) if document else "",
        date_line=place_and_date(document.place, document.issued_on) if document else "",
        framework_name=pick(fw.name_vi, fw.name_en, lang),
        period_name=pick(ranking.period.name_vi, ranking.period.name_en, lang),
        agency=agency,
        agency_name=pick(agency.name_vi, agency.name_en, lang),
        group_name=pick(group.name_vi, group.name_en, lang),
        total=fmt_points(agency.total, d, lang),
        max_points=fmt_points(fw.max_points, d, lang),
        rank="—" if agency.rank is None else str(agency.rank),
        rank_of=pick(f"trên {size} đơn vị", f"of {size}", lang),
        band=band_label(agency.band, fw.bands, lang),
        change=fmt_points(agency.points_change, d, lang, signed=True),
        rank_move=move,
        pillars=pillars,
        chart=chart,
        strongest=strongest,
        weakest=weakest,
        footer=f"{published} · {fw.id} {fw.version}",
    )
    return render_html(html)[0]
