"""Administrative units service: list, count, look up and trace the units and their 2025 lineage.

Domain service: keyword-only functions taking the SQLAlchemy session explicitly; reads only. Imports
store models and the units room's admin_sources, schemas and text; never web, cli or flows. Loading
the units from the bundled packages is chiso.units.admin_load's job.

Units are dated: the current ones (34 provinces, 3,321 communes) are valid from 1 July 2025 with no
end; the legacy ones (63 provinces, their districts and communes) end on 1 July 2025 (exclusive) and
have no recorded start. A unit is identified by (level, code, valid_from): the same code may recur in
another era (province 48 is Đà Nẵng both before and after the merger with Quảng Nam).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from chiso.errors import InvalidInput, NotFound, Problem
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.units.admin_sources import CODE_WIDTH
from chiso.units.schemas import LineageLink, LineageOut, UnitLineageOut, UnitOut
from chiso.units.text import fold, sort_key

__all__ = [
    "LEVELS",
    "count_lineage",
    "count_units",
    "get_lineage",
    "get_unit",
    "list_units",
    "normalize_code",
    "page_units",
]

LEVELS = ("province", "district", "commune")
LEVEL_NAMES_VI = {"province": "tỉnh/thành phố", "district": "quận/huyện", "commune": "xã/phường"}


def _check_level(level: str | None) -> None:
    if level is not None and level not in LEVELS:
        raise InvalidInput(
            f"Cấp hành chính không hợp lệ: {level!r}",
            f"Unknown level {level!r}",
            [
                Problem(
                    f"Cấp phải là một trong: {', '.join(LEVELS)}",
                    f"The level must be one of: {', '.join(LEVELS)}",
                    field="level",
                )
            ],
        )


def normalize_code(code: str, level: str | None = None) -> str:
    """Return `code` stripped, zero-padded to the official width when the level is known ("1" -> "01")."""
    code = code.strip()
    if level is not None and code.isdigit():
        return code.zfill(CODE_WIDTH[level])
    return code


def _valid_on(on: date) -> ColumnElement[bool]:
    return and_(
        or_(AdminUnit.valid_from.is_(None), AdminUnit.valid_from <= on),
        or_(AdminUnit.valid_to.is_(None), AdminUnit.valid_to > on),
    )


def count_units(
    session: Session,
    *,
    level: str | None = None,
    on: date | None = None,
    province_code: str | None = None,
) -> int:
    """Count the units of a level (all levels when None), valid on a date (any date when None)."""
    _check_level(level)
    query = select(func.count(AdminUnit.id))
    if level:
        query = query.where(AdminUnit.level == level)
    if on:
        query = query.where(_valid_on(on))
    if province_code:
        query = query.where(AdminUnit.province_code == normalize_code(province_code, "province"))
    return int(session.scalar(query) or 0)


def count_lineage(session: Session, *, kind: str | None = None) -> int:
    """Count the lineage links (of one kind: same, rename, merge, partial)."""
    query = select(func.count(UnitLineage.id))
    if kind:
        query = query.where(UnitLineage.kind == kind)
    return int(session.scalar(query) or 0)


def list_units(
    session: Session,
    *,
    province_code: str | None = None,
    level: str | None = None,
    on: date | None = None,
    q: str | None = None,
    parent_code: str | None = None,
    order: str = "name",
) -> list[AdminUnit]:
    """List units, filtered, in Vietnamese alphabetical order within each level.

    Args:
        session: an open session.
        province_code: only units of this province (the province itself included); "48" or "48".
        level: "province", "district" or "commune".
        on: only units valid on this date (legacy before 1 July 2025, current after); None: every era.
        q: accent-insensitive text found in the full name ("da nang" finds "Thành phố Đà Nẵng"),
            or an exact code.
        parent_code: only the children of this unit (districts of a legacy province, communes of a
            district or of a current province).
        order: "name" (Vietnamese alphabetical) or "code" (official order).

    Returns:
        The matching AdminUnit rows: provinces first, then districts, then communes.

    Raises:
        InvalidInput: unknown level or order.
        NotFound: the province code names no province of any era.
    """
    query = select(AdminUnit).where(*_unit_filters(session, province_code, level, on, q, parent_code, order))
    units = list(session.scalars(query))
    units.sort(key=_order_key(order))
    return units


def page_units(
    session: Session,
    *,
    offset: int,
    limit: int,
    province_code: str | None = None,
    level: str | None = None,
    on: date | None = None,
    q: str | None = None,
    order: str = "name",
) -> tuple[int, list[AdminUnit]]:
    """Return how many units match and the `limit` of them from `offset`, in `list_units`' order.

    Only the sort columns of every match are read; whole rows are loaded for the page alone (the
    unfiltered list has 14,149 units).

    Raises:
        InvalidInput, NotFound: as `list_units`.
    """
    where = _unit_filters(session, province_code, level, on, q, None, order)
    keys = list(
        session.execute(
            select(AdminUnit.id, AdminUnit.level, AdminUnit.name, AdminUnit.code, AdminUnit.valid_from).where(
                *where
            )
        )
    )
    keys.sort(key=_order_key(order))
    ids = [row.id for row in keys[offset : offset + limit]]
    loaded = {u.id: u for u in session.scalars(select(AdminUnit).where(AdminUnit.id.in_(ids)))} if ids else {}
    return len(keys), [loaded[i] for i in ids]


def _unit_filters(
    session: Session,
    province_code: str | None,
    level: str | None,
    on: date | None,
    q: str | None,
    parent_code: str | None,
    order: str,
) -> list[Any]:
    """Check the filters of `list_units` and return them as WHERE clauses."""
    _check_level(level)
    if order not in ("name", "code"):
        raise InvalidInput(f"Thứ tự không hợp lệ: {order!r}", f"Unknown order {order!r}; use name or code")
    where: list[Any] = []
    if province_code:
        province_code = normalize_code(province_code, "province")
        known = session.scalar(
            select(exists().where(AdminUnit.level == "province", AdminUnit.code == province_code))
        )
        if not known:
            raise NotFound(
                f"Không có tỉnh/thành phố mã {province_code}; xem `chiso units list --level province`",
                f"No province has code {province_code}; see `chiso units list --level province`",
            )
        where.append(AdminUnit.province_code == province_code)
    if level:
        where.append(AdminUnit.level == level)
    if on:
        where.append(_valid_on(on))
    if parent_code:
        where.append(AdminUnit.parent_code == parent_code.strip())
    if q and q.strip():
        needle = " ".join(fold(q).split())
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(AdminUnit.name_ascii.like(pattern, escape="\\"), AdminUnit.code == q.strip()))
    return where


def _order_key(order: str) -> Callable[[Any], tuple[Any, ...]]:
    """Return the sort key of `list_units`: level, then name (Vietnamese order) or code, then era."""
    rank = {name: i for i, name in enumerate(LEVELS)}
    if order == "code":
        return lambda u: (rank.get(u.level, 9), u.code, u.valid_from or date.min)
    return lambda u: (rank.get(u.level, 9), sort_key(u.name), u.code, u.valid_from or date.min)


def get_unit(session: Session, *, code: str, level: str | None = None, on: date | None = None) -> AdminUnit:
    """Return the unit with this code (valid on `on` if given; else the current one, else the latest).

    Raises:
        NotFound: no unit has this code (at this level, on this date).
    """
    _check_level(level)
    code = normalize_code(code, level)
    query = select(AdminUnit).where(AdminUnit.code == code)
    if level:
        query = query.where(AdminUnit.level == level)
    if on:
        query = query.where(_valid_on(on))
    units = list(session.scalars(query))
    if not units:
        where_vi = f" cấp {LEVEL_NAMES_VI[level]}" if level else ""
        where_en = f" at level {level}" if level else ""
        when_vi = f" vào ngày {on:%d/%m/%Y}" if on else ""
        when_en = f" on {on.isoformat()}" if on else ""
        raise NotFound(
            f"Không tìm thấy đơn vị hành chính mã {code}{where_vi}{when_vi}",
            f"No administrative unit with code {code}{where_en}{when_en}; "
            "check the code with `chiso units list --q NAME`",
        )
    units.sort(key=lambda u: (u.valid_to is None, u.valid_from or date.min, -LEVELS.index(u.level)))
    return units[-1]


def _unit_out(unit: AdminUnit) -> UnitOut:
    return UnitOut.model_validate(unit)


def get_lineage(session: Session, *, code: str, level: str | None = None) -> LineageOut:
    """Trace a code through the 2025 reform: what each old unit became, and what each new one came from.

    Forward (successors) for a legacy unit, backward (predecessors) for a current one; a code used in
    both eras (province 48) gives both units.

    Args:
        session: an open session.
        code: the official code ("49" Quảng Nam, "20194" a legacy ward of Đà Nẵng).
        level: restrict to one level when the code is ambiguous.

    Raises:
        NotFound: no unit has this code.
    """
    _check_level(level)
    code = normalize_code(code, level)
    query = select(AdminUnit).where(AdminUnit.code == code)
    if level:
        query = query.where(AdminUnit.level == level)
    units = list(session.scalars(query))
    if not units:
        get_unit(session, code=code, level=level)  # raises the NotFound with its message
    ids = [u.id for u in units]
    other = aliased(AdminUnit)
    forward = session.execute(
        select(UnitLineage, other)
        .join(other, other.id == UnitLineage.to_unit_id)
        .where(UnitLineage.from_unit_id.in_(ids))
    ).all()
    backward = session.execute(
        select(UnitLineage, other)
        .join(other, other.id == UnitLineage.from_unit_id)
        .where(UnitLineage.to_unit_id.in_(ids))
    ).all()

    def link(row: UnitLineage, unit: AdminUnit) -> LineageLink:
        return LineageLink(
            unit=_unit_out(unit), kind=row.kind, is_primary=row.is_primary, effective_on=row.effective_on
        )

    def order(item: LineageLink) -> tuple[Any, ...]:
        return (LEVELS.index(item.unit.level), not item.is_primary, sort_key(item.unit.name), item.unit.code)

    out = []
    rank = {name: i for i, name in enumerate(LEVELS)}
    for unit in sorted(units, key=lambda u: (rank[u.level], u.valid_to is None, u.valid_from or date.min)):
        out.append(
            UnitLineageOut(
                unit=_unit_out(unit),
                successors=sorted((link(r, u) for r, u in forward if r.from_unit_id == unit.id), key=order),
                predecessors=sorted((link(r, u) for r, u in backward if r.to_unit_id == unit.id), key=order),
            )
        )
    return LineageOut(code=code, level=level, units=out)
