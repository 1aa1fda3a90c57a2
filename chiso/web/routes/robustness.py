"""How firm a published ranking is (sensitivity, for the secretariat) and what would lift an agency
(the what-if panel of the form).

Web layer: each route calls one flow of chiso.flows.robustness and renders; the flows check the actor
(the secretariat for the sensitivity, read access to the submission for the what-if panel).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from chiso.flows import robustness
from chiso.flows.robustness import ChangeIn, SensitivityReport, WhatIfOut, WhatIfPanel
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import table_download

router = APIRouter()
FORM = "/assessment/{code}/agencies/{agency}"
SENSITIVITY_COLUMNS = ("part", "code", "name_vi", "kind", "first_order", "total_order",
                       "total_order_low", "total_order_high", "mean_rank_change", "max_rank_change",
                       "agencies_moved", "band_changes")  # fmt: skip
register_messages({
    "Độ nhạy của xếp hạng": "Sensitivity of the ranking",
    "Giả định nào làm hạng thay đổi nhiều nhất": "Which assumption moves ranks most",
    "Chỉ số Sobol' trên mức thay đổi hạng trung bình (tuyệt đối) so với bảng xếp hạng công bố": (
        "Sobol' indices on the mean absolute rank change against the published ranking"),
    "Giả định": "Assumption", "Loại": "Kind", "Tác động riêng": "First order",
    "Tác động tổng": "Total order", "lần mô phỏng": "replications",
    "Bỏ từng trụ cột": "Leaving out each pillar", "Bỏ từng tiêu chí (10 tiêu chí tác động nhất)": (
        "Leaving out each indicator (the 10 with most effect)"),
    "Trụ cột": "Pillar", "Tiêu chí": "Indicator", "Thay đổi hạng trung bình": "Mean rank change",
    "Thay đổi hạng lớn nhất": "Largest rank change", "Số đơn vị đổi hạng": "Agencies moved",
    "Số đơn vị đổi xếp loại": "Agencies changing band", "Tải CSV": "Download CSV",
    "Tải Excel": "Download Excel", "Không giả định nào làm thay đổi hạng": "No assumption moves any rank",
    "Điều gì giúp tăng hạng": "What would lift us",
    "Hiện tại": "Now", "hạng": "rank", "trong nhóm": "in group", "đơn vị": "agencies",
    "Lên xếp loại kế tiếp": "To the next band", "Vào top": "Into the group's top",
    "Cần đạt": "Needs", "điểm": "points", "Sau khi cải thiện": "After the improvements",
    "Xem": "Show", "Tính cho cả nhóm, các đơn vị khác giữ nguyên số liệu hiện tại.": (
        "Computed on the whole group, the other agencies' current values unchanged."),
    "hồ sơ": "dossiers", "điểm tự chấm": "self-assessed points", "giá trị": "value", "tỷ lệ": "rate",
    "có": "yes", "Tiêu chí chưa nhập không có trong kế hoạch": "Criteria without a value are not planned",
})  # fmt: skip


def _sensitivity_context(_request: Request, report: SensitivityReport) -> dict[str, Any]:
    """Bar lengths (0-100) of the chart, drawn from the report's own figures."""
    worst = max([p.mean_rank_change for p in report.pillars] + [1e-9])
    return {"pillar_scale": 100.0 / worst}


@page(router, "/rankings/{code}/sensitivity", template="assessment/sensitivity.html", action="manage-periods",
      name="report", context=_sensitivity_context, tags=["rankings"])  # fmt: skip
def sensitivity_page(
    db: DbSession, actor: CurrentActor, code: str, revision: int | None = None
) -> SensitivityReport:
    """Show which assumption moves a published ranking most and what leaving out each pillar does."""
    return robustness.period_sensitivity(db, period_code=code, actor=actor, revision=revision)


@router.get("/rankings/{code}/sensitivity.{fmt}", dependencies=[require("manage-periods")], tags=["rankings"])
def sensitivity_download(
    db: DbSession, actor: CurrentActor, code: str, fmt: Literal["csv", "xlsx"], revision: int | None = None
) -> Response:
    """Download the sensitivity of a published ranking (Sobol' indices, removal impacts) as CSV or Excel."""
    report = robustness.period_sensitivity(db, period_code=code, actor=actor, revision=revision)
    rows: list[dict[str, Any]] = [
        {"part": "factor", "code": f.factor, **f.model_dump(exclude={"factor"})} for f in report.factors
    ]
    for part, impacts in (("pillar", report.pillars), ("indicator", report.indicators)):
        rows += [{"part": part, "code": i.node_code, **i.model_dump(exclude={"node_code"})} for i in impacts]
    return table_download(rows, SENSITIVITY_COLUMNS, filename=f"do-nhay-{code}", fmt=fmt)


@page(router, FORM + "/whatif", template="assessment/whatif.html", action="view-assessment", name="panel",
      block="panel", tags=["assessment"])  # fmt: skip
def whatif_page(
    db: DbSession, actor: CurrentActor, code: str, agency: str, top: Annotated[int, Query(ge=1, le=100)] = 3
) -> WhatIfPanel:
    """Plan what would lift the agency to the next band and into its group's top N (whole group scored)."""
    return robustness.whatif_panel(db, period_code=code, agency_code=agency, actor=actor, top=top)


EXAMPLE_CHANGES = {"DVC_DUNG_HAN": {"numerator": 98, "denominator": 100}, "HT_MANG": {"value": 1}}


@router.post("/api" + FORM + "/whatif", response_model=WhatIfOut, dependencies=[require("view-assessment")],
             tags=["assessment"])  # fmt: skip
def whatif_api(
    db: DbSession, actor: CurrentActor, code: str, agency: str,
    changes: Annotated[dict[str, ChangeIn], Body(examples=[EXAMPLE_CHANGES])],
) -> WhatIfOut:  # fmt: skip
    """Score the agency's current values with some criteria changed, within its peer group (nothing saved)."""
    return robustness.what_if_draft(db, period_code=code, agency_code=agency, changes=changes, actor=actor)
