"""Follow-up pages: targets, alerts, requests for explanation, notifications and the outbox.

Web layer: each page is one `@page` function returning the typed model (chiso.followup.views); each form
is a thin POST calling one service. Forms post with htmx: a refused action comes back as the same form with
the error in place and the inputs kept (the transaction is rolled back); success reloads the page. The
plans' routes are in followup_plans; the form helpers both share are in _followup_forms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chiso import clock
from chiso.errors import InvalidInput
from chiso.followup import (
    alerts,
    charts,
    notify,
    outbox,
    requests,
    targets,
    targets_excel,
    views,
)
from chiso.followup.events import EVENT_TYPES
from chiso.followup.settings import get_followup_settings
from chiso.web.deps import CurrentActor, CurrentUser, DbSession, require
from chiso.web.pages import page
from chiso.web.rendering import lang_of, render, table_download
from chiso.web.routes import _followup_i18n  # noqa: F401 - registers the pages' English
from chiso.web.routes._followup_forms import XLSX, answer_form, validated
from chiso.web.uploads import off_loop, read_upload

router = APIRouter()


# --------------------------------------------------------------------------- targets


TARGET_WORDS = {
    "vi": {"missed": "Không đạt", "at_risk": "Có nguy cơ", "no_data": "Chưa có dữ liệu", "met": "Đạt"},
    "en": {"missed": "Missed", "at_risk": "At risk", "no_data": "No data", "met": "Met"},
}


def _targets_context(request: Request, data: views.TargetsPage) -> dict[str, Any]:
    en = lang_of(request) == "en"
    words = TARGET_WORDS["en" if en else "vi"]
    chart = charts.stacked_bars(
        [
            (f"{t.code} · {t.name_en if en and t.name_en else t.name_vi}"[:90], t.counts)
            for t in data.targets
            if t.counts
        ],
        order=["missed", "at_risk", "no_data", "met"],
        names=words,
        title="targets",
    )
    return {"chart": chart}


@page(
    router,
    "/targets",
    template="followup/targets.html",
    action="view-followup",
    name="data",
    context=_targets_context,
    tags=["followup"],
)
def targets_page(db: DbSession, actor: CurrentActor, status: str | None = None) -> views.TargetsPage:
    """Show the targets and each agency's status against them, red first (missed, at risk, no data, met)."""
    return views.targets_page(db, actor=actor, status=status)


@router.get("/targets/statuses.{fmt}", dependencies=[require("view-followup")], tags=["followup"])
def statuses_download(
    db: DbSession, actor: CurrentActor, fmt: Literal["csv", "xlsx"], status: str | None = None
) -> Response:
    """Download each agency's status against each target (red first) as CSV or Excel; no data stays empty."""
    rows = [s.model_dump() for s in views.targets_page(db, actor=actor, status=status).statuses]
    for row in rows:
        row["trend"] = " ".join("" if v is None else f"{v:g}" for v in row["trend"])
    columns = [
        "target_code",
        "agency_code",
        "agency_name",
        "period",
        "value",
        "target_value",
        "status",
        "trend",
    ]
    return table_download(rows, columns, filename="chi-tieu-tinh-trang", fmt=fmt)


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
        validated(run),
        ok="/targets",
        template="followup/targets.html",
        block="target_form",
        form=form,
    )


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
async def rule_form(request: Request, db: DbSession, actor: CurrentActor, code: str) -> Response:
    """Switch an alert rule on or off and set its threshold (a number; the rule's unit)."""
    raw = await request.form()
    form = {
        "code": code,
        "enabled": str(raw.get("enabled") or ""),
        "threshold": str(raw.get("threshold") or ""),
    }
    form["name"] = alerts.RULES[code].name_vi if code in alerts.RULES else code

    def run() -> None:
        text = form["threshold"].strip().replace(",", ".")
        try:
            threshold = float(text) if text else None
        except ValueError:
            raise InvalidInput(
                f"Ngưỡng phải là số, không phải {form['threshold']!r}",
                f"The threshold must be a number, not {form['threshold']!r}",
            ) from None
        alerts.set_rule(db, code=code, enabled=bool(form["enabled"]), threshold=threshold, actor=actor)

    return answer_form(
        request, db, run, ok="/targets#rules", template="followup/targets.html", block="rule_form", form=form
    )


# --------------------------------------------------------------------------- alerts and requests


def _alerts_context(request: Request, rows: list[views.AlertRow]) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {}
    for a in rows:
        rule = "target_missed" if a.rule.startswith("target:") else a.rule
        counts.setdefault(rule, {}).setdefault(a.status, 0)
        counts[rule][a.status] += 1
    en = lang_of(request) == "en"
    rule_names = {c: (r.name_en if en else r.name_vi) for c, r in alerts.RULES.items()}
    status_names = STATUS_WORDS["en" if en else "vi"]
    chart = charts.stacked_bars(
        [(rule_names.get(rule, rule), n) for rule, n in sorted(counts.items())],
        order=["open", "requested", "closed"],
        names=status_names,
        colours={"open": "#c62828", "requested": "#e08a00", "closed": "#9aa5b1"},
        title=status_names["title"],
    )
    return {"chart": chart}


STATUS_WORDS = {
    "vi": {"open": "Đang mở", "requested": "Đã yêu cầu giải trình", "closed": "Đã đóng", "title": "Cảnh báo"},
    "en": {"open": "Open", "requested": "Explanation requested", "closed": "Closed", "title": "Alerts"},
}


@page(
    router,
    "/alerts",
    template="followup/alerts.html",
    action="view-followup",
    name="rows",
    context=_alerts_context,
    tags=["followup"],
)
def alerts_page(
    db: DbSession, actor: CurrentActor, status: str | None = None, agency: str | None = None
) -> list[views.AlertRow]:
    """List alerts, newest first, with their evidence; a reporter sees their own agency's."""
    return views.alert_rows(db, actor=actor, status=status, agency_code=agency)


@router.get("/alerts.{fmt}", dependencies=[require("view-followup")], tags=["followup"])
def alerts_download(
    db: DbSession,
    actor: CurrentActor,
    fmt: Literal["csv", "xlsx"],
    status: str | None = None,
    agency: str | None = None,
) -> Response:
    """Download the alerts the viewer may see (the page's filters) as CSV or Excel, one row per alert."""
    rows = [
        {
            **a.model_dump(exclude={"evidence"}),
            "raised_at": a.raised_at.isoformat(),
            "late": a.evidence.get("late"),
        }
        for a in views.alert_rows(db, actor=actor, status=status, agency_code=agency)
    ]
    columns = [
        "id",
        "rule",
        "agency_code",
        "agency_name",
        "period",
        "title_vi",
        "title_en",
        "status",
        "raised_at",
    ]
    return table_download(rows, [*columns, "late"], filename="canh-bao", fmt=fmt)


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
    moment = clock.parse_wall_time(text)
    if moment is None:
        raise InvalidInput(
            f"Hạn trả lời không hợp lệ: '{text}' (dd/mm/yyyy hh:mm)",
            f"Not a due date: '{text}' (dd/mm/yyyy hh:mm)",
        )
    return moment


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
        again=lambda: {"data": views.notifications_page(db, actor=actor)},
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
