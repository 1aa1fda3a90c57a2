"""Agencies pages: list (kind/group filters, search-as-you-type), detail with history; import; JSON twins.

Web layer; calls the units room's agency services and chiso.units.admin, never SQL.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from chiso.config import get_settings
from chiso.errors import InvalidInput, NotFound, PermissionDenied, Problem
from chiso.store.models.agencies import AGENCY_KINDS, Agency
from chiso.units.admin import get_lineage
from chiso.units.agencies import describe_agency, search_agencies
from chiso.units.agency_history import get_agency_history
from chiso.units.agency_import import import_agencies
from chiso.units.groups import agency_groups, list_groups
from chiso.units.io import COLUMNS
from chiso.web.deps import CurrentUser, DbSession, Viewer, require
from chiso.web.pages import page
from chiso.web.rendering import is_htmx, render, table_download
from chiso.web.schemas import AgencyDetail, AgencyFilters, AgencyListPage, ImportResult
from chiso.web.uploads import off_loop

router = APIRouter()
AGENCY_COLUMNS = (
    "code", "name_vi", "name_en", "kind", "province_code", "parent_code", "parent_name",
    "unit_code", "unit_name", "valid_from", "valid_to",
)  # fmt: skip
UPLOAD_SUFFIXES = (".csv", ".xlsx")


def _matching(db: DbSession, filters: AgencyFilters) -> list[Agency]:
    return search_agencies(
        db,
        q=filters.q,
        kind=filters.kind,
        province_code=filters.province_code,
        on=filters.on,
        group=filters.group,
    )


def build_agency_list(db: DbSession, filters: AgencyFilters) -> AgencyListPage:
    """Return one page of the agencies matching the filters, in Vietnamese alphabetical order."""
    agencies = _matching(db, filters)
    pages = max(1, -(-len(agencies) // filters.page_size))
    page = min(filters.page, pages)
    start = (page - 1) * filters.page_size
    return AgencyListPage(
        filters=filters,
        total=len(agencies),
        page=page,
        pages=pages,
        items=[describe_agency(a) for a in agencies[start : start + filters.page_size]],
    )


def build_agency_detail(db: DbSession, code: str) -> AgencyDetail:
    """Return an agency with its groups, history and (for committees) its unit's lineage."""
    history = get_agency_history(db, code=code)
    lineage = None
    if history.agency.unit_code:
        try:
            lineage = get_lineage(db, code=history.agency.unit_code)
        except NotFound:
            lineage = None
    return AgencyDetail(
        agency=history.agency,
        predecessors=history.predecessors,
        successors=history.successors,
        groups=agency_groups(db, code=code),
        unit_lineage=lineage,
    )


def group_choices(request: Request, db: DbSession) -> dict[str, Any]:
    """Return the peer groups and kinds of the filter form (not for htmx fragments, which have no form)."""
    return {"groups": [] if is_htmx(request) else list_groups(db), "kinds": AGENCY_KINDS}


@page(router, "/agencies", template="agencies/list.html", action="view-agencies", block="results",
      choices=group_choices, tags=["agencies"])  # fmt: skip
def agencies_page(db: DbSession, filters: Annotated[AgencyFilters, Query()]) -> AgencyListPage:
    """List agencies: search accent-insensitively (search-as-you-type), filter by kind and group."""
    return build_agency_list(db, filters)


@router.get("/agencies.{fmt}", dependencies=[require("view-agencies")], tags=["agencies"])
def agencies_download(
    db: DbSession, fmt: Literal["csv", "xlsx"], filters: Annotated[AgencyFilters, Query()]
) -> Response:
    """Download every agency matching the filters (all pages) as CSV or Excel."""
    rows = [describe_agency(a).model_dump() for a in _matching(db, filters)]
    return table_download(rows, AGENCY_COLUMNS, filename="co-quan-don-vi", fmt=fmt)


@router.get(
    "/agencies/import",
    response_class=HTMLResponse,
    dependencies=[require("edit-agencies")],
    include_in_schema=False,
)
def import_form(request: Request) -> HTMLResponse:
    """Show the agencies import form."""
    return render(request, "agencies/import.html", columns=COLUMNS, report=None, problems=[], error=None)


async def _save_upload(upload: UploadFile, folder: Path) -> Path:
    """Save an uploaded file under its (sanitised) name, refusing wrong types and oversize files."""
    name = Path(upload.filename or "").name
    name = re.sub(r"[^\w.\-]+", "_", name) or "upload.csv"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise InvalidInput(
            "Tệp phải là .csv hoặc .xlsx",
            "The file must be a .csv or .xlsx file",
            [Problem("Đuôi tệp không được hỗ trợ", "Unsupported file extension", file=name)],
        )
    limit = get_settings().upload_max_bytes
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                error = InvalidInput(
                    f"Tệp quá lớn (giới hạn {limit // (1024 * 1024)} MB)",
                    f"The file is too large (limit {limit // (1024 * 1024)} MB); set CHISO_UPLOAD_MAX_MB",
                )
                error.status = 413
                raise error
            out.write(chunk)
    return path


async def _import(db: DbSession, upload: UploadFile, dry_run: bool, viewer: Viewer) -> ImportResult:
    if viewer.user is None:  # the service acts for a person; anonymous visitors never act as the system
        raise PermissionDenied("Cần đăng nhập để nhập danh sách cơ quan", "Log in to import agencies")
    with tempfile.TemporaryDirectory(prefix="chiso-import-") as folder:
        path = await _save_upload(upload, Path(folder))
        report = await off_loop(import_agencies, session=db, actor=viewer.user, path=path, dry_run=dry_run)
    return ImportResult.model_validate(report.to_dict())


@router.post(
    "/agencies/import",
    response_class=HTMLResponse,
    dependencies=[require("edit-agencies")],
    include_in_schema=False,
)
async def import_submit(
    request: Request,
    db: DbSession,
    viewer: CurrentUser,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """Import an agencies file (all or nothing) and show what changed or every problem found."""
    try:
        result = await _import(db, file, dry_run, viewer)
    except InvalidInput as exc:
        db.rollback()
        lang = getattr(request.state, "lang", "vi")
        return render(
            request,
            "agencies/import.html",
            status_code=exc.status,
            columns=COLUMNS,
            report=None,
            problems=list(exc.problems),
            error=exc.message_en if lang == "en" else exc.message_vi,
        )
    return render(request, "agencies/import.html", columns=COLUMNS, report=result, problems=[], error=None)


@router.post(
    "/api/agencies/import",
    response_model=ImportResult,
    dependencies=[require("edit-agencies")],
    tags=["agencies"],
)
async def import_api(
    db: DbSession,
    viewer: CurrentUser,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> ImportResult:
    """Import agencies from a CSV or Excel file, all or nothing (twin of the import form)."""
    return await _import(db, file, dry_run, viewer)


@page(router, "/agencies/{code}", template="agencies/detail.html", action="view-agencies", name="detail",
      tags=["agencies"])  # fmt: skip
def agency_page(db: DbSession, code: str) -> AgencyDetail:
    """Show one agency: parent, unit, validity, groups, history and the unit's lineage."""
    return build_agency_detail(db, code)
