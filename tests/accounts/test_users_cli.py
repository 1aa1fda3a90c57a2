"""`chiso users ...` through the real CLI against a temporary SQLite database, acting as SYSTEM."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_support import run_cli
from sqlalchemy import select

from chiso.accounts.resets import use_reset_link
from chiso.accounts.service import authenticate
from chiso.store import session_scope
from chiso.store.models.audit import AuditEntry

_run = run_cli


def test_create_list_edit_deactivate_reset(cli_env: Path) -> None:
    code, out = _run("users", "create", "thuky", "--name", "Nguyễn Thư Ký", "--role", "secretariat",
                     "--email", "thuky@danang.gov.vn")  # fmt: skip
    assert code == 0, out
    link = re.search(r"/reset/(\S+)", out)
    assert link, out
    code, out = _run("users", "create", "lanhdao", "--name", "Lãnh Đạo", "--role", "leader",
                     "--password", "mat-khau-ban-dau-1")  # fmt: skip
    assert code == 0 and "/reset/" not in out
    code, out = _run("users", "create", "baocao", "--name", "Báo Cáo", "--role", "reporter")
    assert code == 1 and "agency" in out and "Traceback" not in out
    code, out = _run("users", "list", "--json")
    users = {u["username"]: u for u in json.loads(out)}
    assert set(users) == {"thuky", "lanhdao"} and users["lanhdao"]["must_change_password"]
    code, out = _run("users", "list", "--role", "leader")
    assert code == 0 and "Lãnh đạo" in out and "thuky" not in out
    assert _run("users", "edit", "lanhdao", "--name", "Lãnh Đạo Mới")[0] == 0
    code, out = _run("users", "deactivate", "thuky")
    assert code == 1 and "cuối cùng" in out  # the last secretariat stays
    assert _run("users", "deactivate", "lanhdao")[0] == 0
    code, out = _run("users", "reset-password", "lanhdao")
    assert code == 1 and "reactivate" in out
    assert _run("users", "reactivate", "lanhdao")[0] == 0
    code, out = _run("users", "reset-password", "lanhdao")
    token = re.search(r"/reset/(\S+)", out)
    assert code == 0 and token
    with session_scope() as s:
        use_reset_link(s, token=token.group(1), password="mat-khau-cua-ong-ay-2026")
    with session_scope() as s:
        user = authenticate(s, username="lanhdao", password="mat-khau-cua-ong-ay-2026")
        assert user.full_name == "Lãnh Đạo Mới"
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == "lanhdao")))
    assert {"user.create", "user.update", "user.deactivate", "user.reactivate", "user.reset"} <= set(actions)


def _workbook(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [["Tên đăng nhập", "Họ tên", "Vai trò", "E-mail", "Mã cơ quan"], *rows]:
        sheet.append(row)
    book.save(path)
    return path


def test_import_is_all_or_nothing_and_names_row_and_column(cli_env: Path) -> None:
    bad = _workbook(cli_env / "bad.xlsx", [["canbo1", "Cán Bộ Một", "leader", "", ""],
                                           ["canbo2", "", "king", "x@", ""]])  # fmt: skip
    code, out = _run("users", "import", str(bad))
    assert code == 1 and "bad.xlsx" in out and "3" in out and "Traceback" not in out
    assert json.loads(_run("users", "list", "--json")[1]) == []
    rows = [["canbo1", "Cán Bộ Một", "leader", "", ""], ["canbo2", "Cán Bộ Hai", "assessor", "hai@x.vn", ""]]
    good = _workbook(cli_env / "good.xlsx", rows)
    code, out = _run("users", "import", str(good), "--dry-run")
    assert code == 0 and json.loads(_run("users", "list", "--json")[1]) == []
    code, out = _run("users", "import", str(good))
    assert code == 0 and out.count("/reset/") == 2
    assert [u["username"] for u in json.loads(_run("users", "list", "--json")[1])] == ["canbo1", "canbo2"]
