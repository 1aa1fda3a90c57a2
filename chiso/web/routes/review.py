"""Review: the assessor's queue, decisions per criterion, return and approve a submission.

Web layer: each route parses its input, lets `require` check the action and calls one service of
chiso.assessment.review, which checks that the viewer is assigned to the submission's group.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Form
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from chiso.assessment import review
from chiso.assessment.schemas import QueueItem
from chiso.errors import InvalidInput, Problem
from chiso.flows import followup_notices as notices
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.pages import page

router = APIRouter()
FORM = "/assessment/{code}/agencies/{agency}"


@page(router, "/assessment/review", template="assessment/queue.html", action="review-submission",
      name="items", tags=["assessment"])  # fmt: skip
def queue_page(db: DbSession, actor: CurrentActor) -> list[QueueItem]:
    """List the submissions waiting for the viewer's review."""
    return review.review_queue(db, actor=actor)


class DecisionIn(BaseModel):
    decision: Literal["accept", "change", "return"]
    version: int
    points: float | None = None
    comment: str | None = None


@router.post(
    "/api" + FORM + "/review/{indicator}",
    response_model=dict[str, Any],
    dependencies=[require("review-submission")],
    tags=["assessment"],
)
def decision_api(
    db: DbSession,
    actor: CurrentActor,
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
        actor=actor,
    )
    return {
        "indicator_code": indicator,
        "review_state": row.review_state,
        "points": row.points_override,
        "version": row.version,
    }


def _points(text: str) -> float | None:
    """Read points typed as 1,5 or 1.5; anything else is refused beside the field."""
    if not text.strip():
        return None
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(
            f"Điểm '{text}' không phải là số", f"The points '{text}' are not a number",
            [Problem("Điểm phải là số, ví dụ 1,5", "Points must be a number, e.g. 1.5", field="points")],
        ) from None  # fmt: skip


@router.post(
    FORM + "/review/{indicator}", dependencies=[require("review-submission")], include_in_schema=False
)
def decision_form(
    db: DbSession,
    actor: CurrentActor,
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
        points=_points(points),
        comment=comment,
        actor=actor,
    )
    return RedirectResponse(FORM.format(code=code, agency=agency) + f"#{indicator}", status_code=303)


@router.post(FORM + "/return", dependencies=[require("review-submission")], include_in_schema=False)
def return_form(
    db: DbSession, actor: CurrentActor, code: str, agency: str, comment: Annotated[str, Form()]
) -> RedirectResponse:
    """Return the submission to the agency with a comment."""
    review.return_submission(db, period_code=code, agency_code=agency, comment=comment, actor=actor)
    notices.submission_returned(db, period_code=code, agency_code=agency, comment=comment)
    return RedirectResponse("/assessment/review", status_code=303)


@router.post(FORM + "/approve", dependencies=[require("review-submission")], include_in_schema=False)
def approve_form(db: DbSession, actor: CurrentActor, code: str, agency: str) -> RedirectResponse:
    """Approve the submission."""
    review.approve_submission(db, period_code=code, agency_code=agency, actor=actor)
    return RedirectResponse("/assessment/review", status_code=303)
