"""Opening a period from a page: the form, a check of what would open (groups, agencies, deadlines), open.

Web layer: the form posts once to check (nothing is written) and again to open; problems render in
place beside their fields with every typed input kept. Dates are typed dd/mm/yyyy [hh:mm], as people in
the province write them, and mean province time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chiso import clock
from chiso.assessment import opening, periods
from chiso.config import get_settings
from chiso.errors import ChisoError
from chiso.flows import workbench as flow
from chiso.frameworks import list_frameworks
from chiso.units.groups import list_groups
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.rendering import lang_of, render

router = APIRouter()
GUARD = [require("manage-periods")]
PATH = "/workbench/new-period"


def _choices(db: DbSession) -> dict[str, Any]:
    return {
        "all_groups": list_groups(db),
        "frameworks": list_frameworks(get_settings().data_dir / "frameworks"),
        "periods": periods.list_periods(db),
    }


def _typed(form: Any) -> dict[str, Any]:
    """Return the typed fields; a group code listed for several years keeps the deadline typed in one row."""
    return {
        k: form.getlist(k)
        if k == "group_codes"
        else next((str(v) for v in form.getlist(k) if str(v).strip()), "")
        for k in form
    }


def _request_of(typed: dict[str, Any]) -> tuple[opening.OpeningRequest, list[str]]:
    """Return the open-period request from the typed fields and the names of the dates that did not parse."""
    bad: list[str] = []

    def when(name: str) -> datetime | None:
        value = clock.parse_wall_time(typed.get(name))
        if value is None and str(typed.get(name) or "").strip():
            bad.append(name)
        return value

    group_codes = [str(g) for g in typed.get("group_codes") or []]
    own = {g: when(f"deadline_{g}") for g in group_codes}
    request = opening.OpeningRequest(
        code=str(typed.get("code") or "").strip(),
        name_vi=str(typed.get("name_vi") or "").strip(),
        name_en=str(typed.get("name_en") or "").strip() or None,
        province_code=str(typed.get("province_code") or "").strip(),
        period=str(typed.get("period") or "").strip(),
        framework_id=str(typed.get("framework_id") or ""),
        group_codes=group_codes,
        submission_deadline=when("submission_deadline"),
        review_deadline=when("review_deadline"),
        group_deadlines={g: d for g, d in own.items() if d is not None},
        previous_period_code=str(typed.get("previous_period_code") or "") or None,
    )
    return request, bad


@router.get(PATH, dependencies=GUARD, response_class=HTMLResponse, include_in_schema=False)
def open_page(request: Request, db: DbSession) -> HTMLResponse:
    """Show the open-period form (framework, groups, deadlines per group, review deadline)."""
    typed = {"province_code": "48", "group_codes": []}
    return render(
        request, "assessment/workbench_open.html", typed=typed, check=None, error=None, **_choices(db)
    )


@router.post(PATH, dependencies=GUARD, response_class=HTMLResponse, include_in_schema=False)
async def open_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Check what would open (step=check), or open it (step=open); problems shown beside their fields."""
    form = await request.form()
    typed = _typed(form)
    wanted, bad = _request_of(typed)
    check = opening.check_opening(db, request=wanted, actor=actor)
    for name in bad:
        check.problems.append(
            {
                "message_vi": "Ngày phải viết dd/mm/yyyy hh:mm",
                "message_en": "Write the date as dd/mm/yyyy hh:mm",
                "field": name,
            }
        )
    error = None
    if typed.get("step") == "open" and check.ok:
        try:
            code = flow.open_period(db, request=wanted, actor=actor)
        except ChisoError as exc:
            db.rollback()
            error = exc.message_en if lang_of(request) == "en" else exc.message_vi
        else:
            return RedirectResponse(f"/assessment/{code}/workbench?done=opened", status_code=303)
    status = 200 if check.ok and error is None else 422
    return render(
        request,
        "assessment/workbench_open.html",
        status_code=status,
        typed=typed,
        check=check,
        error=error,
        **_choices(db),
    )
