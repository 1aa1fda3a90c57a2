"""Audit: every change recorded with who/when/old/new/why; browse with filters; export CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from assess_helpers import later
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.accounts.audit import record_change
from chiso.assessment import audit, bulk, submissions
from chiso.errors import InvalidInput

P = "DNG-2026"


def test_browse_filters_and_export(db: Session, province, open_period) -> None:
    open_period()
    user = province.users["baocao.a"]
    submissions.save_draft(
        db, period_code=P, agency_code="DNG.SO.A", values={"HT_MANG": {"value": 1}}, actor=user, now=later(1)
    )
    submissions.save_draft(
        db, period_code=P, agency_code="DNG.SO.A", values={"HT_MANG": {"value": 0}}, actor=user, now=later(2)
    )
    mine = audit.list_audit(db, username="baocao.a")
    assert [r.action for r in mine] == ["value.update", "value.set"]
    assert '"value": 1.0' in (mine[0].old_value or "") and '"value": 0.0' in (mine[0].new_value or "")
    assert audit.count_audit(db, action="value.") == 2
    assert audit.list_audit(db, since=later(1.5), action="value.")[0].at == later(2)
    data = audit.export_audit(db, fmt="csv", action="value.").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [r["action"] for r in rows] == ["value.set", "value.update"] and rows[0]["username"] == "baocao.a"
    book = load_workbook(io.BytesIO(audit.export_audit(db, fmt="xlsx")))
    assert book.active["A1"].value == "id" and book.active.max_row == audit.count_audit(db) + 1
    with pytest.raises(InvalidInput):
        audit.export_audit(db, fmt="pdf")


def test_a_crash_mid_import_leaves_nothing_written(
    db: Session, province, open_period, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_period()
    before = audit.count_audit(db)
    calls = {"n": 0}
    real = bulk.save_draft

    def crash_on_second(*args, **kwargs):  # the machine dies after the first agency was written
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "save_draft", crash_on_second)
    data = b"agency_code,indicator_code,value\nDNG.SO.A,HT_MANG,1\nDNG.SO.B,HT_MANG,1\n"
    savepoint = db.begin_nested()  # what the CLI's and the web's one transaction per command/request do
    with pytest.raises(RuntimeError):
        bulk.bulk_import_values(db, period_code=P, data=data, filename="all.csv", actor=SYSTEM)
    savepoint.rollback()
    assert calls["n"] == 2 and audit.count_audit(db) == before
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=SYSTEM)
    assert all(f.value is None for s in view.sections for f in s.fields)


def test_exports_keep_formula_like_text_as_text(db: Session, province, open_period) -> None:
    open_period()
    reason = '=HYPERLINK("http://evil.example","bấm vào đây")'
    record_change(
        db,
        action="value.update",
        object_type="submission_value",
        object_id=1,
        reason=reason,
        new=-2.5,
        actor=SYSTEM,
    )
    rows = list(csv.DictReader(io.StringIO(audit.export_audit(db, fmt="csv").decode("utf-8-sig"))))
    assert rows[-1]["reason"] == "'" + reason  # Excel shows the text and never runs it
    sheet = load_workbook(io.BytesIO(audit.export_audit(db, fmt="xlsx"))).active
    last = [c.value for c in sheet[sheet.max_row]]
    assert reason in last  # a string cell: openpyxl would read a formula cell's text the same, so check type
    cell = sheet.cell(row=sheet.max_row, column=last.index(reason) + 1)
    assert cell.data_type == "s"
