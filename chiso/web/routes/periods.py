"""Assessment periods: the list, one period with its submissions, and the secretariat's period actions.

Web layer: each route parses its input, lets `require` check the action, calls one service (the
assessment room or chiso.flows.scoring) and renders. Object checks (own agency, assigned groups) are the
services' job.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from chiso import clock
from chiso.assessment import bulk, overview, periods
from chiso.assessment.schemas import PeriodDetail, PeriodOut, Ranking
from chiso.clock import LocalDatetime
from chiso.errors import InvalidInput, Problem
from chiso.flows import computed
from chiso.flows import followup_notices as notices
from chiso.flows import scoring as flow
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.pages import page
from chiso.web.routes.rankings import group_sizes
from chiso.web.uploads import off_loop, read_upload

router = APIRouter()


@page(router, "/assessment", template="assessment/periods.html", action="view-assessment", name="periods",
      tags=["assessment"])  # fmt: skip
def period_list(db: DbSession) -> list[PeriodOut]:
    """List the assessment periods with their progress."""
    return overview.list_period_overviews(db)


class OpenPeriodIn(BaseModel):
    code: str
    name_vi: str
    province_code: str
    period: str
    framework_id: str
    group_codes: list[str]
    submission_deadline: LocalDatetime
    review_deadline: LocalDatetime
    previous_period_code: str | None = None


@router.post(
    "/api/assessment", response_model=PeriodOut, dependencies=[require("manage-periods")], tags=["assessment"]
)
def open_period_api(db: DbSession, actor: CurrentActor, body: Annotated[OpenPeriodIn, Body()]) -> PeriodOut:
    """Open an assessment period (secretariat)."""
    opened = computed.open_period(db, actor=actor, **body.model_dump())  # with its computed values
    notices.period_opened(db, period_code=opened.code)
    return overview.period_detail(db, period_code=opened.code, actor=actor).period


@page(router, "/assessment/{code}", template="assessment/period.html", action="view-assessment",
      name="detail", tags=["assessment"])  # fmt: skip
def period_page(db: DbSession, actor: CurrentActor, code: str) -> PeriodDetail:
    """Show a period: deadlines, progress and the submissions the viewer may open."""
    return overview.period_detail(db, period_code=code, actor=actor)


@router.post("/assessment/{code}/extend", dependencies=[require("manage-periods")], include_in_schema=False)
def extend_form(
    db: DbSession,
    actor: CurrentActor,
    code: str,
    agency_code: Annotated[str, Form()],
    until: Annotated[str, Form()],
    reason: Annotated[str, Form()],
) -> RedirectResponse:
    """Extend one agency's deadline with a reason (typed dd/mm/yyyy hh:mm, province time)."""
    moment = clock.parse_wall_time(until)
    if moment is None:
        raise InvalidInput(
            f"Ngày gia hạn '{until}' phải viết dd/mm/yyyy hh:mm",
            f"Write the extension date {until!r} as dd/mm/yyyy hh:mm",
            [Problem("Ngày không hợp lệ", "Bad date", field="until")],
        )
    periods.extend_deadline(
        db, period_code=code, agency_code=agency_code, until=moment, reason=reason, actor=actor
    )
    return RedirectResponse(f"/assessment/{code}", status_code=303)


@router.post(
    "/assessment/{code}/assessors", dependencies=[require("manage-periods")], include_in_schema=False
)
def assign_form(
    db: DbSession,
    actor: CurrentActor,
    code: str,
    group_code: Annotated[str, Form()],
    username: Annotated[str, Form()],
) -> RedirectResponse:
    """Assign an assessor to a group of the period."""
    periods.assign_assessor(db, period_code=code, group_code=group_code, username=username, actor=actor)
    return RedirectResponse(f"/assessment/{code}", status_code=303)


@router.post(
    "/assessment/{code}/import",
    response_model=dict[str, int],
    dependencies=[require("manage-periods")],
    tags=["assessment"],
)
async def bulk_import(
    db: DbSession, actor: CurrentActor, code: str, file: Annotated[UploadFile, File()]
) -> dict[str, int]:
    """Import every agency's values from one CSV or XLSX, all or nothing (secretariat)."""
    data = await read_upload(file)
    return await off_loop(
        bulk.bulk_import_values,
        session=db, period_code=code, data=data, filename=file.filename or "values.csv", actor=actor,
    )  # fmt: skip


def _preview_context(request: Request, ranking: Ranking) -> dict[str, object]:
    groups = sorted({r.group for r in ranking.rows})
    return {"ranking": ranking, "groups": groups, "preview": True, "group_sizes": group_sizes(ranking)}


@page(router, "/assessment/{code}/preview", template="assessment/ranking.html", action="manage-periods",
      name="ranking", context=_preview_context, tags=["assessment"])  # fmt: skip
def ranking_preview(db: DbSession, actor: CurrentActor, code: str, group: str | None = None) -> Ranking:
    """Preview the ranking the period would publish (secretariat)."""
    return flow.preview_ranking(db, period_code=code, group=group, actor=actor)


@router.post("/assessment/{code}/publish", dependencies=[require("manage-periods")], include_in_schema=False)
def publish_form(
    db: DbSession, actor: CurrentActor, code: str, reason: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Publish the period's results (a new revision; a correction needs a reason)."""
    flow.publish_period(db, period_code=code, reason=reason, actor=actor)
    return RedirectResponse(f"/rankings/{code}", status_code=303)
