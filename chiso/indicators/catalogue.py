"""The indicator catalogue's use cases: list and search, get, create, update, bulk edit, folders.

Indicators room; imports chiso.store, chiso.accounts (audit, actors), chiso.units (folding text for
search), chiso.monitoring (the built-in metric codes a "computed" indicator may name) and the bottom
layer; never flows, web or cli. Every change takes a required `actor` and is audited with
`record_change`; services flush, never commit. Beyond `IndicatorIn`'s own checks, an entry is checked
against the catalogue (`check_indicators`): a formula parses and uses known codes without a cycle, a
weighted mean names an existing denominator, a computed indicator names a known monitoring metric, the
owner agency and the folder exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.errors import ChisoError, InvalidInput, NotFound, Problem
from chiso.indicators.formula import check_formula
from chiso.indicators.schemas import CATALOGUE_FIELDS, FolderIn, FolderRow, IndicatorIn, IndicatorOut
from chiso.monitoring.metrics import builtin_metrics
from chiso.store.models import Agency
from chiso.store.models.indicators import Indicator, IndicatorFolder
from chiso.units.text import fold

PER_PAGE = 50
MAX_PER_PAGE = 500
BULK_FIELDS = ("folder_code", "owner_agency_code", "active", "needs_approval")
#: Words of the formula syntax (chiso.monitoring.custom.syntax, any case): a code spelled so could never
#: appear in a formula, so the catalogue refuses it.
RESERVED_CODES = frozenset({"AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE"})
OPTIONAL_TEXT = tuple(n for n in CATALOGUE_FIELDS if IndicatorIn.model_fields[n].annotation == (str | None))


class CatalogueRow(IndicatorOut):
    """One indicator of the list: its catalogue entry plus the names the page shows beside codes."""

    folder_name: str | None = None
    owner_name: str | None = None


class CatalogueFilters(BaseModel):
    """What the list is narrowed to; None means "any"."""

    q: str | None = None
    folder: str | None = None
    source: str | None = None
    owner: str | None = None
    period_type: str | None = None
    level: str | None = None
    active: bool | None = None


class CataloguePage(BaseModel):
    """One page of the catalogue: the filters, the matching rows on this page, and how many match."""

    filters: CatalogueFilters
    items: list[CatalogueRow]
    total: int
    page: int
    per_page: int
    pages: int
    folders: list[FolderRow]
    owners: dict[str, str]  # owner agency code -> its name, for every owner the catalogue uses


@dataclass
class CatalogueContext:
    """What an entry is checked against: the catalogue's codes and formulas, folders, owners, metrics."""

    formulas: dict[str, str | None]  # every indicator code -> its formula (None without one)
    folders: set[str]
    agencies: set[str]
    metrics: set[str] = field(default_factory=lambda: {m.code for m in builtin_metrics()})
    period_types: dict[str, str] = field(default_factory=dict)  # every indicator code -> its period type


def load_context(session: Session, *, owners: Iterable[str] = ()) -> CatalogueContext:
    """Read what `check_indicators` needs; only the owner agencies named in `owners` are looked up."""
    formulas = {code: text for code, text in session.execute(select(Indicator.code, Indicator.formula))}
    folders = set(session.scalars(select(IndicatorFolder.code)))
    wanted = sorted({code for code in owners if code})
    agencies = set(session.scalars(select(Agency.code).where(Agency.code.in_(wanted)))) if wanted else set()
    period_types = {
        code: kind for code, kind in session.execute(select(Indicator.code, Indicator.period_type))
    }
    return CatalogueContext(formulas=formulas, folders=folders, agencies=agencies, period_types=period_types)


def _problem(vi: str, en: str, column: str) -> Problem:
    return Problem(vi, en, field=column)


def _source_problems(data: IndicatorIn, context: CatalogueContext) -> list[Problem]:
    found: list[Problem] = []
    if data.source == "formula":
        if not data.formula:
            found.append(
                _problem("Chỉ tiêu công thức cần công thức", "A formula indicator needs a formula", "formula")
            )
        else:
            try:
                check_formula(data.formula, own_code=data.code, known=context.formulas)
            except ChisoError as exc:
                found.append(_problem(exc.message_vi, exc.message_en, "formula"))
    elif data.formula:
        found.append(
            _problem(
                "Chỉ ghi công thức khi nguồn là 'formula'",
                "Give a formula only when the source is 'formula'",
                "formula",
            )
        )
    if data.source == "computed":
        if data.metric_code not in context.metrics:
            shown, known = data.metric_code or "—", ", ".join(sorted(context.metrics))
            found.append(
                _problem(
                    f"Chỉ số giám sát '{shown}' không có; dùng một mã trong: {known}",
                    f"No monitoring metric '{shown}'; use one of: {known}",
                    "metric_code",
                )
            )
    elif data.metric_code:
        found.append(
            _problem(
                "Chỉ ghi chỉ số giám sát khi nguồn là 'computed'",
                "Give a monitoring metric only when the source is 'computed'",
                "metric_code",
            )
        )
    return found


def _rule_problems(data: IndicatorIn, context: CatalogueContext) -> list[Problem]:
    found: list[Problem] = []
    if data.aggregation == "weighted":
        if not data.weight_code:
            found.append(
                _problem(
                    "Bình quân gia quyền cần mã chỉ tiêu quyền số",
                    "A weighted mean needs the code of its weight indicator",
                    "weight_code",
                )
            )
        elif data.weight_code == data.code or data.weight_code not in context.formulas:
            found.append(
                _problem(
                    f"Chỉ tiêu quyền số '{data.weight_code}' không có trong danh mục",
                    f"Weight indicator '{data.weight_code}' is not in the catalogue",
                    "weight_code",
                )
            )
        elif context.period_types.get(data.weight_code, data.period_type) != data.period_type:
            # the roll-up weighs each period's values by the same period's weights
            found.append(
                _problem(
                    f"Chỉ tiêu quyền số '{data.weight_code}' phải báo cáo cùng kỳ ({data.period_type})",
                    f"Weight indicator '{data.weight_code}' must be reported per {data.period_type} too",
                    "weight_code",
                )
            )
    elif data.weight_code:
        found.append(
            _problem(
                "Chỉ ghi quyền số khi cộng dồn là 'weighted'",
                "Give a weight only when the aggregation is 'weighted'",
                "weight_code",
            )
        )
    if data.owner_agency_code and data.owner_agency_code not in context.agencies:
        found.append(
            _problem(
                f"Không có cơ quan mã '{data.owner_agency_code}'",
                f"No agency with code '{data.owner_agency_code}'",
                "owner_agency_code",
            )
        )
    if data.folder_code and data.folder_code not in context.folders:
        found.append(
            _problem(
                f"Không có thư mục '{data.folder_code}'",
                f"No folder '{data.folder_code}'",
                "folder_code",
            )
        )
    if data.min_value is not None and data.max_value is not None and data.min_value > data.max_value:
        found.append(
            _problem("Giá trị nhỏ nhất lớn hơn giá trị lớn nhất", "min_value is above max_value", "min_value")
        )
    return found


def check_indicator(data: IndicatorIn, context: CatalogueContext) -> list[Problem]:
    """Return what is wrong with one entry against the catalogue (an empty list when nothing is)."""
    reserved = []
    if data.code in RESERVED_CODES:
        reserved.append(
            _problem(
                f"Mã '{data.code}' trùng từ khóa của công thức; đặt mã khác",
                f"Code '{data.code}' is a word of the formula syntax; choose another code",
                "code",
            )
        )
    return reserved + _source_problems(data, context) + _rule_problems(data, context)


def _refuse(code: str, problems: Sequence[Problem]) -> InvalidInput:
    return InvalidInput(
        f"Chỉ tiêu {code}: {len(problems)} lỗi, chưa lưu",
        f"Indicator {code}: {len(problems)} problems, not saved",
        problems,
    )


def indicator_dict(row: Indicator) -> dict[str, Any]:
    """Return a catalogue entry's fields in `CATALOGUE_FIELDS` order (what the workbook and audit show)."""
    return {name: getattr(row, name) for name in CATALOGUE_FIELDS}


def get_indicator(session: Session, *, code: str) -> Indicator:
    """Return the catalogue entry with this code.

    Raises:
        NotFound: no indicator has that code.
    """
    row = session.scalar(select(Indicator).where(Indicator.code == code))
    if row is None:
        raise NotFound(f"Không có chỉ tiêu mã '{code}'", f"No indicator with code '{code}'")
    return row


def normalized(data: IndicatorIn) -> IndicatorIn:
    """Return the entry with empty optional text turned into None (what the store and the workbook keep)."""
    empty = {name: None for name in OPTIONAL_TEXT if getattr(data, name) == ""}
    return data.model_copy(update=empty) if empty else data


def save_checked(session: Session, *, data: IndicatorIn, row: Indicator | None, actor: Actor) -> Indicator:
    """Write an entry already checked against the catalogue: create it (row None) or update `row`; audit.

    The one writer behind create, update and the workbook import (which checks a whole file first).
    """
    data = normalized(data)
    if row is None:
        row = Indicator()
        _write(row, data, actor)
        session.add(row)
        record_change(
            session, action="indicator.create", object_type="indicator", object_id=data.code, actor=actor,
            new=data.model_dump(),
        )  # fmt: skip
        return row
    changes = _changes(indicator_dict(row), data.model_dump())
    if changes:
        _write(row, data, actor)
        _audit_fields(session, data.code, changes, action="indicator.update", actor=actor)
    return row


def _write(row: Indicator, data: IndicatorIn, actor: Actor) -> None:
    for name in CATALOGUE_FIELDS:
        setattr(row, name, getattr(data, name))
    row.updated_at = clock.now()
    row.updated_by = actor.username


def create_indicator(session: Session, *, data: IndicatorIn, actor: Actor) -> Indicator:
    """Add an indicator to the catalogue, checked against it, and audit it.

    Raises:
        InvalidInput: the code is taken or the entry fails a check (each problem names its field).
    """
    context = load_context(session, owners=[data.owner_agency_code or ""])
    problems = check_indicator(data, context)
    if data.code in context.formulas:
        problems.insert(
            0, _problem(f"Mã '{data.code}' đã có trong danh mục", f"Code '{data.code}' is taken", "code")
        )
    if problems:
        raise _refuse(data.code, problems)
    return save_checked(session, data=data, row=None, actor=actor)


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (before[name], after[name]) for name in after if before.get(name) != after[name]}


def update_indicator(session: Session, *, code: str, data: IndicatorIn, actor: Actor) -> Indicator:
    """Change an indicator's entry (its code stays: values are kept by code); audit each changed field.

    Raises:
        NotFound: no indicator has that code.
        InvalidInput: the entry fails a check, or tries to change the code.
    """
    row = get_indicator(session, code=code)
    context = load_context(session, owners=[data.owner_agency_code or ""])
    problems = check_indicator(data, context)
    if data.code != code:
        problems.insert(
            0,
            _problem(
                f"Không đổi được mã {code} thành {data.code}: số liệu gắn với mã",
                f"The code {code} cannot become {data.code}: values are kept by code",
                "code",
            ),
        )
    if problems:
        raise _refuse(code, problems)
    return save_checked(session, data=data, row=row, actor=actor)


def _audit_fields(
    session: Session, code: str, changes: Mapping[str, tuple[Any, Any]], *, action: str, actor: Actor
) -> None:
    for name, (old, new) in changes.items():
        record_change(
            session, action=action, object_type="indicator", object_id=code, actor=actor, field=name,
            old=old, new=new, flush=False,
        )  # fmt: skip
    session.flush()


def bulk_edit(session: Session, *, codes: Sequence[str], changes: Mapping[str, Any], actor: Actor) -> int:
    """Set the same folder, owner, active or needs-approval flag on the selected indicators.

    Args:
        session: the open session.
        codes: the selected indicator codes.
        changes: field -> new value, fields among `BULK_FIELDS` ("" or None clears folder or owner).
        actor: who edits.

    Returns:
        How many indicators changed.

    Raises:
        InvalidInput: no code selected, a field that bulk edit does not set, an unknown code, folder or owner.
        NotFound: a selected code is not in the catalogue.
    """
    unknown_fields = sorted(set(changes) - set(BULK_FIELDS))
    if unknown_fields or not changes:
        raise InvalidInput(
            f"Sửa hàng loạt chỉ đặt: {', '.join(BULK_FIELDS)}",
            f"Bulk edit sets only: {', '.join(BULK_FIELDS)}",
        )
    if not codes:
        raise InvalidInput("Chọn ít nhất một chỉ tiêu", "Select at least one indicator")
    rows = {r.code: r for r in session.scalars(select(Indicator).where(Indicator.code.in_(list(codes))))}
    missing = [c for c in codes if c not in rows]
    if missing:
        raise NotFound(
            f"Không có chỉ tiêu: {', '.join(missing)}",
            f"Indicators not in the catalogue: {', '.join(missing)}",
        )
    clean = {
        k: (v or None) if k in ("folder_code", "owner_agency_code") else bool(v) for k, v in changes.items()
    }
    owners = [str(clean.get("owner_agency_code") or "")] + [r.owner_agency_code or "" for r in rows.values()]
    context = load_context(session, owners=owners)
    for row in rows.values():
        problems = _rule_problems(IndicatorIn(**{**indicator_dict(row), **clean}), context)
        if problems:
            raise _refuse(row.code, problems)
    changed = 0
    for code in dict.fromkeys(codes):
        row = rows[code]
        diff = _changes(indicator_dict(row), clean)
        if diff:
            for name, value in clean.items():
                setattr(row, name, value)
            row.updated_at, row.updated_by = clock.now(), actor.username
            _audit_fields(session, code, diff, action="indicator.bulk_update", actor=actor)
            changed += 1
    return changed


def list_folders(session: Session) -> list[FolderRow]:
    """Return every folder in its position order, with how many indicators it holds."""
    counts: dict[str | None, int] = {}
    for code in session.scalars(select(Indicator.folder_code)):
        counts[code] = counts.get(code, 0) + 1
    folders = session.scalars(
        select(IndicatorFolder).order_by(IndicatorFolder.position, IndicatorFolder.code)
    )
    return [FolderRow.model_validate(f).model_copy(update={"count": counts.get(f.code, 0)}) for f in folders]


def save_folder(session: Session, *, data: FolderIn, actor: Actor) -> IndicatorFolder:
    """Create a folder or change its names and position (by code); audit the change."""
    row = session.scalar(select(IndicatorFolder).where(IndicatorFolder.code == data.code))
    before = FolderIn.model_validate(row).model_dump() if row is not None else None
    if row is None:
        row = IndicatorFolder(code=data.code)
        session.add(row)
    after = data.model_dump()
    if before == after:
        return row
    row.name_vi, row.name_en, row.position = data.name_vi, data.name_en, data.position
    record_change(
        session, action="indicator_folder.save", object_type="indicator_folder", object_id=data.code,
        actor=actor, old=before, new=after,
    )  # fmt: skip
    return row


def _matches(row: Indicator, words: list[str]) -> bool:
    text = fold(" ".join(filter(None, (row.code, row.name_vi, row.name_en, row.unit))))
    return all(word in text for word in words)


def find_indicators(session: Session, *, filters: CatalogueFilters) -> list[Indicator]:
    """Return every indicator the filters match, by folder then code; search ignores accents and case.

    Exact filters run in SQL; the words of `q` are matched (accent-folded) against code, names and unit.
    """
    query = select(Indicator).order_by(Indicator.folder_code, Indicator.code)
    exact = {
        "folder_code": filters.folder,
        "source": filters.source,
        "owner_agency_code": filters.owner,
        "period_type": filters.period_type,
        "level": filters.level,
    }
    for name, value in exact.items():
        if value:
            query = query.where(getattr(Indicator, name) == value)
    if filters.active is not None:
        query = query.where(Indicator.active.is_(filters.active))
    rows = list(session.scalars(query))
    words = fold(filters.q or "").split()
    return [r for r in rows if _matches(r, words)] if words else rows


def list_indicators(
    session: Session, *, filters: CatalogueFilters, page: int = 1, per_page: int = PER_PAGE
) -> CataloguePage:
    """Return one page of the indicators the filters match (`find_indicators`), with folders and owners."""
    rows = find_indicators(session, filters=filters)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    pages = max(1, -(-len(rows) // per_page))
    page = max(1, min(page, pages))
    folders = list_folders(session)
    owners = owner_names(session)
    names = {f.code: f.name_vi for f in folders}
    shown = [
        CatalogueRow.model_validate(r).model_copy(
            update={
                "folder_name": names.get(r.folder_code or ""),
                "owner_name": owners.get(r.owner_agency_code or ""),
            }
        )
        for r in rows[(page - 1) * per_page : page * per_page]
    ]
    return CataloguePage(
        filters=filters, items=shown, total=len(rows), page=page, per_page=per_page, pages=pages,
        folders=folders, owners=owners,
    )  # fmt: skip


def owner_names(session: Session) -> dict[str, str]:
    """Return the name of every agency that owns an indicator, by code."""
    used = select(Indicator.owner_agency_code).where(Indicator.owner_agency_code.is_not(None)).distinct()
    rows = session.execute(
        select(Agency.code, Agency.name_vi).where(Agency.code.in_(used)).order_by(Agency.name_vi)
    )
    return {code: name for code, name in rows}


def count_indicators(session: Session) -> int:
    """Return how many indicators the catalogue holds."""
    return session.scalar(select(func.count()).select_from(Indicator)) or 0


def all_indicators(session: Session) -> list[Indicator]:
    """Return every catalogue entry, by folder then code (the export's order)."""
    return list(session.scalars(select(Indicator).order_by(Indicator.folder_code, Indicator.code)))
