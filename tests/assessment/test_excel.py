"""Excel round-trip: prefilled template, validation, hidden ids; uploads all-or-nothing; bulk import."""

from __future__ import annotations

import io

import pytest
from assess_helpers import FULL_VALUES
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import bulk, excel, submissions
from chiso.assessment.audit import list_audit
from chiso.errors import InvalidInput, PermissionDenied

P = "DNG-2026"


def fill(data: bytes, edits: dict[str, dict[str, object]]) -> bytes:
    """Type values into a downloaded template the way a person would in Excel."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.FORM_SHEET]
    for row in sheet.iter_rows(min_row=excel.HEADER_ROW + 1):
        code = row[excel.COL["code"]].value
        for key, value in edits.get(code, {}).items():
            row[excel.COL[key]].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


AS_TYPED = {code: dict(v) for code, v in FULL_VALUES.items()}
AS_TYPED["HT_MANG"] = {"value": "Có"}
AS_TYPED["CS_KE_HOACH"] = {"value": "Không"}


def test_template_is_prefilled_with_validation_and_hidden_ids(db: Session, province, open_period) -> None:
    open_period()
    submissions.save_draft(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        values={"HT_MANG": {"value": 1}, "HT_ATTT": {"value": 4}},
        actor=SYSTEM,
    )
    data = excel.build_template(db, period_code=P, agency_code="DNG.SO.A", actor=province.users["baocao.a"])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [excel.FORM_SHEET, excel.GUIDE_SHEET, excel.META_SHEET]
    assert book[excel.META_SHEET].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in book[excel.META_SHEET].iter_rows(values_only=True)}
    assert meta["period_code"] == P and meta["agency_code"] == "DNG.SO.A"
    sheet = book[excel.FORM_SHEET]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=excel.HEADER_ROW + 1, values_only=True)}
    assert rows["HT_MANG"][excel.COL["value"]] == "Có" and rows["HT_ATTT"][excel.COL["value"]] == 4
    assert "XH_TAI_KHOAN" not in rows  # does not apply to a department
    lists = [dv.formula1 for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert '"Có,Không"' in lists
    with pytest.raises(PermissionDenied):
        excel.build_template(db, period_code=P, agency_code="DNG.SO.A", actor=province.users["baocao.b"])


def test_round_trip_saves_every_value(db: Session, province, open_period) -> None:
    open_period()
    user = province.users["baocao.a"]
    blank = excel.build_template(db, period_code=P, agency_code="DNG.SO.A", actor=user)
    report = excel.upload_template(
        db, period_code=P, agency_code="DNG.SO.A", data=fill(blank, AS_TYPED), actor=user
    )
    assert report.saved and sorted(report.changed) == sorted(FULL_VALUES)
    assert all(r.ok for r in report.rows)
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=SYSTEM)
    assert view.missing == []
    # downloading again and uploading unchanged changes nothing
    again = excel.build_template(db, period_code=P, agency_code="DNG.SO.A", actor=user)
    assert (
        excel.upload_template(db, period_code=P, agency_code="DNG.SO.A", data=again, actor=user).changed == []
    )


def test_any_bad_row_saves_nothing_and_each_row_is_reported(db: Session, province, open_period) -> None:
    open_period()
    blank = excel.build_template(db, period_code=P, agency_code="DNG.SO.A", actor=SYSTEM)
    edits = {
        **AS_TYPED,
        "HT_MANG": {"value": "Hmm"},
        "DVC_DUNG_HAN": {"numerator": 7, "denominator": 5},
        "HT_MAY_TINH": {"value": 1.5},
    }
    with pytest.raises(InvalidInput) as err:
        excel.upload_template(
            db, period_code=P, agency_code="DNG.SO.A", data=fill(blank, edits), actor=SYSTEM
        )
    located = sorted((p.field, p.column) for p in err.value.problems)
    assert located == [("DVC_DUNG_HAN", "G"), ("HT_MANG", "F"), ("HT_MAY_TINH", "F")]
    assert all(p.row and p.row > excel.HEADER_ROW for p in err.value.problems)
    assert list_audit(db, object_type="submission_value") == []


def test_template_of_another_agency_or_period_is_refused(db: Session, province, open_period) -> None:
    open_period()
    open_period(code="DNG-2026B", actor=SYSTEM)
    other_agency = excel.build_template(db, period_code=P, agency_code="DNG.SO.B", actor=SYSTEM)
    with pytest.raises(InvalidInput, match="DNG.SO.B"):
        excel.upload_template(db, period_code=P, agency_code="DNG.SO.A", data=other_agency, actor=SYSTEM)
    other_period = excel.build_template(db, period_code="DNG-2026B", agency_code="DNG.SO.A", actor=SYSTEM)
    with pytest.raises(InvalidInput, match="DNG-2026B"):
        excel.upload_template(db, period_code=P, agency_code="DNG.SO.A", data=other_period, actor=SYSTEM)
    with pytest.raises(InvalidInput, match="not an .xlsx"):
        excel.upload_template(
            db, period_code=P, agency_code="DNG.SO.A", data=b"%PDF-1.4 not excel", actor=SYSTEM
        )


def bulk_csv(rows: list[tuple]) -> bytes:
    lines = ["agency_code,indicator_code,value,numerator,denominator"]
    lines += [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def test_bulk_import_is_all_or_nothing(db: Session, province, open_period) -> None:
    open_period()
    rows = [
        ("DNG.SO.A", "HT_MANG", 1, None, None),
        ("DNG.SO.B", "DVC_DUNG_HAN", None, 3, 4),
        ("DNG.PX.1", "XH_TAI_KHOAN", 0.5, None, None),
    ]
    bad = [
        *rows,
        ("DNG.SO.B", "HT_MANG", "maybe", None, None),
        ("NOPE", "HT_MANG", 1, None, None),
        ("DNG.SO.A", "HT_MANG", 0, None, None),
        ("DNG.SO.A", "XH_TAI_KHOAN", 0.5, None, None),
    ]
    with pytest.raises(InvalidInput) as err:
        bulk.bulk_import_values(db, period_code=P, data=bulk_csv(bad), filename="all.csv", actor=SYSTEM)
    assert sorted(p.row for p in err.value.problems) == [5, 6, 7, 8]
    assert list_audit(db, object_type="submission_value") == []
    with pytest.raises(PermissionDenied):
        bulk.bulk_import_values(
            db, period_code=P, data=bulk_csv(rows), filename="all.csv", actor=province.users["baocao.a"]
        )
    result = bulk.bulk_import_values(
        db, period_code=P, data=bulk_csv(rows), filename="all.csv", actor=province.users["vanthu"]
    )
    assert result == {"rows": 3, "agencies": 3, "values": 3, "changed": 3}
    assert (
        bulk.bulk_import_values(db, period_code=P, data=bulk_csv(rows), filename="all.csv", actor=SYSTEM)[
            "changed"
        ]
        == 0
    )
