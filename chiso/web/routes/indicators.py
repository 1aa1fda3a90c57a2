"""The indicator catalogue's pages: /indicators (search, filters, paging, bulk edit, downloads), one
indicator's page with its province series, the create and edit forms, and the workbook import.

Web layer: thin routes over chiso.indicators.catalogue, catalogue_excel and catalogue_views. Each page has
its JSON twin (`@page`); forms are plain POSTs that chiso.js sends, so a refusal is shown inside the form
beside its fields and a success follows the redirect. An indicator's code in a path matches only catalogue
codes (capitals, digits, _), so lower-case neighbours such as /indicators/import or /indicators/values...
are never taken for a code, whichever module registers first.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor

from chiso.errors import InvalidInput
from chiso.indicators import catalogue, catalogue_excel, catalogue_views, periods
from chiso.indicators.catalogue import CatalogueFilters
from chiso.indicators.schemas import (
    AGGREGATION_NAMES,
    CATALOGUE_FIELDS,
    LEVEL_NAMES,
    SOURCE_NAMES,
    VALUE_TYPE_NAMES,
    FolderIn,
    IndicatorIn,
)
from chiso.web import svg
from chiso.web.deps import CurrentActor, CurrentUser, DbSession, require
from chiso.web.i18n import translate
from chiso.web.pages import page
from chiso.web.rendering import attachment, lang_of, render, table_download
from chiso.web.routes import _indicators_i18n  # noqa: F401  # registers the pages' English words
from chiso.web.routes._followup_forms import XLSX, validated
from chiso.web.uploads import read_upload

router = APIRouter()


class CatalogueCode(Convertor[str]):
    """A catalogue code in a path: capitals, digits and _ (the shape `IndicatorIn` accepts)."""

    regex = "[A-Z][A-Z0-9_]{1,39}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("catalogue_code", CatalogueCode())
CODE_PATH = "/indicators/{code:catalogue_code}"
BOOLEAN_FIELDS = ("higher_is_better", "needs_approval", "active")
NUMBER_FIELDS = ("min_value", "max_value", "outlier_sd")
KEEP = "__keep__"  # a bulk-edit choice that leaves the field as it is


class ImportPage(BaseModel):
    """The import page: the workbook's columns with their meaning, and the catalogue's size now."""

    columns: list[tuple[str, str, str]]  # field, Vietnamese meaning, English meaning and values
    indicators: int
    folders: int
    report: catalogue_excel.ImportReport | None = None


NAMES = {
    "value_types": VALUE_TYPE_NAMES,
    "levels": LEVEL_NAMES,
    "aggregations": AGGREGATION_NAMES,
    "sources": SOURCE_NAMES,
}


def _number(value: float | None, lang: str) -> str:
    """A figure as its readers write it: "1.234,5" in Vietnamese, "1,234.5" in English; "—" for none."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,")) if lang != "en" else text


def _names_context(request: Request, data: Any) -> dict[str, Any]:
    """The words of the catalogue's codes, for selects and cells (the JSON twin keeps the codes)."""
    return {"names": NAMES}


def _province(db: DbSession, viewer: CurrentUser) -> str:
    return catalogue_views.home_province(db, viewer_province=viewer.province_code)


@page(router, "/indicators", template="indicators/list.html", action="view-indicators", name="data",
      block="catalogue", context=_names_context, tags=["indicators"])  # fmt: skip
def indicators_page(
    db: DbSession,
    filters: Annotated[CatalogueFilters, Query()],
    page: int = 1,
    page_size: int = catalogue.PER_PAGE,
) -> catalogue.CataloguePage:
    """List the catalogue: search without accents, filter by folder, source, owner, period and level."""
    return catalogue.list_indicators(db, filters=filters, page=page, per_page=page_size)


@router.get("/indicators.{fmt}", dependencies=[require("view-indicators")], tags=["indicators"])
def indicators_download(
    db: DbSession, fmt: Literal["csv", "xlsx"], filters: Annotated[CatalogueFilters, Query()]
) -> Response:
    """Download every indicator matching the filters (all pages) as CSV or Excel."""
    rows = [catalogue.indicator_dict(r) for r in catalogue.find_indicators(db, filters=filters)]
    return table_download(rows, list(CATALOGUE_FIELDS), filename="danh-muc-chi-tieu", fmt=fmt)


@router.get("/indicators/catalogue.xlsx", dependencies=[require("view-indicators")], tags=["indicators"])
def catalogue_download(db: DbSession) -> Response:
    """Download the whole catalogue as the import workbook (folders and indicators)."""
    data = catalogue_excel.export_catalogue(db)
    return Response(data, media_type=XLSX, headers=attachment("danh-muc-chi-tieu.xlsx"))


@router.get("/indicators/template.xlsx", dependencies=[require("view-indicators")], tags=["indicators"])
def template_download() -> Response:
    """Download the empty catalogue workbook to fill in."""
    data = catalogue_excel.template_workbook()
    return Response(data, media_type=XLSX, headers=attachment("mau-danh-muc-chi-tieu.xlsx"))


def _import_page(db: DbSession, report: catalogue_excel.ImportReport | None = None) -> ImportPage:
    help_rows = [(name, *catalogue_excel.HELP[name]) for name in CATALOGUE_FIELDS]
    folders = len(catalogue.list_folders(db))
    return ImportPage(
        columns=help_rows, indicators=catalogue.count_indicators(db), folders=folders, report=report
    )


@page(router, "/indicators/import", template="indicators/import.html", action="edit-indicators", name="data",
      tags=["indicators"])  # fmt: skip
def import_page(db: DbSession) -> ImportPage:
    """Show the catalogue import: the template, the columns, a dry run and the import itself."""
    return _import_page(db)


@router.post("/indicators/import", dependencies=[require("edit-indicators")], include_in_schema=False)
async def import_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Import a catalogue workbook all or nothing (or only check it: dry run); show what it did."""
    raw = await request.form()
    upload = raw.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise InvalidInput("Chọn tệp Excel (.xlsx) để nhập", "Choose an Excel (.xlsx) file to import", [])
    dry_run = raw.get("dry_run") == "1"
    report = catalogue_excel.import_catalogue(
        db, data=await read_upload(upload), filename=upload.filename, dry_run=dry_run, actor=actor
    )
    if dry_run:
        db.rollback()
    data = _import_page(db, report)
    return render(request, "indicators/import.html", data=data, json_url="/api/indicators/import")


@page(router, "/indicators/new", template="indicators/form.html", action="edit-indicators", name="data",
      context=_names_context, tags=["indicators"])  # fmt: skip
def new_indicator_page(db: DbSession, viewer: CurrentUser) -> catalogue_views.IndicatorForm:
    """Show the form for a new catalogue indicator."""
    return catalogue_views.indicator_form(db, code=None, province_code=_province(db, viewer))


def _form_entry(form: dict[str, str]) -> IndicatorIn:
    data: dict[str, Any] = {k: v.strip() for k, v in form.items() if k in CATALOGUE_FIELDS}
    for name in NUMBER_FIELDS:
        text = data.get(name, "").replace(",", ".")
        data[name] = text or None
    for name in BOOLEAN_FIELDS:
        data[name] = form.get(name) == "1"
    return IndicatorIn.model_validate({k: (None if v == "" else v) for k, v in data.items()})


async def _fields(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}


@router.post("/indicators", dependencies=[require("edit-indicators")], include_in_schema=False)
async def create_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Add an indicator to the catalogue, then show it."""
    form = await _fields(request)

    def run() -> None:
        catalogue.create_indicator(db, data=_form_entry(form), actor=actor)

    validated(run)()
    return RedirectResponse(f"/indicators/{quote(form.get('code', '').strip())}", status_code=303)


def _query_filters(back: str) -> str:
    """Keep only the list's own query (filters and page) from a submitted `back` value."""
    allowed = set(CatalogueFilters.model_fields) | {"page", "page_size"}
    pairs = [p.split("=", 1) for p in back.lstrip("?").split("&") if "=" in p]
    return urlencode([(k, v) for k, v in pairs if k in allowed and re.fullmatch(r"[\w%+.\-]*", v)])


@router.post("/indicators/bulk", dependencies=[require("edit-indicators")], include_in_schema=False)
async def bulk_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Set the folder, owner, active or approval flag of the selected indicators at once."""
    raw = await request.form()
    codes = [c for c in raw.getlist("code") if isinstance(c, str)]
    changes: dict[str, Any] = {}
    folder, owner = raw.get("folder_code"), raw.get("owner_agency_code")
    if isinstance(folder, str) and folder != KEEP:
        changes["folder_code"] = folder  # "" takes the indicators out of their folder
    if isinstance(owner, str) and owner.strip():
        changes["owner_agency_code"] = owner.strip()  # empty keeps each indicator's owner
    for name in ("active", "needs_approval"):
        value = raw.get(name)
        if value in ("1", "0"):
            changes[name] = value == "1"
    if not changes:
        raise InvalidInput("Chọn ít nhất một thay đổi", "Choose at least one change", [])
    catalogue.bulk_edit(db, codes=codes, changes=changes, actor=actor)
    back = raw.get("back")
    query = _query_filters(back) if isinstance(back, str) else ""
    return RedirectResponse(f"/indicators?{query}" if query else "/indicators", status_code=303)


@router.post("/indicators/folders", dependencies=[require("edit-indicators")], include_in_schema=False)
async def folder_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Add a folder or rename one (by its code)."""
    form = await _fields(request)
    clean: dict[str, Any] = {
        k: v.strip() for k, v in form.items() if k in FolderIn.model_fields and v.strip()
    }

    def run() -> None:
        catalogue.save_folder(db, data=FolderIn(**clean), actor=actor)

    validated(run)()
    return RedirectResponse("/indicators#folders", status_code=303)


def _chart_top(values: list[float], percent: bool) -> float:
    top = max(values, default=0.0)
    if percent and top <= 100:
        return 100.0
    if top <= 0:
        return 1.0
    scale = 10 ** (len(str(int(top))) - 1)
    return float(-(-top // scale) * scale)


def _indicator_context(request: Request, data: catalogue_views.IndicatorPage) -> dict[str, Any]:
    """The province series drawn as a line over the periods shown (a gap where there is no data)."""
    lang = lang_of(request)
    shown: dict[str, Any] = {"chart": None, "num": lambda value: _number(value, lang)}
    values = [p.value for p in data.series]
    targets = [p.target for p in data.series]
    known = [v for v in values + targets if v is not None]
    if not known:
        return shown
    name = data.indicator.name_en if lang == "en" and data.indicator.name_en else data.indicator.name_vi
    series: list[tuple[str, list[float | None]]] = [(translate("Toàn tỉnh", lang), values)]
    if any(t is not None for t in targets):
        series.append((translate("Mục tiêu năm", lang), targets))
    top = _chart_top(known, data.indicator.value_type == "percent")
    labels = _axis_labels([p.period for p in data.series])
    return shown | {"chart": svg.lines(labels, series, title=name, top=top)}


def _axis_labels(keys: list[str]) -> list[str]:
    """Month labels short enough for 12 on an axis: the year on the first and on each January ("T1/2026",
    "T2", ... "T12", "T1/2027"); quarters and years as `label_vi` writes them."""
    labels = []
    for i, key in enumerate(keys):
        label = periods.label_vi(key)
        if periods.period_type_of(key) == "month" and i > 0 and not key.endswith("-01"):
            label = label.split("/")[0]
        labels.append(label)
    return labels


@page(router, CODE_PATH, api="/api/indicators/{code}", template="indicators/detail.html",
      action="view-indicators", name="data", context=_indicator_context, tags=["indicators"])  # fmt: skip
def indicator_page(db: DbSession, viewer: CurrentUser, code: str) -> catalogue_views.IndicatorPage:
    """Show one indicator: definition, legal basis, rule, formula, the province series and its table."""
    return catalogue_views.indicator_page(db, code=code, province_code=_province(db, viewer))


@router.get(CODE_PATH + "/series.{fmt}", dependencies=[require("view-indicators")], tags=["indicators"])
def series_download(db: DbSession, viewer: CurrentUser, code: str, fmt: Literal["csv", "xlsx"]) -> Response:
    """Download the province series the indicator's page shows, as CSV or Excel."""
    data = catalogue_views.indicator_page(db, code=code, province_code=_province(db, viewer))
    rows = [p.model_dump() for p in data.series]
    return table_download(rows, ["period", "label", "value", "target"], filename=f"chi-tieu-{code}", fmt=fmt)


@page(router, CODE_PATH + "/edit", api="/api/indicators/{code}/edit", template="indicators/form.html",
      action="edit-indicators", name="data", context=_names_context, tags=["indicators"])  # fmt: skip
def edit_indicator_page(db: DbSession, viewer: CurrentUser, code: str) -> catalogue_views.IndicatorForm:
    """Show the edit form of one indicator."""
    return catalogue_views.indicator_form(db, code=code, province_code=_province(db, viewer))


@router.post(CODE_PATH, dependencies=[require("edit-indicators")], include_in_schema=False)
async def update_form(request: Request, db: DbSession, actor: CurrentActor, code: str) -> Response:
    """Save an indicator's edited entry (its code stays), then show it."""
    form = await _fields(request)

    def run() -> None:
        catalogue.update_indicator(db, code=code, data=_form_entry(form), actor=actor)

    validated(run)()
    return RedirectResponse(f"/indicators/{quote(code)}", status_code=303)
