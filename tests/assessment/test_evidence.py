"""Evidence: files accepted by content, size limit, empty and path-like names refused, SHA-256 storage."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
from assess_helpers import later
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import evidence, submissions
from chiso.assessment.evidence import check_upload, detect_file_type, upload_path
from chiso.errors import Conflict, InvalidInput, PermissionDenied

P = "DNG-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def ooxml(main: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(
            "[Content_Types].xml", f'<Types><Override PartName="/x" ContentType="{main}"/></Types>'
        )
        archive.writestr("word/document.xml", "<w/>")
    return buf.getvalue()


DOCX = ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = ooxml("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
DOCM = ooxml("application/vnd.ms-word.document.macroEnabled.main+xml")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPG, "jpg"),
        (DOCX, "docx"),
        (XLSX, "xlsx"),
        (DOCM, None),
        (b"PK\x03\x04broken", None),
        (b"MZ\x90\x00 exe", None),
        (b"<html>", None),
    ],
)
def test_type_is_read_from_content(data: bytes, kind: str | None) -> None:
    assert detect_file_type(data) == kind


def test_real_xlsx_from_xlsxwriter_is_recognised() -> None:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.add_worksheet().write(0, 0, "x")
    book.close()
    assert detect_file_type(buf.getvalue()) == "xlsx"


@pytest.mark.parametrize(
    "name",
    ["../etc/passwd.pdf", "a/b.pdf", "C:\\x.pdf", "..pdf", ".hidden.pdf", "", "a\x00.pdf", "c:evil.pdf"],
)
def test_path_like_names_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        check_upload(name, PDF)


def test_empty_oversize_wrong_type_and_lying_name_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInput, match="rỗng"):
        check_upload("a.pdf", b"")
    with pytest.raises(InvalidInput, match="too large"):
        check_upload("a.pdf", PDF + b"0" * 100, max_bytes=50)
    monkeypatch.setenv("CHISO_UPLOAD_MAX_MB", "0.00001")
    with pytest.raises(InvalidInput, match="too large"):
        check_upload("a.pdf", PDF)
    monkeypatch.delenv("CHISO_UPLOAD_MAX_MB")
    with pytest.raises(InvalidInput, match="not a PDF"):
        check_upload("virus.pdf", b"MZ\x90\x00")
    with pytest.raises(InvalidInput, match="content is PNG"):
        check_upload("report.pdf", PNG)
    assert check_upload("Quyết định 12.PDF", PDF) == "pdf"
    assert check_upload("anh.jpeg", JPG) == "jpg"


def test_files_are_stored_once_by_hash(db: Session, province, open_period) -> None:
    open_period()
    user = province.users["baocao.a"]
    ev = evidence.add_evidence(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        indicator_code="HT_ATTT",
        document_number="12/QĐ-STTTT",
        document_date=date(2026, 1, 5),
        summary="Quy chế an toàn thông tin",
        files=[("quy-che.pdf", PDF), ("so-do.png", PNG)],
        actor=user,
        now=later(1),
    )
    again = evidence.add_evidence(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        indicator_code="HT_MANG",
        document_number="13/BC",
        files=[("ban-sao.pdf", PDF)],
        actor=user,
    )
    digest = hashlib.sha256(PDF).hexdigest()
    assert [f.sha256 for f in ev.files][0] == again.files[0].sha256 == digest
    assert upload_path(digest).read_bytes() == PDF
    assert len(list(upload_path(digest).parent.iterdir())) == 1
    record, path, media = evidence.get_evidence_file(
        db, file_id=ev.files[1].id, actor=province.users["lanhdao"]
    )
    assert (record.file_type, media, path.read_bytes()) == ("png", "image/png", PNG)
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=SYSTEM)
    field = next(f for s in view.sections for f in s.fields if f.code == "HT_ATTT")
    assert field.evidence[0].document_number == "12/QĐ-STTTT" and len(field.evidence[0].files) == 2
    with pytest.raises(PermissionDenied):
        evidence.get_evidence_file(db, file_id=ev.files[0].id, actor=province.users["baocao.b"])


def test_one_bad_file_refuses_the_whole_item(db: Session, province, open_period) -> None:
    open_period()
    with pytest.raises(InvalidInput):
        evidence.add_evidence(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_ATTT",
            document_number="1/QĐ",
            files=[("ok.pdf", PDF), ("bad.pdf", b"nope")],
            actor=SYSTEM,
        )
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=SYSTEM)
    assert all(not f.evidence for s in view.sections for f in s.fields)
    with pytest.raises(InvalidInput):
        evidence.add_evidence(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="NOPE",
            document_number="1/QĐ",
            actor=SYSTEM,
        )
    with pytest.raises(InvalidInput):
        evidence.add_evidence(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_ATTT",
            document_number=" ",
            actor=SYSTEM,
        )


def test_evidence_frozen_after_submit(db: Session, province, open_period) -> None:
    from assess_helpers import FULL_VALUES

    open_period()
    user = province.users["baocao.a"]
    ev = evidence.add_evidence(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        indicator_code="HT_ATTT",
        document_number="1/QĐ",
        summary="Giải trình: văn bản đang chờ ký, tệp gửi sau",
        actor=user,
    )
    evidence.attach_file(db, evidence_id=ev.id, filename="bo-sung.docx", data=DOCX, actor=user)
    submissions.save_draft(db, period_code=P, agency_code="DNG.SO.A", values=FULL_VALUES, actor=user)
    submissions.submit(db, period_code=P, agency_code="DNG.SO.A", actor=user, now=later(1))
    with pytest.raises(Conflict):
        evidence.attach_file(db, evidence_id=ev.id, filename="more.pdf", data=PDF, actor=user)
    with pytest.raises(Conflict):
        evidence.delete_evidence(db, evidence_id=ev.id, actor=user)
