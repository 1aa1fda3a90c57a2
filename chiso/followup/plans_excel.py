"""Action plans as an Excel workbook: export the items, import a filled workbook all or nothing.

Domain layer; chiso.sheets reads the upload within bounds, xlsxwriter writes with chiso.exports' options
(text stays text: a title typed "=HYPERLINK(...)" never runs as a formula). One row per item with the
columns of `COLUMNS`; a row with an `id` updates that item, a row without one adds an item. Status and
progress are exported for reading only: they change through progress reports with their evidence. Every
bad cell is reported with its row and column; nothing is saved unless every row is valid.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.errors import InvalidInput, NotFound, Problem
from chiso.followup.plans import PlanItemIn, create_item, list_items, update_item
from chiso.followup.workbooks import cell_value, header_of, refuse_problems, write_workbook
from chiso.sheets import column_letter, read_sheets
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import PlanItem

SHEET = "ke-hoach"
COLUMNS = [
    "id",
    "agency_code",
    "kind",
    "title",
    "indicator",
    "owner",
    "start_on",
    "due_on",
    "budget",
    "status",
    "progress",
]
HELP = {
    "id": "Để trống để thêm hạng mục mới / leave empty to add a new item",
    "agency_code": "Mã cơ quan, đơn vị / agency code",
    "kind": "item (hạng mục) | project (dự án CNTT / IT project)",
    "indicator": "Chỉ số cần nâng, vd. metric:TIMELINESS / the indicator the item should raise",
    "start_on": "YYYY-MM-DD",
    "due_on": "YYYY-MM-DD",
    "budget": "triệu đồng / million VND",
    "status": "Chỉ để xem; cập nhật tiến độ trên trang /plans / read only: report progress on /plans",
    "progress": "% (chỉ để xem / read only)",
}
READ_ONLY = {"status", "progress"}


def export_plans(session: Session, *, agency_code: str | None = None) -> bytes:
    """Return the plan items (of one agency, or all) as an .xlsx workbook: a header row, one row per item."""
    codes = dict(session.execute(select(Agency.id, Agency.code)).all())
    rows = (_values(item, codes) for item in list_items(session, agency_code=agency_code))
    return write_workbook(
        sheet_name=SHEET, columns=COLUMNS, notes=HELP, widths={"title": 40}, width=16, rows=rows
    )


def _values(item: PlanItem, codes: dict[int, str]) -> list[Any]:
    return [
        item.id,
        codes.get(item.agency_id, ""),
        item.kind,
        item.title,
        item.indicator,
        item.owner,
        item.start_on.isoformat(),
        item.due_on.isoformat(),
        item.budget,
        item.status,
        item.progress,
    ]


def read_plans(data: bytes, *, filename: str = "ke-hoach.xlsx") -> list[tuple[int | None, PlanItemIn]]:
    """Read and check every row of a plans workbook (its first sheet).

    Returns:
        (item id or None for a new item, the item) per filled row.

    Raises:
        InvalidInput: one Problem per bad cell (file, row, column), a missing column, or a file that is
            not a workbook.
    """
    sheets = read_sheets(data, label=filename)
    rows = next(iter(sheets.values())).rows if sheets else ()
    header = header_of(rows, required=("agency_code", "title", "start_on", "due_on"), filename=filename)
    letters = {name: column_letter(i + 1) for i, name in enumerate(header)}
    problems: list[Problem] = []
    found: list[tuple[int | None, PlanItemIn]] = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = {
            name: cell_value(value)
            for name, value in zip(header, raw, strict=False)
            if name in COLUMNS and name not in READ_ONLY
        }
        if not any(v is not None for v in cells.values()):
            continue
        item_id = cells.pop("id", None)
        try:
            parsed = PlanItemIn(**{k: v for k, v in cells.items() if v is not None})
            found.append((int(item_id) if item_id is not None else None, parsed))
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else None
                problems.append(
                    Problem(
                        f"Giá trị không hợp lệ ({letters.get(column or '', '')}{number}): {err['msg']}",
                        f"Invalid value ({letters.get(column or '', '')}{number}): {err['msg']}",
                        file=filename,
                        row=number,
                        column=column,
                    )
                )
        except ValueError:
            problems.append(
                Problem(
                    f"Mã hạng mục không phải số: {item_id!r}",
                    f"The item id is not a number: {item_id!r}",
                    file=filename,
                    row=number,
                    column="id",
                )
            )
    refuse_problems(problems, filename=filename)
    return found


def import_plans(session: Session, *, data: bytes, filename: str, actor: Actor) -> dict[str, int]:
    """Import a plans workbook all or nothing (the caller rolls back on error); return added and updated.

    Raises:
        InvalidInput: a bad cell (see `read_plans`), an unknown agency or item, a due date before the
            start (each names its row).
        PermissionDenied: a row of another agency's plan (a reporter edits only their own).
    """
    counts = {"added": 0, "updated": 0}
    for number, (item_id, item) in enumerate(read_plans(data, filename=filename), start=2):
        try:
            if item_id is None:
                create_item(session, data=item, actor=actor)
                counts["added"] += 1
            else:
                update_item(session, item_id=item_id, data=item, actor=actor)
                counts["updated"] += 1
        except (InvalidInput, NotFound) as exc:  # the row is named; a refusal of rights is not a cell's fault
            raise InvalidInput(
                f"{filename}, dòng {number}: {exc.message_vi}",
                f"{filename}, row {number}: {exc.message_en}",
                [Problem(exc.message_vi, exc.message_en, file=filename, row=number)],
            ) from exc
    return counts
