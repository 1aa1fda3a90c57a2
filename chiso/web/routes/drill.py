"""The live 766 drill-down pages: province -> group of metrics -> agency -> metric -> procedure.

Web layer; each page calls one function of chiso.flows.drill766 and renders `monitoring/drill.html`
(bars per child drawn from the model's own figures). The province, group and agency levels are public
like the live board; the procedures and dossiers behind a rate need a staff login. One CSV/Excel route
downloads any level's whole table (every agency, every dossier).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chiso.flows import drill766 as flow
from chiso.web.deps import require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import table_download
from chiso.web.routes.monitoring import period_choices

router = APIRouter()
register_messages(
    {
        "Phân tích chi tiết 766": "766 drill-down",
        "Toàn tỉnh": "Whole province",
        "Nhóm chỉ số": "Metric group",
        "Chỉ số": "Metric",
        "Thủ tục": "Procedure",
        "Điểm": "Points",
        "Tối đa": "Maximum",
        "Tử số": "Numerator",
        "Mẫu số": "Denominator",
        "Tỷ lệ": "Rate",
        "Hồ sơ không đạt": "Dossiers missed",
        "Hồ sơ trễ hạn và hồ sơ không đạt": "Late and missed dossiers",
        "Mã hồ sơ": "Dossier id",
        "Tiếp nhận": "Received",
        "Hẹn trả": "Due",
        "Có kết quả": "Finished",
        "Trạng thái": "Status",
        "Đạt": "Counted",
        "Không đạt": "Missed",
        "Chỉ hồ sơ không đạt": "Missed dossiers only",
        "Mọi hồ sơ": "Every dossier",
        "Xem hồ sơ": "See the dossiers",
        "Tải CSV": "Download CSV",
        "Tải Excel": "Download Excel",
        "Đang hiện": "Showing",
        "trên": "of",
        "tải tệp để xem đủ": "download the file for all",
        "Loại cơ quan": "Kind of agency",
        "Tất cả": "All",
        "Tìm cơ quan": "Find an agency",
        "Xem": "Show",
        "Kỳ": "Period",
        "Số liệu lúc": "Figures as of",
        "Điểm theo nhóm chỉ số": "Points per metric group",
        "Điểm của các cơ quan": "Points of the agencies",
        "Điểm theo chỉ số": "Points per metric",
        "Hồ sơ không đạt theo thủ tục": "Missed dossiers per procedure",
        "Hồ sơ": "Dossiers",
        "Bảng giám sát 766": "Live 766 board",
        "Xếp loại": "Band",
        "Hạng": "Rank",
        "Không có hồ sơ nào.": "No dossier.",
        "Cần đăng nhập để xem thủ tục và hồ sơ": "Log in to see the procedures and dossiers",
        "Chưa có dữ liệu": "No data",
        "Tháng, quý hoặc năm": "Month, quarter or year",
    }
)
STATUS_VI = {
    "received": "Mới tiếp nhận", "processing": "Đang giải quyết", "waiting_supplement": "Chờ bổ sung",
    "finished": "Đã có kết quả", "returned": "Đã trả kết quả", "refused": "Từ chối", "withdrawn": "Đã rút",
}  # fmt: skip
register_messages(
    {
        "Mới tiếp nhận": "Received",
        "Đang giải quyết": "In progress",
        "Chờ bổ sung": "Waiting for documents",
        "Đã có kết quả": "Finished",
        "Đã trả kết quả": "Returned",
        "Từ chối": "Refused",
        "Đã rút": "Withdrawn",
    }  # fmt: skip
)


def _labels(request: Request, drill: flow.Drill) -> dict[str, Any]:
    return {"status_vi": STATUS_VI, "period_choices": period_choices(drill.as_of.date())}


PeriodQ = Annotated[str | None, Query(description="2026-06, 2026-Q2 or 2026; default this month")]
ShowQ = Annotated[Literal["missed", "all"], Query(description="missed dossiers only, or all")]


@page(router, "/monitoring/drill", template="monitoring/drill.html", action="view-monitoring", name="drill",
      context=_labels, tags=["monitoring"])  # fmt: skip
def drill_province(period: PeriodQ = None) -> flow.Drill:
    """Show the province's live 766 total and its six groups of metrics; each group opens its agencies."""
    return flow.get_province(period or None)


@page(router, "/monitoring/drill/{group}", template="monitoring/drill.html", action="view-monitoring",
      name="drill", context=_labels, tags=["monitoring"])  # fmt: skip
def drill_group(
    group: str,
    period: PeriodQ = None,
    kind: Annotated[str | None, Query(description="agency kind: department, district, commune...")] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of an agency's code or name")] = None,
) -> flow.Drill:
    """Show every agency's points in one group of metrics, weakest first; each opens its metrics."""
    return flow.get_group(group, period or None, kind=kind or None, search=q)


@page(router, "/monitoring/drill/{group}/{agency}", template="monitoring/drill.html",
      action="view-monitoring", name="drill", context=_labels, tags=["monitoring"])  # fmt: skip
def drill_agency(group: str, agency: str, period: PeriodQ = None) -> flow.Drill:
    """Show one agency's metrics of a group: counts, rate, points and the dossiers missed."""
    return flow.get_agency(group, agency, period or None)


@page(router, "/monitoring/drill/{group}/{agency}/{metric}", template="monitoring/drill.html",
      action="view-dossier-drilldown", name="drill", context=_labels, tags=["monitoring"])  # fmt: skip
def drill_metric(
    group: str, agency: str, metric: str, period: PeriodQ = None, show: ShowQ = "missed"
) -> flow.Drill:
    """Show an agency's metric per procedure and the dossiers behind it (the late ones by default)."""
    return flow.get_metric_drill(group, agency, metric, period or None, show=show)


@page(router, "/monitoring/drill/{group}/{agency}/{metric}/{procedure}", template="monitoring/drill.html",
      action="view-dossier-drilldown", name="drill", context=_labels, tags=["monitoring"])  # fmt: skip
def drill_procedure(
    group: str, agency: str, metric: str, procedure: str, period: PeriodQ = None, show: ShowQ = "all"
) -> flow.Drill:
    """Show the dossiers of one procedure behind an agency's metric, the missed ones marked."""
    return flow.get_procedure_drill(group, agency, metric, procedure, period or None, show=show)


@router.get("/monitoring/drill.{fmt}", dependencies=[require("view-monitoring")], tags=["monitoring"])
def drill_download(
    fmt: Literal["csv", "xlsx"],
    period: PeriodQ = None,
    group: Annotated[str | None, Query()] = None,
    agency: Annotated[str | None, Query()] = None,
) -> Response:
    """Download a level of the drill-down (province, group or agency) as CSV or Excel; empty = no data."""
    name, rows = flow.drill_table(period or None, group=group or None, agency=agency or None)
    columns = list(rows[0]) if rows else ["period", "level", "parent", "code"]
    return table_download(rows, columns, filename=name, fmt=fmt)


@router.get("/monitoring/drill-dossiers.{fmt}", dependencies=[require("view-dossier-drilldown")],
            tags=["monitoring"])  # fmt: skip
def drill_dossiers_download(
    fmt: Literal["csv", "xlsx"],
    group: Annotated[str, Query()],
    agency: Annotated[str, Query()],
    metric: Annotated[str, Query()],
    period: PeriodQ = None,
    procedure: Annotated[str | None, Query()] = None,
) -> Response:
    """Download every dossier behind an agency's metric (one procedure's when given), times in local time."""
    name, rows = flow.drill_table(
        period or None, group=group, agency=agency, metric=metric, procedure=procedure
    )
    columns = list(rows[0]) if rows else ["period", "agency_code", "indicator_code", "dossier_id"]
    return table_download(rows, columns, filename=name, fmt=fmt)
