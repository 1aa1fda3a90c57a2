"""Home page and the API index: what chiso is, links by role.

Web layer; no SQL here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

import chiso
from chiso.flows.home import home_panels
from chiso.store.models.agencies import Agency
from chiso.web.deps import CurrentUser, DbSession, Viewer, require
from chiso.web.i18n import EN, register_messages
from chiso.web.pages import page
from chiso.web.permissions import ACTIONS, actions_for
from chiso.web.rendering import NAV, render
from chiso.web.schemas import ActionOut, HomePage, Link, ViewerOut

router = APIRouter()
# The role's first panels (chiso.flows.home); the key figures' words come with the dashboard's page.
register_messages(
    {
        "Mở bảng điều hành": "Open the dashboard",
        "Đơn vị của bạn": "Your agency",
        "Tự đánh giá": "Self-assessment",
        "Hạn nộp": "Due",
        "Không có kỳ đánh giá nào đang mở cho đơn vị của bạn.": (
            "No assessment period is open for your agency."
        ),
        "Phiếu điểm của đơn vị": "Your agency's scorecard",
        "Hàng chờ thẩm định": "Review queue",
        "Đang chờ thẩm định": "Waiting for review",
        "Mở hàng chờ thẩm định": "Open the review queue",
        "Kết quả xếp hạng mới nhất": "Latest ranking",
        "Hạng": "Rank",
        "Bảng giám sát đang được tính, hãy thử lại sau ít giây": (
            "The live board is being computed; try again in a few seconds"
        ),
    }
)

DESCRIPTION_VI = (
    "chiso giúp tỉnh, thành phố đo lường, chấm điểm, xếp hạng và theo dõi chuyển đổi số "
    "và chất lượng phục vụ của các cơ quan, đơn vị."
)


def viewer_out(db: DbSession, viewer: Viewer) -> ViewerOut:
    """Describe the viewer (their agency looked up by id for reporters)."""
    agency = db.get(Agency, viewer.agency_id) if viewer.agency_id is not None else None
    return ViewerOut(
        authenticated=viewer.is_authenticated,
        username=viewer.username,
        full_name=viewer.full_name,
        role=viewer.role,
        agency_code=agency.code if agency else None,
        agency_name=agency.name_vi if agency else None,
        province_code=viewer.province_code,
        session_expires_at=viewer.session_expires_at,
        actions=actions_for(viewer.role),
    )


def build_home(db: DbSession, viewer: Viewer) -> HomePage:
    """Build the home page model: description, viewer and the links their role may follow."""
    links = [
        Link(
            label_vi=item.label_vi,
            label_en=EN.get(item.label_vi, item.label_vi),
            href=item.href,
            action=item.action,
        )
        for item in NAV
        if item.href != "/" and viewer.can(item.action)
    ]
    return HomePage(
        version=chiso.__version__,
        description_vi=DESCRIPTION_VI,
        description_en=EN[DESCRIPTION_VI],
        viewer=viewer_out(db, viewer),
        links=links,
        panels=home_panels(db, actor=viewer.user, agency_id=viewer.agency_id),
    )


@page(router, "/", template="home.html", action="view-home", tags=["home"])
def home_page(db: DbSession, viewer: CurrentUser) -> HomePage:
    """Show what chiso is and the links the viewer's role may follow."""
    return build_home(db, viewer)


@router.get("/api/actions", response_model=list[ActionOut], tags=["home"])
def actions_api(viewer: Annotated[Viewer, require("view-home")]) -> list[ActionOut]:
    """List every named action and the roles allowed to perform it."""
    return [
        ActionOut(
            action=a.name,
            description_vi=a.description_vi,
            description_en=a.description_en,
            roles=sorted(a.roles),
        )
        for a in sorted(ACTIONS.values(), key=lambda a: a.name)
    ]


@router.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request, viewer: Annotated[Viewer, require("view-api-docs")]) -> HTMLResponse:
    """Show Swagger UI for /openapi.json, served from the installed swagger-ui-bundle package."""
    return render(request, "api_docs.html", json_url="/openapi.json")
