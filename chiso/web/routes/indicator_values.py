"""Indicator values: the department's entry page, its Excel template, progress, approvals and the push API.

Web layer: thin routes over chiso.indicators (entry, values, values_excel, progress, approvals). Plain
POST forms are sent by chiso.js, so a refusal comes back in the one JSON error shape and shows beside
its input, everything typed kept; an outlier is saved "flagged" and the page asks for its confirmation
(the value kept, a note, "Xác nhận"). `POST /api/indicators/values` is for integrators with a token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from chiso import clock
from chiso.errors import InvalidInput, Problem
from chiso.indicators import approvals, entry, progress, values, values_excel
from chiso.indicators.periods import label_vi, period_of, previous
from chiso.indicators.schemas import ValueIn
from chiso.indicators.value_checks import home_province, parse_number
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import attachment, render, table_download
from chiso.web.routes._followup_forms import XLSX
from chiso.web.routes._indicator_values_i18n import EN_VALUES
from chiso.web.routes.integration import Integrator
from chiso.web.svg import grouped_bars
from chiso.web.uploads import read_upload

router = APIRouter()
register_messages(EN_VALUES)
MAX_PUSHED = 5_000
PROGRESS_COLUMNS = (
    "agency_code",
    "agency_name_vi",
    "expected",
    "entered",
    "needs_approval",
    "approved",
    "flagged",
    "late",
    "missing",
)


def typed_number(value: float | None) -> str:
    """A stored value as it goes back into an input: whole numbers plain, decimals with a comma."""
    if value is None:
        return ""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace(".", ",")


def shown_number(value: float | None) -> str:
    """A value as a Vietnamese reader reads it (1.234.567,5); "—" for no data."""
    if value is None:
        return "—"
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.4f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _words(request: Request, data: object) -> dict[str, Any]:
    """How the pages write periods and numbers, and the latest ended period of each type."""
    today = clock.today()
    kinds = {kind: previous(period_of(today, kind)) for kind in ("month", "quarter", "year")}
    return {"period_label": label_vi, "show": shown_number, "typed": typed_number, "kinds": kinds}


def _page_url(agency: str | None, period: str | None) -> str:
    query = urlencode({k: v for k, v in (("agency", agency), ("period", period)) if v})
    return "/indicators/values" + (f"?{query}" if query else "")


@page(router, "/indicators/values", template="indicators/values.html", action="enter-indicator-values",
      name="data", context=_words, tags=["indicators"])  # fmt: skip
def values_page(
    db: DbSession, actor: CurrentActor, agency: str | None = None, period: str | None = None
) -> entry.ValuesPage:
    """Show a department's values for a period beside last period and the target (a reporter: its own)."""
    return entry.get_values_page(
        db, actor=actor, agency_code=agency, period=period, province_code=home_province(actor)
    )


def _typed(form: Any, period: str) -> list[ValueIn]:
    """The form's rows as values: v|CODE|UNIT the value, n|... its note, c|... ticked: confirm an outlier."""
    found: list[ValueIn] = []
    problems: list[Problem] = []
    for name in [k for k in form if k.startswith("v|")]:
        key = name[2:]
        code, _, unit = key.partition("|")
        number = parse_number(form.get(name))
        if isinstance(number, str):
            problems.append(
                Problem(f"'{number}' không phải là số", f"'{number}' is not a number", field=name)
            )
            continue
        note = str(form.get(f"n|{key}") or "").strip() or None
        try:
            found.append(
                ValueIn(
                    indicator_code=code, unit_code=unit, period=period, value=number, note=note,
                    confirm=form.get(f"c|{key}") == "1",
                )
            )  # fmt: skip
        except ValidationError as exc:
            problems.append(Problem("Giá trị không hợp lệ", str(exc.errors()[0]["msg"]), field=name))
    if problems:
        raise InvalidInput(
            f"{len(problems)} ô nhập chưa đúng, chưa lưu gì",
            f"{len(problems)} inputs are wrong, nothing saved",
            problems,
        )
    return found


@router.post("/indicators/values", dependencies=[require("enter-indicator-values")], include_in_schema=False)
async def save_values(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Save the entry form: all or nothing; outliers are kept "flagged" and the page asks to confirm them."""
    form = await request.form()
    agency, period = str(form.get("agency") or ""), str(form.get("period") or "")
    typed = _typed(form, period)
    keys = [f"{v.indicator_code}|{v.unit_code}" for v in typed]

    def locate(i: int, field: str) -> dict[str, Any]:
        return {"field": ("n|" if field == "note" else "v|") + keys[i]}

    values.enter_values(
        db, values=typed, actor=actor, channel="form", province_code=home_province(actor), locate=locate
    )
    return RedirectResponse(_page_url(agency, period), status_code=303)


@router.get("/indicators/values.xlsx", dependencies=[require("enter-indicator-values")], tags=["indicators"])
def values_template(
    db: DbSession, actor: CurrentActor, agency: str | None = None, period: str | None = None
) -> Response:
    """Download the department's Excel template for the period, prefilled with last period and the targets."""
    data = entry.get_values_page(
        db, actor=actor, agency_code=agency, period=period, province_code=home_province(actor)
    )
    if data.sheet is None:
        raise InvalidInput("Chưa có chỉ tiêu nào để nhập", "No indicator to enter yet")
    name = f"so-lieu-{data.sheet.agency_code}-{data.sheet.period}.xlsx"
    return Response(values_excel.write_template([data.sheet]), media_type=XLSX, headers=attachment(name))


@router.post(
    "/indicators/values/import", dependencies=[require("enter-indicator-values")], include_in_schema=False
)
async def import_values(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Import a filled template, all or nothing; a dry run shows what would be saved."""
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise InvalidInput(
            "Chọn tệp Excel (.xlsx) để nhập", "Choose an Excel (.xlsx) file to import",
            [Problem("Chọn tệp", "Choose a file", field="file")],
        )  # fmt: skip
    data = await read_upload(upload)
    agency, period = str(form.get("agency") or ""), str(form.get("period") or "")
    dry_run = form.get("dry_run") == "1"
    report = values_excel.import_values(
        db,
        data=data,
        filename=upload.filename,
        actor=actor,
        province_code=home_province(actor),
        dry_run=dry_run,
    )
    if not dry_run:
        return RedirectResponse(_page_url(agency, period), status_code=303)
    page_data = entry.get_values_page(
        db, actor=actor, agency_code=agency or None, period=period or None, province_code=home_province(actor)
    )
    return render(
        request, "indicators/values.html", data=page_data, checked=report, **_words(request, page_data)
    )


def _progress_chart(request: Request, data: progress.ProgressPage) -> dict[str, Any]:
    rows = [(d.agency_name_vi[:40], [d.share]) for d in data.departments]
    title = "Tỷ lệ chỉ tiêu đã nhập, mỗi cơ quan"
    return {"chart": grouped_bars(rows, ["Đã nhập"], title=title) if rows else None, **_words(request, data)}


@page(router, "/indicators/progress", template="indicators/progress.html", action="view-indicators",
      name="data", context=_progress_chart, tags=["indicators"])  # fmt: skip
def progress_page(db: DbSession, period: str | None = None) -> progress.ProgressPage:
    """Show each owner department's progress in a period (late departments first)."""
    return progress.get_progress(db, period=period or entry.last_quarter())


@router.get("/indicators/progress.csv", dependencies=[require("view-indicators")], tags=["indicators"])
def progress_csv(db: DbSession, period: str | None = None) -> Response:
    """Download the period's progress per department as CSV (late departments first)."""
    data = progress.get_progress(db, period=period or entry.last_quarter())
    rows = [
        {**d.model_dump(include=set(PROGRESS_COLUMNS)), "late": int(d.late), "missing": " ".join(d.missing)}
        for d in data.departments
    ]
    return table_download(rows, PROGRESS_COLUMNS, filename=f"tien-do-nhap-so-lieu-{data.period}", fmt="csv")


@page(router, "/indicators/approvals", template="indicators/values_approvals.html",
      action="approve-indicator-values", name="data", context=_words, tags=["indicators"])  # fmt: skip
def approvals_page(db: DbSession, period: str | None = None) -> approvals.PendingPage:
    """List the values waiting for approval, newest period first."""
    return approvals.get_pending_page(db, period=period)


@router.post(
    "/indicators/approvals", dependencies=[require("approve-indicator-values")], include_in_schema=False
)
async def approve(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Approve the ticked values."""
    form = await request.form()
    ids = [int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit()]
    if not ids:
        raise InvalidInput(
            "Chọn ít nhất một giá trị để phê duyệt", "Tick at least one value to approve",
            [Problem("Chưa chọn", "Nothing ticked", field="ids")],
        )  # fmt: skip
    approvals.approve_values(db, ids=ids, actor=actor)
    return RedirectResponse("/indicators/approvals", status_code=303)


@router.post("/api/indicators/values", summary="Push indicator values (integrators)", tags=["indicators"])
def push_values(body: list[ValueIn], token: Integrator, db: DbSession) -> dict[str, Any]:
    """Store a JSON list of values with a token, all or nothing; the same body twice changes nothing.

    The token's kinds scope it: "indicators" (all) or "indicator:<CODE>"; its agency subtree must hold
    each indicator's owner. Outliers are stored "flagged": push them again with `confirm` and a `note`.
    """
    if len(body) > MAX_PUSHED:
        raise InvalidInput(
            f"Quá nhiều giá trị: {len(body)}, tối đa {MAX_PUSHED}; hãy chia nhỏ",
            f"Too many values: {len(body)}, at most {MAX_PUSHED}; split them",
        )
    report = values.push_values(db, values=body, token=token)
    vi, en = report.summary()
    return {**report.model_dump(), "changed": report.changed, "message_vi": vi, "message_en": en}
