"""Administrative units pages: list (filters, accent-insensitive search), detail with lineage; JSON twins.

Web layer; calls chiso.units.admin, never SQL.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chiso.store.models.units import AdminUnit
from chiso.units.admin import get_lineage, list_units, page_units
from chiso.units.schemas import LineageOut, UnitOut
from chiso.web.deps import DbSession, require
from chiso.web.pages import page
from chiso.web.rendering import is_htmx, table_download
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


def province_choices(request: Request, db: DbSession) -> dict[str, Any]:
    """Return the provinces of the filter form (not for htmx fragments, which have no form)."""
    return {"provinces": [] if is_htmx(request) else list_units(db, level="province")}


@page(router, "/units", template="units/list.html", action="view-units", block="results",
      choices=province_choices, tags=["units"])  # fmt: skip
def units_page(db: DbSession, filters: Annotated[UnitFilters, Query()]) -> UnitListPage:
    """List administrative units: filter by province, level, date; search by name without accents."""
    return build_unit_list(db, filters)


@router.get("/units.{fmt}", dependencies=[require("view-units")], tags=["units"])
def units_download(
    db: DbSession, fmt: Literal["csv", "xlsx"], filters: Annotated[UnitFilters, Query()]
) -> Response:
    """Download every unit matching the filters (all pages) as CSV or Excel."""
    rows = [{c: getattr(u, c) for c in UNIT_COLUMNS} for u in _matching_units(db, filters)]
    return table_download(rows, UNIT_COLUMNS, filename="don-vi-hanh-chinh", fmt=fmt)


@page(router, "/units/{code}", template="units/detail.html", action="view-units", name="lineage",
      tags=["units"])  # fmt: skip
def unit_page(db: DbSession, code: str, level: Level | None = None) -> LineageOut:
    """Show the units bearing a code, what they became and what they came from."""
    return get_lineage(db, code=code, level=level)
