"""The frameworks pages: the catalogue, one version's tree, the Excel import, the editor, versions compared.

Web layer; every route calls chiso.flows.frameworks (which reads and checks through chiso.frameworks,
the same code as `chiso framework ...`). Viewing needs `view-frameworks`, changing `edit-frameworks`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from chiso.errors import InvalidInput, NotFound
from chiso.flows import frameworks as flow
from chiso.frameworks import Framework, node_max
from chiso.frameworks.columns import LABELS, SETTING_LABELS
from chiso.frameworks.rules import RULE_PARAMS
from chiso.web.deps import CurrentActor, CurrentUser, DbSession, Viewer, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import attachment, is_htmx, render, table_download
from chiso.web.routes._followup_forms import XLSX
from chiso.web.routes._frameworks_i18n import EN_FRAMEWORKS
from chiso.web.uploads import off_loop, read_upload

router = APIRouter()
register_messages(EN_FRAMEWORKS)


class FrameworkList(BaseModel):
    """The built-in frameworks and the province's versions."""

    frameworks: list[flow.FrameworkSummary]


class BandOut(BaseModel):
    """A band of totals: [min, max)."""

    code: str
    label_vi: str
    label_en: str
    min: float | None
    max: float | None


class NodeOut(BaseModel):
    """A node of the tree with its rule, parameters, guidance and evidence checklist."""

    code: str
    parent: str | None
    depth: int
    name_vi: str
    name_en: str
    max_points: float
    weight: float
    is_leaf: bool
    rule: str | None
    params: dict[str, str]
    unit: str | None
    agency_kinds: list[str]
    guidance_vi: str
    guidance_en: str
    evidence_vi: list[str]
    evidence_en: list[str]


class FrameworkDetail(BaseModel):
    """One version: its catalogue entry, the other versions, bands and the tree."""

    framework: flow.FrameworkSummary
    versions: list[str]
    #: The version an edit is saved as when this one is frozen or built in (None: edited in place).
    edit_saves_as: str | None
    bands: list[BandOut]
    nodes: list[NodeOut]


def _nodes(framework: Framework) -> list[NodeOut]:
    out = []
    for node, path in framework.walk():
        params = {}
        if node.rule is not None:
            described = node.rule.describe().items()
            params = {k: flow.shown(v) for k, v in described if k != "type" and v is not None}
        out.append(
            NodeOut(
                code=node.code,
                parent=path[-2] if len(path) > 1 else None,
                depth=len(path) - 1,
                name_vi=node.name_vi,
                name_en=node.name_en,
                max_points=node_max(node),
                weight=node.weight,
                is_leaf=node.is_leaf,
                rule=node.rule.type if node.rule else None,
                params=params,
                unit=node.entry_unit if node.is_leaf else None,
                agency_kinds=node.agency_kinds,
                guidance_vi=node.guidance_vi,
                guidance_en=node.guidance_en,
                evidence_vi=node.evidence_vi,
                evidence_en=node.evidence_en,
            )  # fmt: skip
        )
    return out


@page(router, "/frameworks", template="frameworks/list.html", action="view-frameworks", name="data",
      tags=["frameworks"])  # fmt: skip
def frameworks_page(db: DbSession, actor: CurrentActor) -> FrameworkList:
    """List the built-in frameworks and the province's versions, with the periods using each."""
    return FrameworkList(frameworks=flow.list_catalogue(db, actor=actor))


@router.get("/frameworks/template.xlsx", dependencies=[require("view-frameworks")], include_in_schema=False)
def template_download() -> Response:
    """Download the blank annex to fill in (one example row per kind of criterion)."""
    return Response(flow.template_xlsx(), media_type=XLSX, headers=attachment("mau-bo-chi-so.xlsx"))


def _import_page(request: Request, *, status: int = 200, **context: Any) -> Response:
    values = {"outcome": None, "form_error": None, **context}
    return render(request, "frameworks/import.html", status_code=status, **values)


@router.get("/frameworks/import", dependencies=[require("edit-frameworks")], include_in_schema=False)
def import_form(request: Request) -> Response:
    """Show the import form: upload the annex, check it (dry run), then import."""
    return _import_page(request)


@router.post("/frameworks/import", dependencies=[require("edit-frameworks")], include_in_schema=False)
async def import_submit(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    file: Annotated[UploadFile | None, File()] = None,
    sha256: Annotated[str, Form(max_length=64)] = "",
    filename: Annotated[str, Form(max_length=255)] = "",
    step: Annotated[str, Form(max_length=10)] = "check",
) -> Response:
    """Check (dry run) or import an uploaded annex: all or nothing, every problem by sheet, row, column."""
    try:
        if file is not None and file.filename:
            data = await read_upload(file)
            filename = file.filename
            sha256 = await off_loop(flow.stage_upload, filename=filename, data=data)
        name = filename or "framework.xlsx"
        outcome = await off_loop(flow.import_staged, session=db, sha256=sha256, filename=name,
                                 dry_run=step != "import", actor=actor)  # fmt: skip
    except InvalidInput as exc:
        db.rollback()
        return _import_page(request, status=exc.status, form_error=exc)
    if outcome.status in ("created", "unchanged", "builtin"):
        return RedirectResponse(f"/frameworks/{outcome.ref}?imported={outcome.status}", status_code=303)
    return _import_page(request, status=422 if outcome.problems else 200, outcome=outcome)


def _visible(db: DbSession, viewer: Viewer, ref: str) -> tuple[Framework, flow.FrameworkSummary]:
    """Return a version the viewer may see: any for `view-frameworks`, else one a published period uses.

    Raises:
        NotFound: no such version, or one the viewer may not see (not told apart, so nothing leaks).
    """
    framework = flow.get_framework(ref)
    summary = flow.summary_of(db, framework)
    if viewer.can("view-frameworks"):
        return framework, summary
    published = [p for p in summary.periods if p.status == "published"]
    if not published:
        raise NotFound(f"Không có khung chỉ số '{ref}'", f"No framework '{ref}'")
    return framework, summary.model_copy(update={"periods": published})  # open periods stay internal


@page(router, "/frameworks/{ref}", template="frameworks/detail.html", action="view-published-framework",
      name="data", tags=["frameworks"])  # fmt: skip
def framework_page(db: DbSession, viewer: CurrentUser, ref: str) -> FrameworkDetail:
    """One version: the tree, bands, each rule's parameters, guidance and evidence checklist per criterion.

    Staff with `view-frameworks` see every version; anyone else the frameworks of published periods.
    """
    framework, summary = _visible(db, viewer, ref)
    return FrameworkDetail(
        framework=summary,
        versions=flow.versions_of(framework.id) if viewer.can("view-frameworks") else [summary.ref],
        edit_saves_as=flow.next_version(framework) if flow.saves_as_new_version(summary) else None,
        bands=[BandOut.model_validate(b.model_dump()) for b in framework.bands], nodes=_nodes(framework),
    )  # fmt: skip


@router.get("/frameworks/{ref}/export.xlsx", dependencies=[require("view-published-framework")],
            include_in_schema=False)  # fmt: skip
def export_download(db: DbSession, viewer: CurrentUser, ref: str) -> Response:
    """Download a version as the annex workbook (imported back, it is the same framework)."""
    framework, _ = _visible(db, viewer, ref)
    name = f"{framework.id}@{framework.version}.xlsx"
    return Response(flow.framework_xlsx(framework), media_type=XLSX, headers=attachment(name))


# --- the editor ----------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    """A cell as the input shows it: numbers without grouping (so no 1.000 to misread), none as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def _editor(
    request: Request, db: DbSession, ref: str, posted: dict[str, str] | None, **extra: Any
) -> Response:
    framework = flow.get_framework(ref)
    summary = flow.summary_of(db, framework)
    tables = flow.edited_tables(framework, posted or {})
    depth: dict[str, int] = {}
    rows = []
    for row in tables.criteria:
        parent = row.cells.get("parent")
        depth[str(row.cells["code"])] = depth.get(str(parent), -1) + 1 if parent else 0
        rows.append({"number": row.number, "depth": depth[str(row.cells["code"])],
                     "cells": {k: _shown(v) for k, v in row.cells.items()}})  # fmt: skip
    leaves = {n.code for n in framework.leaves()}
    problems = extra.pop("problems", [])
    errors: dict[str, list[Any]] = {}
    general = []
    for problem in problems:
        field = flow.problem_field(problem, tables)
        if field:
            errors.setdefault(field, []).append(problem)
            errors.setdefault(field.partition(":")[0], [])
        else:
            general.append(problem)
    context = {
        "summary": summary,
        "saves_as": flow.next_version(framework) if flow.saves_as_new_version(summary) else None,
        "rows": rows,
        "leaves": leaves,
        "bands": [
            {"number": r.number, "cells": {k: _shown(v) for k, v in r.cells.items()}} for r in tables.bands
        ],
        "settings": {str(r.cells["key"]): _shown(r.cells.get("value")) for r in tables.settings},
        "setting_keys": flow.SETTING_EDITABLE,
        "setting_labels": SETTING_LABELS,
        "rule_columns": flow.RULE_COLUMNS,
        "rules": list(RULE_PARAMS),
        "labels": LABELS,
        "errors": errors,
        "general": general,
        "problems": problems,
        **extra,
    }
    if is_htmx(request):  # htmx swaps only a 2xx answer: the refusal is in the fragment itself
        return render(request, "frameworks/edit.html", block="editor", **context)
    return render(request, "frameworks/edit.html", status_code=422 if problems else 200, **context)


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items() if k[:1] in ("c", "b", "s") and ":" in k}


@router.get("/frameworks/{ref}/edit", dependencies=[require("edit-frameworks")], include_in_schema=False)
def edit_form(request: Request, db: DbSession, ref: str) -> Response:
    """Show the editor: names, points, rules and parameters, guidance, evidence, bands."""
    return _editor(request, db, ref, None)


@router.post("/frameworks/{ref}/check", dependencies=[require("edit-frameworks")], include_in_schema=False)
async def check_form(request: Request, db: DbSession, ref: str) -> Response:
    """Check the edited framework as an imported annex is checked; the editor again, errors in place."""
    posted = await _posted(request)
    framework, problems = flow.check_edit(flow.get_framework(ref), posted)
    return _editor(request, db, ref, posted, problems=problems, checked=framework is not None)


@router.post("/frameworks/{ref}/edit", dependencies=[require("edit-frameworks")], include_in_schema=False)
async def save_form(request: Request, db: DbSession, actor: CurrentActor, ref: str) -> Response:
    """Save the edit (a new version when this one is frozen or built in); refused: errors in place."""
    posted = await _posted(request)
    try:
        saved = flow.save_edit(db, ref=ref, posted=posted, actor=actor)
    except InvalidInput as exc:
        db.rollback()
        return _editor(request, db, ref, posted, problems=list(exc.problems), form_error=exc)
    target = f"/frameworks/{saved}?saved={ref}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


# --- versions compared ---------------------------------------------------------------------------


@page(router, "/frameworks/{framework_id}/compare", template="frameworks/compare.html",
      action="view-frameworks", name="data", tags=["frameworks"])  # fmt: skip
def compare_page(framework_id: str, old: str | None = None, new: str | None = None) -> flow.Comparison:
    """Compare two versions (default: the last two): criteria added, removed, renamed, re-weighted."""
    return flow.compare(framework_id, old, new)


CHANGE_COLUMNS = [
    "old",
    "new",
    "kind",
    "label_vi",
    "label_en",
    "code",
    "old_code",
    "is_leaf",
    "before",
    "after",
]


@router.get("/frameworks/{framework_id}/compare.{fmt}", dependencies=[require("view-frameworks")],
            include_in_schema=False)  # fmt: skip
def compare_download(framework_id: str, fmt: str, old: str | None = None, new: str | None = None) -> Response:
    """Download the changes between two versions as CSV or Excel, one row per change."""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(f"Không có định dạng {fmt}", f"No format {fmt!r}: use csv or xlsx")
    comparison = flow.compare(framework_id, old, new)
    rows = [{"old": comparison.old, "new": comparison.new, **c.model_dump()} for c in comparison.changes]
    name = f"so-sanh-{comparison.old}-{comparison.new}".replace("@", "_")
    return table_download(rows, CHANGE_COLUMNS, filename=name, fmt=fmt)
