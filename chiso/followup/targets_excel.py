"""Targets as an Excel workbook: export every target, import a filled workbook all or nothing.

Domain layer; xlsxwriter writes (through chiso.exports' options), chiso.sheets reads within bounds.
One row per target with the columns of `COLUMNS`; milestones are written "2026-06-30=80; 2026-09-30=90".
Every bad cell is reported with its row and column; nothing is saved unless every row is valid.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.errors import Problem
from chiso.followup.targets import FIELDS, TargetIn, check_target, list_targets, save_target, target_dict
from chiso.followup.workbooks import cell_value, header_of, refuse_problems, write_workbook
from chiso.sheets import read_sheets
from chiso.store.models.followup import Target

COLUMNS = list(FIELDS)
HELP = {
    "code": "Mã chỉ tiêu / target code",
    "indicator": "total766 | metric:<mã 766> | group:<nhóm 766> | node:<bộ chỉ số>/<mã> | custom:<mã>",
    "scope": "province | group | kind | agency",
    "scope_code": "nhóm (2026:SBN), loại (department) hoặc mã cơ quan / group, kind or agency code",
    "period_type": "month | quarter | year",
    "comparison": ">= | <=",
    "value": "tỷ lệ theo % (80 = 80%), điểm theo điểm / rates in percent, scores in points",
    "milestones": "2026-06-30=80; 2026-09-30=90",
}


def _milestones_text(items: list[dict[str, Any]]) -> str:
    return "; ".join(f"{m['on']}={m['value']:g}" for m in items)


def export_targets(session: Session) -> bytes:
    """Return every target as an .xlsx workbook (a header row, one row per target, a help row in notes)."""
    wide = {name: 34 for name in ("name_vi", "name_en", "indicator", "milestones")}
    rows = map(_values, list_targets(session))
    return write_workbook(sheet_name="targets", columns=COLUMNS, notes=HELP, widths=wide, width=14, rows=rows)


def _values(row: Target) -> list[Any]:
    data = target_dict(row)
    data["milestones"] = _milestones_text(data.get("milestones") or [])
    return [data.get(name) for name in COLUMNS]


def _parse_milestones(text: str | None) -> list[dict[str, str]]:
    out = []
    for part in (text or "").replace(",", ";").split(";"):
        if part.strip():
            on, _, value = part.partition("=")
            out.append({"on": on.strip(), "value": value.strip()})
    return out


def read_targets(data: bytes, *, filename: str = "targets.xlsx") -> list[TargetIn]:
    """Read and check every row of a targets workbook.

    Raises:
        InvalidInput: one Problem per bad cell or row (file, row, column), or a file that is not a workbook.
    """
    sheet = next(iter(read_sheets(data, first=True, label=filename).values()), None)
    rows = sheet.rows if sheet else ()
    header = header_of(
        rows, required=("code", "name_vi", "indicator", "valid_from", "value"), filename=filename
    )
    problems: list[Problem] = []
    found: list[TargetIn] = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = {name: cell_value(value) for name, value in zip(header, raw, strict=False) if name in COLUMNS}
        if not any(v is not None for v in cells.values()):
            continue
        cells["milestones"] = _parse_milestones(cells.get("milestones"))
        cells = {k: v for k, v in cells.items() if v is not None}
        try:
            target = TargetIn(**cells)
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else None
                problems.append(
                    Problem(
                        f"Giá trị không hợp lệ: {err['msg']}",
                        str(err["msg"]),
                        file=filename,
                        row=number,
                        column=column,
                    )
                )
            continue
        for p in check_target(target):
            problems.append(Problem(p.message_vi, p.message_en, file=filename, row=number, column=p.field))
        found.append(target)
    refuse_problems(problems, filename=filename)
    return found


def import_targets(session: Session, *, data: bytes, filename: str, province_code: str, actor: Actor) -> int:
    """Import a targets workbook all or nothing (create or update by code, audited); return the rows saved."""
    rows = read_targets(data, filename=filename)
    for target in rows:
        save_target(session, data=target, province_code=province_code, actor=actor)
    return len(rows)
