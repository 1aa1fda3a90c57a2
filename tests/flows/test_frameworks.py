"""The frameworks flow: import from the annex, edits checked as the annex is, versions frozen by periods.

A library in a temporary data directory; the period comes from the small province (tests/assess_fixtures.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.assessment.submissions import period_form
from chiso.errors import InvalidInput, PermissionDenied
from chiso.flows import frameworks as flow
from chiso.frameworks import Framework, load_framework
from chiso.frameworks.columns import BAND_COLUMNS, NODE_COLUMNS, SETTINGS_SHEET_COLUMNS
from chiso.frameworks.excel import read_framework_xlsx, template_framework, write_framework_xlsx
from chiso.frameworks.table import (
    BANDS_SHEET,
    CRITERIA_SHEET,
    SETTINGS_SHEET,
    FrameworkTables,
)
from chiso.store.models import User
from chiso.store.models.assessment import AssessmentPeriod
from chiso.store.models.audit import AuditEntry


@pytest.fixture(autouse=True)
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path))
    return tmp_path / "frameworks"


def _xlsx(framework: Framework) -> bytes:
    buffer = io.BytesIO()
    write_framework_xlsx(framework, buffer)
    return buffer.getvalue()


def _tables_xlsx(tables: FrameworkTables) -> bytes:
    """Write tables as a workbook the way the exporter does, keeping cells the checks will refuse."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, columns, rows in (
        (CRITERIA_SHEET, NODE_COLUMNS, tables.criteria),
        (SETTINGS_SHEET, SETTINGS_SHEET_COLUMNS, tables.settings),
        (BANDS_SHEET, BAND_COLUMNS, tables.bands),
    ):
        sheet = book.add_worksheet(name)
        for col, column in enumerate(columns):
            sheet.write(0, col, column.header)
        for row in rows:
            for col, column in enumerate(columns):
                value = row.cells.get(column.key)
                if value is not None:
                    sheet.write(row.number - 1, col, value)
    book.close()
    return buffer.getvalue()


def _secretariat(db: Session) -> User:
    user = db.scalar(select(User).where(User.role == "secretariat"))
    assert user is not None
    return user


def _imported(db: Session, framework_id: str) -> Framework:
    framework = template_framework().model_copy(update={"id": framework_id, "family": framework_id})
    sha = flow.stage_upload(filename="phu-luc.xlsx", data=_xlsx(framework))
    dry = flow.import_staged(db, sha256=sha, filename="phu-luc.xlsx", dry_run=True, actor=_secretariat(db))
    assert dry.status == "dry_run" and not dry.problems
    assert not any(flow.library_dir().glob("*.yaml"))  # a dry run writes nothing
    done = flow.import_staged(db, sha256=sha, filename="phu-luc.xlsx", dry_run=False, actor=_secretariat(db))
    assert done.status == "created" and done.ref == f"{framework_id}@2026.1"
    return flow.get_framework(done.ref)


def test_import_then_export_gives_the_same_framework(db: Session, province: object) -> None:
    framework = _imported(db, "wt-flow-a")
    assert read_framework_xlsx(flow.framework_xlsx(framework)).content_hash() == framework.content_hash()
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "framework.import")) is not None


def test_a_bad_workbook_names_every_problem_and_saves_nothing(db: Session, province: object) -> None:
    framework = template_framework().model_copy(update={"id": "wt-flow-bad"})
    tables = flow.edited_tables(framework, {"c3:max_points": "mười", "c4:target": "-1"})  # two bad cells
    sha = flow.stage_upload(filename="hong.xlsx", data=_tables_xlsx(tables))
    outcome = flow.import_staged(db, sha256=sha, filename="hong.xlsx", dry_run=False, actor=_secretariat(db))
    assert outcome.status is None and outcome.ref is None
    located = {(p.row, p.column) for p in outcome.problems}
    assert (3, "max_points") in located and (4, "target") in located
    assert not flow.library_dir().exists() or not any(flow.library_dir().glob("*.yaml"))
    with pytest.raises(InvalidInput):
        flow.stage_upload(filename="phu-luc.xlsx", data=b"%PDF-1.4 not a workbook")


def test_an_edit_is_checked_and_a_used_version_is_frozen(
    db: Session, open_period: Callable[..., AssessmentPeriod]
) -> None:
    framework = _imported(db, "wt-flow-c")
    ref = f"{framework.id}@{framework.version}"
    actor = _secretariat(db)
    # a leaf's points alone: its pillar no longer adds up, named on the pillar's row
    _, problems = flow.check_edit(framework, {"c3:max_points": "12"})
    assert [flow.problem_field(p, flow.edited_tables(framework, {})) for p in problems] == ["c2"]
    # moved between two criteria of one pillar: sound, and saved in place while no period uses it
    moved = {"c3:max_points": "12", "c6:max_points": "3"}
    assert flow.check_edit(framework, moved)[1] == []
    assert flow.save_edit(db, ref=ref, posted=moved, actor=actor) == ref
    assert flow.get_framework(ref).node("NTS_KE_HOACH").max_points == 12
    with pytest.raises(PermissionDenied):
        flow.save_edit(
            db, ref=ref, posted=moved, actor=db.scalar(select(User).where(User.role == "reporter"))
        )

    period = open_period("WT-FW-2026", framework_id=framework.id)
    assert period.framework_id == ref  # pinned: a newer version never changes the period's framework
    assert period_form(period).framework_version == "2026.1"
    summary = flow.summary_of(db, flow.get_framework(ref))
    assert summary.frozen and [p.code for p in summary.periods] == ["WT-FW-2026"]

    again = {"c3:max_points": "10", "c6:max_points": "5", "s:name_vi": "Bộ chỉ số 2026, sửa lần 2"}
    saved = flow.save_edit(db, ref=ref, posted=again, actor=actor)
    assert saved == f"{framework.id}@2026.2"
    assert load_framework(ref, directory=flow.library_dir()).node("NTS_KE_HOACH").max_points == 12  # kept
    assert flow.get_framework(saved).name_vi == "Bộ chỉ số 2026, sửa lần 2"
    comparison = flow.compare(framework.id, "2026.1", "2026.2")
    assert {c.code for c in comparison.changes if c.kind == "reweighted"} == {"NTS_KE_HOACH", "NTS_SANG_KIEN"}


def test_an_edit_of_a_builtin_is_a_new_version_of_the_library(db: Session, province: object) -> None:
    builtin = flow.get_framework("danang-it")
    assert flow.saves_as_new_version(flow.summary_of(db, builtin))
    expected = f"danang-it@{flow.next_version(builtin)}"
    saved = flow.save_edit(db, ref="danang-it", posted={"s:decision": "QĐ thử"}, actor=_secretariat(db))
    assert saved == expected
    assert flow.get_framework("danang-it").content_hash() == builtin.content_hash()  # the built-in is kept
    assert flow.get_framework(saved).decision == "QĐ thử"
