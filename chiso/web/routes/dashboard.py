"""The leader's dashboard (`/dashboard`), its JSON twin and the download of each of its tables.

Web layer: calls chiso.flows.dashboard and renders; the charts are drawn here from the model's own
figures (chiso.web.svg). The month's live board is waited for on the event loop before a database
slot is taken, as the live page does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from chiso.flows import dashboard as flow
from chiso.flows.dashboard_models import Dashboard
from chiso.flows.live import wait_for_board
from chiso.web import svg
from chiso.web.deps import CurrentActor, CurrentUser, DbSession, require
from chiso.web.i18n import KIND_LABELS, gettext_for, register_messages
from chiso.web.pages import page
from chiso.web.rendering import lang_of, table_download


async def board_ready(request: Request, viewer: CurrentUser) -> None:
    """Wait, without a database slot or a thread, until the asked month's first live board exists.

    Only for those who may see the dashboard: anyone else gets the route's 403 without a computation.
    """
    if viewer.can("view-dashboard"):
        await wait_for_board(request.query_params.get("month") or None)


router = APIRouter(dependencies=[Depends(board_ready)])
register_messages(
    {
        "Bảng điều hành": "Dashboard",
        "Bảng điều hành toàn tỉnh": "Province dashboard",
        "Điểm Bộ chỉ số 766": "766 index total",
        "Tháng này": "This month",
        "Tháng trước": "Last month",
        "Cùng kỳ năm trước": "Same month last year",
        "Chỉ tiêu": "Target",
        "Đạt": "Met",
        "Không đạt": "Missed",
        "Chỉ số chính": "Key figures",
        "Chỉ số": "Figure",
        "Giá trị": "Value",
        "So với tháng trước": "Against last month",
        "So với cùng kỳ": "Against last year",
        "Tỷ lệ dịch vụ công trực tuyến và đúng hạn": "Online-service and on-time rates",
        "Tỷ lệ hồ sơ trực tuyến toàn trình": "Full-online dossiers",
        "Tỷ lệ hồ sơ nộp trực tuyến": "Dossiers submitted online",
        "Tỷ lệ hồ sơ thanh toán trực tuyến": "Dossiers paid online",
        "Tỷ lệ hồ sơ giải quyết đúng hạn": "Dossiers settled on time",
        "Điểm theo nhóm tiêu chí (% điểm tối đa)": "Points per group (% of the maximum)",
        "Tỷ lệ cơ quan theo xếp loại": "Share of agencies per band",
        "Loại cơ quan": "Kind of agency",
        "Số cơ quan": "Agencies",
        "Chưa có dữ liệu": "No data",
        "Cần chú ý trước": "Needs attention first",
        "Chỉ số không đạt chỉ tiêu": "Figures below target",
        "Cơ quan không đạt chỉ tiêu": "Agencies below target",
        "Có nguy cơ không đạt": "At risk of missing",
        "Giảm điểm nhanh nhất": "Falling fastest",
        "Chậm nộp tự đánh giá": "Late self-assessments",
        "Loại": "Kind",
        "Cơ quan": "Agency",
        "Nội dung": "What",
        "Chênh lệch": "Gap",
        "Kỳ": "Period",
        "Không có mục nào cần chú ý.": "Nothing needs attention.",
        "Xu hướng 12 tháng": "12-month trend",
        "Xu hướng điểm tổng theo loại cơ quan": "Total per kind of agency",
        "Tháng": "Month",
        "Tổng điểm": "Total",
        "Thay đổi": "Change",
        "Cơ quan tiến bộ nhất": "Most improved agencies",
        "Cơ quan giảm nhiều nhất": "Agencies that fell most",
        "Sắp xếp": "Sort",
        "Tiến bộ nhất trước": "Most improved first",
        "Giảm nhiều nhất trước": "Largest fall first",
        "Đầu kỳ": "Start",
        "Thay đổi 12 tháng": "12-month change",
        "Các năm đã công bố": "Published years",
        "đổi công thức": "formula changed",
        "Công thức thay đổi so với năm trước: không so sánh điểm qua mốc này.": (
            "The formula changed from the year before: points are not compared across this mark."
        ),
        "Bộ chỉ số": "Framework",
        "Điểm trung bình": "Mean total",
        "Chỉ số DTI mới nhất theo nhóm và chỉ số chính": "Latest yearly index per group and pillar",
        "Nhóm": "Group",
        "Năm trước": "Year before",
        "Năm nay": "This year",
        "Xuất sắc": "Excellent",
        "Tốt": "Good",
        "Khá": "Fair",
        "Trung bình": "Average",
        "Yếu": "Weak",
        "Tải bảng (CSV)": "Download the table (CSV)",
        "Tải CSV": "Download CSV",
        "Bản tin lãnh đạo (PDF)": "Leader brief (PDF)",
        "Bản tin lãnh đạo tháng": "Leader brief of",
        "Xem bảng giám sát 766": "Open the live 766 board",
        "Số liệu đến": "Figures as of",
        "Chưa có kỳ đánh giá nào được công bố.": "No assessment period is published yet.",
        "Xem": "Show",
        "Trung bình toàn tỉnh": "Province mean",
        "Dữ liệu biểu đồ": "Chart data",
        "Tỉnh": "Province",
        "điểm": "points",
    }
)
RED_KINDS = {
    "indicator": "Chỉ số không đạt chỉ tiêu",
    "missed": "Cơ quan không đạt chỉ tiêu",
    "at_risk": "Có nguy cơ không đạt",
    "falling": "Giảm điểm nhanh nhất",
    "late": "Chậm nộp tự đánh giá",
}


def _pct(value: float | None, most: float | None) -> float | None:
    return None if value is None or not most else 100.0 * value / most


def _charts(request: Request, dash: Dashboard) -> dict[str, Any]:
    """Draw the charts from the model's own figures, in the page's language."""
    lang = lang_of(request)
    _ = gettext_for(lang)

    def name(vi: str, en: str) -> str:
        return en or vi if lang == "en" else vi

    def kind(level: str | None) -> str:
        return _(KIND_LABELS.get(level or "", level or "—"))

    points = [f for f in dash.figures if f.unit == "points"]
    rates = [f for f in dash.figures if f.unit == "percent"]
    when = [_("Tháng này"), _("Tháng trước"), _("Cùng kỳ năm trước")]
    figures = svg.grouped_bars(
        [(name(f.name_vi, f.name_en), [_pct(f.value, f.max_points), _pct(f.last_month, f.max_points),
                                       _pct(f.last_year, f.max_points)]) for f in points],
        when, title=_("Điểm theo nhóm tiêu chí (% điểm tối đa)"),
    )  # fmt: skip
    rate_chart = svg.grouped_bars(
        [(name(f.name_vi, f.name_en), [f.value, f.last_month, f.last_year]) for f in rates],
        when, title=_("Tỷ lệ dịch vụ công trực tuyến và đúng hạn"),
    )  # fmt: skip
    bands = svg.stacked_shares(
        [(kind(b.level), [b.shares.get(x) for x in dash.bands]) for b in dash.band_shares],
        [_(b) for b in dash.bands], title=_("Tỷ lệ cơ quan theo xếp loại"),
    )  # fmt: skip
    months = [p.month for p in dash.trend]
    maxima = {g.code: g.max_points for g in dash.groups}
    trend = svg.lines(
        months,
        [(_("Tổng điểm"), [p.total for p in dash.trend])]
        + [(name(g.name_vi, g.name_en), [_pct(p.groups.get(g.code), maxima[g.code]) for p in dash.trend])
           for g in dash.groups],
        title=_("Xu hướng 12 tháng"),
    )  # fmt: skip
    levels = svg.lines(
        months,
        [(kind(t.level), t.values) for t in dash.level_trends],
        title=_("Xu hướng điểm tổng theo loại cơ quan"),
    )
    group_names = {g.code: name(g.name_vi, g.name_en) for y in dash.years for g in y.groups}
    years = svg.lines(
        [y.period_code for y in dash.years],
        [(group_names[c], [next((g.mean for g in y.groups if g.code == c), None) for y in dash.years])
         for c in group_names],
        title=_("Các năm đã công bố"), breaks=[i for i, y in enumerate(dash.years) if y.formula_break],
        break_label=_("đổi công thức"),
    )  # fmt: skip
    dti = svg.grouped_bars(
        [(f"{d.group_code} · {name(d.node_name_vi, d.node_name_en)}",
          [_pct(d.mean, d.max_points), _pct(d.previous_mean, d.max_points)]) for d in dash.dti],
        [dash.dti_period or "", dash.dti_previous_period or _("Năm trước")],
        title=_("Chỉ số DTI mới nhất theo nhóm và chỉ số chính"),
    )  # fmt: skip
    return {
        "charts": {"figures": figures, "rates": rate_chart, "bands": bands, "trend": trend, "levels": levels,
                   "years": years, "dti": dti},
        "red_kinds": RED_KINDS,
        "name": name,
    }  # fmt: skip


@page(router, "/dashboard", template="dashboard/dashboard.html", action="view-dashboard", name="dash",
      context=_charts, tags=["dashboard"])  # fmt: skip
def dashboard_page(
    db: DbSession,
    actor: CurrentActor,
    month: Annotated[str | None, Query(description="YYYY-MM; default this month to date")] = None,
    sort: Annotated[Literal["improvement", "decline"], Query(description="movers' order")] = "improvement",
) -> Dashboard:
    """Show the province's key figures, what needs attention first, the trends and the published years."""
    return flow.get_dashboard(db, actor=actor, month=month or None, sort=sort)


@router.get("/dashboard/{table}.{fmt}", dependencies=[require("view-dashboard")], tags=["dashboard"])
def dashboard_download(
    db: DbSession,
    actor: CurrentActor,
    table: Literal["figures", "bands", "trend", "levels", "movers", "red", "years", "dti"],
    fmt: Literal["csv", "xlsx"],
    month: Annotated[str | None, Query()] = None,
    sort: Annotated[Literal["improvement", "decline"], Query()] = "improvement",
) -> Response:
    """Download one of the dashboard's tables (every agency for movers and the red list) as CSV or Excel."""
    dash = flow.get_dashboard(db, actor=actor, month=month or None, sort=sort, top=None)
    rows, columns = flow.table_rows(dash, table)
    return table_download(rows, columns, filename=f"bang-dieu-hanh-{table}-{dash.month}", fmt=fmt)
