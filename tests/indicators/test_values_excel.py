"""The department's template: prefilled with last period and the target, imported back all or nothing,
outliers listed until confirmed, problems named by file, sheet, row and column."""

from __future__ import annotations

import io

import pytest
from indicator_values_support import (
    COMMUNES,
    OWNER,
    PROVINCE,
    add_history,
    add_indicator,
    add_target,
    add_units,
    stored,
)
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput
from chiso.indicators.entry import get_entry_sheet
from chiso.indicators.values_excel import import_values, write_template

QUARTERS = [f"{y}-Q{q}" for y in (2022, 2023, 2024) for q in (1, 2, 3, 4)]


@pytest.fixture
def site(db: Session) -> Session:
    add_units(db)
    add_indicator(db, "VT_PCT")
    add_indicator(db, "VT_HH", value_type="count", level="commune", outlier_sd=None, unit="hộ")
    add_history(db, "VT_PCT", PROVINCE, QUARTERS, [50, 52, 49, 51, 50, 48, 53, 50, 51, 49, 50, 52])
    add_target(db, "VT_PCT", 2025, 60)
    return db


def _template(db: Session) -> bytes:
    return write_template([get_entry_sheet(db, agency_code=OWNER, period="2025-Q1", province_code=PROVINCE)])


def _fill(data: bytes, cells: dict[str, object]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_is_prefilled_with_last_period_and_the_target(site: Session) -> None:
    sheet = load_workbook(io.BytesIO(_template(site))).worksheets[0]
    assert sheet.title == f"{OWNER} 2025-Q1" and sheet["B1"].value == OWNER and sheet["B2"].value == "2025-Q1"
    header = [c.value for c in sheet[4]]
    assert header[0] == "Mã chỉ tiêu (indicator_code)" and header[7] == "Giá trị (value)"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert [(r[0], r[2]) for r in rows] == [
        ("VT_HH", COMMUNES[0]),
        ("VT_HH", COMMUNES[1]),
        ("VT_PCT", PROVINCE),
    ]
    assert rows[2][5:7] == [52, 60]  # 2024-Q4 and the 2025 target


def test_an_upload_is_imported_and_a_dry_run_saves_nothing(site: Session) -> None:
    data = _fill(_template(site), {"H5": 120, "H6": "1.234", "H7": "51,5"})
    preview = import_values(site, data=data, filename="so.xlsx", actor=SYSTEM, dry_run=True)
    assert (preview.dry_run, preview.created) == (True, 3) and stored(
        site, "VT_PCT", PROVINCE, "2025-Q1"
    ) is None
    report = import_values(site, data=data, filename="so.xlsx", actor=SYSTEM)
    row = stored(site, "VT_PCT", PROVINCE, "2025-Q1")
    assert report.created == 3 and row is not None and (row.value, row.channel) == (51.5, "excel")
    hh = stored(site, "VT_HH", COMMUNES[1], "2025-Q1")
    assert hh is not None and hh.value == 1234  # dots between groups of three are thousands


def test_bad_cells_are_named_by_file_sheet_row_and_column(site: Session) -> None:
    data = _fill(_template(site), {"H5": "nhiều", "H6": 2.5, "H7": 150})
    with pytest.raises(InvalidInput) as caught:
        import_values(site, data=data, filename="so.xlsx", actor=SYSTEM)
    where = [(p.file, p.row, p.column) for p in caught.value.problems]
    assert where == [(f"so.xlsx [{OWNER} 2025-Q1]", 5, "H")]  # reading problems first
    data = _fill(_template(site), {"H6": 2.5, "H7": 150, "C7": "99"})
    with pytest.raises(InvalidInput) as caught:
        import_values(site, data=data, filename="so.xlsx", actor=SYSTEM)
    where = sorted((p.row, p.column) for p in caught.value.problems)
    assert where == [(6, "H"), (7, "C"), (7, "H")]
    assert "không" in caught.value.problems[0].message_vi or caught.value.problems[0].message_en
    assert stored(site, "VT_HH", COMMUNES[1], "2025-Q1") is None


def test_an_outlier_needs_an_x_in_the_confirm_column(site: Session) -> None:
    data = _fill(_template(site), {"H7": 95})
    with pytest.raises(InvalidInput) as caught:
        import_values(site, data=data, filename="so.xlsx", actor=SYSTEM)
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (7, "J") and "Xác nhận" in problem.message_vi
    with pytest.raises(InvalidInput, match="Ghi rõ"):  # confirmed, but without a note
        import_values(site, data=_fill(data, {"J7": "x"}), filename="so.xlsx", actor=SYSTEM)
    report = import_values(
        site, data=_fill(data, {"J7": "x", "I7": "Cổng mới"}), filename="so.xlsx", actor=SYSTEM
    )
    row = stored(site, "VT_PCT", PROVINCE, "2025-Q1")
    assert report.created == 1 and row is not None and (row.status, row.note) == ("confirmed", "Cổng mới")


def test_a_file_that_is_not_a_workbook_is_refused(site: Session) -> None:
    with pytest.raises(InvalidInput, match="so.xlsx"):
        import_values(site, data=b"not a zip", filename="so.xlsx", actor=SYSTEM)
