"""Evidence (minh chứng): document number, date, summary and files stored by SHA-256 content hash.

Domain layer: store models, chiso.config (upload limit, data dir), chiso.errors; nothing from web or cli.
Files are accepted by their content (magic bytes; DOCX and XLSX are zips with the right
[Content_Types].xml entry), never by their name; they are written once under data_dir/uploads and
shared by every evidence item that uploads the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.assessment.access import check_can_edit, check_can_read
from chiso.assessment.submissions import EDITABLE_STATUSES, open_submission, period_form
from chiso.config import get_settings
from chiso.errors import Conflict, InvalidInput, NotFound, Problem, text_problems
from chiso.store.models.assessment import Evidence, EvidenceFile, Submission

ALLOWED_TYPES = {
    "pdf": ("application/pdf", (".pdf",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "png": ("image/png", (".png",)),
    "jpg": ("image/jpeg", (".jpg", ".jpeg")),
}
_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}


def detect_file_type(data: bytes) -> str | None:
    """Return "pdf", "docx", "xlsx", "png" or "jpg" from the content, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > 1_000_000:
                    return None
                types = archive.read(info).decode("utf-8", "replace")
        except (zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError, OSError):
            return None
        for kind, main in _OOXML_MAIN.items():
            if main in types:
                return kind
    return None


def check_filename(filename: str) -> str:
    """Return a safe display name, refusing empty names and anything that looks like a path."""
    name = (filename or "").strip()
    bad = (
        not name
        or "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or ":" in name
        or any(ord(ch) < 32 for ch in name)
        or len(name) > 255
    )
    if bad:
        raise InvalidInput(
            f"Tên tệp không hợp lệ: {filename!r} (không được chứa đường dẫn)",
            f"Invalid file name {filename!r}: give a plain file name without folders, '..' or ':'",
            [Problem("Tên tệp không hợp lệ", "Invalid file name", file=name or None, field="filename")],
        )
    return name


def check_upload(filename: str, data: bytes, *, max_bytes: int | None = None) -> str:
    """Check an uploaded file (name, size, type by content) and return its type.

    Raises:
        InvalidInput: empty, oversize, path-like name, unsupported type, or a name whose extension
            contradicts the content (e.g. a PNG named report.pdf).
    """
    name = check_filename(filename)
    limit = get_settings().upload_max_bytes if max_bytes is None else max_bytes
    if not data:
        raise InvalidInput(
            f"Tệp {name} rỗng", f"The file {name} is empty", [Problem("Tệp rỗng", "Empty file", file=name)]
        )
    if len(data) > limit:
        raise InvalidInput(
            f"Tệp {name} quá lớn ({len(data) / 1048576:.1f} MB; tối đa {limit / 1048576:.0f} MB)",
            f"The file {name} is too large ({len(data) / 1048576:.1f} MB; the limit is "
            f"{limit / 1048576:.0f} MB)",
            [Problem("Tệp quá lớn", "File too large", file=name)],
        )
    kind = detect_file_type(data)
    if kind is None:
        raise InvalidInput(
            f"Tệp {name} không phải PDF, DOCX, XLSX, PNG hoặc JPG (kiểm tra theo nội dung tệp)",
            f"The file {name} is not a PDF, DOCX, XLSX, PNG or JPG (checked by its content, not its name)",
            [Problem("Loại tệp không được chấp nhận", "File type not accepted", file=name)],
        )
    suffix = Path(name).suffix.lower()
    if suffix and suffix not in ALLOWED_TYPES[kind][1]:
        raise InvalidInput(
            f"Tệp {name} có đuôi {suffix} nhưng nội dung là {kind.upper()}",
            f"The file {name} is named {suffix} but its content is {kind.upper()}; rename or re-export it",
            [Problem("Đuôi tệp không khớp nội dung", "Extension does not match content", file=name)],
        )
    return kind


def upload_path(sha256: str) -> Path:
    """Return where the bytes with this SHA-256 live under data_dir/uploads."""
    return get_settings().uploads_dir / sha256[:2] / sha256


def store_bytes(data: bytes) -> str:
    """Write bytes once under their SHA-256 (atomic rename; no-op when present) and return the hash."""
    digest = hashlib.sha256(data).hexdigest()
    target = upload_path(digest)
    if target.exists() and target.stat().st_size == len(data):
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def stored_file(name: str, data: bytes, kind: str, *, actor: Actor, at: datetime) -> dict[str, Any]:
    """Store the bytes by hash and return the columns every attached-file row shares (evidence, appeals,
    follow-up): hash, name, type, size, when and by whom."""
    return {
        "sha256": store_bytes(data),
        "filename": name,
        "file_type": kind,
        "size_bytes": len(data),
        "uploaded_at": at,
        "uploaded_by": actor.id,
    }


def _editable(submission: Submission) -> None:
    if submission.status not in EDITABLE_STATUSES:
        raise Conflict(
            f"Bản tự đánh giá đang ở trạng thái '{submission.status}', không sửa minh chứng được",
            f"The submission is {submission.status}; evidence can change only while draft or returned",
        )


def add_evidence(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    indicator_code: str,
    document_number: str,
    document_date: date | None = None,
    summary: str = "",
    files: Sequence[tuple[str, bytes]] = (),
    actor: Actor,
    now: datetime | None = None,
) -> Evidence:
    """Attach an evidence document (number, date, summary, files) to one criterion of a submission.

    Every file is checked before anything is stored; one bad file refuses the whole item.
    """
    now = now or clock.now()
    period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    check_can_edit(session, actor=actor, submission=sub)
    _editable(sub)
    period_form(period).criterion(indicator_code)
    _check_details(document_number, document_date, summary, has_files=bool(files), now=now)
    kinds = [check_upload(name, data) for name, data in files]
    ev = Evidence(
        submission_id=sub.id,
        indicator_code=indicator_code,
        document_number=document_number.strip(),
        document_date=document_date,
        summary=summary.strip(),
        created_at=now,
        created_by=actor.id,
    )
    session.add(ev)
    session.flush()
    for (name, data), kind in zip(files, kinds, strict=True):
        _attach(session, evidence=ev, filename=name, data=data, kind=kind, actor=actor, now=now)
    details = {"document_number": ev.document_number, "document_date": document_date, "summary": ev.summary}
    _record(
        session,
        ev,
        action="evidence.add",
        new={**details, "files": [n for n, _ in files]},
        actor=actor,
        at=now,
    )
    return ev


def _record(
    session: Session,
    ev: Evidence,
    *,
    action: str,
    actor: Actor,
    at: datetime | None,
    old: object = None,
    new: object = None,
    reason: str | None = None,
) -> None:
    """Record a change of an evidence item in the audit trail, filed under the item and its criterion."""
    record_change(
        session,
        action=action,
        object_type="evidence",
        object_id=ev.id,
        field=ev.indicator_code,
        old=old,
        new=new,
        reason=reason,
        actor=actor,
        at=at,
    )


def _check_details(
    document_number: str, document_date: date | None, summary: str, *, has_files: bool, now: datetime
) -> None:
    """Refuse evidence with no number, a date after today (province time), or neither file nor explanation.

    Provinces accept a written explanation when no document exists; the summary field holds it.
    """
    problems = text_problems(document_number, field="document_number", max_chars=120) + text_problems(
        summary, field="summary", max_chars=4000
    )
    if not document_number.strip():
        problems.append(Problem("Thiếu số hiệu văn bản", "Missing document number", field="document_number"))
    today = clock.to_local(now).date()
    if document_date is not None and document_date > today:
        problems.append(
            Problem(
                f"Ngày văn bản {document_date:%d/%m/%Y} ở tương lai (hôm nay {today:%d/%m/%Y})",
                f"The document date {document_date.isoformat()} is in the future (today {today.isoformat()})",
                field="document_date",
            )
        )
    if not has_files and not summary.strip():
        problems.append(
            Problem(
                "Cần tệp minh chứng hoặc lời giải trình (khi không có văn bản)",
                "Attach a file, or write an explanation when no document exists",
                field="summary",
            )
        )
    if problems:
        raise InvalidInput(
            "Thông tin minh chứng chưa hợp lệ; chưa lưu gì",
            "The evidence details are not valid; nothing saved",
            problems,
        )


def update_evidence(
    session: Session,
    *,
    evidence_id: int,
    document_number: str,
    document_date: date | None,
    summary: str,
    files: Sequence[tuple[str, bytes]] = (),
    actor: Actor,
    now: datetime | None = None,
) -> Evidence:
    """Correct an evidence item before submission (number, date, summary) and add files; audited.

    Raises:
        InvalidInput: the details are not valid (see `add_evidence`), or a file is refused.
        Conflict: the submission is no longer draft or returned.
    """
    now = now or clock.now()
    ev = _evidence_to_edit(session, evidence_id=evidence_id, actor=actor)
    has_files = bool(files) or bool(ev.files)
    _check_details(document_number, document_date, summary, has_files=has_files, now=now)
    kinds = [check_upload(name, data) for name, data in files]
    old = {"document_number": ev.document_number, "document_date": ev.document_date, "summary": ev.summary}
    ev.document_number, ev.document_date, ev.summary = document_number.strip(), document_date, summary.strip()
    new: dict[str, object] = {
        "document_number": ev.document_number,
        "document_date": ev.document_date,
        "summary": ev.summary,
    }
    for (name, data), kind in zip(files, kinds, strict=True):
        _attach(session, evidence=ev, filename=name, data=data, kind=kind, actor=actor, now=now)
    if files:
        new["files"] = [name for name, _ in files]
    _record(
        session,
        ev,
        action="evidence.update",
        old={k: v for k, v in old.items() if new.get(k) != v},
        new={k: v for k, v in new.items() if old.get(k) != v},
        actor=actor,
        at=now,
    )
    session.flush()
    return ev


def _attach(
    session: Session,
    *,
    evidence: Evidence,
    filename: str,
    data: bytes,
    kind: str,
    actor: Actor,
    now: datetime,
) -> EvidenceFile:
    record = EvidenceFile(
        evidence_id=evidence.id, **stored_file(check_filename(filename), data, kind, actor=actor, at=now)
    )
    session.add(record)
    session.flush()
    return record


def _evidence_submission(session: Session, *, evidence_id: int) -> tuple[Evidence, Submission]:
    ev = session.get(Evidence, evidence_id)
    if ev is None:
        raise NotFound(f"Không có minh chứng {evidence_id}", f"No evidence {evidence_id}")
    sub = session.get(Submission, ev.submission_id)
    assert sub is not None
    return ev, sub


def _evidence_to_edit(session: Session, *, evidence_id: int, actor: Actor) -> Evidence:
    """Return an evidence item the actor may edit now (their submission, still draft or returned)."""
    ev, sub = _evidence_submission(session, evidence_id=evidence_id)
    check_can_edit(session, actor=actor, submission=sub)
    _editable(sub)
    return ev


def attach_file(
    session: Session,
    *,
    evidence_id: int,
    filename: str,
    data: bytes,
    actor: Actor,
    now: datetime | None = None,
) -> EvidenceFile:
    """Add one more file to an existing evidence item."""
    now = now or clock.now()
    ev = _evidence_to_edit(session, evidence_id=evidence_id, actor=actor)
    kind = check_upload(filename, data)
    record = _attach(session, evidence=ev, filename=filename, data=data, kind=kind, actor=actor, now=now)
    new = {"file": record.filename, "sha256": record.sha256}
    _record(session, ev, action="evidence.attach", new=new, actor=actor, at=now)
    return record


def delete_evidence(
    session: Session,
    *,
    evidence_id: int,
    actor: Actor,
    reason: str | None = None,
    action: str = "evidence.delete",
) -> None:
    """Remove an evidence item from a draft or returned submission (the stored bytes stay, shared).

    `action` names the audit entry: "evidence.withdraw" when the reporter withdraws it from the form.
    """
    ev = _evidence_to_edit(session, evidence_id=evidence_id, actor=actor)
    old = {"document_number": ev.document_number, "files": [f.filename for f in ev.files]}
    session.delete(ev)
    session.flush()
    _record(session, ev, action=action, old=old, reason=reason, actor=actor, at=None)


def withdraw_evidence(
    session: Session, *, evidence_id: int, actor: Actor, now: datetime | None = None
) -> Evidence:
    """Withdraw an evidence item before submission: hidden from the form, kept for its history; audited.

    Raises:
        Conflict: the submission is no longer draft or returned, or the item was already withdrawn.
    """
    now = now or clock.now()
    ev = _evidence_to_edit(session, evidence_id=evidence_id, actor=actor)
    if ev.withdrawn_at is not None:
        raise Conflict(
            f"Minh chứng {ev.document_number} đã được rút trước đó",
            f"The evidence {ev.document_number} was already withdrawn",
        )
    ev.withdrawn_at = now
    old = {"document_number": ev.document_number, "files": [f.filename for f in ev.files]}
    _record(session, ev, action="evidence.withdraw", old=old, actor=actor, at=now)
    return ev


def get_evidence_file(session: Session, *, file_id: int, actor: Actor) -> tuple[EvidenceFile, Path, str]:
    """Return a stored file's record, its path on disk and its media type, checking the actor may read it."""
    record = session.get(EvidenceFile, file_id)
    if record is None:
        raise NotFound(f"Không có tệp {file_id}", f"No file {file_id}")
    _ev, sub = _evidence_submission(session, evidence_id=record.evidence_id)
    check_can_read(session, actor=actor, submission=sub)
    path = upload_path(record.sha256)
    if not path.exists():
        raise NotFound(
            f"Tệp {record.filename} không còn trên đĩa", f"The file {record.filename} is missing on disk"
        )
    return record, path, ALLOWED_TYPES[record.file_type][0]


def list_evidence(session: Session, *, submission: Submission) -> list[Evidence]:
    """List a submission's evidence items in the order they were added."""
    return list(
        session.scalars(
            select(Evidence)
            .where(Evidence.submission_id == submission.id, Evidence.withdrawn_at.is_(None))
            .order_by(Evidence.id)
        )
    )
