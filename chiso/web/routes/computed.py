"""A period's computed values (monitoring feeding the yearly index): their status page and the secretariat's
refresh, freeze and unfreeze buttons.

Web layer: each route lets `require` check the action and calls one flow of chiso.flows.computed; the
form's read-only display of a computed value (templates/assessment/_computed.html) formats its lineage
with `computed_lineage`, registered here for every template.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from chiso import clock
from chiso.assessment.computed import describe_lineage
from chiso.flows import computed as flow
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import env

router = APIRouter()
env.globals["computed_lineage"] = describe_lineage
register_messages(
    {
        "Số liệu tự động từ giám sát": "Computed from monitoring",
        "tự động": "computed",
        "Tiêu chí": "Criterion",
        "Chỉ số giám sát": "Monitoring metric",
        "Khoảng thời gian": "Dates",
        "Số bản đã ghi": "Forms holding it",
        "Tính lần cuối": "Last computed",
        "Đã chốt số liệu đến ngày": "Frozen at the cut-off",
        "Số liệu theo dõi kho hồ sơ: mỗi lần nhập hồ sơ, giá trị được tính lại.": "The values follow the "
        "record store: every ingest recomputes them.",
        "Tính lại ngay": "Recompute now",
        "Chốt số liệu": "Freeze the values",
        "Ngày chốt": "Cut-off date",
        "Bỏ chốt": "Unfreeze",
        "Bộ chỉ số này không có tiêu chí tính tự động.": "This framework has no computed criteria.",
        "cả năm": "whole year",
        "cả kỳ": "whole period",
    }
)


@page(router, "/assessment/{code}/computed", template="assessment/computed.html", action="view-assessment",
      name="status", block="computed", tags=["assessment"])  # fmt: skip
def computed_page(db: DbSession, actor: CurrentActor, code: str) -> flow.ComputedStatus:
    """Show which criteria monitoring computes in this period, how many forms hold them, and the freeze."""
    return flow.get_computed_status(db, period_code=code, actor=actor)


@router.post(
    "/assessment/{code}/computed/refresh", dependencies=[require("manage-periods")], include_in_schema=False
)
def refresh_form(db: DbSession, actor: CurrentActor, code: str) -> RedirectResponse:
    """Recompute the period's computed values from the record store now (unless frozen)."""
    flow.refresh_computed_values(db, period_code=code, actor=actor)
    return RedirectResponse(f"/assessment/{code}/computed", status_code=303)


@router.post(
    "/assessment/{code}/computed/freeze", dependencies=[require("manage-periods")], include_in_schema=False
)
def freeze_form(
    db: DbSession, actor: CurrentActor, code: str, cutoff: Annotated[clock.TypedDay, Form()]
) -> RedirectResponse:
    """Freeze the period's computed values at a cut-off date (records after it are not counted)."""
    flow.freeze_computed_values(db, period_code=code, cutoff=cutoff, actor=actor)
    return RedirectResponse(f"/assessment/{code}/computed", status_code=303)


@router.post(
    "/assessment/{code}/computed/unfreeze", dependencies=[require("manage-periods")], include_in_schema=False
)
def unfreeze_form(db: DbSession, actor: CurrentActor, code: str) -> RedirectResponse:
    """Lift the freeze: the values follow the record store again."""
    flow.unfreeze_computed_values(db, period_code=code, actor=actor)
    return RedirectResponse(f"/assessment/{code}/computed", status_code=303)
