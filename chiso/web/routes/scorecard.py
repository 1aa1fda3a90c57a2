"""An agency's scorecard page (public once published; a draft for the secretariat and leaders), its
table as CSV or Excel, and its what-if (public for published results).

Web layer: each route calls one flow (chiso.flows.scorecard, chiso.flows.robustness) and renders; the
charts are drawn from the model's own figures (`_chart`), the download goes through `table_download`
(the formula guard).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from chiso.flows import robustness
from chiso.flows import scorecard as flow
from chiso.flows.robustness import ChangeIn, PublishedWhatIf, WhatIfOut
from chiso.monitoring.live import GROUPS
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
        "Thứ hạng vững: trong {c}% các cách đặt trọng số hợp lý, đơn vị luôn đứng thứ {r}.": (
            "The rank is firm: in {c}% of plausible weightings the agency is always ranked {r}."
        ),
        "Trong {c}% các cách đặt trọng số hợp lý, thứ hạng của đơn vị nằm trong khoảng {low} đến {high}.": (
            "In {c}% of plausible weightings the agency's rank is between {low} and {high}."
        ),
        "lần mô phỏng": "replications",
        "Chỉ số năm và dịch vụ công 766 hằng tháng": "The yearly index and the monthly 766 service index",
        "Chỉ số năm": "Yearly index",
        "Hạng": "Rank",
        "Kỳ trước chấm theo": "The previous period was scored with",
        "Điểm 766 trực tuyến, 12 tháng": "Live 766 points, 12 months",
        "Số liệu từng tháng": "Figures per month",
        "Tháng": "Month",
        "đến nay": "to date",
        "Chưa có lịch sử điểm 766 của đơn vị.": "No 766 history of the agency yet.",
        "tiêu chí mới hoặc đổi cách chấm: không so sánh với kỳ trước": (
            "a new criterion or a changed scoring: not compared with the previous period"
        ),
        "khung đổi": "framework changed",
        "Điều gì giúp tăng điểm": "What would raise the total",
        "Tiêu chí có thể tăng nhiều điểm nhất, theo mức đơn vị cùng nhóm đã đạt:": (
            "The criteria that could add most points, as far as peers got:"
        ),
        "đơn vị tốt nhất nhóm đạt": "the group's best reached",
        "đơn vị cùng nhóm cao hơn": "of the group's peers score higher",
        "Không đơn vị cùng nhóm nào đạt cao hơn.": "No peer scores higher.",
        "cần": "needs",
        "còn thiếu": "short by",
        "đã đạt": "reached",
        "Vào top": "Into the top",
        "Thử thay đổi giá trị tiêu chí": "Try other criterion values",
        "Nhập giá trị giả định: tổng điểm, hạng, xếp loại mới tính ngay trên số liệu đã công bố.": (
            "Type assumed values: the new total, rank and band, on the published figures."
        ),
        "Giá trị các tiêu chí": "Criterion values",
        "Giá trị đã công bố": "Published value",
        "Giá trị giả định": "Assumed value",
        "Tính": "Compute",
        "Các đơn vị xếp gần": "Agencies ranked nearby",
        "So sánh với": "Compare with",
        "So sánh": "Compare",
        "Đã công bố": "Published",
        "Giả định": "Assumed",
        "tiêu chí thay đổi": "criteria changed",
        "Các đơn vị khác giữ nguyên số liệu đã công bố.": "The other agencies keep their published figures.",
        "Nhập một giá trị để xem kết quả.": "Type a value to see the result.",
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
    return {
        "bars": bars,
        "by_code": {c.code: c for c in card.criteria},
        "live_chart": _live_chart(card),
        "live_groups": GROUPS,
    }


def _live_chart(card: flow.Scorecard) -> dict[str, Any] | None:
    """The live 766 total per month as a polyline (x: months, y: 0-100 points), None without history."""
    months = card.live
    if not months:
        return None
    step = 100.0 / max(1, len(months) - 1)
    points = [
        (i * step, 40.0 - 0.36 * m.total, m) for i, m in enumerate(months) if m.total is not None
    ]  # 100 points fill 36 of the 40 units of height
    return {"points": points, "line": " ".join(f"{x:.2f},{y:.2f}" for x, y, _ in points)}


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
    compare: Annotated[str | None, Query(description="a peer's code, shown side by side")] = None,
    top: Annotated[int, Query(ge=1, le=100, description="N of the group's top N goal")] = 3,
) -> flow.Scorecard:
    """Show an agency's scorecard: total, rank n / N and its interval, band, change, pillars and criteria
    against its group, improvements, neighbours, a chosen peer side by side and the live 766 months."""
    return flow.get_scorecard(
        db, agency_code=code, period_code=period or None, actor=viewer.user, compare=compare or None, top=top
    )


@page(
    router,
    "/agencies/{code}/scorecard/whatif",
    template="agencies/scorecard_whatif.html",
    action="view-rankings",
    name="answer",
    block="answer",
    tags=["rankings"],
)
def scorecard_whatif_page(
    request: Request,
    db: DbSession,
    code: str,
    period: Annotated[str, Query(description="a published period's code")],
) -> PublishedWhatIf:
    """What if some criterion values were different: the agency's new total, rank and band on the frozen
    published inputs, peers unchanged. Values as `c.CRITERION=value` parameters ("" = unchanged)."""
    typed = {k[2:]: v for k, v in request.query_params.items() if k.startswith("c.")}
    return robustness.what_if_typed(db, period_code=period, agency_code=code, typed=typed)


EXAMPLE_CHANGES = {"HT_MANG": {"value": 1}}


@router.post(
    "/api/agencies/{code}/scorecard/whatif",
    response_model=WhatIfOut,
    dependencies=[require("view-rankings")],
    tags=["rankings"],
)
def scorecard_whatif_api(
    db: DbSession,
    code: str,
    period: Annotated[str, Query(description="a published period's code")],
    changes: Annotated[dict[str, ChangeIn], Body(examples=[EXAMPLE_CHANGES])],
) -> WhatIfOut:
    """Score a published agency with some criteria changed, on the frozen published inputs (peers
    unchanged, nothing saved): its total, rank and band before and after."""
    return robustness.what_if_published(db, period_code=period, agency_code=code, changes=changes)


@router.get("/agencies/{code}/scorecard.{fmt}", dependencies=[require("view-rankings")], tags=["rankings"])
def scorecard_download(
    db: DbSession,
    viewer: CurrentUser,
    code: str,
    fmt: Literal["csv", "xlsx"],
    period: Annotated[str | None, Query()] = None,
    compare: Annotated[str | None, Query()] = None,
) -> Response:
    """Download the scorecard as CSV or Excel: a row per criterion, with the group's figures."""
    card = flow.get_scorecard(
        db, agency_code=code, period_code=period or None, actor=viewer.user, compare=compare or None
    )
    rows = flow.criterion_table(card)
    columns = list(rows[0]) if rows else ["period", "agency_code", "criterion_code"]
    return table_download(rows, columns, filename=f"phieu-diem-{card.period.code}-{code}", fmt=fmt)
