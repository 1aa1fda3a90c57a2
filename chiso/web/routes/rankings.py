"""Published rankings (public): the list of periods, one period's ranking with its chart, downloads.

Web layer: each route calls one service of chiso.assessment (overview, publication) and renders.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chiso.assessment import evidence, overview, publication
from chiso.assessment.schemas import PublishedPeriod, Ranking, RankingPage
from chiso.reports.charts import ranking_chart_svg
from chiso.web.deps import DbSession, require
from chiso.web.i18n import gettext_for, register_messages
from chiso.web.pages import page
from chiso.web.rendering import attachment, lang_of

router = APIRouter()
CHART_TITLES = ("Xếp loại", "Nhóm", "Số đơn vị theo xếp loại", "Số đơn vị", "Phân bố tổng điểm", "Tổng điểm")
register_messages({"Số đơn vị theo xếp loại": "Agencies per band", "Số đơn vị": "Agencies",
                   "Phân bố tổng điểm": "Spread of totals"})  # fmt: skip
register_messages({
    "Khoảng hạng 5–95%": "Rank interval 5–95%", "trung vị": "median", "Trung vị": "Median",
    "hạng ổn định": "rank is firm", "Phân vị 5–95%": "5th–95th percentile",
    "lần mô phỏng": "replications", "Độ nhạy của xếp hạng": "Sensitivity of the ranking",
    "Khoảng hạng: trong 90% các phương án hợp lý của giả định (trọng số, cách xử lý thiếu số liệu...), "
    "hạng của đơn vị nằm trong khoảng này.": "Rank interval: in 90% of the plausible variants of the "
    "assumptions (weights, how missing data count...), the agency's rank lies in this range.",
    "Kết quả này được công bố không kèm khoảng hạng": "These results were published without rank intervals",
})  # fmt: skip


@page(router, "/rankings", template="assessment/rankings.html", action="view-rankings", name="published",
      tags=["rankings"])  # fmt: skip
def rankings_page(db: DbSession) -> list[PublishedPeriod]:
    """List the periods with published rankings."""
    return overview.published_periods(db)


@router.get("/rankings/{code}.{fmt}", dependencies=[require("view-rankings")], tags=["rankings"])
def ranking_download(
    db: DbSession,
    code: str,
    fmt: Literal["csv", "xlsx"],
    group: str | None = None,
    revision: int | None = None,
) -> Response:
    """Download a published ranking as CSV or Excel."""
    ranking = publication.get_ranking(db, period_code=code, group=group, revision=revision)
    media = "text/csv; charset=utf-8" if fmt == "csv" else evidence.ALLOWED_TYPES["xlsx"][0]
    name = f"xep-hang-{code}{'-' + group if group else ''}.{fmt}"
    return Response(
        publication.export_ranking(ranking, fmt=fmt),
        media_type=media,
        headers=attachment(name),
    )


def _ranking_context(request: Request, ranking: RankingPage) -> dict[str, Any]:
    """Draw the ranking's chart (agencies per band per group, spread of totals) from the page's own rows."""
    _ = gettext_for(lang_of(request))
    rows = [
        {"group": r.group, "total": r.total, "band": r.band, "agency": r.agency_name_vi} for r in ranking.rows
    ]
    chart = ranking_chart_svg(rows, labels={t: _(t) for t in CHART_TITLES})
    return {"groups": ranking.groups, "revisions": ranking.revisions, "preview": False, "chart": chart,
            "group_sizes": group_sizes(ranking)}  # fmt: skip


def group_sizes(ranking: Ranking) -> dict[str, int]:
    """Ranks a group's interval bar spans: its agencies (or the worst rank any interval reaches)."""
    sizes: dict[str, int] = {}
    for row in ranking.rows:
        sizes[row.group] = max(sizes.get(row.group, 0) + 1, row.rank_high or 0)
    return sizes


@page(router, "/rankings/{code}", template="assessment/ranking.html", action="view-rankings", name="ranking",
      context=_ranking_context, tags=["rankings"])  # fmt: skip
def ranking_page(
    db: DbSession, code: str, group: str | None = None, revision: int | None = None
) -> RankingPage:
    """Show the published ranking of a period and group: rank, agency, total, band, changes."""
    return publication.ranking_page(db, period_code=code, group=group, revision=revision)
