"""Administrative units pages: list (filters, accent-insensitive search), detail with lineage; JSON twins.

Web layer; calls chiso.units.admin, never SQL.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from chiso.store.models.units import AdminUnit
from chiso.units.admin import get_lineage, list_units, page_units
from chiso.units.schemas import LineageOut, UnitOut
from chiso.web.deps import DbSession, require
from chiso.web.rendering import is_htmx, render, table_download, url_with
from chiso.web.schemas import UnitFilters, UnitListPage

router = APIRouter()
Level = Literal["province", "district", "commune"]
UNIT_COLUMNS = (
    "code", "level", "name", "full_name", "unit_type", "province_code", "parent_code",
    "valid_from", "valid_to", "era",
)  # fmt: skip


def _matching_units(db: DbSession, filters: UnitFilters) -> list[AdminUnit]:
    return list_units(
        db, province_code=filters.province_code, level=filters.level, on=filters.on, q=filters.q
    )


def build_unit_list(db: DbSession, filters: UnitFilters) -> UnitListPage:
    """Return one page of the units matching the filters."""
    size = filters.page_size

    def fetch(page: int) -> tuple[int, list[AdminUnit]]:
        return page_units(
            db, offset=(page - 1) * size, limit=size,
            province_code=filters.province_code, level=filters.level, on=filters.on, q=filters.q,
        )  # fmt: skip

    total, units = fetch(filters.page)
    pages = max(1, -(-total // size))
    page = min(filters.page, pages)
    if page != filters.page:  # past the last page: show the last one
        total, units = fetch(page)
    return UnitListPage(
        filters=filters, total=total, page=page, pages=pages, items=[UnitOut.model_validate(u) for u in units]
    )


@router.get(
    "/units", response_class=HTMLResponse, dependencies=[require("view-units")], include_in_schema=False
)
def units_page(request: Request, db: DbSession, filters: Annotated[UnitFilters, Query()]) -> HTMLResponse:
    """List administrative units; htmx gets only the results block."""
    page = build_unit_list(db, filters)
    provinces = [] if is_htmx(request) else list_units(db, level="province")
    return render(
        request,
        "units/list.html",
        block="results",
        page=page,
        provinces=provinces,
        json_url=url_with(request, "/api/units"),
    )


@router.get("/api/units", response_model=UnitListPage, dependencies=[require("view-units")], tags=["units"])
def units_api(db: DbSession, filters: Annotated[UnitFilters, Query()]) -> UnitListPage:
    """List administrative units (JSON twin of /units): filter by province, level, date; search by name."""
    return build_unit_list(db, filters)


@router.get("/units.{fmt}", dependencies=[require("view-units")], tags=["units"])
def units_download(
    db: DbSession, fmt: Literal["csv", "xlsx"], filters: Annotated[UnitFilters, Query()]
) -> Response:
    """Download every unit matching the filters (all pages) as CSV or Excel."""
    rows = [{c: getattr(u, c) for c in UNIT_COLUMNS} for u in _matching_units(db, filters)]
    return table_download(rows, UNIT_COLUMNS, filename="don-vi-hanh-chinh", fmt=fmt)


@router.get(
    "/units/{code}",
    response_class=HTMLResponse,
    dependencies=[require("view-units")],
    include_in_schema=False,
)
def unit_page(request: Request, db: DbSession, code: str, level: Level | None = None) -> HTMLResponse:
    """Show the units bearing a code, what they became and what they came from."""
    lineage = get_lineage(db, code=code, level=level)
    json_url = f"/api/units/{lineage.code}" + (f"?level={level}" if level else "")
    return render(request, "units/detail.html", lineage=lineage, json_url=json_url)


@router.get(
    "/api/units/{code}", response_model=LineageOut, dependencies=[require("view-units")], tags=["units"]
)
def unit_api(db: DbSession, code: str, level: Level | None = None) -> LineageOut:
    """Return the units bearing a code with their successors and predecessors (JSON twin of /units/{code})."""
    return get_lineage(db, code=code, level=level)
