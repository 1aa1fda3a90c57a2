"""The decision form's checks: every wrong field named in both languages, lists one line each, and a
number is 1-6 digits whatever else is typed."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.errors import InvalidInput
from chiso.reports.document_form import DocumentFields, fields_of, parse_document

GOOD = DocumentFields(
    number="125",
    issued_on="2026-07-15",
    place="Đà Nẵng",
    issuing_body="ỦY BAN NHÂN DÂN\r\nTHÀNH PHỐ ĐÀ NẴNG",
    summary="Về việc công bố   kết quả\nxếp hạng",
    recipients="Như Điều 3;\n\n  Lưu: VT.  ",
    signer_name="Nguyễn Văn Hùng",
)


def test_a_filled_form_gives_the_document() -> None:
    doc = parse_document(GOOD)
    assert doc.number == "125" and doc.issued_on == date(2026, 7, 15)
    assert doc.issuing_body == "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ ĐÀ NẴNG"
    assert doc.summary == "Về việc công bố kết quả xếp hạng"
    assert doc.recipients == ["Như Điều 3;", "Lưu: VT."]
    assert doc.signature.authority == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]
    assert parse_document(fields_of(doc)) == doc, "the form shows a document as it would send it back"


def test_an_unchecked_summary_box_leaves_the_summary_out() -> None:
    assert parse_document(GOOD).include_narrative is False  # a form without the box's field
    assert parse_document(GOOD.model_copy(update={"include_narrative": True})).include_narrative is True


def test_a_draft_leaves_number_and_date_empty() -> None:
    doc = parse_document(GOOD.model_copy(update={"number": " ", "issued_on": ""}))
    assert doc.number is None and doc.issued_on is None


def test_every_wrong_field_is_named_in_both_languages() -> None:
    bad = GOOD.model_copy(
        update={
            "number": "12/QĐ",
            "symbol": "qđ ubnd",
            "issued_on": "31/02/2026",
            "signer_name": " ",
            "recipients": "\n",
            "summary": "",
        }  # fmt: skip
    )
    with pytest.raises(InvalidInput) as caught:
        parse_document(bad)
    fields = [p.field for p in caught.value.problems]
    assert sorted(fields) == sorted(["number", "symbol", "issued_on", "signer_name", "recipients", "summary"])
    for problem in caught.value.problems:
        assert problem.message_vi and problem.message_en and problem.message_vi != problem.message_en
    assert "6 lỗi" in caught.value.message_vi and "6 errors" in caught.value.message_en


@given(st.text(max_size=10))
def test_a_number_is_one_to_six_digits(number: str) -> None:
    fields = GOOD.model_copy(update={"number": number})
    wanted = number.strip()
    if not wanted or (wanted.isascii() and wanted.isdigit() and len(wanted) <= 6):
        assert parse_document(fields).number == (wanted or None)
    else:
        with pytest.raises(InvalidInput) as caught:
            parse_document(fields)
        assert [p.field for p in caught.value.problems] == ["number"]
