"""One agency's self-assessment: the form page and its JSON twin, autosave, submit, evidence, template.

Web layer: each route parses its input, lets `require` check the action, calls one service and renders;
the services check that the viewer may read, edit or review this agency's submission.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from chiso import clock
from chiso.assessment import evidence, excel, receipts, review, submissions
from chiso.assessment.receipts import SubmissionReceipt
from chiso.assessment.schemas import CriterionHistory, PreviewScore, SaveReport, SubmissionView, ValueInput
from chiso.flows import scoring as flow
from chiso.flows import submissions as submitting
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import attachment, is_htmx, render
from chiso.web.uploads import file_too_large_text, off_loop, read_upload, upload_limit

router = APIRouter()
register_messages(
    {
        "Biên nhận": "Receipt",
        "Biên nhận bản tự đánh giá": "Self-assessment receipt",
        "Bản tự đánh giá này đã được nộp trước đó; không cần nộp lại.": (
            "This self-assessment had already been submitted; there is no need to submit it again."
        ),
        "Đã nộp bản tự đánh giá thành công.": "The self-assessment was submitted.",
        "Số biên nhận": "Receipt number",
        "Thời điểm nộp": "Submitted at",
        "Số tiêu chí đã nhập": "Criteria filled in",
        "Số minh chứng": "Evidence documents",
        "tệp": "files",
        "Lưu hoặc in trang này (Ctrl+P) để làm biên nhận.": "Save or print this page (Ctrl+P) as a receipt.",
        "Về bản tự đánh giá": "Back to the self-assessment",
        "Lịch sử tiêu chí": "Criterion history",
        "Bản tự đánh giá chưa được nộp; đây là tình trạng hiện tại, chưa phải biên nhận.": (
            "The self-assessment has not been submitted; this is its current state, not a receipt."
        ),
        "Chưa có thay đổi nào.": "No changes yet.",
        "Nộp bản tự đánh giá? Sau khi nộp, giá trị và minh chứng bị khóa cho đến khi thẩm định xong.": (
            "Submit the self-assessment? Once submitted, values and evidence are locked until reviewed."
        ),
        "tiêu chí bắt buộc.": "required criteria are empty.",
        "Giá trị đã nhập vẫn được giữ trên máy này.": "What you typed is kept on this computer.",
        "Đăng nhập lại (thẻ mới)": "Log in again (new tab)",
        "Trả lại bản tự đánh giá cho đơn vị sửa?": "Return the self-assessment to the agency for correction?",
        "Duyệt bản tự đánh giá? Điểm sẽ được dùng cho xếp hạng.": (
            "Approve the self-assessment? Its points will count in the ranking."
        ),
        "Quay lại biểu mẫu": "Back to the form",
        "Nút Quay lại của trình duyệt giữ nguyên những gì đã nhập.": (
            "The browser's Back button keeps what you typed."
        ),
        "Điểm": "Points",
        "Đã thêm minh chứng.": "The evidence was added.",
        "Trích yếu hoặc giải trình (bắt buộc khi không có tệp)": (
            "Summary, or explanation (required with no file)"
        ),
        "Đã nhập biểu mẫu Excel.": "The Excel template was imported.",
        "tối đa": "at most",
        "Kết luận thẩm định": "Review conclusion",
        "Đã trả lại bản tự đánh giá cho đơn vị sửa.": "The self-assessment was returned to the agency.",
        "Đã duyệt bản tự đánh giá.": "The self-assessment was approved.",
        "giải trình, không có tệp": "explanation, no file",
        "Sửa": "Edit",
        "Lưu thay đổi": "Save changes",
        "Rút minh chứng": "Withdraw evidence",
        "Đã sửa minh chứng.": "The evidence was updated.",
        "Đã rút minh chứng.": "The evidence was withdrawn.",
        "Rút minh chứng này? Việc rút được ghi vào nhật ký.": (
            "Withdraw this evidence? The withdrawal is logged."
        ),
        "Quyết định gần nhất": "Last decision",
        "chưa có": "none yet",
        "Đã lưu quyết định thẩm định": "Review decision saved",
        "chọn": "choose",
        "Điểm mới": "New points",
        "Nhận xét": "Comment",
        "Lưu quyết định": "Save the decision",
    }
)
VALUE_FIELDS = ("value", "numerator", "denominator", "choice", "comment")
FORM = "/assessment/{code}/agencies/{agency}"


def _form_context(request: Request, view: SubmissionView) -> dict[str, Any]:
    limit = upload_limit()
    return {
        "preview": view.preview,
        "today": clock.today(),  # the province's date: evidence cannot be dated later
        "upload_max": limit,
        "upload_mb": limit // (1024 * 1024),
        "too_large": file_too_large_text(),
    }


@page(router, FORM, template="assessment/form.html", action="view-assessment", name="view",
      context=_form_context, tags=["assessment"])  # fmt: skip
def submission_page(db: DbSession, actor: CurrentActor, code: str, agency: str) -> SubmissionView:
    """Show an agency's form: sections per pillar, fields per criterion, evidence, review, live preview."""
    return flow.submission_page(db, period_code=code, agency_code=agency, actor=actor)


@router.get(
    "/api" + FORM + "/preview",
    response_model=PreviewScore,
    dependencies=[require("view-assessment")],
    tags=["assessment"],
)
def preview_api(db: DbSession, actor: CurrentActor, code: str, agency: str) -> PreviewScore:
    """Score the agency's current values within its peer group (the live preview)."""
    return flow.preview_agency(db, period_code=code, agency_code=agency, actor=actor)


class DraftIn(BaseModel):
    values: dict[str, ValueInput]
    version: int | None = None
    partial: bool = Field(default=False, description="save the valid values, report the others")


@router.post(
    "/api" + FORM + "/draft",
    response_model=SaveReport,
    dependencies=[require("edit-submission")],
    tags=["assessment"],
)
def draft_api(
    db: DbSession, actor: CurrentActor, code: str, agency: str, body: Annotated[DraftIn, Body()]
) -> SaveReport:
    """Save draft values (idempotent; all or nothing unless `partial`)."""
    return submissions.save_draft(
        db,
        period_code=code,
        agency_code=agency,
        values=body.values,
        expected_version=body.version,
        partial=body.partial,
        actor=actor,
    )


def _form_values(form: dict[str, Any]) -> dict[str, ValueInput]:
    """Read `<code>__<field>` form fields into ValueInputs (empty strings clear a value)."""
    values: dict[str, dict[str, Any]] = {}
    for key, raw in form.items():
        if "__" not in key or not isinstance(raw, str):
            continue
        code, name = key.rsplit("__", 1)
        if name in VALUE_FIELDS:
            values.setdefault(code, {})[name] = raw
    return {code: ValueInput(**fields) for code, fields in values.items()}


def _seen(form: dict[str, Any]) -> dict[str, int]:
    """Read the `<code>__version` fields: the version of each value the page was showing."""
    seen = {}
    for key, raw in form.items():
        code, _, name = key.rpartition("__")
        if name == "version" and isinstance(raw, str) and raw.isdigit():
            seen[code] = int(raw)
    return seen


@router.post(FORM + "/draft", response_class=HTMLResponse, dependencies=[require("edit-submission")],
             include_in_schema=False)  # fmt: skip
async def draft_form(
    request: Request, db: DbSession, actor: CurrentActor, code: str, agency: str
) -> Response:
    """Autosave the form (htmx): save every valid field, show the save status and the live preview."""
    form = dict(await request.form())
    report = submissions.save_draft(
        db, period_code=code, agency_code=agency, values=_form_values(form), seen_versions=_seen(form),
        partial=True, actor=actor,
    )  # fmt: skip
    db.commit()  # the save is kept and its lock released before the preview's scoring run reads
    if not is_htmx(request):
        return RedirectResponse(FORM.format(code=code, agency=agency), status_code=303)
    view = flow.submission_page(db, period_code=code, agency_code=agency, actor=actor)
    return render(
        request, "assessment/form.html", block="status", report=report, view=view, preview=view.preview
    )


@router.post(FORM + "/submit", dependencies=[require("edit-submission")], include_in_schema=False)
def submit_form(db: DbSession, actor: CurrentActor, code: str, agency: str) -> RedirectResponse:
    """Submit (or resubmit) the self-assessment and show its receipt; a repeated submit shows it too."""
    receipt = submitting.submit_submission(db, period_code=code, agency_code=agency, actor=actor)
    again = "?again=1" if receipt.repeated else ""
    return RedirectResponse(FORM.format(code=quote(code), agency=quote(agency)) + "/receipt" + again, 303)


@router.post(
    "/api" + FORM + "/submit",
    response_model=SubmissionReceipt,
    dependencies=[require("edit-submission")],
    tags=["assessment"],
)
def submit_api(db: DbSession, actor: CurrentActor, code: str, agency: str) -> SubmissionReceipt:
    """Submit (or resubmit) the self-assessment; answers with its receipt (`repeated` on a second submit)."""
    return submitting.submit_submission(db, period_code=code, agency_code=agency, actor=actor)


@page(router, FORM + "/receipt", template="assessment/receipt.html", action="view-assessment",
      name="receipt", tags=["assessment"])  # fmt: skip
def receipt_page(db: DbSession, actor: CurrentActor, code: str, agency: str) -> SubmissionReceipt:
    """Show the receipt of an agency's submission: number, time, values and documents handed in."""
    return receipts.submission_receipt(db, period_code=code, agency_code=agency, actor=actor)


@router.post(FORM + "/evidence", dependencies=[require("edit-submission")], include_in_schema=False)
async def evidence_form(
    db: DbSession,
    actor: CurrentActor,
    code: str,
    agency: str,
    indicator_code: Annotated[str, Form()],
    document_number: Annotated[str, Form()],
    summary: Annotated[str, Form()] = "",
    document_date: Annotated[clock.TypedDay | None, Form()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> RedirectResponse:
    """Attach an evidence document with its files (or a written explanation) to one criterion."""
    loaded = [(upload.filename, await read_upload(upload)) for upload in files or [] if upload.filename]
    evidence.add_evidence(
        db,
        period_code=code,
        agency_code=agency,
        indicator_code=indicator_code,
        document_number=document_number,
        document_date=document_date,
        summary=summary,
        files=loaded,
        actor=actor,
    )
    return RedirectResponse(FORM.format(code=code, agency=agency) + f"#{indicator_code}", status_code=303)


@router.post(FORM + "/evidence/{evidence_id}", dependencies=[require("edit-submission")],
             include_in_schema=False)  # fmt: skip
async def evidence_edit_form(
    db: DbSession,
    actor: CurrentActor,
    code: str,
    agency: str,
    evidence_id: int,
    document_number: Annotated[str, Form()],
    summary: Annotated[str, Form()] = "",
    document_date: Annotated[clock.TypedDay | None, Form()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> RedirectResponse:
    """Correct an evidence item before submission and add files to it (audited)."""
    loaded = [(upload.filename, await read_upload(upload)) for upload in files or [] if upload.filename]
    ev = evidence.update_evidence(
        db, evidence_id=evidence_id, document_number=document_number, document_date=document_date,
        summary=summary, files=loaded, actor=actor,
    )  # fmt: skip
    return RedirectResponse(FORM.format(code=code, agency=agency) + f"#{ev.indicator_code}", status_code=303)


@router.post(FORM + "/evidence/{evidence_id}/withdraw", dependencies=[require("edit-submission")],
             include_in_schema=False)  # fmt: skip
def evidence_withdraw_form(
    db: DbSession, actor: CurrentActor, code: str, agency: str, evidence_id: int
) -> RedirectResponse:
    """Withdraw an evidence item before submission (kept in the criterion's history)."""
    ev = evidence.withdraw_evidence(db, evidence_id=evidence_id, actor=actor)
    return RedirectResponse(FORM.format(code=code, agency=agency) + f"#{ev.indicator_code}", status_code=303)


#: Shown in the browser itself (PDF viewer, image); the rest is downloaded.
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg")


@router.get("/assessment/files/{file_id}", dependencies=[require("view-assessment")], include_in_schema=False)
def evidence_file(db: DbSession, actor: CurrentActor, file_id: int, inline: bool = False) -> Response:
    """Download an evidence file, or with `inline=1` open a PDF or image in the browser (readers only)."""
    record, path, media = evidence.get_evidence_file(db, file_id=file_id, actor=actor)
    how = "inline" if inline and media in INLINE_TYPES else "attachment"
    return Response(
        path.read_bytes(),
        media_type=media,
        headers={
            "Content-Disposition": f"{how}; filename*=UTF-8''{quote(record.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(FORM + "/template.xlsx", dependencies=[require("view-assessment")], include_in_schema=False)
def template_download(db: DbSession, actor: CurrentActor, code: str, agency: str) -> Response:
    """Download the agency's form as a prefilled Excel template."""
    data = excel.build_template(db, period_code=code, agency_code=agency, actor=actor)
    return Response(
        data,
        media_type=evidence.ALLOWED_TYPES["xlsx"][0],
        headers=attachment(f"bieu-mau-{agency}-{code}.xlsx"),
    )


class UploadOut(BaseModel):
    saved: bool
    changed: list[str]
    rows: list[dict[str, Any]]


async def _upload(db: DbSession, actor: CurrentActor, code: str, agency: str, file: UploadFile) -> UploadOut:
    report = await off_loop(
        excel.upload_template,
        session=db,
        period_code=code,
        agency_code=agency,
        data=await read_upload(file),
        filename=file.filename or "template.xlsx",
        actor=actor,
    )
    return UploadOut(
        saved=report.saved,
        changed=report.changed,
        rows=[
            {"row": r.row, "indicator_code": r.indicator_code, "ok": r.ok, "messages": r.messages}
            for r in report.rows
        ],
    )


@router.post("/api" + FORM + "/template", response_model=UploadOut, dependencies=[require("edit-submission")],
             tags=["assessment"])  # fmt: skip
async def template_upload_api(
    db: DbSession, actor: CurrentActor, code: str, agency: str, file: Annotated[UploadFile, File()]
) -> UploadOut:
    """Upload a filled template: a report per row; nothing is saved unless every row is valid."""
    return await _upload(db, actor, code, agency, file)


@router.post(FORM + "/template", dependencies=[require("edit-submission")], include_in_schema=False)
async def template_upload_form(
    db: DbSession, actor: CurrentActor, code: str, agency: str, file: Annotated[UploadFile, File()]
) -> RedirectResponse:
    """Upload a filled template from the form page; every invalid row is listed on the error page."""
    result = await _upload(db, actor, code, agency, file)
    target = FORM.format(code=code, agency=agency)
    return RedirectResponse(f"{target}?uploaded={len(result.changed)}", status_code=303)


@page(router, FORM + "/history/{indicator}", template="assessment/history.html", action="view-assessment",
      name="history", tags=["assessment"])  # fmt: skip
def history_page(
    db: DbSession, actor: CurrentActor, code: str, agency: str, indicator: str
) -> CriterionHistory:
    """Show every change of one criterion's value and review: who, when, old -> new, comment."""
    return review.criterion_history(
        db, period_code=code, agency_code=agency, indicator_code=indicator, actor=actor
    )
