"""Assessment pages and their JSON twins: periods, the reporter's form, review queue, rankings, audit.

Web layer: thin routes that parse input, check the action with `require`, call one service of
chiso/assessment and render. The services check the object (own agency, assigned groups) again.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from chiso.assessment import audit, evidence, excel, periods, publication, review, submissions
from chiso.assessment.schemas import (
    PreviewScore,
    QueueItem,
    Ranking,
    SaveReport,
    SubmissionView,
    ValueInput,
)
from chiso.clock import LocalDatetime
from chiso.errors import InvalidInput, PermissionDenied, Problem
from chiso.flows import scoring as flow
from chiso.reports.charts import ranking_chart_svg
from chiso.store.models.users import User
from chiso.web.deps import CurrentUser, DbSession, Viewer, require
from chiso.web.i18n import gettext_for, register_messages
from chiso.web.i18n_assessment import EN_ASSESSMENT, STATUS_VI
from chiso.web.rendering import env, lang_of, register_nav, render

router = APIRouter()
VALUE_FIELDS = ("value", "numerator", "denominator", "choice", "comment")

register_messages(EN_ASSESSMENT)
env.globals["status_vi"] = lambda status: STATUS_VI.get(str(status), str(status))
register_nav("Kỳ đánh giá", "/assessment", "view-assessment", "Assessment periods")
register_nav("Thẩm định", "/assessment/review", "review-submission", "Review queue")
register_nav("Xếp hạng", "/rankings", "view-rankings", "Rankings")
register_nav("Nhật ký", "/audit", "view-audit", "Audit log")


def _actor(viewer: Viewer) -> User:
    """Return the logged-in user; anonymous visitors never reach the services as "the system"."""
    if viewer.user is None:
        raise PermissionDenied("Cần đăng nhập", "You need to log in")
    return viewer.user


class PeriodOut(BaseModel):
    """One assessment period with its progress."""

    code: str
    name_vi: str
    name_en: str | None
    period: str
    framework_id: str
    framework_version: str
    status: str
    submission_deadline: LocalDatetime
    review_deadline: datetime
    groups: list[str]
    progress: dict[str, int]
    published_revision: int | None


class PeriodSubmission(BaseModel):
    agency_code: str
    agency_name_vi: str
    group_code: str | None
    status: str
    extended_until: LocalDatetime | None


class PeriodDetail(BaseModel):
    """A period with the submissions the viewer may see."""

    period: PeriodOut
    submissions: list[PeriodSubmission]


def _period_out(db: DbSession, p: Any) -> PeriodOut:
    latest = publication.latest_publication(db, period=p)
    return PeriodOut(
        code=p.code,
        name_vi=p.name_vi,
        name_en=p.name_en,
        period=p.period,
        framework_id=p.framework_id,
        framework_version=p.framework_version,
        status=p.status,
        submission_deadline=p.submission_deadline,
        review_deadline=p.review_deadline,
        groups=[g.code for g in periods.list_period_groups(db, period=p)],
        progress=review.period_progress(db, period_code=p.code),
        published_revision=latest.revision if latest else None,
    )


def build_period_list(db: DbSession) -> list[PeriodOut]:
    """Return every period, newest first, with its progress."""
    return [_period_out(db, p) for p in periods.list_periods(db)]


def build_period_detail(db: DbSession, viewer: Viewer, code: str) -> PeriodDetail:
    """Return a period and the submissions the viewer may see (own agency, assigned groups, or all)."""
    from sqlalchemy import select

    from chiso.assessment.access import assessor_group_ids
    from chiso.store.models import Agency, PeerGroup
    from chiso.store.models.assessment import Submission

    p = periods.get_period(db, code=code)
    user = _actor(viewer)
    stmt = (
        select(Submission, Agency.code, Agency.name_vi, PeerGroup.code)
        .join(Agency, Agency.id == Submission.agency_id)
        .outerjoin(PeerGroup, PeerGroup.id == Submission.group_id)
        .where(Submission.period_id == p.id)
        .order_by(PeerGroup.code, Agency.code)
    )
    if user.role == "reporter":
        stmt = stmt.where(Submission.agency_id == user.agency_id)
    elif user.role == "assessor":
        stmt = stmt.where(Submission.group_id.in_(assessor_group_ids(db, user=user)))
    rows = [
        PeriodSubmission(
            agency_code=a,
            agency_name_vi=n,
            group_code=g,
            status=s.status,
            extended_until=s.extended_until,
        )
        for s, a, n, g in db.execute(stmt)
    ]
    return PeriodDetail(period=_period_out(db, p), submissions=rows)


@router.get(
    "/assessment",
    response_class=HTMLResponse,
    dependencies=[require("view-assessment")],
    include_in_schema=False,
)
def periods_page(request: Request, db: DbSession) -> HTMLResponse:
    """List the assessment periods."""
    return render(
        request, "assessment/periods.html", periods=build_period_list(db), json_url="/api/assessment"
    )


@router.get(
    "/api/assessment",
    response_model=list[PeriodOut],
    dependencies=[require("view-assessment")],
    tags=["assessment"],
)
def periods_api(db: DbSession) -> list[PeriodOut]:
    """List the assessment periods with their progress (JSON twin of /assessment)."""
    return build_period_list(db)


class OpenPeriodIn(BaseModel):
    code: str
    name_vi: str
    province_code: str
    period: str
    framework_id: str
    group_codes: list[str]
    submission_deadline: LocalDatetime
    review_deadline: datetime
    previous_period_code: str | None = None


@router.post(
    "/api/assessment", response_model=PeriodOut, dependencies=[require("manage-periods")], tags=["assessment"]
)
def open_period_api(db: DbSession, viewer: CurrentUser, body: Annotated[OpenPeriodIn, Body()]) -> PeriodOut:
    """Open an assessment period (secretariat)."""
    p = periods.open_period(db, actor=_actor(viewer), **body.model_dump())
    return _period_out(db, p)


@router.get(
    "/assessment/review",
    response_class=HTMLResponse,
    dependencies=[require("review-submission")],
    include_in_schema=False,
)
def queue_page(request: Request, db: DbSession, viewer: CurrentUser) -> HTMLResponse:
    """Show the assessor's queue of submissions to review."""
    items = review.review_queue(db, actor=_actor(viewer))
    return render(request, "assessment/queue.html", items=items, json_url="/api/assessment/review")


@router.get(
    "/api/assessment/review",
    response_model=list[QueueItem],
    dependencies=[require("review-submission")],
    tags=["assessment"],
)
def queue_api(db: DbSession, viewer: CurrentUser) -> list[QueueItem]:
    """List the submissions waiting for the viewer's review (JSON twin of /assessment/review)."""
    return review.review_queue(db, actor=_actor(viewer))


@router.get("/assessment/files/{file_id}", dependencies=[require("view-assessment")], include_in_schema=False)
def evidence_file(db: DbSession, viewer: CurrentUser, file_id: int) -> Response:
    """Download an evidence file (only for those who may read the submission)."""
    record, path, media = evidence.get_evidence_file(db, file_id=file_id, actor=_actor(viewer))
    return Response(
        path.read_bytes(),
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(record.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.get(
    "/assessment/{code}",
    response_class=HTMLResponse,
    dependencies=[require("view-assessment")],
    include_in_schema=False,
)
def period_page(request: Request, db: DbSession, viewer: CurrentUser, code: str) -> HTMLResponse:
    """Show a period: deadlines, progress and the submissions the viewer may open."""
    detail = build_period_detail(db, viewer, code)
    return render(request, "assessment/period.html", detail=detail, json_url=f"/api/assessment/{code}")


@router.get(
    "/api/assessment/{code}",
    response_model=PeriodDetail,
    dependencies=[require("view-assessment")],
    tags=["assessment"],
)
def period_api(db: DbSession, viewer: CurrentUser, code: str) -> PeriodDetail:
    """Return a period and its submissions within the viewer's scope (JSON twin of /assessment/{code})."""
    return build_period_detail(db, viewer, code)


@router.post("/assessment/{code}/extend", dependencies=[require("manage-periods")], include_in_schema=False)
def extend_form(
    db: DbSession,
    viewer: CurrentUser,
    code: str,
    agency_code: Annotated[str, Form()],
    until: Annotated[datetime, Form()],
    reason: Annotated[str, Form()],
) -> RedirectResponse:
    """Extend one agency's deadline with a reason."""
    periods.extend_deadline(
        db, period_code=code, agency_code=agency_code, until=until, reason=reason, actor=_actor(viewer)
    )
    return RedirectResponse(f"/assessment/{code}", status_code=303)


@router.post(
    "/assessment/{code}/assessors", dependencies=[require("manage-periods")], include_in_schema=False
)
def assign_form(
    db: DbSession,
    viewer: CurrentUser,
    code: str,
    group_code: Annotated[str, Form()],
    username: Annotated[str, Form()],
) -> RedirectResponse:
    """Assign an assessor to a group of the period."""
    periods.assign_assessor(
        db, period_code=code, group_code=group_code, username=username, actor=_actor(viewer)
    )
    return RedirectResponse(f"/assessment/{code}", status_code=303)


@router.post(
    "/assessment/{code}/import",
    response_model=dict[str, int],
    dependencies=[require("manage-periods")],
    tags=["assessment"],
)
async def bulk_import(
    db: DbSession, viewer: CurrentUser, code: str, file: Annotated[UploadFile, File()]
) -> dict[str, int]:
    """Import every agency's values from one CSV or XLSX, all or nothing (secretariat)."""
    data = await file.read()
    return excel.bulk_import_values(
        db, period_code=code, data=data, filename=file.filename or "values.csv", actor=_actor(viewer)
    )


@router.get(
    "/assessment/{code}/preview",
    response_class=HTMLResponse,
    dependencies=[require("manage-periods")],
    include_in_schema=False,
)
def ranking_preview_page(
    request: Request, db: DbSession, viewer: CurrentUser, code: str, group: str | None = None
) -> HTMLResponse:
    """Preview the ranking the period would publish (secretariat)."""
    ranking = flow.preview_ranking(db, period_code=code, group=group, actor=_actor(viewer))
    return render(
        request,
        "assessment/ranking.html",
        ranking=ranking,
        groups=sorted({r.group for r in ranking.rows}),
        preview=True,
        json_url=None,
    )


@router.post("/assessment/{code}/publish", dependencies=[require("manage-periods")], include_in_schema=False)
def publish_form(
    db: DbSession, viewer: CurrentUser, code: str, reason: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Publish the period's results (a new revision; a correction needs a reason)."""
    flow.publish_period(db, period_code=code, reason=reason, actor=_actor(viewer))
    return RedirectResponse(f"/rankings/{code}", status_code=303)


# --- one agency's submission -------------------------------------------------------------------------


def _form_values(form: dict[str, Any]) -> dict[str, ValueInput]:
    """Read `<code>__<field>` form fields into ValueInputs (empty strings clear a value)."""
    values: dict[str, dict[str, Any]] = {}
    for key, raw in form.items():
        if "__" not in key or not isinstance(raw, str):
            continue
        code, name = key.rsplit("__", 1)
        if name in VALUE_FIELDS:
            values.setdefault(code, {})[name] = raw
    return {code: ValueInput(**fields) for code, fields in values.items()}


def _submission_context(db: DbSession, viewer: Viewer, code: str, agency: str) -> dict[str, Any]:
    view = submissions.get_submission_view(db, period_code=code, agency_code=agency, actor=_actor(viewer))
    preview = flow.preview_agency(db, period_code=code, agency_code=agency, actor=_actor(viewer))
    return {"view": view, "preview": preview}


@router.get(
    "/assessment/{code}/agencies/{agency}",
    response_class=HTMLResponse,
    dependencies=[require("view-assessment")],
    include_in_schema=False,
)
def submission_page(
    request: Request, db: DbSession, viewer: CurrentUser, code: str, agency: str
) -> HTMLResponse:
    """Show an agency's form: sections per pillar, fields per criterion, evidence, review, live preview."""
    ctx = _submission_context(db, viewer, code, agency)
    return render(
        request, "assessment/form.html", **ctx, json_url=f"/api/assessment/{code}/agencies/{agency}"
    )


@router.get(
    "/api/assessment/{code}/agencies/{agency}",
    response_model=SubmissionView,
    dependencies=[require("view-assessment")],
    tags=["assessment"],
)
def submission_api(db: DbSession, viewer: CurrentUser, code: str, agency: str) -> SubmissionView:
    """Return an agency's submission: the form with values, evidence and review state."""
    return submissions.get_submission_view(db, period_code=code, agency_code=agency, actor=_actor(viewer))


@router.get(
    "/api/assessment/{code}/agencies/{agency}/preview",
    response_model=PreviewScore,
    dependencies=[require("view-assessment")],
    tags=["assessment"],
)
def preview_api(db: DbSession, viewer: CurrentUser, code: str, agency: str) -> PreviewScore:
    """Score the agency's current values (the live preview)."""
    return flow.preview_agency(db, period_code=code, agency_code=agency, actor=_actor(viewer))


class DraftIn(BaseModel):
    values: dict[str, ValueInput]
    version: int | None = None
    partial: bool = Field(default=False, description="save the valid values, report the others")


@router.post(
    "/api/assessment/{code}/agencies/{agency}/draft",
    response_model=SaveReport,
    dependencies=[require("edit-submission")],
    tags=["assessment"],
)
def draft_api(
    db: DbSession, viewer: CurrentUser, code: str, agency: str, body: Annotated[DraftIn, Body()]
) -> SaveReport:
    """Save draft values (idempotent; all or nothing unless `partial`)."""
    return submissions.save_draft(
        db,
        period_code=code,
        agency_code=agency,
        values=body.values,
        expected_version=body.version,
        partial=body.partial,
        actor=_actor(viewer),
    )


@router.post(
    "/assessment/{code}/agencies/{agency}/draft",
    response_class=HTMLResponse,
    dependencies=[require("edit-submission")],
    include_in_schema=False,
)
async def draft_form(
    request: Request, db: DbSession, viewer: CurrentUser, code: str, agency: str
) -> Response:
    """Autosave the form (htmx): save every valid field, show the save status and the live preview."""
    form = dict(await request.form())
    report = submissions.save_draft(
        db,
        period_code=code,
        agency_code=agency,
        values=_form_values(form),
        partial=True,
        actor=_actor(viewer),
    )
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/assessment/{code}/agencies/{agency}", status_code=303)
    ctx = _submission_context(db, viewer, code, agency)
    return render(request, "assessment/form.html", block="status", report=report, **ctx)


@router.post(
    "/assessment/{code}/agencies/{agency}/submit",
    dependencies=[require("edit-submission")],
    include_in_schema=False,
)
def submit_form(db: DbSession, viewer: CurrentUser, code: str, agency: str) -> RedirectResponse:
    """Submit (or resubmit) the self-assessment; refused while required fields are empty."""
    submissions.submit(db, period_code=code, agency_code=agency, actor=_actor(viewer))
    return RedirectResponse(f"/assessment/{code}/agencies/{agency}", status_code=303)


@router.post(
    "/api/assessment/{code}/agencies/{agency}/submit",
    response_model=SubmissionView,
    dependencies=[require("edit-submission")],
    tags=["assessment"],
)
def submit_api(db: DbSession, viewer: CurrentUser, code: str, agency: str) -> SubmissionView:
    """Submit (or resubmit) the self-assessment (JSON twin)."""
    submissions.submit(db, period_code=code, agency_code=agency, actor=_actor(viewer))
    return submissions.get_submission_view(db, period_code=code, agency_code=agency, actor=_actor(viewer))


@router.post(
    "/assessment/{code}/agencies/{agency}/evidence",
    dependencies=[require("edit-submission")],
    include_in_schema=False,
)
async def evidence_form(
    db: DbSession,
    viewer: CurrentUser,
    code: str,
    agency: str,
    indicator_code: Annotated[str, Form()],
    document_number: Annotated[str, Form()],
    summary: Annotated[str, Form()] = "",
    document_date: Annotated[date | None, Form()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> RedirectResponse:
    """Attach an evidence document with its files to one criterion."""
    limit = _upload_limit()
    loaded = []
    for upload in files or []:
        if not upload.filename:
            continue
        data = await upload.read(limit + 1)
        loaded.append((upload.filename, data))
    evidence.add_evidence(
        db,
        period_code=code,
        agency_code=agency,
        indicator_code=indicator_code,
        document_number=document_number,
        document_date=document_date,
        summary=summary,
        files=loaded,
        actor=_actor(viewer),
    )
    return RedirectResponse(f"/assessment/{code}/agencies/{agency}#{indicator_code}", status_code=303)


def _upload_limit() -> int:
    from chiso.config import get_settings

    return get_settings().upload_max_bytes


@router.get(
    "/assessment/{code}/agencies/{agency}/template.xlsx",
    dependencies=[require("view-assessment")],
    include_in_schema=False,
)
def template_download(db: DbSession, viewer: CurrentUser, code: str, agency: str) -> Response:
    """Download the agency's form as a prefilled Excel template."""
    data = excel.build_template(db, period_code=code, agency_code=agency, actor=_actor(viewer))
    return Response(
        data,
        media_type=evidence.ALLOWED_TYPES["xlsx"][0],
        headers={"Content-Disposition": f'attachment; filename="bieu-mau-{agency}-{code}.xlsx"'},
    )


class UploadOut(BaseModel):
    saved: bool
    changed: list[str]
    rows: list[dict[str, Any]]


async def _upload(db: DbSession, viewer: Viewer, code: str, agency: str, file: UploadFile) -> UploadOut:
    data = await file.read(_upload_limit() + 1)
    if len(data) > _upload_limit():
        raise InvalidInput("Tệp quá lớn", "The file is too large", [Problem("Tệp quá lớn", "Too large")])
    report = excel.upload_template(
        db,
        period_code=code,
        agency_code=agency,
        data=data,
        filename=file.filename or "template.xlsx",
        actor=_actor(viewer),
    )
    return UploadOut(
        saved=report.saved,
        changed=report.changed,
        rows=[
            {"row": r.row, "indicator_code": r.indicator_code, "ok": r.ok, "messages": r.messages}
            for r in report.rows
        ],
    )


@router.post(
    "/api/assessment/{code}/agencies/{agency}/template",
    response_model=UploadOut,
    dependencies=[require("edit-submission")],
    tags=["assessment"],
)
async def template_upload_api(
    db: DbSession, viewer: CurrentUser, code: str, agency: str, file: Annotated[UploadFile, File()]
) -> UploadOut:
    """Upload a filled template: a report per row; nothing is saved unless every row is valid."""
    return await _upload(db, viewer, code, agency, file)


@router.post(
    "/assessment/{code}/agencies/{agency}/template",
    dependencies=[require("edit-submission")],
    include_in_schema=False,
)
async def template_upload_form(
    db: DbSession, viewer: CurrentUser, code: str, agency: str, file: Annotated[UploadFile, File()]
) -> RedirectResponse:
    """Upload a filled template from the form page; every invalid row is listed on the error page."""
    result = await _upload(db, viewer, code, agency, file)
    return RedirectResponse(
        f"/assessment/{code}/agencies/{agency}?uploaded={len(result.changed)}", status_code=303
    )


@router.get(
    "/api/assessment/{code}/agencies/{agency}/history/{indicator}",
    response_model=list[dict[str, Any]],
    dependencies=[require("view-assessment")],
    tags=["assessment"],
)
def history_api(
    db: DbSession, viewer: CurrentUser, code: str, agency: str, indicator: str
) -> list[dict[str, Any]]:
    """Return every change of one criterion's value and review."""
    rows = review.value_history(
        db, period_code=code, agency_code=agency, indicator_code=indicator, actor=_actor(viewer)
    )
    return [{k: getattr(r, k) for k in audit.AUDIT_COLUMNS} for r in rows]


class DecisionIn(BaseModel):
    decision: Literal["accept", "change", "return"]
    version: int
    points: float | None = None
    comment: str | None = None


@router.post(
    "/api/assessment/{code}/agencies/{agency}/review/{indicator}",
    response_model=dict[str, Any],
    dependencies=[require("review-submission")],
    tags=["assessment"],
)
def decision_api(
    db: DbSession,
    viewer: CurrentUser,
    code: str,
    agency: str,
    indicator: str,
    body: Annotated[DecisionIn, Body()],
) -> dict[str, Any]:
    """Accept, change the points of, or return one criterion (409 with the other's change if stale)."""
    row = review.review_value(
        db,
        period_code=code,
        agency_code=agency,
        indicator_code=indicator,
        decision=body.decision,
        expected_version=body.version,
        points=body.points,
        comment=body.comment,
        actor=_actor(viewer),
    )
    return {
        "indicator_code": indicator,
        "review_state": row.review_state,
        "points": row.points_override,
        "version": row.version,
    }


@router.post(
    "/assessment/{code}/agencies/{agency}/review/{indicator}",
    dependencies=[require("review-submission")],
    include_in_schema=False,
)
def decision_form(
    db: DbSession,
    viewer: CurrentUser,
    code: str,
    agency: str,
    indicator: str,
    decision: Annotated[str, Form()],
    version: Annotated[int, Form()],
    points: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Record a decision on one criterion from the review page."""
    review.review_value(
        db,
        period_code=code,
        agency_code=agency,
        indicator_code=indicator,
        decision=decision,
        expected_version=version,
        points=float(points.replace(",", ".")) if points.strip() else None,
        comment=comment,
        actor=_actor(viewer),
    )
    return RedirectResponse(f"/assessment/{code}/agencies/{agency}#{indicator}", status_code=303)


@router.post(
    "/assessment/{code}/agencies/{agency}/return",
    dependencies=[require("review-submission")],
    include_in_schema=False,
)
def return_form(
    db: DbSession, viewer: CurrentUser, code: str, agency: str, comment: Annotated[str, Form()]
) -> RedirectResponse:
    """Return the submission to the agency with a comment."""
    review.return_submission(db, period_code=code, agency_code=agency, comment=comment, actor=_actor(viewer))
    return RedirectResponse("/assessment/review", status_code=303)


@router.post(
    "/assessment/{code}/agencies/{agency}/approve",
    dependencies=[require("review-submission")],
    include_in_schema=False,
)
def approve_form(db: DbSession, viewer: CurrentUser, code: str, agency: str) -> RedirectResponse:
    """Approve the submission."""
    review.approve_submission(db, period_code=code, agency_code=agency, actor=_actor(viewer))
    return RedirectResponse("/assessment/review", status_code=303)


# --- public rankings -----------------------------------------------------------------------------------


class PublishedPeriod(BaseModel):
    code: str
    name_vi: str
    revision: int
    published_at: LocalDatetime
    groups: list[str]


def build_published(db: DbSession) -> list[PublishedPeriod]:
    """Return the periods with published results (public)."""
    out = []
    for p in periods.list_periods(db):
        latest = publication.latest_publication(db, period=p)
        if latest is not None:
            out.append(
                PublishedPeriod(
                    code=p.code,
                    name_vi=p.name_vi,
                    revision=latest.revision,
                    published_at=latest.published_at,
                    groups=publication.ranking_groups(db, period_code=p.code),
                )
            )
    return out


@router.get(
    "/rankings", response_class=HTMLResponse, dependencies=[require("view-rankings")], include_in_schema=False
)
def rankings_page(request: Request, db: DbSession) -> HTMLResponse:
    """List the periods with published rankings."""
    return render(
        request, "assessment/rankings.html", published=build_published(db), json_url="/api/rankings"
    )


@router.get(
    "/api/rankings",
    response_model=list[PublishedPeriod],
    dependencies=[require("view-rankings")],
    tags=["rankings"],
)
def rankings_api(db: DbSession) -> list[PublishedPeriod]:
    """List the periods with published rankings (JSON twin of /rankings)."""
    return build_published(db)


@router.get("/rankings/{code}.{fmt}", dependencies=[require("view-rankings")], tags=["rankings"])
def ranking_download(
    db: DbSession,
    code: str,
    fmt: Literal["csv", "xlsx"],
    group: str | None = None,
    revision: int | None = None,
) -> Response:
    """Download a published ranking as CSV or Excel."""
    ranking = publication.get_ranking(db, period_code=code, group=group, revision=revision)
    media = "text/csv; charset=utf-8" if fmt == "csv" else evidence.ALLOWED_TYPES["xlsx"][0]
    name = f"xep-hang-{code}{'-' + group if group else ''}.{fmt}"
    return Response(
        publication.export_ranking(ranking, fmt=fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/rankings/{code}",
    response_class=HTMLResponse,
    dependencies=[require("view-rankings")],
    include_in_schema=False,
)
def ranking_page(
    request: Request, db: DbSession, code: str, group: str | None = None, revision: int | None = None
) -> HTMLResponse:
    """Show the published ranking of a period and group: rank, agency, total, band, changes."""
    ranking = publication.get_ranking(db, period_code=code, group=group, revision=revision)
    groups = publication.ranking_groups(db, period_code=code)
    revisions = [p.revision for p in publication.list_publications(db, period_code=code)]
    query = f"?group={group}" if group else ""
    return render(
        request,
        "assessment/ranking.html",
        ranking=ranking,
        groups=groups,
        preview=False,
        revisions=revisions,
        chart=_ranking_chart(request, ranking),
        json_url=f"/api/rankings/{code}{query}",
    )


CHART_TITLES = ("Xếp loại", "Nhóm", "Số đơn vị theo xếp loại", "Số đơn vị", "Phân bố tổng điểm", "Tổng điểm")
register_messages({"Số đơn vị theo xếp loại": "Agencies per band", "Số đơn vị": "Agencies",
                   "Phân bố tổng điểm": "Spread of totals"})  # fmt: skip


def _ranking_chart(request: Request, ranking: Ranking) -> str:
    """Return the ranking's chart (agencies per band per group, spread of totals) as inline SVG."""
    _ = gettext_for(lang_of(request))
    rows = [
        {"group": r.group, "total": r.total, "band": r.band, "agency": r.agency_name_vi} for r in ranking.rows
    ]
    return ranking_chart_svg(rows, labels={t: _(t) for t in CHART_TITLES})


@router.get(
    "/api/rankings/{code}", response_model=Ranking, dependencies=[require("view-rankings")], tags=["rankings"]
)
def ranking_api(db: DbSession, code: str, group: str | None = None, revision: int | None = None) -> Ranking:
    """Return the published ranking of a period (latest revision) and group (JSON twin)."""
    return publication.get_ranking(db, period_code=code, group=group, revision=revision)


# --- audit ---------------------------------------------------------------------------------------------


class AuditFilters(BaseModel):
    action: str | None = None
    username: str | None = None
    object_type: str | None = None
    page: int = Field(default=1, ge=1)


def _audit_rows(db: DbSession, filters: AuditFilters, limit: int | None = 100) -> list[dict[str, Any]]:
    rows = audit.list_audit(
        db,
        action=filters.action,
        username=filters.username,
        object_type=filters.object_type,
        limit=limit,
        offset=0 if limit is None else (filters.page - 1) * limit,
    )
    return [{k: getattr(r, k) for k in audit.AUDIT_COLUMNS} for r in rows]


@router.get(
    "/audit", response_class=HTMLResponse, dependencies=[require("view-audit")], include_in_schema=False
)
def audit_page(request: Request, db: DbSession, filters: Annotated[AuditFilters, Query()]) -> HTMLResponse:
    """Browse the audit log (who, when, old, new, why)."""
    total = audit.count_audit(
        db, action=filters.action, username=filters.username, object_type=filters.object_type
    )
    return render(
        request,
        "assessment/audit.html",
        rows=_audit_rows(db, filters),
        filters=filters,
        total=total,
        json_url="/api/audit",
    )


@router.get(
    "/api/audit", response_model=list[dict[str, Any]], dependencies=[require("view-audit")], tags=["audit"]
)
def audit_api(db: DbSession, filters: Annotated[AuditFilters, Query()]) -> list[dict[str, Any]]:
    """List audit entries, newest first, 100 per page (JSON twin of /audit)."""
    return json.loads(json.dumps(_audit_rows(db, filters), default=str))  # type: ignore[no-any-return]


@router.get("/audit.{fmt}", dependencies=[require("view-audit")], tags=["audit"])
def audit_download(
    db: DbSession, fmt: Literal["csv", "xlsx"], filters: Annotated[AuditFilters, Query()]
) -> Response:
    """Export the audit entries matching the filters as CSV or Excel."""
    data = audit.export_audit(
        db, fmt=fmt, action=filters.action, username=filters.username, object_type=filters.object_type
    )
    media = "text/csv; charset=utf-8" if fmt == "csv" else evidence.ALLOWED_TYPES["xlsx"][0]
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit.{fmt}"'}
    )
