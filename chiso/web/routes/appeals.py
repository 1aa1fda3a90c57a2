"""Right of reply and appeals: the open cases by due date, one case and its answer, an agency's preliminary
or published results with the reply form, and a period's release and counts.

Web layer: each page is one `@page` function returning the typed model (chiso.assessment.appeals_schemas);
each form is a thin POST calling one flow (chiso.flows.appeals). Forms post with htmx: a refused action
comes back as the same form with the error in place and the inputs kept; success reloads the page.
Object checks (own agency, assigned groups, appeals decided by the secretariat) are the services' job.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from chiso import clock
from chiso.assessment import appeals, appeals_views
from chiso.assessment.appeals_schemas import AgencyResults, CaseList, CaseOut, PeriodAppeals
from chiso.errors import InvalidInput, Problem
from chiso.flows import appeals as flow
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.pages import page
from chiso.web.rendering import attachment, table_download
from chiso.web.routes import _appeals_i18n  # noqa: F401 - registers the pages' English
from chiso.web.routes._followup_forms import answer_form
from chiso.web.uploads import read_upload

router = APIRouter()
COLUMNS = [
    "id", "kind", "status", "period_code", "agency_code", "agency_name_vi", "group_code", "indicator_code",
    "criterion_name_vi", "points_before", "requested_points", "points_after", "filed_at", "answer_due",
    "overdue", "answered_at", "revision",
]  # fmt: skip


def _status(status: str | None) -> str | None:
    return None if status in (None, "", "all") else status


@page(router, "/appeals", template="appeals/list.html", action="view-appeals", name="data", tags=["appeals"])
def appeals_page(
    db: DbSession, actor: CurrentActor, status: str | None = "open", period: str | None = None
) -> CaseList:
    """List the replies and appeals the viewer may see, the nearest answer date first (open by default)."""
    return appeals_views.list_cases(
        db, actor=actor, now=clock.now(), status=_status(status), period_code=period or None
    )


@router.get("/appeals.{fmt}", dependencies=[require("view-appeals")], tags=["appeals"])
def appeals_download(
    db: DbSession,
    actor: CurrentActor,
    fmt: Literal["csv", "xlsx"],
    status: str | None = "open",
    period: str | None = None,
) -> Response:
    """Download the listed replies and appeals as CSV or Excel, one row per case; no data stays empty."""
    data = appeals_views.list_cases(
        db, actor=actor, now=clock.now(), status=_status(status), period_code=period or None
    )
    rows = [c.model_dump(mode="json") for c in data.rows]
    return table_download(rows, COLUMNS, filename="y-kien-phuc-khao", fmt=fmt)


@router.get("/appeals/files/{file_id}", dependencies=[require("view-appeals")], include_in_schema=False)
def case_file(db: DbSession, actor: CurrentActor, file_id: int) -> FileResponse:
    """Download a file attached to a reply or appeal the viewer may read."""
    record, path, media = appeals.case_file(db, file_id=file_id, actor=actor)
    return FileResponse(path, media_type=media, headers=attachment(record.filename))


@page(router, "/appeals/{case_id}", template="appeals/case.html", action="view-appeals", name="case",
      tags=["appeals"])  # fmt: skip
def case_page(db: DbSession, actor: CurrentActor, case_id: int) -> CaseOut:
    """Show a reply or appeal, its files and answer; the assessor or the secretariat answers here."""
    return flow.get_case(db, case_id=case_id, actor=actor)


def _number(text: str, field: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(
            f"Điểm phải là số, không phải {text!r}", f"Points must be a number, not {text!r}",
            [Problem("Không phải số", "Not a number", field=field)],
        ) from None  # fmt: skip


@router.post("/appeals/{case_id}/answer", dependencies=[require("answer-appeal")], include_in_schema=False)
async def answer_case_form(request: Request, db: DbSession, actor: CurrentActor, case_id: int) -> Response:
    """Answer a reply or appeal: upheld, changed with new points, or rejected, with the reasons."""
    raw = await request.form()
    form = {k: str(raw.get(k) or "") for k in ("decision", "points", "reason", "version")}

    def run() -> None:
        flow.answer_case(
            db, case_id=case_id, decision=form["decision"], points=_number(form["points"], "points"),
            reason=form["reason"], expected_version=int(form["version"] or 0), actor=actor,
        )  # fmt: skip

    return answer_form(
        request, db, run, ok=f"/appeals/{case_id}", template="appeals/case.html", block="answer_form",
        form=form, again=lambda: {"case": flow.get_case(db, case_id=case_id, actor=actor)},
    )  # fmt: skip


@page(router, "/assessment/{code}/results", template="appeals/results.html", action="view-appeals",
      name="data", tags=["appeals"])  # fmt: skip
def results_page(db: DbSession, actor: CurrentActor, code: str, agency: str | None = None) -> AgencyResults:
    """Show an agency's preliminary (marked so) or published results, its group's ranking and its cases."""
    return flow.agency_results(db, period_code=code, agency_code=agency or None, actor=actor)


@router.post(
    "/assessment/{code}/results/reply", dependencies=[require("file-appeal")], include_in_schema=False
)
async def reply_form(request: Request, db: DbSession, actor: CurrentActor, code: str) -> Response:
    """File a reply (preliminary results) or an appeal (published) on one criterion, with files."""
    raw = await request.form()
    form = {k: str(raw.get(k) or "") for k in ("agency_code", "indicator_code", "text", "requested_points")}
    uploads = [f for f in raw.getlist("files") if not isinstance(f, str) and f.filename]
    files = [(f.filename or "file", await read_upload(f)) for f in uploads]

    def run() -> None:
        flow.file_case(
            db, period_code=code, agency_code=form["agency_code"], indicator_code=form["indicator_code"],
            text=form["text"], requested_points=_number(form["requested_points"], "requested_points"),
            files=files, actor=actor,
        )  # fmt: skip

    return answer_form(
        request, db, run, ok=f"/assessment/{code}/results", template="appeals/results.html",
        block="reply_form", form=form,
        again=lambda: {"data": flow.agency_results(db, period_code=code, agency_code=None, actor=actor)},
    )  # fmt: skip


@page(router, "/assessment/{code}/appeals", template="appeals/period.html", action="view-assessment",
      name="data", block="appeals_summary", tags=["appeals"])  # fmt: skip
def period_appeals_page(db: DbSession, code: str) -> PeriodAppeals:
    """Show a period's preliminary release, reply and appeal windows and its cases per kind and status."""
    return flow.period_appeals(db, period_code=code)


@router.post(
    "/assessment/{code}/preliminary", dependencies=[require("manage-periods")], include_in_schema=False
)
async def release_form(request: Request, db: DbSession, actor: CurrentActor, code: str) -> Response:
    """Release the period's preliminary results to the agencies for a reply window in working days."""
    raw = await request.form()
    form = {"reply_days": str(raw.get("reply_days") or "")}

    def run() -> None:
        days = _number(form["reply_days"], "reply_days")
        flow.release_preliminary(db, period_code=code, reply_days=int(days or 0), actor=actor)

    return answer_form(
        request, db, run, ok=f"/assessment/{code}", template="appeals/period.html", block="appeals_summary",
        form=form, again=lambda: {"data": flow.period_appeals(db, period_code=code)},
    )  # fmt: skip


@router.post(
    "/assessment/{code}/appeal-windows", dependencies=[require("manage-periods")], include_in_schema=False
)
async def windows_form(request: Request, db: DbSession, actor: CurrentActor, code: str) -> Response:
    """Set the period's reply, appeal and answer windows in working days."""
    raw = await request.form()
    form = {k: str(raw.get(k) or "") for k in ("reply_days", "appeal_days", "answer_days")}

    def run() -> None:
        days = {k: int(_number(v, k) or 0) for k, v in form.items()}
        appeals.set_windows(db, period_code=code, actor=actor, now=clock.now(), **days)

    return answer_form(
        request, db, run, ok=f"/assessment/{code}", template="appeals/period.html", block="appeals_summary",
        form=form, again=lambda: {"data": flow.period_appeals(db, period_code=code)},
    )  # fmt: skip
