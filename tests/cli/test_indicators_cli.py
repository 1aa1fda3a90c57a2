"""`chiso indicators import|export|list|template` through the real CLI against a temporary SQLite database."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from cli_support import run_cli
from sqlalchemy import select

from chiso.config import get_settings
from chiso.store import session_scope
from chiso.store.models.audit import AuditEntry

_run = run_cli


def _filled(template: Path, target: Path) -> None:
    book = openpyxl.load_workbook(template)
    book["thu_muc"].append(["DICH_VU_CONG", "Dịch vụ công trực tuyến", "Online public services", 1])
    sheet = book["chi_tieu"]
    header = [c.value for c in sheet[1]]
    rows = [
        {"code": "DVC_HS_TONG", "name_vi": "Tổng số hồ sơ tiếp nhận", "folder_code": "DICH_VU_CONG",
         "period_type": "month", "level": "commune"},
        {"code": "DVC_HS_TRUC_TUYEN", "name_vi": "Số hồ sơ nộp trực tuyến", "folder_code": "DICH_VU_CONG",
         "period_type": "month", "level": "commune"},
        {"code": "DVC_TL_TRUC_TUYEN", "name_vi": "Tỷ lệ hồ sơ trực tuyến", "folder_code": "DICH_VU_CONG",
         "period_type": "month", "source": "formula", "value_type": "percent", "aggregation": "none",
         "formula": "DVC_HS_TRUC_TUYEN / DVC_HS_TONG * 100"},
    ]  # fmt: skip
    for row in rows:
        sheet.append([row.get(name) for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    target.write_bytes(buffer.getvalue())


def test_template_import_dry_run_import_list_export(cli_env: Path) -> None:
    template, filled, exported = cli_env / "mau.xlsx", cli_env / "danh-muc.xlsx", cli_env / "xuat.xlsx"
    assert _run("indicators", "template", str(template))[0] == 0
    _filled(template, filled)
    code, out = _run("indicators", "import", str(filled), "--dry-run", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["dry_run"] and len(report["created"]) == 3 and report["folders_created"] == ["DICH_VU_CONG"]
    code, out = _run("indicators", "list", "--json")
    assert code == 0 and json.loads(out) == []  # the dry run saved nothing
    code, out = _run("indicators", "import", str(filled))
    assert code == 0 and "3" in out, out
    code, out = _run("indicators", "list", "--search", "truc tuyen", "--json")
    assert [r["code"] for r in json.loads(out)] == ["DVC_HS_TRUC_TUYEN", "DVC_TL_TRUC_TUYEN"]
    code, out = _run("indicators", "list")
    assert code == 0 and "3 chỉ tiêu" in out
    assert all(word in out for word in "Tỷ lệ hồ sơ trực tuyến".split())  # the name may fold over lines
    assert _run("indicators", "export", str(exported))[0] == 0
    code, out = _run("indicators", "import", str(exported), "--json")
    again = json.loads(out)
    assert (again["created"], again["updated"], again["unchanged"]) == ([], [], 3)
    with session_scope(get_settings().database_url) as session:
        actions = list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "indicator"))
        )
    assert actions == ["indicator.create"] * 3


def test_a_bad_workbook_names_row_and_column_and_exits_1(cli_env: Path) -> None:
    template, filled = cli_env / "mau.xlsx", cli_env / "sai.xlsx"
    assert _run("indicators", "template", str(template))[0] == 0
    book = openpyxl.load_workbook(template)
    book["chi_tieu"].append(["sai ma", "Tên"])
    book.save(filled)
    code, out = _run("indicators", "import", str(filled))
    assert code == 1 and "Traceback" not in out
    assert "dòng/row 2" in out and "A (code)" in out and "nothing saved" in out


def test_a_narrow_terminal_wraps_names_instead_of_cutting_them(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chiso.cli import common

    monkeypatch.setattr(common.console, "width", 80)
    template = tmp_path / "mau.xlsx"
    assert _run("indicators", "template", str(template))[0] == 0
    filled = tmp_path / "danh-muc.xlsx"
    _filled(template, filled)
    assert _run("indicators", "import", str(filled))[0] == 0
    code, out = _run("indicators", "list")
    assert code == 0
    assert "…" not in out  # wrapped over lines, never cut
    assert all(word in out for word in "Tỷ lệ hồ sơ trực tuyến".split())
