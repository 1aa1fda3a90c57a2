"""The secretariat's bulk import of every agency's values of a period from one CSV or XLSX file.

Domain layer: chiso.sheets/csv read the file within bounds; the submission services save the values;
nothing from web or cli. All-or-nothing: every row is checked and reported first (file, row, column),
and values are saved only when all rows are valid, in the caller's one transaction.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment.access import check_secretariat
from chiso.assessment.excel import read_workbook
from chiso.assessment.form import Criterion, Form
from chiso.assessment.periods import get_period
from chiso.assessment.schemas import ValueInput
from chiso.assessment.submissions import EDITABLE_STATUSES, period_form, save_draft, values_by_code
from chiso.assessment.values import clean_value
from chiso.errors import InvalidInput, Problem
from chiso.frameworks.entry import format_entry
from chiso.sheets import SheetLimits
from chiso.store.models import Agency
from chiso.store.models.assessment import AssessmentPeriod, Submission

BULK_COLUMNS = ("agency_code", "indicator_code", "value", "numerator", "denominator", "choice", "comment")


#: Every agency's values of a period: a province has about a hundred agencies of a hundred criteria.
BULK_LIMITS = SheetLimits(max_rows=50_000, max_columns=len(BULK_COLUMNS) + 8, max_cells=500_000)


def _too_many_rows(filename: str, count: int) -> InvalidInput:
    limit = BULK_LIMITS.max_rows
    return InvalidInput(
        f"Tệp {filename} có {count:,} dòng, quá giới hạn {limit:,} dòng; chia thành nhiều tệp",
        f"{filename} has {count:,} rows, over the limit of {limit:,}; split it into several files",
        [Problem(f"Quá {limit:,} dòng", f"More than {limit:,} rows", file=filename, row=limit + 1)],
    )


def _bulk_rows(data: bytes, filename: str) -> Iterable[tuple[int, dict[str, Any]]]:
    body: Sequence[Sequence[Any]]
    if filename.lower().endswith(".xlsx"):
        sheet = next(iter(read_workbook(data, filename, limits=BULK_LIMITS).values()), None)
        rows = sheet.rows if sheet else ()
        header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
        body = rows[1:]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"Tệp {filename} không phải UTF-8",
                f"{filename} is not UTF-8; save it as CSV UTF-8",
                [Problem("Sai bảng mã", "Wrong encoding", file=filename)],
            ) from exc
        reader = csv.reader(io.StringIO(text))
        header = [h.strip() for h in next(reader, [])]
        body = list(itertools.islice(reader, BULK_LIMITS.max_rows))
        if next(reader, None) is not None:
            raise _too_many_rows(filename, BULK_LIMITS.max_rows + 1 + sum(1 for _ in reader))
    missing = [c for c in ("agency_code", "indicator_code") if c not in header]
    unknown = [c for c in header if c and c not in BULK_COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            f"Tệp {filename}: thiếu cột {', '.join(missing) or '-'}; cột lạ {', '.join(unknown) or '-'}",
            f"{filename}: missing columns {', '.join(missing) or '-'}; "
            f"unknown columns {', '.join(unknown) or '-'}; "
            f"expected {', '.join(BULK_COLUMNS)}",
            [Problem("Sai cột", "Wrong columns", file=filename, row=1)],
        )
    for i, cells in enumerate(body, start=2):
        record = {h: (cells[j] if j < len(cells) else None) for j, h in enumerate(header) if h}
        record = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in record.items()}
        if any(v is not None for v in record.values()):
            yield i, record


@dataclass
class _BulkCheck:
    """What the rows checked so far established: the period's submissions, duplicates, computed criteria."""

    period: AssessmentPeriod
    form: Form
    filename: str
    subs: Mapping[str, tuple[Submission, str | None]]
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    computed: dict[int, set[str]] = field(default_factory=dict)

    def problem(self, vi: str, en: str, row: int, column: str) -> Problem:
        return Problem(vi, en, file=self.filename, row=row, column=column)


def _criterion_for(
    session: Session, check: _BulkCheck, row: int, agency: str, code: str
) -> tuple[Criterion | None, Problem | None]:
    """Return the criterion a row sets, or the problem that refuses the row."""
    if agency not in check.subs:
        return None, check.problem(
            f"Đơn vị {agency or '(trống)'} không tham gia kỳ {check.period.code}",
            f"Agency {agency or '(empty)'} is not in period {check.period.code}", row, "agency_code",
        )  # fmt: skip
    sub, kind = check.subs[agency]
    if sub.status not in EDITABLE_STATUSES:
        return None, check.problem(
            f"Bản tự đánh giá của {agency} đang '{sub.status}', không sửa được",
            f"{agency}'s submission is {sub.status} and cannot change", row, "agency_code",
        )  # fmt: skip
    crit = next((c for c in check.form.criteria_for(kind) if c.code == code), None)
    if crit is None:
        return None, check.problem(
            f"Tiêu chí {code or '(trống)'} không áp dụng cho {agency}",
            f"Criterion {code or '(empty)'} does not apply to {agency}", row, "indicator_code",
        )  # fmt: skip
    if (agency, code) in check.seen:
        first = check.seen[(agency, code)]
        return None, check.problem(
            f"Trùng {agency}/{code} (dòng {first})", f"Duplicate {agency}/{code} (first on row {first})",
            row, "indicator_code",
        )  # fmt: skip
    check.seen[(agency, code)] = row
    if sub.id not in check.computed:
        stored = values_by_code(session, submission=sub).items()
        check.computed[sub.id] = {c for c, v in stored if v.is_computed}
    if crit.computed or code in check.computed[sub.id]:
        return None, check.problem(
            f"{code} của {agency} được tính tự động, không nhập",
            f"{code} of {agency} is computed and cannot be imported", row, "indicator_code",
        )  # fmt: skip
    return crit, None


def bulk_import_values(
    session: Session, *, period_code: str, data: bytes, filename: str, actor: Actor, dry_run: bool = False
) -> dict[str, int]:
    """Import every agency's values of a period from one CSV or XLSX (secretariat); all-or-nothing.

    Columns: agency_code, indicator_code, value, numerator, denominator, choice, comment. Every row is
    checked (agency in the period and editable, criterion applies, value valid, no duplicate) before any
    value is saved.

    Args:
        dry_run: check every row and report, save nothing ("changed" is then 0).

    Returns:
        {"rows": n, "agencies": n, "values": n, "changed": n}

    Raises:
        InvalidInput: any row is wrong (every problem listed by row and column); nothing is saved.
    """
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    stmt = (
        select(Submission, Agency.code, Agency.kind)
        .join(Agency, Agency.id == Submission.agency_id)
        .where(Submission.period_id == period.id)
    )
    subs = {code: (sub, kind) for sub, code, kind in session.execute(stmt)}
    check = _BulkCheck(period, period_form(period), filename, subs)
    problems: list[Problem] = []
    per_agency: dict[str, dict[str, ValueInput]] = {}
    count = 0
    for row, rec in _bulk_rows(data, filename):
        count += 1
        agency, code = str(rec.get("agency_code") or ""), str(rec.get("indicator_code") or "")
        crit, refused = _criterion_for(session, check, row, agency, code)
        if crit is None:
            problems.append(refused)  # type: ignore[arg-type]  # a refused row always says why
            continue
        vi = ValueInput(
            value=rec.get("value"),
            numerator=rec.get("numerator"),
            denominator=rec.get("denominator"),
            choice=None if rec.get("choice") is None else str(rec.get("choice")),
            comment=None if rec.get("comment") is None else str(rec.get("comment")),
        )
        _clean, found = clean_value(crit, vi)
        problems.extend(
            Problem(
                p.message_vi, p.message_en, file=filename, row=row, column=p.column or "value", field=code
            )  # fmt: skip
            for p in found
        )
        if not found:
            per_agency.setdefault(agency, {})[code] = vi
    if problems:
        raise InvalidInput(
            f"Tệp {filename} có lỗi; chưa lưu gì", f"{filename} has errors; nothing was saved", problems
        )
    counts = {"rows": count, "agencies": len(per_agency), "values": sum(map(len, per_agency.values()))}
    if dry_run:
        return {**counts, "changed": 0}
    changed = 0
    for agency, values in sorted(per_agency.items()):
        changed += len(
            save_draft(
                session, period_code=period_code, agency_code=agency, values=values, actor=actor
            ).changed
        )
    return {**counts, "changed": changed}


def bulk_template(session: Session, *, period_code: str, actor: Actor) -> bytes:
    """Return the import template of a period as CSV: one row per editable agency and typed criterion.

    The rows carry the values stored now, so the file re-imports unchanged; computed criteria are left
    out (they cannot be imported).
    """
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    form = period_form(period)
    stmt = (
        select(Submission, Agency.code, Agency.kind)
        .join(Agency, Agency.id == Submission.agency_id)
        .where(Submission.period_id == period.id, Submission.status.in_(EDITABLE_STATUSES))
        .order_by(Agency.code)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BULK_COLUMNS)
    for sub, code, kind in session.execute(stmt):
        stored = values_by_code(session, submission=sub)
        for crit in form.criteria_for(kind):
            v = stored.get(crit.code)
            if crit.computed or (v is not None and v.is_computed):
                continue
            value = None
            if v is not None and v.value is not None and crit.kind != "ratio":
                value = format_entry(v.value, crit.unit, "en")  # as a person types it, read back the same
            parts = (v.numerator, v.denominator, v.choice, v.comment) if v else (None,) * 4
            shown = ["" if c is None else f"{c:g}" if isinstance(c, float) else c for c in parts]
            writer.writerow([code, crit.code, value or "", *shown])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
