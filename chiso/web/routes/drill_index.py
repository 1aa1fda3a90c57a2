"""The yearly index drill-down pages: province -> peer group -> agency -> pillar -> criterion -> evidence.

Web layer; each page calls one function of chiso.flows.drill_index (public for a published period, a
draft for staff as the ranking allows) and renders `assessment/drill.html`; evidence files open through
`/assessment/files/{id}` with the evidence permissions.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from chiso.flows import drill_index as flow
from chiso.web.deps import CurrentUser, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import table_download

router = APIRouter()
register_messages(
    {
        "Phân tích chi tiết chỉ số": "Index drill-down",
        "Nhóm đơn vị": "Peer group",
        "Chỉ số chính": "Pillar",
        "Tiêu chí": "Criterion",
        "Điểm trung bình": "Mean points",
        "Trung vị nhóm": "Group median",
        "TB nhóm": "Group mean",
        "Số đơn vị": "Agencies",
        "Minh chứng": "Evidence",
        "Số, ký hiệu văn bản": "Document number",
        "Ngày văn bản": "Document date",
        "Trích yếu": "Summary",
        "Tệp": "Files",
        "Chưa có minh chứng cho tiêu chí này.": "No evidence for this criterion.",
        "Tệp minh chứng chỉ mở được khi có quyền xem hồ sơ đánh giá.": "Evidence files open only with the "
        "right to see the assessment.",
        "Giá trị": "Value",
        "DỰ THẢO — kỳ chưa công bố": "DRAFT — the period is not published",
    }
)


@page(
    router,
    "/rankings/{period}/drill",
    template="assessment/drill.html",
    action="view-rankings",
    name="drill",
    tags=["rankings"],
)
def index_province(db: DbSession, viewer: CurrentUser, period: str) -> flow.IndexDrill:
    """Show a period's index per peer group (mean total); each group opens its agencies."""
    return flow.get_index_province(db, period=period, actor=viewer.user)


@page(
    router,
    "/rankings/{period}/drill/{group}",
    template="assessment/drill.html",
    action="view-rankings",
    name="drill",
    tags=["rankings"],
)
def index_group(db: DbSession, viewer: CurrentUser, period: str, group: str) -> flow.IndexDrill:
    """Show a peer group's agencies by rank; each opens its pillars."""
    return flow.get_index_group(db, period=period, group=group, actor=viewer.user)


@page(
    router,
    "/rankings/{period}/drill/{group}/{agency}",
    template="assessment/drill.html",
    action="view-rankings",
    name="drill",
    tags=["rankings"],
)
def index_agency(db: DbSession, viewer: CurrentUser, period: str, group: str, agency: str) -> flow.IndexDrill:
    """Show an agency's points per pillar against its group's mean and median."""
    return flow.get_index_agency(db, period=period, group=group, agency=agency, actor=viewer.user)


@page(
    router,
    "/rankings/{period}/drill/{group}/{agency}/{pillar}",
    template="assessment/drill.html",
    action="view-rankings",
    name="drill",
    tags=["rankings"],
)
def index_pillar(
    db: DbSession, viewer: CurrentUser, period: str, group: str, agency: str, pillar: str
) -> flow.IndexDrill:
    """Show a pillar's criteria for an agency against the group's median."""
    return flow.get_index_pillar(
        db, period=period, group=group, agency=agency, pillar=pillar, actor=viewer.user
    )


@page(
    router,
    "/rankings/{period}/drill/{group}/{agency}/{pillar}/{criterion}",
    template="assessment/drill.html",
    action="view-rankings",
    name="drill",
    tags=["rankings"],
)
def index_criterion(
    db: DbSession, viewer: CurrentUser, period: str, group: str, agency: str, pillar: str, criterion: str
) -> flow.IndexDrill:
    """Show a criterion's points and value for an agency and the evidence behind it."""
    return flow.get_index_criterion(
        db, period=period, group=group, agency=agency, pillar=pillar, criterion=criterion, actor=viewer.user
    )


@router.get("/rankings/{period}/drill.{fmt}", dependencies=[require("view-rankings")], tags=["rankings"])
def index_download(
    db: DbSession,
    viewer: CurrentUser,
    period: str,
    fmt: Literal["csv", "xlsx"],
    group: Annotated[str | None, Query()] = None,
) -> Response:
    """Download the province's groups, or one group's agencies, as CSV or Excel (empty = no data)."""
    if group:
        drill = flow.get_index_group(db, period=period, group=group, actor=viewer.user)
    else:
        drill = flow.get_index_province(db, period=period, actor=viewer.user)
    rows = flow.index_table(drill)
    columns = list(rows[0]) if rows else ["period", "level", "parent", "code"]
    return table_download(rows, columns, filename=f"chi-so-{drill.period}-{drill.code}", fmt=fmt)
