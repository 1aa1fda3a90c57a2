"""Action-plan pages: /plans (items and IT projects, their timeline and trends), the Excel round trip,
progress reports and the scorecard's "add to plan".

Web layer: thin routes over chiso.followup.plans, plans_excel and views; forms answer in place (htmx).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Form, Request
from fastapi.responses import RedirectResponse, Response

from chiso.errors import InvalidInput
from chiso.followup import charts, plans, plans_excel, views
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.pages import page
from chiso.web.routes._followup_forms import XLSX, answer_form, validated
from chiso.web.uploads import read_upload

router = APIRouter()


def _plans_context(request: Request, data: views.PlansPage) -> dict[str, Any]:
    """The timeline of the items shown (one agency's, the IT projects, or all) and each item's trend."""
    bars = [
        (f"{i.agency_code} · {i.title}"[:70], i.start_on, i.due_on, i.status, i.progress) for i in data.items
    ]
    sparks = {i.id: charts.sparkline(i.trend, title=i.indicator or "") for i in data.items if i.trend}
    return {"gantt": plans.gantt_svg(bars, today=data.today), "sparks": sparks}


@page(
    router,
    "/plans",
    template="followup/plans.html",
    action="view-followup",
    name="data",
    context=_plans_context,
    tags=["followup"],
)
def plans_page(
    db: DbSession, actor: CurrentActor, agency: str | None = None, kind: str | None = None
) -> views.PlansPage:
    """Show action-plan items and IT projects with their timeline (a reporter: their agency's)."""
    return views.plans_page(db, actor=actor, agency_code=agency, kind=kind)


@router.post("/plans", dependencies=[require("edit-plans")], include_in_schema=False)
async def plan_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Add an item or an IT project to an agency's plan."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}

    def run() -> None:
        clean = {k: v for k, v in form.items() if v != ""}
        plans.create_item(db, data=plans.PlanItemIn.model_validate(clean), actor=actor)

    return answer_form(
        request,
        db,
        validated(run),
        ok="/plans",
        template="followup/plans.html",
        block="plan_form",
        form=form,
    )


@router.get("/plans.xlsx", dependencies=[require("view-followup")], tags=["followup"])
def plans_download(db: DbSession, actor: CurrentActor, agency: str | None = None) -> Response:
    """Download the plan items as an Excel workbook (the import format; a reporter gets their own)."""
    shown = views.plans_page(db, actor=actor, agency_code=agency).agency_code
    return Response(
        plans_excel.export_plans(db, agency_code=shown),
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="ke-hoach{"-" + shown if shown else ""}.xlsx"'
        },
    )


@router.post("/plans/import", dependencies=[require("edit-plans")], include_in_schema=False)
async def plans_import(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Import plan items from an Excel workbook, all or nothing; each bad cell is named in place."""
    raw = await request.form()
    upload = raw.get("file")
    data = await read_upload(upload) if upload is not None and not isinstance(upload, str) else b""
    name = upload.filename if upload is not None and not isinstance(upload, str) else None
    form = {"filename": name or ""}

    def run() -> None:
        if not data:
            raise InvalidInput("Chọn tệp Excel (.xlsx) để nhập", "Choose an Excel (.xlsx) file to import")
        plans_excel.import_plans(db, data=data, filename=name or "ke-hoach.xlsx", actor=actor)

    return answer_form(
        request, db, run, ok="/plans", template="followup/plans.html", block="import_form", form=form
    )


@router.post("/plans/{item_id}/progress", dependencies=[require("edit-plans")], include_in_schema=False)
async def progress_form(request: Request, db: DbSession, actor: CurrentActor, item_id: int) -> Response:
    """Report progress of a plan item (percent, status, note, evidence files)."""
    raw = await request.form()
    uploads = [f for f in raw.getlist("files") if not isinstance(f, str) and f.filename]
    files = [(f.filename or "file", await read_upload(f)) for f in uploads]
    form = {k: str(raw.get(k) or "") for k in ("progress", "status", "note")} | {"item_id": str(item_id)}

    def run() -> None:
        if not form["progress"].strip().isdigit():
            raise InvalidInput(
                f"Tiến độ phải là số phần trăm 0-100, không phải {form['progress']!r}",
                f"Progress must be a percent 0-100, not {form['progress']!r}",
            )
        plans.report_progress(
            db,
            item_id=item_id,
            progress=int(form["progress"]),
            status=form["status"],
            note=form["note"],
            actor=actor,
            files=files,
        )

    return answer_form(
        request, db, run, ok="/plans", template="followup/plans.html", block="progress_form", form=form
    )


@router.post("/plans/add", dependencies=[require("edit-plans")], include_in_schema=False)
def add_to_plan_form(
    db: DbSession,
    actor: CurrentActor,
    agency_code: Annotated[str, Form()],
    criterion: Annotated[str, Form()],
) -> RedirectResponse:
    """The scorecard's "add to plan" button: add the criterion to the agency's plan, then show the plan."""
    item = plans.add_to_plan(db, agency_code=agency_code, criterion=criterion, actor=actor)
    return RedirectResponse(f"/plans?agency={quote(agency_code)}#plan-{item.id}", status_code=303)


@router.post("/api/plans/add", dependencies=[require("edit-plans")], tags=["followup"])
def add_to_plan_api(
    db: DbSession,
    actor: CurrentActor,
    agency_code: Annotated[str, Body()],
    criterion: Annotated[str, Body()],
    title: Annotated[str | None, Body()] = None,
    due_on: Annotated[date | None, Body()] = None,
) -> dict[str, int]:
    """Add "raise this criterion" to an agency's plan (the scorecard's "add to plan" button)."""
    item = plans.add_to_plan(
        db, agency_code=agency_code, criterion=criterion, actor=actor, title=title, due_on=due_on
    )
    return {"id": item.id}
