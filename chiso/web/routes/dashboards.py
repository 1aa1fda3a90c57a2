"""Saved dashboards (/dashboards): the list, a dashboard with its filters, the drill-down, the builder,
version history, the embed page, each item's CSV and the PDF / PNG exports.

Web layer: each route parses its input, lets `require` check the action, calls
chiso.flows.indicator_dashboards (reading) or chiso.indicators.dashboards (saving) and renders; who may
open one dashboard (its sharing) is decided again by the service, so a private dashboard is 404 to
visitors and 403 to other roles.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from chiso.errors import InvalidInput, NotFound, Problem
from chiso.flows import indicator_dashboards as flow
from chiso.flows.indicator_dashboard_models import BuilderView, DashboardList, DashboardView, DrillView
from chiso.indicators import dashboards as boards
from chiso.indicators.periods import label_vi
from chiso.reports.pdf import FONT_FAMILY, font_faces_css, render_html
from chiso.web.dashboard_draw import fmt_value, page_context, period_label, poster_png
from chiso.web.deps import CurrentActor, CurrentUser, DbSession, require
from chiso.web.pages import page
from chiso.web.rendering import attachment, base_context, env, lang_of, render, table_download
from chiso.web.routes._dashboards_i18n import register
from chiso.web.routes.reports import embed_origins, frame_policy

register()
router = APIRouter()
Period = Annotated[str | None, Query(description='period key "2026-03", "2026-Q1" or "2026"; "" = latest')]
Unit = Annotated[str | None, Query(description="a commune or agency code; empty = the province")]
ITEM_FIELD = re.compile(r"^items-(\d{1,2})-([a-z_]+)$")
WIDTHS = {3: "1/4", 4: "1/3", 6: "1/2", 8: "2/3", 12: "1/1"}


@page(router, "/dashboards", template="dashboards/list.html", action="view-dashboards", name="data",
      tags=["dashboards"])  # fmt: skip
def dashboards_page(db: DbSession, viewer: CurrentUser) -> DashboardList:
    """List the dashboards the reader may open (visitors: the public ones)."""
    return flow.list_dashboard_page(db, actor=viewer.user)


def _builder_context(request: Request, data: BuilderView) -> dict[str, Any]:
    items = data.dashboard.spec.items if data.dashboard else []
    blanks = 3 if data.dashboard is None else 1
    return {"items": items, "blank_rows": range(len(items), len(items) + blanks), "widths": WIDTHS}


@page(router, "/dashboards/new", template="dashboards/edit.html", action="edit-dashboards", name="data",
      context=_builder_context, tags=["dashboards"])  # fmt: skip
def new_dashboard_page(db: DbSession, actor: CurrentActor) -> BuilderView:
    """Show the builder for a new dashboard: items from the catalogue, their size and order, sharing."""
    return flow.get_builder(db, dashboard_id=None, actor=actor)


def _items(form: FormData) -> list[boards.DashboardItem]:
    rows: dict[int, dict[str, Any]] = {}
    for key, value in form.multi_items():
        match = ITEM_FIELD.match(key)
        if match is None or not isinstance(value, str):
            continue
        row = rows.setdefault(int(match[1]), {"indicators": []})
        if match[2] == "indicators":
            row["indicators"].append(value) if value else None
        else:
            row[match[2]] = value.strip()
    kept = [(i, r) for i, r in rows.items() if r.get("kind") and not r.get("remove")]
    kept.sort(
        key=lambda ir: (int(ir[1].get("order") or 99) if (ir[1].get("order") or "").isdigit() else 99, ir[0])
    )
    used = {r["id"] for _, r in kept if r.get("id")}
    fresh = (f"i{n}" for n in range(1, 200) if f"i{n}" not in used)
    items = []
    for index, row in kept:
        fields = {
            k: row[k] for k in ("kind", "title_vi", "title_en", "text", "w", "h", "periods") if row.get(k)
        }
        try:
            items.append(
                boards.DashboardItem.model_validate(
                    {"id": row.get("id") or next(fresh), "indicators": row["indicators"], **fields}
                )
            )
        except ValidationError as exc:
            problems = [
                Problem(
                    str(e["msg"]).removeprefix("Value error, "),
                    str(e["msg"]).removeprefix("Value error, "),
                    field=f"items-{index}-{e['loc'][0] if e['loc'] else 'indicators'}",
                )
                for e in exc.errors()
            ]
            raise InvalidInput(
                f"Mục {index + 1} chưa hợp lệ: " + "; ".join(p.message_vi for p in problems),
                f"Item {index + 1} is not valid: " + "; ".join(p.message_en for p in problems),
                problems,
            ) from None
    return boards.place_items(items)


def _dashboard_in(form: FormData) -> boards.DashboardIn:
    text = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    try:
        filters = boards.DashboardFilters(period=text.get("period") or None, unit=text.get("unit") or None)
        return boards.DashboardIn(
            title_vi=text.get("title_vi", ""),
            title_en=text.get("title_en") or None,
            sharing=text.get("sharing") or "roles",  # type: ignore[arg-type]
            roles=[r for r in form.getlist("roles") if isinstance(r, str)],
            spec=boards.DashboardSpec(items=_items(form), filters=filters),
        )
    except ValidationError as exc:
        raise boards.invalid_from(exc) from None


@router.post("/dashboards/new", dependencies=[require("edit-dashboards")], include_in_schema=False)
async def create_form(request: Request, db: DbSession, actor: CurrentActor) -> RedirectResponse:
    """Create the dashboard the builder describes (its version 1) and open it."""
    made = boards.create_dashboard(db, data=_dashboard_in(await request.form()), actor=actor)
    return RedirectResponse(f"/dashboards/{made.id}", status_code=303)


@router.post("/api/dashboards", dependencies=[require("edit-dashboards")], tags=["dashboards"])
def create_api(
    db: DbSession, actor: CurrentActor, data: Annotated[boards.DashboardIn, Body()]
) -> boards.DashboardOut:
    """Create a dashboard from its JSON spec (version 1)."""
    return boards.create_dashboard(db, data=data, actor=actor)


@router.put("/api/dashboards/{dashboard_id}", dependencies=[require("edit-dashboards")], tags=["dashboards"])
def save_api(
    db: DbSession, actor: CurrentActor, dashboard_id: int, data: Annotated[boards.DashboardIn, Body()]
) -> boards.DashboardOut:
    """Save a dashboard's JSON spec as its next version."""
    return boards.save_dashboard(db, dashboard_id=dashboard_id, data=data, actor=actor)


@page(router, "/dashboards/{dashboard_id}/edit", template="dashboards/edit.html", action="edit-dashboards",
      name="data", context=_builder_context, tags=["dashboards"])  # fmt: skip
def edit_dashboard_page(db: DbSession, actor: CurrentActor, dashboard_id: int) -> BuilderView:
    """Show the builder of a dashboard with its version history."""
    return flow.get_builder(db, dashboard_id=dashboard_id, actor=actor)


@router.post(
    "/dashboards/{dashboard_id}/edit", dependencies=[require("edit-dashboards")], include_in_schema=False
)
async def save_form(
    request: Request, db: DbSession, actor: CurrentActor, dashboard_id: int
) -> RedirectResponse:
    """Save the builder's dashboard as its next version and open it."""
    boards.save_dashboard(
        db, dashboard_id=dashboard_id, data=_dashboard_in(await request.form()), actor=actor
    )
    return RedirectResponse(f"/dashboards/{dashboard_id}", status_code=303)


@router.post("/dashboards/{dashboard_id}/restore", dependencies=[require("edit-dashboards")],
             include_in_schema=False)  # fmt: skip
def restore_form(
    db: DbSession, actor: CurrentActor, dashboard_id: int, version: Annotated[int, Form()]
) -> RedirectResponse:
    """Save an earlier version again as the next one, then show the builder."""
    boards.restore_version(db, dashboard_id=dashboard_id, version=version, actor=actor)
    return RedirectResponse(f"/dashboards/{dashboard_id}/edit", status_code=303)


def _view(
    db: DbSession, viewer: CurrentUser, dashboard_id: int, period: str | None, unit: str | None
) -> DashboardView:
    return flow.get_dashboard_view(db, dashboard_id=dashboard_id, period=period, unit=unit, actor=viewer.user)


def _subtitle(view: DashboardView) -> str:
    period = label_vi(view.period) if view.period else "kỳ mới nhất"
    return f"Kỳ: {period} · Đơn vị: {view.unit_name or 'toàn tỉnh'} · phiên bản {view.dashboard.version}"


@router.get(
    "/dashboards/{dashboard_id}.{fmt}", dependencies=[require("view-dashboards")], tags=["dashboards"]
)
def dashboard_export(
    request: Request,
    db: DbSession,
    viewer: CurrentUser,
    dashboard_id: int,
    fmt: Literal["pdf", "png"],
    period: Period = None,
    unit: Unit = None,
) -> Response:
    """Download the dashboard under its filters as a PDF (A4 landscape) or a PNG image of its grid.

    The PDF is WeasyPrint's with the shipped Vietnamese font, as the reports' are; the PNG is the grid drawn
    as one SVG and rendered by vl-convert.
    """
    view = _view(db, viewer, dashboard_id, period, unit)
    lang = lang_of(request)
    if fmt == "png":
        png = poster_png(view, lang, _subtitle(view))
        return Response(png, media_type="image/png", headers=attachment(f"{view.dashboard.slug}.png"))
    page_css = f"@page {{ size: A4 landscape; margin: 12mm; }} body {{ font-family: '{FONT_FAMILY}'; }}"
    html = env.get_template("dashboards/print.html").render(
        **base_context(request), page=view, css=f"{font_faces_css()}\n{page_css}", subtitle=_subtitle(view),
        **page_context(view, lang),
    )  # fmt: skip
    pdf, _pages = render_html(html)
    return Response(pdf, media_type="application/pdf", headers=attachment(f"{view.dashboard.slug}.pdf"))


def _item_rows(view: DashboardView, item_id: str) -> tuple[list[dict[str, Any]], list[str]]:
    item = next((i for i in view.items if i.id == item_id), None)
    if item is None or not item.indicators:
        raise NotFound(f"Không có mục số liệu {item_id}", f"No item {item_id} with figures")
    if item.tile is not None:
        columns = ["indicator_code", "period", "value", "previous_period", "previous", "change", "change_pct"]
        return [{"indicator_code": item.indicators[0].code, **item.tile.model_dump()}], [
            *columns,
            "target",
            "status",
        ]
    if item.chart is not None:
        rows = [
            {"period": p, **{s.code: s.values[n] for s in item.chart.series}}
            for n, p in enumerate(item.chart.periods)
        ]
        return rows, ["period", *(s.code for s in item.chart.series)]
    rows = [
        {"unit_code": u.code, "name_vi": u.name_vi, "value": u.value, "rank": u.rank}
        for u in item.units or []
    ]
    return rows, ["unit_code", "name_vi", "value", "rank"]


@router.get("/dashboards/{dashboard_id}/items/{item_id}.{fmt}", dependencies=[require("view-dashboards")],
            tags=["dashboards"])  # fmt: skip
def item_download(
    db: DbSession,
    viewer: CurrentUser,
    dashboard_id: int,
    item_id: str,
    fmt: Literal["csv", "xlsx"],
    period: Period = None,
    unit: Unit = None,
) -> Response:
    """Download one item's numbers as CSV or Excel (empty cells = no data)."""
    view = flow.get_dashboard_view(
        db, dashboard_id=dashboard_id, period=period, unit=unit, actor=viewer.user, full=True
    )
    rows, columns = _item_rows(view, item_id)
    return table_download(rows, columns, filename=f"{view.dashboard.slug}-{item_id}", fmt=fmt)


def _drill_context(request: Request, data: DrillView) -> dict[str, Any]:
    lang = lang_of(request)
    return {
        "fmt": lambda value, brief=None, signed=False: fmt_value(value, brief, lang, signed=signed),
        "plabel": period_label,
    }


@page(router, "/dashboards/{dashboard_id}/drill", template="dashboards/drill.html", action="view-dashboards",
      name="data", context=_drill_context, tags=["dashboards"])  # fmt: skip
def drill_page(
    db: DbSession,
    viewer: CurrentUser,
    dashboard_id: int,
    item: Annotated[str, Query(max_length=20)],
    period: Period = None,
) -> DrillView:
    """Show a province figure broken down into its communes or agencies (no data listed last, unranked)."""
    return flow.get_drill(db, dashboard_id=dashboard_id, item_id=item, period=period, actor=viewer.user)


@router.get("/dashboards/{dashboard_id}/embed", dependencies=[require("view-dashboards")],
            response_class=HTMLResponse, tags=["dashboards"])  # fmt: skip
def dashboard_embed(
    request: Request, db: DbSession, dashboard_id: int, period: Period = None, unit: Unit = None
) -> Response:
    """A public dashboard without the site's chrome, to frame in the province's portal (allowed origins)."""
    view = flow.get_dashboard_view(db, dashboard_id=dashboard_id, period=period, unit=unit, actor=None)
    html = render(request, "dashboards/embed.html", page=view, **page_context(view, lang_of(request)))
    html.headers["Content-Security-Policy"] = frame_policy(embed_origins())
    return html


def _view_context(request: Request, data: DashboardView) -> dict[str, Any]:
    return page_context(data, lang_of(request))


@page(router, "/dashboards/{dashboard_id}", template="dashboards/view.html", action="view-dashboards",
      name="page", context=_view_context, tags=["dashboards"])  # fmt: skip
def dashboard_page(
    db: DbSession, viewer: CurrentUser, dashboard_id: int, period: Period = None, unit: Unit = None
) -> DashboardView:
    """Show a dashboard's items under the period and unit filters every item follows."""
    return _view(db, viewer, dashboard_id, period, unit)
