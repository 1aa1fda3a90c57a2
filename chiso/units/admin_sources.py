"""Read the administrative units and their 2025 lineage from the bundled package data (no network).

Domain-service helper for chiso.units.admin; imports no store, web or scoring code and never calls the
online geocoder that `vietnamadminunits` can use: it only reads that package's bundled SQLite and
JSON files, and the JSON shipped with `vietnam-provinces`.

Sources:
- current units (from 1 July 2025): `vietnam_provinces` data/nested-divisions.json, official codes;
- units before 1 July 2025: `vietnamadminunits` data/dataset.db, table admin_units_legacy;
- lineage: `vietnamadminunits` data/converter_2025.json (old province -> new province; old commune
  -> new commune, whole or split), its new-unit keys resolved to official codes through
  dataset.db's admin_units table and the names in vietnam-provinces.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeAlias

import vietnam_provinces

from chiso.errors import InvalidInput, Problem
from chiso.units.text import fold

# The 2025 reform: 63 provinces became 34, districts abolished, communes merged (Resolution 202/2025/QH15).
REFORM_DATE = date(2025, 7, 1)
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}

# A unit's identity (level, code, valid_from), and a lineage pair (old, new, whole, primary).
UnitKey: TypeAlias = tuple[str, str, date | None]
Pair: TypeAlias = tuple[UnitKey, UnitKey, bool, bool]

_PROVINCE_TYPES = {"tỉnh": "Tỉnh", "thành phố trung ương": "Thành phố Trung ương"}
_COMMUNE_TYPES = {"xã": "Xã", "phường": "Phường", "đặc khu": "Đặc khu"}


@dataclass(frozen=True)
class UnitRecord:
    """One unit as read from the packages, ready to be stored."""

    level: str
    code: str
    name: str
    full_name: str
    unit_type: str
    province_code: str
    parent_code: str | None
    valid_from: date | None
    valid_to: date | None

    @property
    def key(self) -> UnitKey:
        return (self.level, self.code, self.valid_from)

    def as_row(self) -> dict[str, object]:
        """Return the unit's `admin_units` columns (its fields and the folded name searches use)."""
        return {**asdict(self), "name_ascii": fold(self.full_name)}


@dataclass(frozen=True)
class LineageRecord:
    """Old unit (legacy) -> new unit (current): kind same | rename | merge | partial."""

    from_key: UnitKey
    to_key: UnitKey
    kind: str
    is_primary: bool


@dataclass
class AdminSource:
    """Everything read from the packages: units, lineage and where they came from."""

    units: list[UnitRecord] = field(default_factory=list)
    lineage: list[LineageRecord] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=32768)
def clean_name(text: str) -> str:
    """Return `text` in NFC with runs of spaces collapsed (the packages have "Phường  An Nhơn")."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def match_key(text: str) -> str:
    """Return a key under which two spellings of one name meet, and two different names do not.

    Each word keeps its letters (ă, â, đ, ê, ô, ơ, ư) and its tone, but not where the tone sits:
    "Thuận Hoà" / "Thuận Hòa" meet, "Sơn Hà" / "Sơn Hạ" and "Văn Lang" / "Văn Lăng" stay apart.
    Case, punctuation and spacing are ignored ("Ea H’leo" / "Ea H'Leo", "Chân Mây – Lăng Cô").
    """
    words = []
    for word in re.sub(r"[^\w\s]", " ", unicodedata.normalize("NFC", text).lower()).split():
        word = unicodedata.normalize("NFD", word)
        tones = [ch for ch in word if ch in _TONE_MARKS]
        bare = unicodedata.normalize("NFC", "".join(ch for ch in word if ch not in _TONE_MARKS))
        words.append(bare + "".join(tones))
    return " ".join(words)


def loose_key(text: str) -> str:
    """Return `text` folded to bare letters and words, for a last-resort match ("Đăk Bla" / "Đắk Bla")."""
    return " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise InvalidInput(
            f"Thiếu gói {name}; hãy cài đặt lại chiso (pip install -e .)",
            f"The package {name} is missing; reinstall chiso (pip install -e .)",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _strip_prefix(full_name: str, prefixes: list[str]) -> str:
    for prefix in prefixes:
        if full_name.lower().startswith(prefix.lower() + " "):
            return full_name[len(prefix) + 1 :].strip()
    return full_name


def read_current() -> tuple[list[UnitRecord], list[dict[str, object]]]:
    """Read the 34 provinces and 3,321 communes valid from 1 July 2025 from vietnam-provinces.

    Returns:
        The unit records, and the raw nested province list (used to resolve lineage keys).
    """
    path = _package_dir("vietnam_provinces") / "data" / "nested-divisions.json"
    provinces: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    units: list[UnitRecord] = []
    for province in provinces:
        pcode = str(province["code"]).zfill(2)
        ptype = _PROVINCE_TYPES.get(str(province["division_type"]), str(province["division_type"]))
        raw = clean_name(str(province["name"]))
        short = _strip_prefix(raw, ["Thành phố", "Tỉnh"])
        full = raw if raw != short else f"{'Tỉnh' if ptype == 'Tỉnh' else 'Thành phố'} {short}"
        units.append(UnitRecord("province", pcode, short, full, ptype, pcode, None, REFORM_DATE, None))
        wards = province["wards"]
        assert isinstance(wards, list)
        for ward in wards:
            wtype = _COMMUNE_TYPES.get(str(ward["division_type"]), str(ward["division_type"]))
            full = clean_name(str(ward["name"]))
            units.append(
                UnitRecord(
                    "commune",
                    str(ward["code"]).zfill(5),
                    _strip_prefix(full, [wtype]),
                    full,
                    wtype,
                    pcode,
                    pcode,
                    REFORM_DATE,
                    None,
                )
            )
    return units, provinces


def _legacy_province_type(full_name: str) -> str:
    return "Thành phố Trung ương" if full_name.startswith("Thành phố") else "Tỉnh"


def read_source() -> AdminSource:
    """Read current units, legacy units and the lineage between them from the bundled package files.

    Raises:
        InvalidInput: when the package data is inconsistent (a lineage key that names no unit).
    """
    current, nested = read_current()
    vau_dir = _package_dir("vietnamadminunits") / "data"
    legacy_rows, new_rows = _read_dataset_db(vau_dir / "dataset.db")
    converter = json.loads((vau_dir / "converter_2025.json").read_text(encoding="utf-8"))
    source = AdminSource(
        units=list(current),
        provenance={
            "current": f"vietnam-provinces {vietnam_provinces.__version__} "
            f"(data {vietnam_provinces.__data_version__})",
            "legacy": f"vietnamadminunits {_version('vietnamadminunits')} dataset.db admin_units_legacy",
            "lineage": f"vietnamadminunits {_version('vietnamadminunits')} converter_2025.json",
        },
    )
    legacy = _add_legacy_units(source, legacy_rows)
    problems: list[Problem] = []
    new_units = _resolve_new_units(nested, new_rows, problems)
    pairs = _converter_pairs(converter, legacy, new_units, problems)
    if problems:
        raise InvalidInput(
            "Dữ liệu đơn vị hành chính trong gói không nhất quán",
            "The administrative-unit data shipped in the packages is inconsistent",
            problems,
        )
    units_by_key = {u.key: u for u in source.units}
    source.lineage = _classify(_with_districts(pairs, units_by_key), units_by_key)
    return source


def _read_dataset_db(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Read the legacy units and the converter's new-unit keys from vietnamadminunits' dataset.db."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        legacy_rows = con.execute(
            "SELECT province, provinceShort, provinceCode, provinceKey,"
            " district, districtShort, districtType, districtCode, districtKey,"
            " ward, wardShort, wardType, wardCode, wardKey"
            " FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
        new_rows = con.execute("SELECT provinceKey, provinceCode, wardKey, ward FROM admin_units").fetchall()
    finally:
        con.close()
    return legacy_rows, new_rows


@dataclass
class _Keys:
    """The converter's keys resolved to unit keys: provinces by key, communes (or island districts)."""

    provinces: dict[str, UnitKey] = field(default_factory=dict)
    communes: dict[Any, UnitKey] = field(default_factory=dict)


def _add_legacy_units(source: AdminSource, legacy_rows: list[tuple[Any, ...]]) -> _Keys:
    """Add the legacy provinces, districts and communes to `source`; return the converter's keys for them.

    Communes are keyed "province_district_ward"; an island district without communes (Côn Đảo, Lý Sơn,
    Hoàng Sa, ...) is keyed "province_district_".
    """
    keys = _Keys()
    seen: set[UnitKey] = set()
    for (p_full, p_short, p_code, p_key, d_full, d_short, d_type, d_code, d_key,
         w_full, w_short, w_type, w_code, w_key) in legacy_rows:  # fmt: skip
        p_code, d_code = str(p_code).zfill(2), str(d_code).zfill(3)
        p = UnitRecord(
            "province", p_code, clean_name(p_short), clean_name(p_full),
            _legacy_province_type(p_full), p_code, None, None, REFORM_DATE,
        )  # fmt: skip
        d = UnitRecord(
            "district", d_code, clean_name(d_short), clean_name(d_full),
            clean_name(d_type), p_code, p_code, None, REFORM_DATE,
        )  # fmt: skip
        w = None if w_code is None else UnitRecord(
            "commune", str(w_code).zfill(5), clean_name(w_short), clean_name(w_full),
            clean_name(w_type), p_code, d_code, None, REFORM_DATE,
        )  # fmt: skip
        for unit in (p, d, w):
            if unit is not None and unit.key not in seen:
                seen.add(unit.key)
                source.units.append(unit)
        keys.provinces[p_key] = p.key
        keys.communes[f"{p_key}_{d_key}_{w_key if w else ''}"] = (w or d).key
    return keys


def _resolve_new_units(
    nested: list[dict[str, object]], new_rows: list[tuple[Any, ...]], problems: list[Problem]
) -> _Keys:
    """Resolve the converter's new units, named by (province key, ward key), to official codes by name."""
    official: dict[tuple[str, str], str] = {}
    loose: dict[tuple[str, str], list[str]] = defaultdict(list)
    for province in nested:
        pcode = str(province["code"]).zfill(2)
        wards = province["wards"]
        assert isinstance(wards, list)
        for ward in wards:
            code = str(ward["code"]).zfill(5)
            official[(pcode, match_key(str(ward["name"])))] = code
            loose[(pcode, loose_key(str(ward["name"])))].append(code)
    keys = _Keys()
    unmatched: list[tuple[str, str, str, str]] = []
    for p_key, p_code, w_key, w_name in new_rows:
        p_code = str(p_code).zfill(2)
        keys.provinces[p_key] = ("province", p_code, REFORM_DATE)
        found = official.get((p_code, match_key(w_name)))
        if found is None:
            unmatched.append((p_key, p_code, w_key, w_name))
        else:
            keys.communes[(p_key, w_key)] = ("commune", found, REFORM_DATE)
    taken = {key[1] for key in keys.communes.values()}
    for p_key, p_code, w_key, w_name in unmatched:
        # Spelled differently in the two packages: accept a folded match only if it is unambiguous.
        candidates = [c for c in loose.get((p_code, loose_key(w_name)), []) if c not in taken]
        if len(candidates) != 1:
            problems.append(_problem(f"{w_name} ({p_code})", "dataset.db admin_units"))
            continue
        taken.add(candidates[0])
        keys.communes[(p_key, w_key)] = ("commune", candidates[0], REFORM_DATE)
    resolved = [key[1] for key in keys.communes.values()]
    if len(set(resolved)) != len(resolved) or set(resolved) != set(official.values()):
        missing = sorted(set(official.values()) - set(resolved))
        problems.append(
            _problem(f"{len(missing)} xã/communes ({', '.join(missing[:10])})", "converter_2025.json")
        )
    return keys


def _converter_pairs(
    converter: dict[str, Any], legacy: _Keys, new: _Keys, problems: list[Problem]
) -> list[Pair]:
    """Turn the converter's three tables into (old unit, new unit, whole, primary) pairs."""
    pairs: list[Pair] = []
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        for old_key in old_keys:
            if old_key not in legacy.provinces or new_key not in new.provinces:
                problems.append(_problem(f"{old_key} -> {new_key}", "converter_2025.json DICT_PROVINCE"))
                continue
            pairs.append((legacy.provinces[old_key], new.provinces[new_key], True, True))
    for p_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for w_key, old_keys in wards.items():
            for old_key in old_keys:
                if old_key not in legacy.communes or (p_key, w_key) not in new.communes:
                    problems.append(_problem(f"{old_key} -> {p_key}_{w_key}", "converter_2025.json"))
                    continue
                pairs.append((legacy.communes[old_key], new.communes[(p_key, w_key)], True, True))
    for p_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in olds.items():
            for part in parts:
                target = new.communes.get((p_key, part["newWardKey"]))
                if old_key not in legacy.communes or target is None:
                    problems.append(_problem(f"{old_key} -> {part['newWardKey']}", "converter_2025.json"))
                    continue
                pairs.append((legacy.communes[old_key], target, False, bool(part["isDefaultNewWard"])))
    return pairs


def _with_districts(pairs: list[Pair], units: dict[UnitKey, UnitRecord]) -> list[Pair]:
    """Add district -> new commune pairs: where each district's communes went (whole only if all in one)."""
    targets: dict[UnitKey, dict[UnitKey, bool]] = defaultdict(dict)
    direct = {frm for frm, _, _, _ in pairs if frm[0] == "district"}
    for frm, to, whole, _ in pairs:
        if frm[0] != "commune":
            continue
        parent = units[frm].parent_code
        assert parent is not None
        district: UnitKey = ("district", parent, None)
        if district in direct:
            continue
        targets[district][to] = targets[district].get(to, True) and whole
    out = list(pairs)
    for district, tos in targets.items():
        whole = len(tos) == 1 and next(iter(tos.values()))
        for to in sorted(tos, key=lambda k: k[1]):
            out.append((district, to, whole, whole))
    return out


def _classify(pairs: list[Pair], units: dict[UnitKey, UnitRecord]) -> list[LineageRecord]:
    """Name each link: partial (split), merge (one of several whole predecessors), rename or same."""
    predecessors: dict[tuple[UnitKey, str], int] = defaultdict(int)
    for frm, to, _, _ in pairs:
        predecessors[(to, frm[0])] += 1
    out: list[LineageRecord] = []
    for frm, to, whole, primary in pairs:
        if not whole:
            kind = "partial"
        elif predecessors[(to, frm[0])] > 1:
            kind = "merge"
        elif match_key(units[frm].full_name) == match_key(units[to].full_name):
            kind = "same"
        else:
            kind = "rename"
        out.append(LineageRecord(frm, to, kind, primary))
    return out


def _problem(what: str, where: str) -> Problem:
    return Problem(
        f"Không khớp được {what} với một đơn vị hành chính",
        f"Cannot match {what} to an administrative unit",
        file=where,
    )


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"
