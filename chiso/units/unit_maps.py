"""The commune map: which units it shows, how an uploaded boundary file is matched to them, and storing it.

Domain service of the units room: keyword-only functions taking the session (and `actor` for the
write); flushes, never commits. Imports the units room's geo, text and access helpers, chiso.accounts
audit and chiso.store models; never web, cli or flows.

The units on the map are the commune-level agencies (UBND xã, phường, đặc khu) valid on a day. A feature
of the file matches one of them by a property holding its code (the agency code, or the official 5-digit
commune code) or, failing that, by its name compared without accents and without the "Phường", "Xã",
"UBND" prefix. Features matching nothing (or two units) are listed; at least one must match.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, joinedload

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.errors import InvalidInput, Problem
from chiso.store.models.agencies import Agency
from chiso.store.models.unit_maps import UnitMap
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.units.access import check_can_edit_units
from chiso.units.geo import GeoFeature, fit_projection, parse_boundaries, svg_path
from chiso.units.text import fold, sort_key

MAP_KINDS = ("commune",)
# Words before a commune's own name, longest first ("thi tran" before "thi"), compared folded.
_PREFIXES = (
    "uy ban nhan dan", "ubnd", "dac khu", "thi tran", "thi xa", "thanh pho", "phuong", "xa",
    "ward", "commune", "town",
)  # fmt: skip
_NAME_KEYS = ("ten", "name", "ten_xa", "tenxa", "ten_dvhc", "name_vi")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"[\s\-_.,]+")


def normalize_unit_name(text: str) -> str:
    """Return a commune's name without accents, case, "UBND"/"Phường"/"Xã"-style prefix or zero padding.

    ``normalize_unit_name("UBND phường Hải Châu") == normalize_unit_name("Hai Chau") == "hai chau"``;
    ``"Phường 01"`` and ``"phuong 1"`` both give ``"1"``.
    """
    name = _SPACES.sub(" ", fold(text)).strip()
    stripped = True
    while stripped:
        stripped = False
        for prefix in _PREFIXES:
            if name.startswith(prefix + " "):
                name, stripped = name[len(prefix) + 1 :].strip(), True
    return _DIGITS.sub(lambda m: str(int(m.group())), name)


@dataclass(frozen=True)
class MapUnit:
    """A unit the map can show: its agency, official commune code, names and former district."""

    agency_code: str
    name_vi: str
    name_en: str
    unit_code: str | None
    unit_name: str | None
    district: str | None  # the district most of its land belonged to before 1 July 2025


class MapFeatureRow(BaseModel):
    """One feature of an uploaded file and what it matched (None: unmatched, with the reason)."""

    index: int
    label: str
    agency_code: str | None = None
    agency_name: str | None = None
    matched_by: str | None = None  # "code" | "name"
    reason_vi: str = ""
    reason_en: str = ""


class UnitMapInfo(BaseModel):
    """The map in use: its file, when and by whom it came, and its match report."""

    id: int
    sha256: str
    filename: str
    uploaded_at: clock.LocalDatetime
    uploaded_by: str
    features: int
    matched: int
    units_drawn: int
    unmatched: list[MapFeatureRow]


def _districts(session: Session, unit_ids: list[int]) -> dict[int, str]:
    """Return, per current commune unit id, the name of the district its primary predecessor was in."""
    old = aliased(AdminUnit)
    # filtered on level here, not in SQL: a level filter leads SQLite to scan every unit (2 s, not 20 ms)
    links = [
        r
        for r in session.execute(
            select(UnitLineage.to_unit_id, UnitLineage.is_primary, old.level, old.parent_code, old.code)
            .join(old, old.id == UnitLineage.from_unit_id)
            .where(UnitLineage.to_unit_id.in_(unit_ids))
        )
        if r.level in ("commune", "district")
    ]
    codes = {r.parent_code if r.level == "commune" else r.code for r in links} - {None}
    names = dict(
        session.execute(
            select(AdminUnit.code, AdminUnit.full_name).where(
                AdminUnit.level == "district", AdminUnit.code.in_(codes), AdminUnit.valid_to.is_not(None)
            )
        ).all()
    )  # district codes were unique before the reform; the current era has no districts
    votes: dict[int, Counter[str]] = {}
    for to_id, primary, level, parent_code, code in links:
        name = names.get((parent_code if level == "commune" else code) or "")
        if name is None:
            continue
        # a unit made from a whole district (an island district turned special zone) keeps it, weakly
        votes.setdefault(to_id, Counter())[name] += 0 if level == "district" else 10 if primary else 1
    return {uid: c.most_common(1)[0][0] for uid, c in votes.items()}


def list_map_units(session: Session, *, on: date | None = None) -> list[MapUnit]:
    """List the commune-level agencies valid on `on` (default today), in Vietnamese alphabetical order."""
    day = on or clock.today()
    agencies = session.scalars(
        select(Agency)
        .options(joinedload(Agency.admin_unit))
        .where(
            Agency.kind.in_(MAP_KINDS),
            (Agency.valid_from.is_(None)) | (Agency.valid_from <= day),
            (Agency.valid_to.is_(None)) | (Agency.valid_to > day),
        )
    ).all()
    unit_ids = [a.admin_unit_id for a in agencies if a.admin_unit_id is not None]
    districts = _districts(session, unit_ids) if unit_ids else {}
    units = [
        MapUnit(
            agency_code=a.code,
            name_vi=a.name_vi,
            name_en=a.name_en or "",
            unit_code=a.admin_unit.code if a.admin_unit else None,
            unit_name=a.admin_unit.full_name if a.admin_unit else None,
            district=districts.get(a.admin_unit_id) if a.admin_unit_id else None,
        )
        for a in agencies
    ]
    return sorted(units, key=lambda u: sort_key(u.name_vi))


def _code_key(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text.zfill(5) if text.isdigit() and len(text) <= 5 else text


def _label(props: dict[str, Any]) -> str:
    for key, value in props.items():
        if isinstance(value, str) and fold(key).replace(" ", "_") in _NAME_KEYS:
            return value
    for key, value in props.items():
        if isinstance(value, str) and any(k in fold(key) for k in ("ten", "name")):
            return value
    return next((v for v in props.values() if isinstance(v, str)), "")


def match_features(features: list[GeoFeature], units: list[MapUnit]) -> list[MapFeatureRow]:
    """Match each feature to a unit by a code property, else by a name property; report every feature."""
    names = {u.agency_code: u.name_vi for u in units}
    by_code: dict[str, str] = {}
    for u in units:
        by_code[u.agency_code] = u.agency_code
        if u.unit_code:
            by_code[u.unit_code] = u.agency_code
    by_name: dict[str, set[str]] = {}
    for u in units:
        for name in (u.name_vi, u.unit_name or ""):
            if name:
                by_name.setdefault(normalize_unit_name(name), set()).add(u.agency_code)
    rows: list[MapFeatureRow] = []
    for f in features:
        row = MapFeatureRow(index=f.index, label=_label(f.properties))
        codes = [by_code[k] for k in map(_code_key, f.properties.values()) if k is not None and k in by_code]
        if codes:
            row.agency_code, row.matched_by = codes[0], "code"
        else:
            ambiguous: set[str] = set()
            for value in f.properties.values():
                found = by_name.get(normalize_unit_name(value), set()) if isinstance(value, str) else set()
                if len(found) == 1:
                    row.agency_code, row.matched_by = next(iter(found)), "name"
                    break
                ambiguous |= found
            if row.agency_code is None and ambiguous:
                row.reason_vi = f"tên trùng với {len(ambiguous)} đơn vị: {', '.join(sorted(ambiguous))}"
                row.reason_en = f"the name fits {len(ambiguous)} units: {', '.join(sorted(ambiguous))}"
            elif row.agency_code is None:
                row.reason_vi = "không có mã hoặc tên nào khớp một đơn vị cấp xã hiện hành"
                row.reason_en = "no code or name matches a current commune-level unit"
        row.agency_name = names.get(row.agency_code or "")
        rows.append(row)
    return rows


def _info(record: UnitMap) -> UnitMapInfo:
    unmatched = [MapFeatureRow.model_validate(r) for r in record.report if not r.get("agency_code")]
    return UnitMapInfo(
        id=record.id, sha256=record.sha256, filename=record.filename, uploaded_at=record.uploaded_at,
        uploaded_by=record.uploaded_by, features=record.features, matched=record.matched,
        units_drawn=len(record.paths), unmatched=unmatched,
    )  # fmt: skip


def accept_unit_map(
    session: Session, *, data: bytes, filename: str, sha256: str, actor: Actor, max_bytes: int | None = None
) -> tuple[UnitMapInfo, list[MapFeatureRow]]:
    """Check, match and store an uploaded boundary file as the map in use (all or nothing).

    Args:
        session: an open session (the caller commits).
        data: the file's bytes (GeoJSON or TopoJSON).
        filename: its name, for messages and the record.
        sha256: its content hash (the original is kept under that name by the caller).
        actor: who uploads (the secretariat or SYSTEM).
        max_bytes: the size limit.

    Returns:
        The stored map and the report of every feature.

    Raises:
        PermissionDenied: the actor is not the secretariat.
        InvalidInput: the file is not valid (nothing stored), or no feature matches a current unit.
    """
    check_can_edit_units(actor, what_vi="tải lên bản đồ ranh giới", what_en="upload a boundary map")
    features = parse_boundaries(data, name=filename, max_bytes=max_bytes)
    rows = match_features(features, list_map_units(session))
    shapes: dict[str, list[Any]] = {}
    for feature, row in zip(features, rows, strict=True):
        if row.agency_code is not None:
            shapes.setdefault(row.agency_code, []).extend(feature.polygons)
    if not shapes:
        problems = [
            Problem(f"đối tượng {r.index} ({r.label or '—'}): {r.reason_vi}",
                    f"feature {r.index} ({r.label or '—'}): {r.reason_en}", file=filename)
            for r in rows
        ]  # fmt: skip
        raise InvalidInput(
            f"Không đối tượng nào của {filename} khớp một đơn vị cấp xã hiện hành; không có gì được lưu",
            f"No feature of {filename} matches a current commune-level unit; nothing was kept. Give each "
            "feature a property with the commune code (e.g. 20194) or its name (e.g. Phường Hải Châu)",
            problems[:20],
        )
    project = fit_projection([p for polys in shapes.values() for p in polys])
    record = UnitMap(
        sha256=sha256, filename=filename[:300], uploaded_at=clock.now(), uploaded_by=actor.username,
        features=len(features), matched=sum(1 for r in rows if r.agency_code),
        width=round(project.width, 1), height=round(project.height, 1),
        paths={code: svg_path(polys, project) for code, polys in shapes.items()},
        report=[r.model_dump() for r in rows],
    )  # fmt: skip
    session.add(record)
    session.flush()
    record_change(
        session, action="unit_map.upload", object_type="unit_map", object_id=record.id, actor=actor,
        new={"file": record.filename, "sha256": sha256, "matched": f"{record.matched}/{record.features}"},
    )  # fmt: skip
    return _info(record), rows


def get_unit_map(session: Session) -> UnitMap | None:
    """Return the map in use (the newest upload), or None when none was uploaded."""
    return session.scalar(select(UnitMap).order_by(UnitMap.id.desc()).limit(1))


def describe_unit_map(record: UnitMap) -> UnitMapInfo:
    """Return the public description of a stored map (file, counts, unmatched features)."""
    return _info(record)
