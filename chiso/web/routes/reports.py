"""Reports: the decision form and its PDF, the scorecard and workbook downloads, open data, embeds.

Web layer: each route parses its input, lets `require` check the named action and calls one flow of
chiso.flows.report_outputs (the same as `chiso report ...`). Drafts (a period not yet published) are
for the secretariat and leaders (the flow checks the actor again); published reports are public.
Rendering routes are plain `def` routes, so FastAPI runs them in its thread pool, off the event loop;
the rendered bytes are cached by the content hash of their inputs.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from chiso.assessment import publication
from chiso.config import get_settings
from chiso.errors import InvalidInput, NotFound
from chiso.flows import report_outputs as out
from chiso.flows import reports as flow
from chiso.flows.live import live_card
from chiso.reports.charts import ranking_chart_svg
from chiso.reports.document_form import DocumentFields, fields_of, parse_document
from chiso.reports.schemas import Licence, RankingInput
from chiso.web.deps import CurrentActor, CurrentUser, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import attachment, render

router = APIRouter()
MESSAGES = {
    "Chỉ số phục vụ người dân, doanh nghiệp": "Service index for citizens and businesses",
    "Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)": (
        "Service index for citizens and businesses (Decision 766)"
    ),
    "cập nhật": "updated",
    "Chưa có dữ liệu trong kỳ này": "No data in this period",
    "hồ sơ tiếp nhận": "dossiers received",
    "Điểm theo nhóm chỉ số": "Points per group of indicators",
    "Xem bảng giám sát đầy đủ": "See the whole live board",
    "Quyết định công bố kết quả": "Decision announcing the results",
    "Đã công bố": "Published",
    "lần": "revision",
    "DỰ THẢO — kỳ chưa công bố, tệp PDF mang dấu DỰ THẢO": (
        "DRAFT — the period is not published; the PDF carries a DRAFT mark"
    ),
    "Điền số, ký hiệu, ngày ban hành, người ký và nơi nhận, rồi tạo tệp PDF theo thể thức Nghị định "
    "30/2020/NĐ-CP.": "Fill in the number, symbol, date, signer and recipients, then generate the PDF in "
    "the format of Decree 30/2020/NĐ-CP.",
    "Biểu mẫu có lỗi; hãy sửa rồi tạo lại.": "The form has errors; correct them and generate again.",
    "Văn bản": "Document",
    "Số": "Number",
    "(để trống khi chưa ký)": "(empty until signed)",
    "Ký hiệu": "Symbol",
    "Địa danh": "Place",
    "Ngày ban hành": "Date of issue",
    "Cơ quan ban hành": "Issuing body",
    "(mỗi dòng một dòng in)": "(one printed line per line)",
    "Trích yếu": "Summary",
    "Người ký và nơi nhận": "Signer and recipients",
    "Thẩm quyền ký": "Signing authority",
    "(TM., KT. …; mỗi dòng một dòng)": "(TM., KT. …; one per line)",
    "Chức vụ": "Title",
    "Họ và tên người ký": "Signer's full name",
    "Nơi nhận": "Recipients",
    "(mỗi dòng một nơi)": "(one per line)",
    "Kèm phần nhận xét kết quả (Điều 1)": "Include the written summary (Article 1)",
    "Tạo tệp PDF": "Generate the PDF",
    "Các báo cáo khác": "Other reports",
    "Bảng tính Excel của bảng xếp hạng": "Excel workbook of the ranking",
    "Dữ liệu mở": "Open data",
    "Phiếu điểm của từng đơn vị (PDF)": "Each agency's scorecard (PDF)",
    "Kết quả xếp hạng đã công bố và chỉ số 766 của các tháng đã khép lại, dạng CSV và JSON kèm mô tả "
    "datapackage.json (Frictionless Data).": "Published rankings and the 766 index of closed months, as CSV "
    "and JSON described by a datapackage.json (Frictionless Data).",
    "Giấy phép": "Licence",
    "Đơn vị công bố": "Publisher",
    "Bộ dữ liệu": "Dataset",
    "Mô tả": "Description",
    "Tải về": "Download",
    "Chưa có bộ dữ liệu nào.": "No dataset yet.",
    "Xem bảng xếp hạng đầy đủ": "See the full ranking",
    "Quyết định (PDF)": "Decision (PDF)",
    "Lập quyết định, báo cáo": "Decision and reports",
}
register_messages(MESSAGES)
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class AgencyChoice(BaseModel):
    """An agency of the ranking, for the scorecard buttons."""

    agency_code: str
    name_vi: str
    group: str


class ReportForm(BaseModel):
    """The decision form of a period: its state, the details to fill in, the problems of the last try."""

    period_code: str
    period_name_vi: str
    published: bool
    revision: int
    agencies: list[AgencyChoice]
    document: DocumentFields
    problems: list[dict[str, Any]] = []


class Dataset(BaseModel):
    """One open dataset: a published ranking or a closed month of the 766 index."""

    kind: Literal["ranking", "index766"]
    key: str
    title_vi: str
    title_en: str
    datapackage: str
    zip: str


class OpenDataList(BaseModel):
    """The open-data page: the province's licence and publisher and every dataset."""

    licence: Licence
    publisher: str
    datasets: list[Dataset]


def _attachment(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers=attachment(name))


def _form(ranking: RankingInput, fields: DocumentFields, problems: list[dict[str, Any]]) -> ReportForm:
    return ReportForm(
        period_code=ranking.period.code,
        period_name_vi=ranking.period.name_vi,
        published=ranking.published,
        revision=ranking.revision,
        agencies=[
            AgencyChoice(agency_code=a.agency_code, name_vi=a.name_vi, group=a.group)
            for g in ranking.groups
            for a in ranking.group_rows(g.code)
        ],  # fmt: skip
        document=fields,
        problems=problems,
    )


@page(router, "/rankings/{code}/report", template="reports/form.html", action="make-reports", name="form",
      tags=["reports"])  # fmt: skip
def report_form(db: DbSession, actor: CurrentActor, code: str) -> ReportForm:
    """Show the decision form of a period: number and symbol, date, signer, recipients (then the PDF)."""
    ranking = flow.ranking_input(db, period_code=code, actor=actor)
    data_dir = get_settings().data_dir
    saved = out.load_document(data_dir, period_code=code) or out.default_document(db, ranking=ranking)
    return _form(ranking, fields_of(saved), [])


@router.post("/rankings/{code}/report", dependencies=[require("make-reports")], include_in_schema=False)
def report_generate(
    request: Request, db: DbSession, actor: CurrentActor, code: str, fields: Annotated[DocumentFields, Form()]
) -> Response:
    """Generate the decision PDF from the form (a draft until published); keep what was typed on error."""
    try:
        document = parse_document(fields)
    except InvalidInput as exc:
        ranking = flow.ranking_input(db, period_code=code, actor=actor)
        problems = [p.to_dict() for p in exc.problems]
        view = _form(ranking, fields, problems)
        return render(request, "reports/form.html", status_code=422, form=view, error=exc,
                      json_url=f"/api/rankings/{code}/report")  # fmt: skip
    data_dir = get_settings().data_dir
    pdf, ranking, _hit = out.ranking_pdf(
        db, period_code=code, document=document, actor=actor, data_dir=data_dir
    )
    out.save_document(data_dir, period_code=code, document=document)
    kind = "quyet-dinh" if ranking.published else "du-thao-quyet-dinh"
    return _attachment(pdf, PDF, f"{kind}-{code}.pdf")


@router.get("/rankings/{code}/decision.pdf", dependencies=[require("view-rankings")], tags=["reports"])
def decision_download(db: DbSession, code: str) -> Response:
    """Download the published decision of a period, as the secretariat last generated it (public)."""
    pdf = out.published_decision_pdf(db, period_code=code, data_dir=get_settings().data_dir)
    return _attachment(pdf, PDF, f"quyet-dinh-{code}.pdf")


@router.get(
    "/rankings/{code}/agencies/{agency}/scorecard.pdf",
    dependencies=[require("view-rankings")],
    tags=["reports"],
)
def scorecard_download(
    db: DbSession, viewer: CurrentUser, code: str, agency: str, lang: Literal["vi", "en"] = "vi"
) -> Response:
    """Download an agency's scorecard (public when published; a draft for the secretariat and leaders)."""
    pdf = out.scorecard_pdf(db, period_code=code, agency_code=agency, actor=viewer.user,
                            data_dir=get_settings().data_dir, lang=lang)  # fmt: skip
    return _attachment(pdf, PDF, f"phieu-diem-{code}-{agency}.pdf")


@router.get("/rankings/{code}/workbook.xlsx", dependencies=[require("view-rankings")], tags=["reports"])
def workbook_download(
    db: DbSession, viewer: CurrentUser, code: str, lang: Literal["vi", "en"] = "vi"
) -> Response:
    """Download the ranking's workbook: a sheet per group, the criteria, a README (public when published)."""
    data = out.workbook(db, period_code=code, actor=viewer.user, data_dir=get_settings().data_dir, lang=lang)
    return _attachment(data, XLSX, f"xep-hang-{code}.xlsx")


@router.get("/monitoring/brief/{month}.pdf", dependencies=[require("view-monitoring")], tags=["reports"])
def brief_download(db: DbSession, month: str, lang: Literal["vi", "en"] = "vi") -> Response:
    """Download the one-page leader brief of a month of the 766 index."""
    settings = get_settings()
    pdf = out.brief_pdf(
        db, month=month, data_dir=settings.data_dir, province=out.home_province(db), lang=lang
    )
    return _attachment(pdf, PDF, f"ban-tin-766-{month}.pdf")


@page(router, "/open-data", template="reports/open_data.html", action="view-rankings", name="catalogue",
      tags=["reports"])  # fmt: skip
def open_data_page(db: DbSession) -> OpenDataList:
    """List the open datasets (published rankings, closed 766 months) with the province's licence."""
    licence, publisher = out.open_data_settings(get_settings().data_dir)
    sets = [
        Dataset(kind="ranking", key=c, title_vi=f"Kết quả xếp hạng kỳ {c}", title_en=f"Ranking of period {c}",
                datapackage=f"/open-data/rankings/{c}/datapackage.json", zip=f"/open-data/rankings/{c}.zip")
        for c in flow.published_period_codes(db)
    ] + [
        Dataset(kind="index766", key=m, title_vi=f"Chỉ số 766 tháng {m[5:]}/{m[:4]}",
                title_en=f"766 index, {m}", datapackage=f"/open-data/766/{m}/datapackage.json",
                zip=f"/open-data/766/{m}.zip")
        for m in flow.closed_months()
    ]  # fmt: skip
    return OpenDataList(licence=licence, publisher=publisher, datasets=sets)


def _package(db: DbSession, kind: str, key: str) -> dict[str, bytes]:
    data_dir = get_settings().data_dir
    if kind == "rankings":
        return out.ranking_package(db, period_code=key, data_dir=data_dir)
    if not re.fullmatch(r"\d{4}-\d{2}", key):
        raise NotFound(f"Không có bộ dữ liệu 766 '{key}' (YYYY-MM)", f"No 766 dataset '{key}' (use YYYY-MM)")
    return out.month_package(db, month=key, data_dir=data_dir, province=out.home_province(db))


@router.get("/open-data/{kind}/{key}.zip", dependencies=[require("view-rankings")], tags=["reports"])
def open_data_zip(db: DbSession, kind: Literal["rankings", "766"], key: str) -> Response:
    """Download a dataset as one zip (datapackage.json with its CSV and JSON files)."""
    return _attachment(out.zip_package(_package(db, kind, key)), "application/zip", f"{kind}-{key}.zip")


@router.get("/open-data/{kind}/{key}/{path:path}", dependencies=[require("view-rankings")], tags=["reports"])
def open_data_file(db: DbSession, kind: Literal["rankings", "766"], key: str, path: str) -> Response:
    """Download one file of a dataset: `datapackage.json` or `data/<table>.csv|json` (stable URLs)."""
    files = _package(db, kind, key)
    if path not in files:
        raise NotFound(f"Bộ dữ liệu {key} không có tệp {path}", f"Dataset {key} has no file {path}")
    media = {"json": "application/json", "csv": "text/csv; charset=utf-8"}[path.rsplit(".", 1)[-1]]
    return Response(files[path], media_type=media)


def embed_origins() -> list[str]:
    """Return the origins allowed to frame the embeds (CHISO_EMBED_ORIGINS, space or comma separated)."""
    raw = os.environ.get("CHISO_EMBED_ORIGINS", "")
    return [o.rstrip("/") for o in raw.replace(",", " ").split() if ORIGIN.match(o.rstrip("/"))]


def frame_policy(origins: list[str]) -> str:
    """Return the embeds' CSP: no script, no form, framed only by `origins` ('none' when there is none)."""
    allowed = " ".join(origins) if origins else "'none'"
    return (
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors {allowed}"
    )


@router.get("/embed/rankings/{code}", dependencies=[require("view-rankings")], response_class=HTMLResponse,
            tags=["reports"])  # fmt: skip
def ranking_embed(request: Request, db: DbSession, code: str, group: str | None = None) -> Response:
    """A published ranking's chart and leaders, to frame in the province's portal (allowed origins only)."""
    ranking = publication.get_ranking(db, period_code=code, group=group)
    rows = [
        {"group": r.group, "total": r.total, "band": r.band, "agency": r.agency_name_vi} for r in ranking.rows
    ]
    chart = ranking_chart_svg(rows)
    html = render(request, "reports/embed.html", ranking=ranking, chart=chart,
                  leaders=[r for r in ranking.rows if r.rank is not None and r.rank <= 3])  # fmt: skip
    html.headers["Content-Security-Policy"] = frame_policy(embed_origins())
    return html


@router.get("/embed/agencies/{code}/live", dependencies=[require("view-monitoring")],
            response_class=HTMLResponse, tags=["reports"])  # fmt: skip
def live_card_embed(request: Request, code: str, period: str | None = None) -> Response:
    """An agency's live 766 card (total, rank, band, the six groups), to frame in the province's portal."""
    board, row, ranked = live_card(code, period or None)
    html = render(request, "reports/embed_live.html", board=board, row=row, ranked=ranked)
    html.headers["Content-Security-Policy"] = frame_policy(embed_origins())
    return html
