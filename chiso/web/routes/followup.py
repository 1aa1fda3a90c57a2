"""Follow-up pages: targets, alerts, requests for explanation, action plans, notifications and the outbox.

Web layer: each page is one `@page` function returning the typed model (chiso.followup.views); each form
is a thin POST calling one service. Forms post with htmx: a refused action comes back as the same form with
the error in place and the inputs kept (the transaction is rolled back); success reloads the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from chiso.errors import ChisoError, InvalidInput, Problem
from chiso.followup import alerts, notify, outbox, plans, requests, targets, targets_excel, views
from chiso.followup.events import EVENT_TYPES
from chiso.followup.settings import get_followup_settings
from chiso.web.deps import CurrentActor, CurrentUser, DbSession, require
from chiso.web.pages import page
from chiso.web.rendering import is_htmx, render
from chiso.web.uploads import off_loop, read_upload

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def answer_form(
    request: Request,
    db: DbSession,
    run: Callable[[], object],
    *,
    ok: str,
    template: str,
    block: str,
    form: dict[str, Any],
) -> Response:
    """Run a form's service; on success go to `ok`, on a refusal show the form again, error in place."""
    try:
        run()
    except ChisoError as exc:
        if not is_htmx(request):
            raise
        db.rollback()
        return render(request, template, block=block, form=form, form_error=exc)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": ok})
    return RedirectResponse(ok, status_code=303)


# --------------------------------------------------------------------------- targets


@page(
    router,
    "/targets",
    template="followup/targets.html",
    action="view-followup",
    name="data",
    tags=["followup"],
)
def targets_page(db: DbSession, actor: CurrentActor, status: str | None = None) -> views.TargetsPage:
    """Show the targets and each agency's status against them, red first (missed, at risk, no data, met)."""
    return views.targets_page(db, actor=actor, status=status)


@router.post("/targets", dependencies=[require("edit-targets")], include_in_schema=False)
async def target_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Create or update a target from the form (milestones typed "2026-06-30=80; 2026-09-30=90")."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}

    def run() -> None:
        data: dict[str, Any] = {k: v for k, v in form.items() if v != ""}
        data["milestones"] = targets_excel._parse_milestones(form.get("milestones"))
        targets.save_target(
            db,
            data=targets.TargetIn.model_validate(data),
            province_code=actor.province_code or "48",
            actor=actor,
        )

    return answer_form(
        request,
        db,
        _validated(run),
        ok="/targets",
        template="followup/targets.html",
        block="target_form",
        form=form,
    )


def _validated(run: Callable[[], None]) -> Callable[[], None]:
    """Turn a pydantic error of a form into the one InvalidInput shape, by field."""

    def wrapped() -> None:
        try:
            run()
        except ValidationError as exc:
            raise InvalidInput(
                "Dữ liệu không hợp lệ",
                "The form is not valid",
                [
                    Problem(
                        f"Giá trị không hợp lệ: {e['msg']}", str(e["msg"]), field=".".join(map(str, e["loc"]))
                    )
                    for e in exc.errors()
                ],
            ) from exc

    return wrapped


@router.get("/targets.xlsx", dependencies=[require("view-followup")], tags=["followup"])
def targets_download(db: DbSession) -> Response:
    """Download every target as an Excel workbook (the import format)."""
    return Response(
        targets_excel.export_targets(db),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="chi-tieu.xlsx"'},
    )


@router.post("/targets/import", dependencies=[require("edit-targets")], tags=["followup"])
async def targets_import(
    db: DbSession, actor: CurrentActor, file: Annotated[UploadFile, File()]
) -> dict[str, int]:
    """Import targets from an Excel workbook, all or nothing (every bad cell named by row and column)."""
    data = await read_upload(file)
    count = await off_loop(
        targets_excel.import_targets,
        session=db,
        data=data,
        filename=file.filename or "targets.xlsx",
        province_code=actor.province_code or "48",
        actor=actor,
    )
    return {"imported": count}


@router.post("/targets/rules/{code}", dependencies=[require("edit-targets")], include_in_schema=False)
def rule_form(
    db: DbSession,
    actor: CurrentActor,
    code: str,
    threshold: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Switch an alert rule on or off and set its threshold."""
    alerts.set_rule(
        db, code=code, enabled=bool(enabled), threshold=float(threshold) if threshold else None, actor=actor
    )
    return RedirectResponse("/targets#rules", status_code=303)


# --------------------------------------------------------------------------- alerts and requests


@page(
    router, "/alerts", template="followup/alerts.html", action="view-followup", name="rows", tags=["followup"]
)
def alerts_page(
    db: DbSession, actor: CurrentActor, status: str | None = None, agency: str | None = None
) -> list[views.AlertRow]:
    """List alerts, newest first, with their evidence; a reporter sees their own agency's."""
    return views.alert_rows(db, actor=actor, status=status, agency_code=agency)


@router.post(
    "/alerts/{alert_id}/request", dependencies=[require("request-explanation")], include_in_schema=False
)
async def request_form(request: Request, db: DbSession, actor: CurrentActor, alert_id: int) -> Response:
    """Turn an alert into a request for explanation with a due date (province time)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    form["alert_id"] = str(alert_id)

    def run() -> None:
        alert = alerts.get_alert(db, alert_id=alert_id)
        requests.create_request(
            db,
            agency_code=alert.agency_code,
            subject=form.get("subject", ""),
            body=form.get("body", ""),
            due_at=_when(form.get("due_at", "")),
            actor=actor,
            alert_id=alert_id,
        )

    return answer_form(
        request, db, run, ok="/requests", template="followup/alerts.html", block="request_form", form=form
    )


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"Hạn trả lời không hợp lệ: {text!r}", f"Not a due date: {text!r}") from None


@router.post(
    "/alerts/{alert_id}/close", dependencies=[require("request-explanation")], include_in_schema=False
)
def close_alert_form(
    db: DbSession, actor: CurrentActor, alert_id: int, reason: Annotated[str, Form()]
) -> RedirectResponse:
    """Close an alert with a reason."""
    alerts.close_alert(db, alert_id=alert_id, reason=reason, actor=actor)
    return RedirectResponse("/alerts", status_code=303)


@page(
    router,
    "/requests",
    template="followup/requests.html",
    action="view-followup",
    name="rows",
    tags=["followup"],
)
def requests_page(db: DbSession, actor: CurrentActor, status: str | None = "open") -> list[views.RequestRow]:
    """List requests for explanation by due date (open ones by default; status= for all)."""
    return views.request_rows(db, actor=actor, status=status or None)


@page(
    router,
    "/requests/{request_id}",
    template="followup/request.html",
    action="view-followup",
    name="row",
    tags=["followup"],
)
def request_page(db: DbSession, actor: CurrentActor, request_id: int) -> views.RequestRow:
    """Show a request for explanation, its answer and files; the agency answers here."""
    return views.request_detail(db, request_id=request_id, actor=actor)


@router.post(
    "/requests/{request_id}/answer", dependencies=[require("answer-request")], include_in_schema=False
)
async def answer_request_form(
    request: Request, db: DbSession, actor: CurrentActor, request_id: int
) -> Response:
    """Answer a request with a text and files (PDF, Word, Excel, images)."""
    raw = await request.form()
    form = {"answer": str(raw.get("answer") or ""), "request_id": str(request_id)}
    uploads = [f for f in raw.getlist("files") if not isinstance(f, str) and f.filename]
    files = [(f.filename or "file", await read_upload(f)) for f in uploads]

    def run() -> None:
        requests.answer_request(db, request_id=request_id, answer=form["answer"], actor=actor, files=files)

    return answer_form(
        request,
        db,
        run,
        ok=f"/requests/{request_id}",
        template="followup/request.html",
        block="answer_form",
        form=form,
    )


@router.post(
    "/requests/{request_id}/close", dependencies=[require("request-explanation")], include_in_schema=False
)
def close_request_form(
    db: DbSession, actor: CurrentActor, request_id: int, reason: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Close a request (the explanation is accepted, or no longer needed)."""
    requests.close_request(db, request_id=request_id, actor=actor, reason=reason)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


# --------------------------------------------------------------------------- plans


def _plans_context(request: Request, data: views.PlansPage) -> dict[str, Any]:
    bars = [
        (f"{i.agency_code} · {i.title}"[:70], i.start_on, i.due_on, i.status, i.progress) for i in data.items
    ]
    return {"gantt": plans.gantt_svg(bars, today=data.today)}


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
        _validated(run),
        ok="/plans",
        template="followup/plans.html",
        block="plan_form",
        form=form,
    )


@router.post("/plans/{item_id}/progress", dependencies=[require("edit-plans")], include_in_schema=False)
async def progress_form(request: Request, db: DbSession, actor: CurrentActor, item_id: int) -> Response:
    """Report progress of a plan item (percent, status, note, evidence files)."""
    raw = await request.form()
    uploads = [f for f in raw.getlist("files") if not isinstance(f, str) and f.filename]
    files = [(f.filename or "file", await read_upload(f)) for f in uploads]
    plans.report_progress(
        db,
        item_id=item_id,
        progress=int(str(raw.get("progress") or 0)),
        status=str(raw.get("status") or ""),
        note=str(raw.get("note") or ""),
        actor=actor,
        files=files,
    )
    return RedirectResponse("/plans", status_code=303)


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


# --------------------------------------------------------------------------- notifications


@page(
    router,
    "/notifications",
    template="followup/notifications.html",
    action="view-notifications",
    name="data",
    tags=["followup"],
)
def notifications_page(db: DbSession, actor: CurrentActor) -> views.NotificationsPage:
    """Show the viewer's notifications and what they receive per type and channel."""
    return views.notifications_page(db, actor=actor)


@router.get("/notifications/bell", dependencies=[require("view-home")], include_in_schema=False)
def bell(request: Request, db: DbSession, viewer: CurrentUser) -> HTMLResponse:
    """Return the bell with the unread count (htmx loads it into every page's header)."""
    count = notify.unread_count(db, user_id=viewer.id) if viewer.id is not None else 0
    return render(request, "followup/bell.html", count=count, logged_in=viewer.id is not None)


@router.post("/notifications/read", dependencies=[require("view-notifications")], include_in_schema=False)
def read_form(
    db: DbSession, actor: CurrentActor, notification_id: Annotated[int | None, Form()] = None
) -> RedirectResponse:
    """Mark one notification (or all) as read."""
    notify.mark_read(db, actor=actor, notification_id=notification_id)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/settings", dependencies=[require("view-notifications")], include_in_schema=False)
async def settings_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Save the viewer's e-mail address and their choice per type and channel (checked boxes are on)."""
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items() if k != "csrf_token"}

    def run() -> None:
        if form.get("email"):
            notify.set_address(db, actor=actor, user_id=actor.id, email=form["email"])
        current = notify.get_preferences(db, actor=actor)
        for event, channels in current.items():
            for channel, was in channels.items():
                wanted = f"{event}:{channel}" in form
                if wanted != was and EVENT_TYPES[event].optional:  # mandatory ones are shown disabled
                    notify.set_preference(db, actor=actor, event_type=event, channel=channel, enabled=wanted)

    return answer_form(
        request,
        db,
        run,
        ok="/notifications",
        template="followup/notifications.html",
        block="settings_form",
        form=form,
    )


@page(
    router,
    "/notifications/outbox",
    template="followup/outbox.html",
    action="manage-outbox",
    name="data",
    tags=["followup"],
)
def outbox_page(db: DbSession, actor: CurrentActor, status: str | None = None) -> views.OutboxPage:
    """Show the outbox: every e-mail and webhook, failed ones first, with the last error."""
    return views.outbox_page(
        db, actor=actor, status=status, smtp_configured=get_followup_settings().smtp is not None
    )


@router.post("/notifications/outbox/retry", dependencies=[require("manage-outbox")], include_in_schema=False)
def retry_form(
    db: DbSession, actor: CurrentActor, delivery_id: Annotated[list[int], Form()]
) -> RedirectResponse:
    """Queue failed messages again."""
    outbox.retry_failed(db, delivery_ids=delivery_id, actor=actor)
    return RedirectResponse("/notifications/outbox", status_code=303)
