"""The decision's details as a form: the fields a secretary fills in, checked into a `DocumentInfo`.

Domain layer (reports room): plain strings in, a DocumentInfo or one InvalidInput naming every wrong
field in Vietnamese and English out; nothing from web or flows. The web keeps what was typed and shows
the problems beside the form; the CLI takes the same details as options or a JSON file.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict

from chiso import clock
from chiso.errors import InvalidInput, Problem
from chiso.reports.schemas import DocumentInfo, SignatureBlock

NUMBER = re.compile(r"^[0-9]{1,6}\Z")
SYMBOL = re.compile(r"^[0-9A-ZĐ][0-9A-ZĐ.\-]{0,29}\Z")


class DocumentFields(BaseModel):
    """The form as typed (every field text; lists one line each), kept as is when it is sent back."""

    model_config = ConfigDict(extra="ignore")

    number: str = ""
    symbol: str = "QĐ-UBND"
    issued_on: str = ""
    place: str = ""
    issuing_body: str = ""
    superior_body: str = ""
    summary: str = ""
    authority: str = ""
    bases: str = ""
    proposal: str = ""
    recipients: str = ""
    signer_authority: str = "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH"
    signer_title: str = "PHÓ CHỦ TỊCH"
    signer_name: str = ""
    include_narrative: bool = False  # an unchecked box sends nothing


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


def fields_of(document: DocumentInfo) -> DocumentFields:
    """Return a document's details as the form shows them (to prefill it)."""
    return DocumentFields(
        number=document.number or "",
        symbol=document.symbol,
        issued_on="" if document.issued_on is None else f"{document.issued_on:%d/%m/%Y}",
        place=document.place,
        issuing_body=document.issuing_body,
        superior_body=document.superior_body or "",
        summary=document.summary,
        authority=document.authority or "",
        bases="\n".join(document.bases),
        proposal=document.proposal or "",
        recipients="\n".join(document.recipients),
        signer_authority="\n".join(document.signature.authority),
        signer_title=document.signature.title,
        signer_name="" if document.signature.name == "…" else document.signature.name,
        include_narrative=document.include_narrative,
    )


def _problem(field: str, vi: str, en: str) -> Problem:
    return Problem(vi, en, field=field)


def _check(fields: DocumentFields) -> tuple[date | None, list[Problem]]:
    problems = []
    required = {
        "issuing_body": ("cơ quan ban hành", "issuing body"),
        "place": ("địa danh", "place"),
        "summary": ("trích yếu", "summary"),
        "signer_title": ("chức vụ người ký", "signer's title"),
        "signer_name": ("họ tên người ký", "signer's name"),
    }
    for name, (vi, en) in required.items():
        if not getattr(fields, name).strip():
            problems.append(_problem(name, f"Cần nhập {vi}", f"The {en} is required"))
    if fields.number.strip() and not NUMBER.match(fields.number.strip()):
        problems.append(_problem("number", f"Số văn bản phải gồm 1-6 chữ số, không phải '{fields.number}'",
                                 f"The number must be 1-6 digits, not '{fields.number}'"))  # fmt: skip
    if not SYMBOL.match(fields.symbol.strip()):
        problems.append(_problem("symbol", f"Ký hiệu không hợp lệ: '{fields.symbol}' (ví dụ QĐ-UBND)",
                                 f"Not a document symbol: '{fields.symbol}' (e.g. QĐ-UBND)"))  # fmt: skip
    issued = None
    if fields.issued_on.strip():
        issued = clock.parse_day(fields.issued_on)
        if issued is None:
            problems.append(_problem("issued_on", f"Ngày ban hành không hợp lệ: '{fields.issued_on}'",
                                     f"Not a date: '{fields.issued_on}' (dd/mm/yyyy)"))  # fmt: skip
    if not _lines(fields.recipients):
        problems.append(_problem("recipients", "Cần ít nhất một nơi nhận (mỗi dòng một nơi)",
                                 "At least one recipient is required (one per line)"))  # fmt: skip
    for name in ("summary", "issuing_body", "signer_name", "place"):
        if len(getattr(fields, name)) > 600:
            problems.append(_problem(name, "Quá dài (tối đa 600 ký tự)", "Too long (600 characters at most)"))
    return issued, problems


def parse_document(fields: DocumentFields) -> DocumentInfo:
    """Check the form and return the document's details.

    Raises:
        InvalidInput: one problem per wrong field (its name in `field`), in Vietnamese and English.
    """
    issued, problems = _check(fields)
    if problems:
        raise InvalidInput(
            f"Biểu mẫu có {len(problems)} lỗi; hãy sửa rồi tạo lại",
            f"The form has {len(problems)} errors; correct them and generate again",
            problems,
        )
    return DocumentInfo(
        superior_body=fields.superior_body.strip() or None,
        issuing_body=fields.issuing_body.strip().replace("\r", ""),
        number=fields.number.strip() or None,
        symbol=fields.symbol.strip(),
        place=fields.place.strip(),
        issued_on=issued,
        summary=" ".join(fields.summary.split()),
        authority=fields.authority.strip() or None,
        bases=_lines(fields.bases),
        proposal=fields.proposal.strip() or None,
        include_narrative=fields.include_narrative,
        recipients=_lines(fields.recipients),
        signature=SignatureBlock(
            authority=_lines(fields.signer_authority),
            title=fields.signer_title.strip(),
            name=fields.signer_name.strip(),
        ),
    )
