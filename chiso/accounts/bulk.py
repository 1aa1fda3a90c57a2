"""Bulk import of users from an Excel sheet (one row per officer), all or nothing.

Accounts room; reads the workbook through chiso.sheets (bounded) and creates each user with
chiso.accounts.admin.add_user, so the same checks and audit apply. Every problem is named by file, row
and column; when any row is refused nothing is created. Each new user gets a one-time password link.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.accounts.admin import add_user, require_secretariat
from chiso.errors import ChisoError, InvalidInput, Problem
from chiso.sheets import column_letter, read_sheets

#: header (lower-case, either language) -> field of add_user
HEADERS = {
    "username": "username", "tên đăng nhập": "username",
    "full_name": "full_name", "họ tên": "full_name",
    "role": "role", "vai trò": "role",
    "email": "email", "e-mail": "email",
    "agency_code": "agency_code", "mã cơ quan": "agency_code",
}  # fmt: skip
REQUIRED = ("username", "full_name", "role")
#: the field a service problem names -> the column it came from
_FIELD_COLUMN = {"username": "username", "full_name": "full_name", "role": "role", "email": "email",
                 "agency_code": "agency_code", "agency_id": "agency_code"}  # fmt: skip


@dataclass(frozen=True)
class ImportedUser:
    """One created user and their one-time password link token."""

    row: int
    username: str
    token: str


def import_users(
    session: Session, *, actor: Actor, source: str | Path | bytes, label: str | None = None
) -> list[ImportedUser]:
    """Create one user per row of the first sheet; all or nothing.

    Raises:
        PermissionDenied: the actor is not the secretariat.
        InvalidInput: the file, a header or some rows are wrong (each named by file, row and column);
            nothing was created (the caller rolls back).
    """
    require_secretariat(actor)
    label = label or (Path(source).name if not isinstance(source, bytes) else "users.xlsx")
    sheet = next(iter(read_sheets(source, first=True, label=label).values()))
    header = [str(v or "").strip().lower() for v in (sheet.rows[0] if sheet.rows else ())]
    columns = {HEADERS[h]: i for i, h in enumerate(header) if h in HEADERS}
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise InvalidInput(
            f"{label}: thiếu cột {', '.join(missing)} ở dòng 1",
            f"{label}: row 1 lacks the columns {', '.join(missing)}",
            [Problem(f"Thiếu cột {m}", f"Missing column {m}", file=label, row=1) for m in missing],
        )
    created: list[ImportedUser] = []
    problems: list[Problem] = []
    for number, row in enumerate(sheet.rows[1:], start=2):
        values = {
            f: str(row[i]).strip() if i < len(row) and row[i] is not None else "" for f, i in columns.items()
        }
        if not any(values.values()):
            continue
        try:  # add_user adds nothing when it refuses (no savepoint: pysqlite would commit on RELEASE)
            user, token = add_user(session, actor=actor, **values)
        except ChisoError as exc:
            problems.extend(_located(exc, label, number, columns))
            continue
        assert token is not None  # no password column: every imported user gets a link
        created.append(ImportedUser(number, user.username, token))
    if problems:
        raise InvalidInput(
            f"{label}: {len(problems)} lỗi; chưa tạo người dùng nào",
            f"{label}: {len(problems)} problems; no user was created",
            problems,
        )
    return created


def _located(exc: ChisoError, label: str, row: int, columns: dict[str, int]) -> list[Problem]:
    found = exc.problems or [Problem(exc.message_vi, exc.message_en, field="username")]
    located = []
    for p in found:
        field = _FIELD_COLUMN.get(p.field or "", p.field or "")
        column = column_letter(columns[field] + 1) if field in columns else None
        located.append(Problem(p.message_vi, p.message_en, file=label, row=row, column=column, field=field))
    return located
