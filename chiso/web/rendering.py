"""Render a page, its htmx fragment or a download from one model; the navigation by role.

Web layer; imports chiso.web modules only. A route builds its data once and calls `render` (HTML
page, or the named block of the same template when htmx asks) or returns the model itself for
the JSON twin. `table_download` writes what a list page shows as CSV (UTF-8 with BOM, so Excel
reads the diacritics) or Excel (xlsxwriter).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import xlsxwriter
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from chiso.accounts import audit_words
from chiso.clock import to_local
from chiso.exports import XLSX_OPTIONS, csv_cell
from chiso.frameworks.entry import format_entry
from chiso.web.deps import Viewer
from chiso.web.i18n import KIND_LABELS, LEVEL_LABELS, ROLE_LABELS, gettext_for, register_messages
from chiso.web.i18n_assessment import STATUS_VI

TEMPLATES_DIR = Path(__file__).with_name("templates")

env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class NavItem:
    """One link of the main navigation, shown to roles allowed to perform `action`, in a menu `group`."""

    label_vi: str
    href: str
    action: str
    group: str = ""  # "" stands alone; a group is one drop-down menu when a role sees many links


# The menus, in the order they are shown (Vietnamese label; English in the messages below).
NAV_GROUPS = ("Điều hành", "Đánh giá", "Theo dõi, chỉ tiêu", "Danh mục, quản trị")
# A role that sees more links than this gets the menus (the secretariat sees over twenty); fewer stay flat.
NAV_FLAT_MAX = 9

# The main navigation, in the order it is shown; each link only for roles allowed its action.
NAV: list[NavItem] = [
    NavItem("Trang chủ", "/", "view-home"),
    NavItem("Bảng điều hành", "/dashboard", "view-dashboard", "Điều hành"),
    NavItem("Bảng điều khiển", "/dashboards", "view-dashboards", "Điều hành"),
    NavItem("Giám sát 766", "/monitoring/live", "view-monitoring", "Điều hành"),
    NavItem("Bản đồ", "/map", "view-map", "Điều hành"),
    NavItem("Đối soát Cổng DVC", "/monitoring/reconcile", "reconcile-portal", "Điều hành"),
    NavItem("Kỳ đánh giá", "/assessment", "view-assessment", "Đánh giá"),
    NavItem("Thẩm định", "/assessment/review", "review-submission", "Đánh giá"),
    NavItem("Ý kiến, phúc khảo", "/appeals", "view-appeals", "Đánh giá"),
    NavItem("Bộ chỉ số", "/frameworks", "view-frameworks", "Đánh giá"),
    NavItem("Xếp hạng", "/rankings", "view-rankings", "Đánh giá"),
    NavItem("Chỉ tiêu", "/targets", "view-followup", "Theo dõi, chỉ tiêu"),
    NavItem("Cảnh báo", "/alerts", "view-followup", "Theo dõi, chỉ tiêu"),
    NavItem("Giải trình", "/requests", "view-followup", "Theo dõi, chỉ tiêu"),
    NavItem("Kế hoạch", "/plans", "view-followup", "Theo dõi, chỉ tiêu"),
    NavItem("Danh mục chỉ tiêu", "/indicators", "view-indicators", "Theo dõi, chỉ tiêu"),
    NavItem("Nhập số liệu", "/indicators/values", "enter-indicator-values", "Theo dõi, chỉ tiêu"),
    NavItem("Tiến độ số liệu", "/indicators/progress", "view-indicators", "Theo dõi, chỉ tiêu"),
    NavItem("Phê duyệt số liệu", "/indicators/approvals", "approve-indicator-values", "Theo dõi, chỉ tiêu"),
    NavItem("Đơn vị hành chính", "/units", "view-units", "Danh mục, quản trị"),
    NavItem("Cơ quan, đơn vị", "/agencies", "view-agencies", "Danh mục, quản trị"),
    NavItem("Nhập danh sách cơ quan", "/agencies/import", "edit-agencies", "Danh mục, quản trị"),
    NavItem("Người dùng", "/users", "manage-users", "Danh mục, quản trị"),
    NavItem("Nhật ký", "/audit", "view-audit", "Danh mục, quản trị"),
    NavItem("Tài liệu API", "/api/docs", "view-api-docs", "Danh mục, quản trị"),
]


@dataclass(frozen=True)
class NavMenu:
    """What the header draws: one link alone (`label` empty) or a drop-down menu of links."""

    label_vi: str
    items: list[NavItem]


def nav_menus(items: list[NavItem]) -> list[NavMenu]:
    """Group the links a viewer may follow: flat for a short list, else by NAV_GROUPS in their order."""
    if len(items) <= NAV_FLAT_MAX:
        return [NavMenu("", [item]) for item in items]
    menus = [NavMenu("", [item]) for item in items if not item.group]
    for group in NAV_GROUPS:
        members = [item for item in items if item.group == group]
        if members:
            menus.append(NavMenu(group, members))
    return menus


register_messages(
    {"Kỳ đánh giá": "Assessment periods", "Thẩm định": "Review queue", "Xếp hạng": "Rankings",
     "Nhật ký": "Audit log", "Giám sát 766": "Live 766 monitor",
     "Đối soát Cổng DVC": "Portal reconciliation", "Chỉ tiêu": "Targets", "Cảnh báo": "Alerts",
     "Giải trình": "Requests", "Kế hoạch": "Action plans",
     "Ý kiến, phúc khảo": "Replies and appeals", "Bộ chỉ số": "Frameworks",
     "Điều hành": "Steering", "Đánh giá": "Assessment", "Theo dõi, chỉ tiêu": "Follow-up, indicators",
     "Danh mục, quản trị": "Registers, administration"}
)  # fmt: skip


def _as_typed(value: object, shape: str, parse: Callable[[str], date]) -> str:
    """A date or time as a person types it in a form (`shape`, province time); typed text comes back
    unchanged, so a refused form shows what was written."""
    if isinstance(value, datetime):
        value = to_local(value)
    if isinstance(value, date):
        return format(value, shape)
    text = "" if value is None else str(value)
    try:
        return format(parse(text), shape)
    except ValueError:
        return text


def _typed_day(value: object) -> str:
    return _as_typed(value, "%d/%m/%Y", date.fromisoformat)


def _typed_time(value: object) -> str:
    return _as_typed(value, "%d/%m/%Y %H:%M", datetime.fromisoformat)


env.filters["typed_day"] = _typed_day
env.filters["typed_time"] = _typed_time

env.globals["status_vi"] = lambda status: STATUS_VI.get(str(status), str(status))
# A stored value shown as its reporter types it: 83% for a percent criterion, 1.234.567 for a count.
env.globals["entry"] = lambda value, unit, lang="vi": (
    "" if value is None else format_entry(value, unit, "en" if lang == "en" else "vi")
)


def is_htmx(request: Request) -> bool:
    """Return True for an htmx request that wants a fragment (not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def url_with(request: Request, path: str | None = None, **changes: Any) -> str:
    """Return the current URL (or `path`) with query parameters changed; None or "" removes one."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    target = path if path is not None else request.url.path
    return f"{target}?{query}" if query else target


def _fmt_date(value: date | datetime | None, lang: str = "vi") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
        return value.strftime("%d/%m/%Y %H:%M") if lang == "vi" else value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def viewer_of(request: Request) -> Viewer:
    """Return the Viewer the dependencies resolved, or an anonymous one (error pages)."""
    viewer = getattr(request.state, "viewer", None)
    return viewer if isinstance(viewer, Viewer) else Viewer()


def lang_of(request: Request) -> str:
    """Return the language chosen for this request."""
    return str(getattr(request.state, "lang", "vi"))


def base_context(request: Request) -> dict[str, Any]:
    """Return what every template may use: viewer, language, `_`, CSRF token, navigation, helpers."""
    viewer = viewer_of(request)
    lang = lang_of(request)
    _ = gettext_for(lang)
    return {
        "request": request,
        "viewer": viewer,
        "lang": lang,
        "_": _,
        "csrf_token": viewer.csrf_token,
        "nav": (nav := [item for item in NAV if viewer.can(item.action)]),
        "nav_menus": nav_menus(nav),
        "url_with": lambda path=None, **kw: url_with(request, path, **kw),
        "fmt_date": lambda value: _fmt_date(value, lang),
        "role_label": lambda role: _(ROLE_LABELS.get(role, role)),
        "kind_label": lambda kind: _(KIND_LABELS.get(kind, kind)),
        "level_label": lambda level: _(LEVEL_LABELS.get(level, level)),
        "action_words": lambda action: audit_words.action_words(action, lang),
        "object_words": lambda kind: audit_words.object_words(kind, lang),
        "value_items": lambda text: audit_words.value_items(text, lang),
        "json_url": None,
        "request_id": getattr(request.state, "request_id", ""),
    }


def render(
    request: Request,
    template: str,
    *,
    block: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page, or only its `block` when htmx asks for a fragment.

    Args:
        request: the current request.
        template: template path under chiso/web/templates, e.g. "agencies/list.html".
        block: the named block htmx swaps (e.g. "results"); ignored for normal requests.
        status_code: HTTP status.
        **context: the page's data (plus `json_url` for the rel="alternate" link).

    Returns:
        The HTML response, with `Vary: HX-Request` so caches keep page and fragment apart.
    """
    ctx = base_context(request)
    ctx.update(context)
    tmpl = env.get_template(template)
    if block is not None and is_htmx(request):
        html = "".join(tmpl.blocks[block](tmpl.new_context(ctx)))
    else:
        html = tmpl.render(ctx)
    return HTMLResponse(html, status_code=status_code, headers={"Vary": "HX-Request"})


def attachment(filename: str) -> dict[str, str]:
    """Return the Content-Disposition header of a download; any name is safe (a CR/LF never reaches it)."""
    plain = re.sub(r"[^\w.\-]+", "_", filename, flags=re.ASCII)
    encoded = quote(filename, safe="")
    return {"Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}"}


def table_download(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    *,
    filename: str,
    fmt: str,
) -> Response:
    """Return the rows as a CSV or Excel download.

    Args:
        rows: one dict per row.
        columns: the keys to write, in order (also the header row).
        filename: the file name without extension.
        fmt: "csv" or "xlsx".

    Returns:
        The download response.
    """
    if fmt == "xlsx":
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSX_OPTIONS})
        sheet = book.add_worksheet(filename[:31])
        bold = book.add_format({"bold": True})
        for col, name in enumerate(columns):
            sheet.write_string(0, col, name, bold)
        widths = [len(c) for c in columns]
        for r, row in enumerate(rows, start=1):
            for col, name in enumerate(columns):
                value = row.get(name)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, col, value)
                    continue
                text = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
                sheet.write_string(r, col, text)
                widths[col] = max(widths[col], min(len(text), 60))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width + 2)
        sheet.freeze_panes(1, 0)
        book.close()
        return Response(
            buffer.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=attachment(f"{filename}.xlsx"),
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(name)) for name in columns])
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers=attachment(f"{filename}.csv"),
    )
