"""Plan items as Excel: export, edit, import again (all or nothing, bad cells named by row and column); a
title that looks like a formula stays text."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput, PermissionDenied
from chiso.followup import plans, plans_excel
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import PlanItem
from chiso.store.models.users import User
from chiso.units.text import fold


def _agency(s: Session, code: str) -> Agency:
    agency = Agency(
        code=code, name_vi="Sở Thử", name_ascii=fold("Sở Thử"), kind="department", province_code="48"
    )
    s.add(agency)
    s.flush()
    return agency


def _item(s: Session, code: str, title: str) -> PlanItem:
    return plans.create_item(
        s,
        actor=SYSTEM,
        data=plans.PlanItemIn(
            agency_code=code,
            title=title,
            indicator="metric:TIMELINESS",
            owner="Văn phòng Sở",
            start_on=date(2026, 2, 1),
            due_on=date(2026, 6, 30),
            budget=120,
        ),
    )


def _rows(data: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _book(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_export_then_import_updates_and_adds_items(db: Session) -> None:
    _agency(db, "FU.P1")
    item = _item(db, "FU.P1", "Số hóa hồ sơ một cửa")
    rows = _rows(plans_excel.export_plans(db, agency_code="FU.P1"))
    assert rows[0] == plans_excel.COLUMNS
    assert rows[1][:4] == [item.id, "FU.P1", "item", "Số hóa hồ sơ một cửa"]
    rows[1][7] = "2026-09-30"  # move the due date
    rows.append(
        [None, "FU.P1", "project", "Nâng cấp Cổng DVC", None, "TT CNTT", "2026-03-01", "2026-11-30", 2500]
    )
    counts = plans_excel.import_plans(db, data=_book(rows), filename="ke-hoach.xlsx", actor=SYSTEM)
    assert counts == {"added": 1, "updated": 1}
    db.refresh(item)
    assert item.due_on == date(2026, 9, 30) and item.status == "planned"
    titles = db.scalars(select(PlanItem.title).where(PlanItem.kind == "project"))
    assert list(titles) == ["Nâng cấp Cổng DVC"]


def test_a_bad_workbook_saves_nothing_and_names_each_cell(db: Session) -> None:
    _agency(db, "FU.P2")
    before = db.scalar(select(func.count(PlanItem.id)))
    book = _book(
        [
            plans_excel.COLUMNS,
            [None, "FU.P2", "item", "Một", None, "", "2026-01-10", "2026-02-10"],
            [None, "FU.P2", "task", "Hai", None, "", "2026-01-10", "ngày mai"],
        ]
    )
    with pytest.raises(InvalidInput) as caught:
        plans_excel.import_plans(db, data=book, filename="ke-hoach.xlsx", actor=SYSTEM)
    where = {(p.row, p.column) for p in caught.value.problems}
    assert where == {(3, "kind"), (3, "due_on")}
    assert all(p.file == "ke-hoach.xlsx" for p in caught.value.problems)
    assert db.scalar(select(func.count(PlanItem.id))) == before


def test_an_unknown_agency_is_named_with_its_row(db: Session) -> None:
    book = _book(
        [plans_excel.COLUMNS, [None, "KHONG.CO", "item", "Một", None, "", "2026-01-10", "2026-02-10"]]
    )
    with pytest.raises(InvalidInput) as caught:
        plans_excel.import_plans(db, data=book, filename="kh.xlsx", actor=SYSTEM)
    assert caught.value.problems[0].row == 2 and "KHONG.CO" in str(caught.value)


def test_a_reporter_imports_only_their_own_agency(db: Session) -> None:
    own, other = _agency(db, "FU.P3"), _agency(db, "FU.P4")
    reporter = User(
        username="fu_rep_p", full_name="Báo cáo", role="reporter", agency_id=own.id, is_active=True
    )
    book = _book(
        [plans_excel.COLUMNS, [None, other.code, "item", "Một", None, "", "2026-01-10", "2026-02-10"]]
    )
    with pytest.raises(PermissionDenied):
        plans_excel.import_plans(db, data=book, filename="kh.xlsx", actor=reporter)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["=", "+", "-", "@"]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=20),
)
def test_a_title_that_looks_like_a_formula_stays_text(db: Session, start: str, rest: str) -> None:
    nested = db.begin_nested()
    try:
        _agency(db, "FU.P5")
        title = (start + rest).strip()
        _item(db, "FU.P5", title)
        data = plans_excel.export_plans(db, agency_code="FU.P5")
        cell = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]["D2"]
        assert cell.data_type == "s" and cell.value == title
    finally:
        nested.rollback()
