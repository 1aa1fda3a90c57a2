"""The live service-quality board (Decision 766, current month) and its JSON twin.

Web layer; calls chiso.monitoring.live (the service) and chiso.units.agencies for names and
parents, never SQL. The page's `board` block refreshes itself with htmx every 2 seconds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chiso.config import get_settings
from chiso.monitoring.live import LiveBoard, get_live_board, now_in_vietnam
from chiso.units.agencies import search_agencies
from chiso.web.deps import DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import table_download

router = APIRouter()
register_messages(
    {
        "Giám sát chất lượng phục vụ theo thời gian thực (Bộ chỉ số 766)": "Live service-quality monitor "
        "(Decision 766 index)",
        "Tháng": "Month",
        "Cập nhật lúc": "Updated at",
        "Tự làm mới mỗi 2 giây": "Refreshes itself every 2 seconds",
        "Hạng": "Rank",
        "Cơ quan": "Agency",
        "Tổng điểm": "Total",
        "Xếp loại": "Band",
        "Hồ sơ tiếp nhận": "Dossiers received",
        "Xu hướng": "Trend",
        "Chưa có dữ liệu hồ sơ cho tháng này.": "No dossier data for this month yet.",
        "Công khai, minh bạch": "Transparency",
        "Tiến độ giải quyết": "Timeliness",
        "Dịch vụ công trực tuyến": "Online services",
        "Số hóa hồ sơ": "Digitisation",
        "Mức độ hài lòng": "Satisfaction",
        "Thanh toán trực tuyến": "Online payment",
        "Sắp xếp theo": "Sort by",
        "Nhóm": "Group",
        "Hạng trong nhóm": "Rank within the group",
    }
)


def _agencies(db: DbSession) -> pd.DataFrame | None:
    # Only agencies that exist this month: the districts abolished in 2025 have no current board.
    rows = search_agencies(db, on=now_in_vietnam().date())
    if not rows:
        return None
    return pd.DataFrame(
        {
            "agency_code": [a.code for a in rows],
            "name": [a.name_vi for a in rows],
            "parent_code": [a.parent.code if a.parent is not None else None for a in rows],
            "level": [a.kind for a in rows],
        }
    )


def build_live_board(db: DbSession, sort: str, order: str) -> LiveBoard:
    """Return the live board of the current month, agencies named and rolled up as registered."""
    return get_live_board(data_dir=get_settings().data_dir, sort=sort, order=order, agencies=_agencies(db))


def sparkline(values: list[float | None], width: int = 90, height: int = 22) -> str:
    """Return the `points` of an SVG polyline for a trend (0-100 scale, missing months skipped)."""
    n = len(values)
    if n == 0:
        return ""
    step = width / max(n - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - (v / 100.0) * height:.1f}" for i, v in enumerate(values) if v is not None
    )


def _board_context(request: Request, board: LiveBoard) -> dict[str, Any]:
    return {"sparkline": sparkline}


@page(router, "/monitoring/live", template="monitoring/live.html", action="view-monitoring", name="board",
      block="board", context=_board_context, tags=["monitoring"])  # fmt: skip
def live_page(
    db: DbSession,
    sort: Annotated[str, Query()] = "rank",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
) -> LiveBoard:
    """Show every agency's 766 score and components for the current month; htmx gets the board only."""
    return build_live_board(db, sort, order)


@router.get(
    "/monitoring/live.{fmt}", dependencies=[require("view-monitoring")], tags=["monitoring"],
)  # fmt: skip
def live_download(db: DbSession, fmt: Literal["csv", "xlsx"]) -> Response:
    """Download the live board of the current month (one row per agency, points per group) as CSV or Excel."""
    board = build_live_board(db, "rank", "asc")
    groups = [str(g["code"]) for g in board.groups]
    columns = ["period", "level", "rank", "agency_code", "name", "total", "band", *groups, "received"]
    rows = [
        {
            "period": board.period, "level": r.level, "rank": r.rank, "agency_code": r.agency_code,
            "name": r.name, "total": r.total, "band": r.band, "received": r.received,
            **{g: r.components.get(g) for g in groups},
        }
        for r in board.rows
    ]  # fmt: skip
    return table_download(rows, columns, filename=f"giam-sat-766-{board.period}", fmt=fmt)
