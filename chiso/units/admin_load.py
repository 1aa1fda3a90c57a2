"""Load the administrative units and their 2025 lineage from the bundled packages into the store.

Domain service: keyword-only functions taking the SQLAlchemy session explicitly; they flush, never
commit (the CLI command owns the transaction; `ensure_units_loaded` opens its own for tests and the
demo). Imports store models, the actor type and the units room's access and admin_sources; never web,
cli or flows. The load takes a required `actor` (SYSTEM from the CLI and the demo).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from chiso.accounts.actors import Actor
from chiso.store.db import session_scope
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.units.access import check_can_edit_units
from chiso.units.admin_sources import REFORM_DATE, AdminSource, read_source

__all__ = ["ProgressFn", "ensure_units_loaded", "load_admin_units", "units_loaded"]

# progress(step, done, total): called as the load advances (step is "read", "units" or "lineage").
ProgressFn = Callable[[str, int, int], None]

_UNIT_FIELDS = (
    "name", "full_name", "unit_type", "name_ascii", "province_code", "parent_code", "valid_to",
)  # fmt: skip
_BATCH = 2000


def _notify(progress: ProgressFn | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)


def load_admin_units(session: Session, *, actor: Actor, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Load or refresh every administrative unit and the 2025 lineage from the bundled packages.

    Idempotent: units are upserted by (level, code, valid_from) and lineage links by (old, new);
    a second run inserts, updates and deletes nothing. Lineage links dated 1 July 2025 that the
    source no longer contains are removed; units are never deleted (agencies may point at them).

    Args:
        session: an open session; the caller commits.
        actor: who loads (SYSTEM from the CLI and the demo, or a secretariat user).
        progress: optional ``progress(step, done, total)`` callback for a progress bar.

    Returns:
        Counts: units_inserted, units_updated, units_unchanged, lineage_inserted, lineage_updated,
        lineage_deleted, lineage_unchanged, and the totals per era and level, plus the sources.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
        InvalidInput: the package data is inconsistent.
    """
    check_can_edit_units(actor, what_vi="nạp đơn vị hành chính", what_en="load the administrative units")
    _notify(progress, "read", 0, 1)
    source = read_source()
    _notify(progress, "read", 1, 1)
    total = len(source.units) + len(source.lineage)
    inserted, updated = _upsert_units(session, source, progress, total)
    _notify(progress, "units", len(source.units), total)
    lineage = _sync_lineage(session, source, progress, total)
    session.flush()
    _notify(progress, "lineage", total, total)

    counts: dict[str, Any] = {
        "units_inserted": inserted,
        "units_updated": updated,
        "units_unchanged": len(source.units) - inserted - updated,
        **lineage,
        "lineage_unchanged": len(source.lineage) - lineage["lineage_inserted"] - lineage["lineage_updated"],
        "sources": source.provenance,
    }
    for unit in source.units:
        era = "current" if unit.valid_to is None else "legacy"
        counts[f"{era}_{unit.level}"] = counts.get(f"{era}_{unit.level}", 0) + 1
    counts["lineage"] = len(source.lineage)
    return counts


def _upsert_units(
    session: Session, source: AdminSource, progress: ProgressFn | None, total: int
) -> tuple[int, int]:
    """Insert the new units and update the changed ones, in batches; return (inserted, updated)."""
    existing = {
        (row.level, row.code, row.valid_from): row
        for row in session.execute(
            select(
                AdminUnit.id,
                AdminUnit.level,
                AdminUnit.code,
                AdminUnit.valid_from,
                *(getattr(AdminUnit, f) for f in _UNIT_FIELDS),
            )
        )
    }
    to_insert: list[dict[str, object]] = []
    to_update: list[dict[str, object]] = []
    for unit in source.units:
        row = unit.as_row()
        old = existing.get(unit.key)
        if old is None:
            to_insert.append(row)
        elif any(getattr(old, f) != row[f] for f in _UNIT_FIELDS):
            to_update.append({"id": old.id, **{f: row[f] for f in _UNIT_FIELDS}})
    done = _execute_batches(session, insert(AdminUnit), to_insert, progress, "units", 0, total)
    _execute_batches(session, update(AdminUnit), to_update, progress, "units", done, total)
    return len(to_insert), len(to_update)


def _sync_lineage(
    session: Session, source: AdminSource, progress: ProgressFn | None, total: int
) -> dict[str, int]:
    """Upsert the lineage links by (old unit, new unit); drop reform-dated links the source lost."""
    ids = {
        (level, code, valid_from): unit_id
        for unit_id, level, code, valid_from in session.execute(
            select(AdminUnit.id, AdminUnit.level, AdminUnit.code, AdminUnit.valid_from)
        )
    }
    links = {
        (row.from_unit_id, row.to_unit_id): row
        for row in session.execute(
            select(
                UnitLineage.id,
                UnitLineage.from_unit_id,
                UnitLineage.to_unit_id,
                UnitLineage.kind,
                UnitLineage.is_primary,
                UnitLineage.effective_on,
            )
        )
    }
    wanted: set[tuple[int, int]] = set()
    link_insert: list[dict[str, object]] = []
    link_update: list[dict[str, object]] = []
    for link in source.lineage:
        pair = (ids[link.from_key], ids[link.to_key])
        wanted.add(pair)
        values = {"kind": link.kind, "is_primary": link.is_primary, "effective_on": REFORM_DATE}
        old_link = links.get(pair)
        if old_link is None:
            link_insert.append({"from_unit_id": pair[0], "to_unit_id": pair[1], **values})
        elif any(getattr(old_link, k) != v for k, v in values.items()):
            link_update.append({"id": old_link.id, **values})
    stale = [row.id for pair, row in links.items() if pair not in wanted and row.effective_on == REFORM_DATE]
    done = len(source.units)
    done = _execute_batches(session, insert(UnitLineage), link_insert, progress, "lineage", done, total)
    _execute_batches(session, update(UnitLineage), link_update, progress, "lineage", done, total)
    for id_batch in _batches(stale):
        session.execute(delete(UnitLineage).where(UnitLineage.id.in_(id_batch)))
    return {
        "lineage_inserted": len(link_insert),
        "lineage_updated": len(link_update),
        "lineage_deleted": len(stale),
    }


def _execute_batches(
    session: Session,
    statement: Executable,
    rows: list[dict[str, object]],
    progress: ProgressFn | None,
    step: str,
    done: int,
    total: int,
) -> int:
    """Execute a bulk insert or update in batches, reporting progress; return `done` plus the rows written."""
    for batch in _batches(rows):
        session.execute(statement, batch)
        done += len(batch)
        _notify(progress, step, done, total)
    return done


def _batches(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def units_loaded(session: Session) -> bool:
    """Return True when the units and their lineage are in the database (a load has completed)."""
    current = session.scalar(
        select(exists().where(AdminUnit.level == "province", AdminUnit.valid_from == REFORM_DATE))
    )
    return bool(current) and bool(session.scalar(select(exists().where(UnitLineage.id.is_not(None)))))


def ensure_units_loaded(url: str | None = None, *, actor: Actor) -> dict[str, Any] | None:
    """Load the units into the database at `url` in their own transaction unless already there.

    For tests and the demo: a no-op (returns None) when a complete load is present.

    Args:
        url: a SQLAlchemy URL; default the configured database.
        actor: who loads (SYSTEM from tests and the demo).

    Returns:
        The counts of `load_admin_units`, or None when nothing had to be done.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
    """
    check_can_edit_units(actor, what_vi="nạp đơn vị hành chính", what_en="load the administrative units")
    with session_scope(url) as session:
        if units_loaded(session):
            return None
        return load_admin_units(session, actor=actor)
