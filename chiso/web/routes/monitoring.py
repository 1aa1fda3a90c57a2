"""The live service-quality board (Decision 766) of a month, quarter or year, its JSON twin and downloads.

Web layer; calls chiso.flows.live, never SQL and never a computation. The board is served from the
last computed result: a request for a period whose first board is still being computed waits on the
event loop (the router's dependency runs before the database admission slot is taken), an unchanged
board answers 304 to the page's revalidation (ETag), and the page's script (static/live.js) polls
every 2 s only while the tab is visible.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from chiso.flows.live import get_live_board, peek_live_board, wait_for_board
from chiso.monitoring.live import LiveBoard
from chiso.web.conditional import entity_tag, register_fast_check
from chiso.web.deps import require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import table_download


async def board_ready(request: Request) -> None:
    """Wait, without a database slot or a thread, until the asked period's first board exists."""
    await wait_for_board(request.query_params.get("period") or None)


router = APIRouter(dependencies=[Depends(board_ready)])
register_messages(
    {
        "Giám sát chất lượng phục vụ theo thời gian thực (Bộ chỉ số 766)": "Live service-quality monitor "
        "(Decision 766 index)",
        "Kỳ": "Period",
        "Cập nhật lúc": "Updated at",
        "Tự làm mới mỗi 2 giây khi trang đang mở": "Refreshes every 2 seconds while the page is visible",
        "Hạng": "Rank",
        "Cơ quan": "Agency",
        "Tổng điểm": "Total",
        "Xếp loại": "Band",
        "Hồ sơ tiếp nhận": "Dossiers received",
        "Xu hướng": "Trend",
        "Chưa có dữ liệu hồ sơ cho kỳ này.": "No dossier data for this period yet.",
        "chưa có dữ liệu": "no data",
        "Chưa có dữ liệu": "No data",
        "Công khai, minh bạch": "Transparency",
        "Tiến độ giải quyết": "Timeliness",
        "Dịch vụ công trực tuyến": "Online services",
        "Số hóa hồ sơ": "Digitisation",
        "Mức độ hài lòng": "Satisfaction",
        "Thanh toán trực tuyến": "Online payment",
        "Nhóm": "Group",
        "Hạng trong nhóm": "Rank within the group",
        "Tất cả các nhóm": "All groups",
        "Tìm cơ quan": "Find an agency",
        "Xem": "Show",
        "Tháng, quý hoặc năm": "Month, quarter or year",
        "Số cơ quan theo xếp loại": "Agencies per band",
        "Số cơ quan": "Agencies",
        "Phân tích chi tiết: toàn tỉnh → nhóm → cơ quan → hồ sơ": "Drill down: province → group → agency "
        "→ dossiers",
    }
)

BAND_ORDER = ("Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu")


def band_counts(board: LiveBoard) -> list[tuple[str, int]]:
    """Return (band, number of agencies) in band order, then the agencies without data ("no data")."""
    counts = dict.fromkeys(BAND_ORDER, 0)
    missing = 0
    for row in board.rows:
        if row.band is None:
            missing += 1
        else:
            counts[row.band] = counts.get(row.band, 0) + 1
    return [*counts.items(), ("Chưa có dữ liệu", missing)]


def sparkline(values: list[float | None], width: int = 90, height: int = 22) -> str:
    """Return the `points` of an SVG polyline for a trend (0-100 scale, missing periods skipped)."""
    n = len(values)
    if n == 0:
        return ""
    step = width / max(n - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - (v / 100.0) * height:.1f}" for i, v in enumerate(values) if v is not None
    )


def period_choices(
    today: date, *, months: int = 24, quarters: int = 8, years: int = 3
) -> list[tuple[str, str]]:
    """Return the picker's (label, value) periods, newest first: months, then quarters, then years."""
    out = []
    for i in range(months):
        index = today.year * 12 + today.month - 1 - i
        out.append((f"{index % 12 + 1:02d}/{index // 12}", f"{index // 12}-{index % 12 + 1:02d}"))
    quarter = (today.month - 1) // 3
    for i in range(quarters):
        index = today.year * 4 + quarter - i
        out.append((f"Q{index % 4 + 1}/{index // 4}", f"{index // 4}-Q{index % 4 + 1}"))
    out.extend((str(today.year - i), str(today.year - i)) for i in range(years))
    return out


def _board_context(request: Request, board: LiveBoard) -> dict[str, Any]:
    return {
        "sparkline": sparkline, "band_counts": band_counts(board),
        "period_choices": period_choices(board.as_of.date()),
    }  # fmt: skip


def board_tag(version: str, sort: str, order: str, group: str | None, search: str | None) -> str:
    """Return the data part of a board rendering's ETag: its figures' version and what was asked of it."""
    # The group and the search are the visitor's text: hashed, so a CR/LF never reaches the header.
    typed = f"{group or ''}\x1f{search or ''}"
    digest = hashlib.blake2b(typed.encode("utf-8"), digest_size=4).hexdigest()
    return f"{version}-{sort}-{order}-{digest}"


def _board_etag(request: Request, board: LiveBoard) -> str:
    return board_tag(board.version, board.sort, board.order, board.group, board.search)


def _unchanged_board(request: Request) -> str | None:
    """Return the ETag the asked board would have now, without the database (None: render it)."""
    query = request.query_params
    board = peek_live_board(query.get("period") or None)
    if board is None:
        return None
    search = (query.get("q") or "").strip().casefold() or None
    base = board_tag(
        board.version,
        query.get("sort", "rank"),
        query.get("order", "asc"),
        query.get("group") or None,
        search,
    )
    return entity_tag(request, base)


@page(router, "/monitoring/live", template="monitoring/live.html", action="view-monitoring", name="board",
      block="board", context=_board_context, tags=["monitoring"], etag=_board_etag)  # fmt: skip
def live_page(
    period: Annotated[str | None, Query(description="2026-06, 2026-Q2 or 2026; default this month")] = None,
    sort: Annotated[str, Query()] = "rank",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    group: Annotated[str | None, Query(description="agency kind: department, district, commune...")] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of an agency's code or name")] = None,
) -> LiveBoard:
    """Show every agency's 766 score and components for a period; agencies without dossiers have no data."""
    return get_live_board(period or None, sort=sort, order=order, group=group or None, search=q)


register_fast_check("/monitoring/live", "view-monitoring", _unchanged_board)


@router.get(
    "/monitoring/live.{fmt}", dependencies=[require("view-monitoring")], tags=["monitoring"],
)  # fmt: skip
def live_download(
    fmt: Literal["csv", "xlsx"],
    period: Annotated[str | None, Query()] = None,
    group: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Download the live board as CSV or Excel: a row per agency, points per group, empty = no data."""
    board = get_live_board(period or None, group=group or None, search=q)
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
