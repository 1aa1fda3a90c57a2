"""Audit trail: browse and export who changed what (old -> new, why).

Domain layer: reads the store's AuditEntry; imports nothing from flows, web or cli. Writing an entry is
`chiso.accounts.audit.record_change`, which every room calls for its own changes.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.assessment.audit_names import agency_condition, day_window, object_labels
from chiso.assessment.schemas import AuditEntryOut, AuditFilters, AuditPage
from chiso.errors import InvalidInput
from chiso.exports import XLSX_OPTIONS, csv_cell
from chiso.store.models import AuditEntry, User
from chiso.store.rows import model_of

AUDIT_COLUMNS = (
    "id",
    "at",
    "username",
    "action",
    "object_type",
    "object_id",
    "field",
    "old_value",
    "new_value",
    "reason",
)


def audit_cells(row: AuditEntryOut) -> list[object]:
    """Return an entry's cells in the order of `AUDIT_COLUMNS` (the time in the province's zone, ISO)."""
    return [getattr(row, c) if c != "at" else clock.to_local(row.at).isoformat() for c in AUDIT_COLUMNS]


def _query(
    *,
    action: str | None,
    object_type: str | None,
    object_id: str | None,
    username: str | None,
    since: datetime | None,
    until: datetime | None,
    where: ColumnElement[bool] | None = None,
) -> Select[AuditEntry, str]:
    stmt = select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.user_id)
    if where is not None:
        stmt = stmt.where(where)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == str(object_id))
    if username:
        stmt = stmt.where(User.username == username)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt


def list_audit(
    session: Session,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    username: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 200,
    offset: int = 0,
    newest_first: bool = True,
    where: ColumnElement[bool] | None = None,
) -> list[AuditEntryOut]:
    """List audit entries matching the filters, newest first by default.

    Args:
        action: prefix of the action ("value." matches every value change).
        object_type, object_id: restrict to one kind of object or one object.
        username: only changes made by this user.
        since, until: time window [since, until).
        limit, offset: paging; limit None returns everything.
    """
    stmt = _query(
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        username=username,
        since=since,
        until=until,
        where=where,
    )
    order = (AuditEntry.at.desc(), AuditEntry.id.desc()) if newest_first else (AuditEntry.at, AuditEntry.id)
    stmt = stmt.order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [model_of(AuditEntryOut, e, username=name) for e, name in session.execute(stmt)]


def count_audit(session: Session, **filters: Any) -> int:
    """Count the audit entries matching the same filters as `list_audit`."""
    stmt = _query(
        **{
            k: filters.get(k)
            for k in ("action", "object_type", "object_id", "username", "since", "until", "where")
        }
    )
    return int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


AUDIT_PAGE_SIZE = 100


def audit_page(session: Session, *, filters: AuditFilters) -> AuditPage:
    """Return one page (100 entries, newest first) of the entries matching the filters, with the total."""
    chosen = audit_filters(session, filters)
    total = count_audit(session, **chosen)
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    page = min(filters.page, pages)
    rows = list_audit(session, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE, **chosen)
    labels = object_labels(session, ((r.object_type, r.object_id) for r in rows))
    return AuditPage(
        filters=filters,
        total=total,
        page=page,
        pages=pages,
        rows=[r.model_copy(update={"object_label": labels.get((r.object_type, r.object_id))}) for r in rows],
    )


def audit_filters(session: Session, filters: AuditFilters) -> dict[str, Any]:
    """Return the keyword filters of `list_audit` that the page's filters mean (agency, days included)."""
    since, until = day_window(filters.since, filters.until)
    return {
        "action": filters.action,
        "username": filters.username,
        "object_type": filters.object_type,
        "since": since,
        "until": until,
        "where": agency_condition(session, filters.agency) if filters.agency else None,
    }


def export_audit(
    session: Session, *, path: Path | None = None, fmt: str | None = None, **filters: Any
) -> bytes:
    """Export the audit entries matching the filters as CSV (UTF-8 with BOM, for Excel) or XLSX.

    Args:
        path: where to write; the format follows its suffix unless `fmt` is given.
        fmt: "csv" or "xlsx".
        **filters: as in `list_audit`.

    Returns:
        The bytes written (also returned when `path` is None, for web downloads).
    """
    fmt = (fmt or (path.suffix.lstrip(".") if path else "csv")).lower()
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(
            f"Định dạng xuất không hỗ trợ: {fmt}", f"Unsupported export format {fmt!r}; use csv or xlsx"
        )
    rows = list_audit(session, limit=None, newest_first=False, **filters)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(AUDIT_COLUMNS)
        for row in rows:
            writer.writerow([csv_cell(v) for v in audit_cells(row)])
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    else:
        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True, **XLSX_OPTIONS})
        sheet = book.add_worksheet("audit")
        bold = book.add_format({"bold": True})
        sheet.write_row(0, 0, AUDIT_COLUMNS, bold)
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, ["" if v is None else v for v in audit_cells(row)])
        sheet.freeze_panes(1, 0)
        book.close()
        data = out.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data
