"""The secretariat's workbench: a period's progress and reminders, assessors, bulk import, ranking preview.

Web layer: each route parses its input, lets `require("manage-periods")` check the action, calls one
service of chiso.assessment or one flow of chiso.flows.workbench, and renders. A form that fails renders
its page again with the problem in place and the typed inputs kept; one that succeeds redirects with a
message (`done`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chiso.assessment import bulk, periods, workbench
from chiso.assessment.workbench import Workbench, WorkbenchFilters
from chiso.errors import ChisoError
from chiso.flows import workbench as flow
from chiso.flows.scoring import publish_period
from chiso.reports.charts import ranking_chart_svg
from chiso.store.models.assessment import SUBMISSION_STATUSES
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.i18n import gettext_for
from chiso.web.i18n_workbench import DONE_MESSAGES, SORT_LABELS
from chiso.web.pages import page
from chiso.web.rendering import attachment, lang_of, render, table_download
from chiso.web.routes.rankings import CHART_TITLES
from chiso.web.uploads import off_loop, read_upload

router = APIRouter()
GUARD = [require("manage-periods")]


def _done(request: Request) -> str | None:
    """Return the success message a redirect named (`?done=...`), in the page's language."""
    key = request.query_params.get("done", "")
    if key not in DONE_MESSAGES:
        return None
    text = gettext_for(lang_of(request))(DONE_MESSAGES[key])
    return text.replace("{n}", request.query_params.get("n", "")).replace(
        "{m}", request.query_params.get("m", "")
    )


def _workbench_context(request: Request, bench: Workbench) -> dict[str, Any]:
    filters = WorkbenchFilters.model_validate(dict(request.query_params))
    return {
        "filters": filters,
        "shown": workbench.filter_rows(bench.rows, filters),
        "statuses": SUBMISSION_STATUSES,
        "sorts": workbench.SORTS,
        "sort_labels": SORT_LABELS,
        "done": _done(request),
        "error": None,
        "problems": [],
        "typed": {},
    }


@page(
    router,
    "/assessment/{code}/workbench",
    template="assessment/workbench.html",
    action="manage-periods",
    name="bench",
    context=_workbench_context,
    tags=["assessment"],
)
def workbench_page(db: DbSession, actor: CurrentActor, code: str) -> Workbench:
    """Follow a period: counts by status per group, overdue agencies first, days waiting, assessors."""
    return workbench.get_workbench(db, period_code=code, actor=actor)


ROW_COLUMNS = (
    "group_code",
    "agency_code",
    "agency_name_vi",
    "status",
    "deadline",
    "days_waiting",
    "overdue",
    "days_overdue",
    "submitted_at",
    "extended_until",
)


@router.get("/assessment/{code}/workbench.{fmt}", dependencies=GUARD, tags=["assessment"])
def workbench_download(
    db: DbSession, actor: CurrentActor, code: str, fmt: Literal["csv", "xlsx"]
) -> Response:
    """Download the period's submissions as the workbench lists them (overdue first) as CSV or Excel."""
    bench = workbench.get_workbench(db, period_code=code, actor=actor)
    rows = [r.model_dump(mode="json") for r in bench.rows]
    return table_download(rows, ROW_COLUMNS, filename=f"tien-do-{code}", fmt=fmt)


def _bench_again(request: Request, db: DbSession, actor: Any, code: str, exc: ChisoError) -> HTMLResponse:
    """Render the workbench again with the form's problem in place (the failed change rolled back)."""
    db.rollback()
    bench = workbench.get_workbench(db, period_code=code, actor=actor)
    lang = lang_of(request)
    return render(
        request,
        "assessment/workbench.html",
        status_code=exc.status,
        bench=bench,
        **{
            **_workbench_context(request, bench),
            "error": exc.message_en if lang == "en" else exc.message_vi,
            "problems": list(exc.problems),
            "typed": dict(request.query_params),
        },
    )


@router.post("/assessment/{code}/workbench/remind", dependencies=GUARD, include_in_schema=False)
def remind_form(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    code: str,
    agency_code: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Remind the reporters of the chosen agencies (or of every overdue agency when none is chosen)."""
    codes = agency_code or [
        r.agency_code for r in workbench.get_workbench(db, period_code=code, actor=actor).rows if r.overdue
    ]
    agencies, told = flow.remind(db, period_code=code, agency_codes=codes, actor=actor)
    return RedirectResponse(
        f"/assessment/{code}/workbench?done=reminded&n={agencies}&m={told}", status_code=303
    )


@router.post("/assessment/{code}/workbench/assessors", dependencies=GUARD, include_in_schema=False)
def assign_form(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    code: str,
    group_code: Annotated[str, Form()],
    username: Annotated[str, Form()],
) -> Response:
    """Assign an assessor to a group; assigning twice says so instead of doing nothing silently."""
    try:
        new = workbench.assign_once(
            db, period_code=code, group_code=group_code, username=username, actor=actor
        )
    except ChisoError as exc:
        return _bench_again(request, db, actor, code, exc)
    done = "assigned" if new else "already"
    return RedirectResponse(f"/assessment/{code}/workbench?done={done}#assessors", status_code=303)


@router.post("/assessment/{code}/workbench/assessors/remove", dependencies=GUARD, include_in_schema=False)
def unassign_form(
    db: DbSession,
    actor: CurrentActor,
    code: str,
    group_code: Annotated[str, Form()],
    username: Annotated[str, Form()],
) -> Response:
    """Remove an assessor from a group of the period."""
    periods.unassign_assessor(db, period_code=code, group_code=group_code, username=username, actor=actor)
    return RedirectResponse(f"/assessment/{code}/workbench?done=removed#assessors", status_code=303)


# -- bulk import of values ---------------------------------------------------------------------------


@router.get(
    "/assessment/{code}/import", dependencies=GUARD, response_class=HTMLResponse, include_in_schema=False
)
def import_page(request: Request, db: DbSession, code: str) -> HTMLResponse:
    """Show the bulk import form of a period's values, with its template."""
    period = periods.get_period(db, code=code)
    return render(
        request,
        "assessment/workbench_import.html",
        period=period,
        columns=bulk.BULK_COLUMNS,
        report=None,
        error=None,
        problems=[],
        dry_run=True,
    )


@router.post(
    "/assessment/{code}/import/check",
    dependencies=GUARD,
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def import_form(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    code: str,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """Import (or only check, with the dry run) a period's values; every problem listed by row and column."""
    period = periods.get_period(db, code=code)
    page_args: dict[str, Any] = {"period": period, "columns": bulk.BULK_COLUMNS, "dry_run": dry_run}
    try:
        data = await read_upload(file)
        report = await off_loop(
            bulk.bulk_import_values,
            session=db,
            period_code=code,
            data=data,
            filename=file.filename or "values.csv",
            actor=actor,
            dry_run=dry_run,
        )
    except ChisoError as exc:
        db.rollback()
        lang = lang_of(request)
        return render(
            request,
            "assessment/workbench_import.html",
            status_code=exc.status,
            report=None,
            error=exc.message_en if lang == "en" else exc.message_vi,
            problems=list(exc.problems),
            problem_count=exc.problem_count,
            **page_args,
        )
    return render(
        request,
        "assessment/workbench_import.html",
        report=report,
        error=None,
        problems=[],
        filename=file.filename,
        **page_args,
    )


@router.get("/assessment/{code}/import-template.csv", dependencies=GUARD, tags=["assessment"])
def import_template(db: DbSession, actor: CurrentActor, code: str) -> Response:
    """Download the bulk import template: every editable agency's typed criteria with today's values."""
    data = bulk.bulk_template(db, period_code=code, actor=actor)
    return Response(
        data, media_type="text/csv; charset=utf-8", headers=attachment(f"nhap-gia-tri-{code}.csv")
    )


# -- ranking preview and publication ------------------------------------------------------------------


def _board_context(request: Request, board: flow.RankingBoard) -> dict[str, Any]:
    _ = gettext_for(lang_of(request))
    rows = [
        {"group": r.group, "total": r.total, "band": r.band, "agency": r.agency_name_vi}
        for r in (board.ranking.rows if board.ranking else [])
    ]
    chart = ranking_chart_svg(rows, labels={t: _(t) for t in CHART_TITLES}) if rows else ""
    groups = sorted({r.group for r in board.ranking.rows}) if board.ranking else []
    return {"chart": chart, "groups": groups, "error": None, "confirm": False, "reason": ""}


@page(
    router,
    "/assessment/{code}/ranking-preview",
    template="assessment/workbench_ranking.html",
    action="manage-periods",
    name="board",
    context=_board_context,
    tags=["assessment"],
)
def ranking_board_page(
    db: DbSession, actor: CurrentActor, code: str, group: Annotated[str | None, Query()] = None
) -> flow.RankingBoard:
    """Preview the ranking at any time: agencies not approved marked, changes since the last publication."""
    return flow.ranking_board(db, period_code=code, actor=actor, group=group or None)


@router.post("/assessment/{code}/ranking-preview/publish", dependencies=GUARD, include_in_schema=False)
def publish_form(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    code: str,
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    """Publish from the preview; a correction identical to the published revision asks to confirm first."""
    board = flow.ranking_board(db, period_code=code, actor=actor)
    ask = board.identical and not confirm
    if not ask:
        try:
            publish_period(db, period_code=code, reason=reason, actor=actor)
        except ChisoError as exc:
            db.rollback()
            lang = lang_of(request)
            return render(
                request,
                "assessment/workbench_ranking.html",
                status_code=exc.status,
                board=board,
                **{
                    **_board_context(request, board),
                    "reason": reason,
                    "error": exc.message_en if lang == "en" else exc.message_vi,
                },
            )
        return RedirectResponse(f"/rankings/{code}", status_code=303)
    return render(
        request,
        "assessment/workbench_ranking.html",
        status_code=200,
        board=board,
        **{**_board_context(request, board), "confirm": True, "reason": reason},
    )
