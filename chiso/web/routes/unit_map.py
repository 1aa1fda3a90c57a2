"""The commune map (/map, public for published figures), its CSV, and the secretariat's boundary upload.

Web layer: each route parses its input, lets `require` check the action, calls chiso.flows.unit_map and
renders; the drawing (colours, legend, SVG, tiles) is chiso.web.map_svg's, from the page's own model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from chiso.errors import InvalidInput, PermissionDenied
from chiso.flows import unit_map as flow
from chiso.flows.live import wait_for_board
from chiso.units.unit_maps import MapFeatureRow, UnitMapInfo
from chiso.web.deps import CurrentUser, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.map_svg import map_context
from chiso.web.pages import page
from chiso.web.rendering import render, table_download
from chiso.web.uploads import off_loop, read_upload, upload_limit

TITLE = "Bản đồ chỉ số cấp xã"
register_messages(
    {
        TITLE: "Commune-level index map",
        "Bản đồ": "Map",
        "Tải lên bản đồ ranh giới": "Upload a boundary map",
        "Nguồn số liệu": "Source",
        "Chỉ số đã công bố": "Published index",
        "Giám sát 766 trực tiếp": "Live 766 monitor",
        "Chỉ tiêu hiển thị": "Figure shown",
        "Nhóm ô theo": "Group tiles by",
        "Quận/huyện cũ (trước 1/7/2025)": "Former district (before 1 July 2025)",
        "Nhóm đánh giá": "Peer group",
        "Kỳ": "Period",
        "Xem": "Show",
        "Chú giải": "Legend",
        "Chưa có dữ liệu": "No data",
        "đơn vị": "units",
        "Bảng số liệu": "Data table",
        "Mã": "Code",
        "Đơn vị": "Unit",
        "Quận/huyện cũ": "Former district",
        "Giá trị": "Value",
        "Xếp loại": "Band",
        "Hạng": "Rank",
        "Tải bảng (CSV)": "Download the table (CSV)",
        "Chưa có bản đồ ranh giới: mỗi ô là một đơn vị, nhóm theo quận/huyện cũ hoặc nhóm đánh giá.": (
            "No boundary map yet: each tile is one unit, grouped by former district or peer group."
        ),
        "Bấm vào một đơn vị để xem phiếu điểm.": "Click a unit to open its scorecard.",
        "Bản đồ từ tệp": "Map from the file",
        "tải lên lúc": "uploaded at",
        "bởi": "by",
        "đối tượng khớp": "features matched",
        "Đối tượng không khớp đơn vị nào": "Features that match no unit",
        "Đơn vị không có trên bản đồ": "Units not on the map",
        "Đối tượng": "Feature",
        "Tên trong tệp": "Name in the file",
        "Lý do": "Reason",
        "chiso không kèm ranh giới xã, phường (không có giấy phép dùng ngoại tuyến); Văn phòng tải lên "
        "tệp GeoJSON hoặc TopoJSON của tỉnh.": (
            "chiso ships no commune boundaries (no licence covers them offline); the secretariat uploads "
            "the province's GeoJSON or TopoJSON file."
        ),
        "Mỗi đối tượng (Polygon hoặc MultiPolygon, tọa độ WGS 84) cần một thuộc tính chứa mã xã "
        "(ví dụ 20194) hoặc mã cơ quan, hoặc tên xã, phường (ví dụ Phường Hải Châu).": (
            "Each feature (Polygon or MultiPolygon, WGS 84 coordinates) needs a property holding the "
            "commune code (e.g. 20194) or the agency code, or the commune's name (e.g. Phường Hải Châu)."
        ),
        "Nếu tệp có lỗi, không có gì được lưu; bản đồ mới thay bản đồ cũ.": (
            "If the file has any error nothing is kept; a new map replaces the old one."
        ),
        "Tệp GeoJSON hoặc TopoJSON": "GeoJSON or TopoJSON file",
        "Giới hạn": "Limit",
        "Tải lên": "Upload",
        "Đã lưu bản đồ": "Map saved",
        "Xem bản đồ": "See the map",
        "khớp theo mã": "matched by code",
        "khớp theo tên": "matched by name",
        "Tổng điểm 766": "766 total",
    }
)


async def live_ready(request: Request) -> None:
    """When the live board is asked, wait (without a thread or a database slot) for its first computation."""
    if request.query_params.get("source") == "live":
        await wait_for_board(request.query_params.get("period") or None)


router = APIRouter(dependencies=[Depends(live_ready)])
Source = Annotated[Literal["index", "live"] | None, Query(description="index (published) or live (766)")]
Period = Annotated[str | None, Query(description="published period code, or the live board's period")]
Indicator = Annotated[str, Query(description="total, band, a pillar code or a 766 group code")]
By = Annotated[Literal["district", "group"], Query(description="how the tile grid groups the units")]


def _context(request: Request, result: flow.MapPage) -> dict[str, Any]:
    lang = getattr(request.state, "lang", "vi")
    return map_context(result, lang, TITLE if lang != "en" else "Commune-level index map")


@page(router, "/map", template="units/map.html", action="view-map", name="map", context=_context,
      tags=["rankings"])  # fmt: skip
def map_page(
    db: DbSession,
    viewer: CurrentUser,
    source: Source = None,
    period: Period = None,
    indicator: Indicator = "total",
    by: By = "district",
) -> flow.MapPage:
    """Show the commune-level units coloured by a published or live figure: a map, or tiles without one."""
    return flow.get_map_page(
        db, source=source, period=period or None, indicator=indicator, by=by, actor=viewer.user
    )


@router.get("/map.csv", dependencies=[require("view-map")], tags=["rankings"])
def map_download(
    db: DbSession,
    viewer: CurrentUser,
    source: Source = None,
    period: Period = None,
    indicator: Indicator = "total",
) -> Response:
    """Download the map's values per unit as CSV (empty cells = no data)."""
    result = flow.get_map_page(
        db, source=source, period=period or None, indicator=indicator, by="district", actor=viewer.user
    )
    columns = ["agency_code", "unit_code", "name_vi", "district", "group", "value", "band", "rank", "on_map"]
    rows = [{**u.model_dump(), "on_map": u.path is not None} for u in result.units]
    name = f"ban-do-{result.source}-{result.period}-{result.indicator}"
    return table_download(rows, columns, filename=name, fmt="csv")


class MapUploadResult(BaseModel):
    """The stored map and the report of every feature of the file."""

    map: UnitMapInfo
    features: list[MapFeatureRow]


async def _upload(db: DbSession, viewer: CurrentUser, upload: UploadFile) -> MapUploadResult:
    if viewer.user is None:  # the service acts for a person; a visitor never acts as the system
        raise PermissionDenied("Cần đăng nhập để tải lên bản đồ", "Log in to upload a map")
    data = await read_upload(upload)
    info, rows = await off_loop(
        flow.upload_map, session=db, data=data, filename=upload.filename or "map.geojson",
        actor=viewer.user, max_bytes=upload_limit(),
    )  # fmt: skip
    return MapUploadResult(map=info, features=rows)


def _form(request: Request, **context: Any) -> HTMLResponse:
    limit_mb = upload_limit() // (1024 * 1024)
    data = {"result": None, "problems": [], "error": None, "limit_mb": limit_mb, **context}
    return render(request, "units/map_upload.html", **data)


@router.get("/map/upload", response_class=HTMLResponse, dependencies=[require("upload-map")],
            include_in_schema=False)  # fmt: skip
def upload_form(request: Request) -> HTMLResponse:
    """Show the boundary upload form (secretariat)."""
    return _form(request)


@router.post("/map/upload", response_class=HTMLResponse, dependencies=[require("upload-map")],
             include_in_schema=False)  # fmt: skip
async def upload_submit(
    request: Request, db: DbSession, viewer: CurrentUser, file: Annotated[UploadFile, File()]
) -> HTMLResponse:
    """Check and store a boundary file; show its match report, or every problem with the form again."""
    try:
        result = await _upload(db, viewer, file)
    except InvalidInput as exc:
        db.rollback()
        lang = getattr(request.state, "lang", "vi")
        return _form(
            request, status_code=exc.status, problems=list(exc.problems), filename=file.filename,
            error=exc.message_en if lang == "en" else exc.message_vi,
        )  # fmt: skip
    return _form(request, result=result)


@router.post("/api/map/upload", response_model=MapUploadResult, dependencies=[require("upload-map")],
             tags=["rankings"])  # fmt: skip
async def upload_api(
    db: DbSession, viewer: CurrentUser, file: Annotated[UploadFile, File()]
) -> MapUploadResult:
    """Check and store a boundary file (GeoJSON or TopoJSON), all or nothing; return the match report."""
    return await _upload(db, viewer, file)
