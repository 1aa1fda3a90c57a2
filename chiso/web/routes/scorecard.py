"""An agency's scorecard page (public once published; a draft for the secretariat and leaders) and its
criterion table as CSV or Excel.

Web layer: each route calls chiso.flows.scorecard and renders; the chart is drawn from the model's own
pillars (`_chart`), the download goes through `table_download` (the formula guard).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chiso.flows import scorecard as flow
from chiso.web.deps import CurrentUser, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import table_download

router = APIRouter()
register_messages(
    {
        "Phiếu điểm": "Scorecard",
        "Tổng điểm": "Total",
        "Xếp hạng trong nhóm": "Rank in group",
        "So với kỳ trước": "Against the previous period",
        "điểm": "points",
        "hạng": "rank",
        "Điểm các chỉ số chính so với nhóm": "Points per pillar against the group",
        "TB nhóm": "Group mean",
        "Trung vị nhóm": "Group median",
        "Cao nhất nhóm": "Group best",
        "Tối đa": "Maximum",
        "Điểm của đơn vị": "The agency's points",
        "Điểm theo tiêu chí": "Points per criterion",
        "Tiêu chí": "Criterion",
        "Kỳ trước": "Previous period",
        "Thay đổi": "Change",
        "So với trung vị": "Against the median",
        "Điểm mạnh": "Strengths",
        "Điểm yếu": "Weaknesses",
        "cao hơn trung vị nhóm": "above the group median",
        "thấp hơn trung vị nhóm": "below the group median",
        "Không có tiêu chí nào cao hơn trung vị nhóm.": "No criterion is above the group median.",
        "Không có tiêu chí nào thấp hơn trung vị nhóm.": "No criterion is below the group median.",
        "Tải phiếu điểm (PDF)": "Download the scorecard (PDF)",
        "Tải bảng (CSV)": "Download the table (CSV)",
        "Tải bảng (Excel)": "Download the table (Excel)",
        "Điều gì giúp tăng hạng": "What would raise the rank",
        "tiêu chí mới, kỳ trước chưa có": "new criterion, not assessed last period",
        "Kế thừa từ": "Succeeds",
        "Kỳ đánh giá": "Assessment period",
        "Xem": "Show",
        "DỰ THẢO — kỳ chưa công bố": "DRAFT — the period is not published",
        "mới": "new",
        "Chỉ số chính": "Pillar",
        "Điểm": "Points",
        "kết quả đánh giá kỳ công bố gần nhất": "results of the latest published period",
        "Xếp loại": "Band",
        "Nhóm": "Group",
        "Cơ quan, đơn vị": "Agency",
    }
)
SERIES = (("mean", "TB nhóm"), ("median", "Trung vị nhóm"), ("best", "Cao nhất nhóm"))


def _chart(request: Request, card: flow.Scorecard) -> dict[str, Any]:
    """Lay out the pillar bars (percent of each pillar's maximum) from the page's own figures."""
    bars = []
    for p in card.pillars:
        scale = 100.0 / p.max_points if p.max_points else 0.0
        bars.append(
            {
                "pillar": p,
                "width": (p.points or 0.0) * scale,
                "marks": [
                    (key, label, getattr(p, key) * scale)
                    for key, label in SERIES
                    if getattr(p, key) is not None
                ],
            }
        )
    return {"bars": bars, "by_code": {c.code: c for c in card.criteria}}


@page(
    router,
    "/agencies/{code}/scorecard",
    template="agencies/scorecard.html",
    action="view-rankings",
    name="card",
    context=_chart,
    tags=["rankings"],
)
def scorecard_page(
    db: DbSession,
    viewer: CurrentUser,
    code: str,
    period: Annotated[str | None, Query(description="period code; default the latest published")] = None,
) -> flow.Scorecard:
    """Show an agency's scorecard: total, rank n / N, band, change, pillars and criteria against its group."""
    return flow.get_scorecard(db, agency_code=code, period_code=period or None, actor=viewer.user)


@router.get("/agencies/{code}/scorecard.{fmt}", dependencies=[require("view-rankings")], tags=["rankings"])
def scorecard_download(
    db: DbSession,
    viewer: CurrentUser,
    code: str,
    fmt: Literal["csv", "xlsx"],
    period: Annotated[str | None, Query()] = None,
) -> Response:
    """Download the scorecard's criterion table as CSV or Excel (empty cells = no data)."""
    card = flow.get_scorecard(db, agency_code=code, period_code=period or None, actor=viewer.user)
    rows = flow.criterion_table(card)
    columns = list(rows[0]) if rows else ["period", "agency_code", "criterion_code"]
    return table_download(rows, columns, filename=f"phieu-diem-{card.period.code}-{code}", fmt=fmt)
