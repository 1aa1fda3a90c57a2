"""Administrative units and the 2025 lineage (chiso.units.admin, admin_load) on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput, NotFound
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.units.admin import count_lineage, count_units, get_lineage, get_unit, list_units, page_units
from chiso.units.admin_load import load_admin_units, units_loaded
from chiso.units.admin_sources import _package_dir
from chiso.units.text import fold, sort_key

BEFORE = date(2025, 6, 30)
AFTER = date(2025, 7, 1)

# Resolution 202/2025/QH15, hand-copied: each new province and the old provinces it was formed from.
# The 11 provinces that were not merged map onto themselves.
PROVINCE_MERGES = {
    "Tuyên Quang": {"Hà Giang", "Tuyên Quang"},
    "Lào Cai": {"Lào Cai", "Yên Bái"},
    "Thái Nguyên": {"Bắc Kạn", "Thái Nguyên"},
    "Phú Thọ": {"Vĩnh Phúc", "Phú Thọ", "Hòa Bình"},
    "Bắc Ninh": {"Bắc Giang", "Bắc Ninh"},
    "Hưng Yên": {"Hưng Yên", "Thái Bình"},
    "Hải Phòng": {"Hải Dương", "Hải Phòng"},
    "Ninh Bình": {"Hà Nam", "Nam Định", "Ninh Bình"},
    "Quảng Trị": {"Quảng Bình", "Quảng Trị"},
    "Đà Nẵng": {"Quảng Nam", "Đà Nẵng"},
    "Quảng Ngãi": {"Kon Tum", "Quảng Ngãi"},
    "Gia Lai": {"Gia Lai", "Bình Định"},
    "Khánh Hòa": {"Ninh Thuận", "Khánh Hòa"},
    "Lâm Đồng": {"Lâm Đồng", "Đắk Nông", "Bình Thuận"},
    "Đắk Lắk": {"Đắk Lắk", "Phú Yên"},
    "Hồ Chí Minh": {"Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"},
    "Đồng Nai": {"Đồng Nai", "Bình Phước"},
    "Tây Ninh": {"Tây Ninh", "Long An"},
    "Cần Thơ": {"Cần Thơ", "Sóc Trăng", "Hậu Giang"},
    "Vĩnh Long": {"Vĩnh Long", "Bến Tre", "Trà Vinh"},
    "Đồng Tháp": {"Đồng Tháp", "Tiền Giang"},
    "Cà Mau": {"Cà Mau", "Bạc Liêu"},
    "An Giang": {"An Giang", "Kiên Giang"},
    **{
        name: {name}
        for name in (
            "Hà Nội",
            "Huế",
            "Lai Châu",
            "Điện Biên",
            "Sơn La",
            "Lạng Sơn",
            "Quảng Ninh",
            "Thanh Hóa",
            "Nghệ An",
            "Hà Tĩnh",
            "Cao Bằng",
        )
    },  # fmt: skip
}


def _legacy_counts_from_package() -> dict[str, int]:
    """Count the legacy units straight from vietnamadminunits' bundled table, independently of the loader."""
    path = _package_dir("vietnamadminunits") / "data" / "dataset.db"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        p, d, w = con.execute(
            "SELECT COUNT(DISTINCT provinceCode), COUNT(DISTINCT districtCode), COUNT(DISTINCT wardCode)"
            " FROM admin_units_legacy"
        ).fetchone()
    finally:
        con.close()
    return {"province": p, "district": d, "commune": w}


def _province_links(db: Session) -> list[tuple[AdminUnit, AdminUnit, UnitLineage]]:
    old, new = aliased(AdminUnit), aliased(AdminUnit)
    rows = db.execute(
        select(old, new, UnitLineage)
        .join(old, old.id == UnitLineage.from_unit_id)
        .join(new, new.id == UnitLineage.to_unit_id)
        .where(old.level == "province")
    ).all()
    return [(o, n, link) for o, n, link in rows]


def test_current_counts(units_db: Session) -> None:
    assert count_units(units_db, level="province", on=AFTER) == 34
    assert count_units(units_db, level="commune", on=AFTER) == 3321
    assert count_units(units_db, level="district", on=AFTER) == 0
    assert count_units(units_db, level="commune", on=date.today()) == 3321


def test_legacy_counts(units_db: Session) -> None:
    expected = _legacy_counts_from_package()
    assert expected["province"] == 63
    for level, n in expected.items():
        assert count_units(units_db, level=level, on=BEFORE) == n
    # every legacy unit ends at the reform, exclusive; none is valid on the day itself
    assert count_units(units_db, level="province", on=AFTER) == 34
    assert units_loaded(units_db)


def test_official_codes_and_names(units_db: Session) -> None:
    da_nang = get_unit(units_db, code="48", level="province")
    assert (da_nang.name, da_nang.full_name, da_nang.valid_from, da_nang.valid_to) == (
        "Đà Nẵng",
        "Thành phố Đà Nẵng",
        AFTER,
        None,
    )
    assert get_unit(units_db, code="1", level="province").full_name == "Thành phố Hà Nội"  # padded to 01
    cao_bang = get_unit(units_db, code="04", level="province")
    assert (cao_bang.full_name, cao_bang.unit_type) == ("Tỉnh Cao Bằng", "Tỉnh")
    # vietnam-provinces spells some names with double spaces; they are cleaned
    assert not [u.full_name for u in list_units(units_db, level="commune", on=AFTER) if "  " in u.full_name]
    codes = [u.code for u in list_units(units_db, on=AFTER)]
    assert len(codes) == len(set(codes)) == 34 + 3321
    assert {len(c) for c in codes} == {2, 5}


def test_every_2025_province_merge(units_db: Session) -> None:
    links = _province_links(units_db)
    assert len(links) == 63
    assert {o.code for o, _, _ in links} == {
        u.code for u in list_units(units_db, level="province", on=BEFORE)
    }
    assert {n.code for _, n, _ in links} == {u.code for u in list_units(units_db, level="province", on=AFTER)}
    formed_from: dict[str, set[str]] = defaultdict(set)
    for old, new, link in links:
        assert (old.valid_to, new.valid_from, link.effective_on) == (AFTER, AFTER, AFTER)
        assert link.is_primary  # provinces merged whole
        formed_from[fold(new.name)].add(fold(old.name))
    expected = {fold(k): {fold(x) for x in v} for k, v in PROVINCE_MERGES.items()}
    assert formed_from == expected
    kinds = Counter(link.kind for _, _, link in links)
    assert kinds == {"merge": 52, "same": 11}


def test_quang_nam_became_da_nang(units_db: Session) -> None:
    lineage = get_lineage(units_db, code="49")
    assert [u.unit.full_name for u in lineage.units] == ["Tỉnh Quảng Nam"]
    (successor,) = lineage.units[0].successors
    assert (successor.unit.code, successor.unit.full_name, successor.unit.era) == (
        "48",
        "Thành phố Đà Nẵng",
        "current",
    )
    assert successor.kind == "merge"
    both = get_lineage(units_db, code="48", level="province")
    legacy, current = both.units
    assert (legacy.unit.era, current.unit.era) == ("legacy", "current")
    assert {p.unit.name for p in current.predecessors} == {"Đà Nẵng", "Quảng Nam"}
    assert [s.unit.code for s in legacy.successors] == ["48"]


def _predecessors(db: Session, commune_name: str, province_code: str) -> dict[str, tuple[str, bool]]:
    (new,) = [
        u
        for u in list_units(db, province_code=province_code, level="commune", on=AFTER, q=commune_name)
        if u.full_name == commune_name
    ]
    (item,) = [i for i in get_lineage(db, code=new.code, level="commune").units if i.unit.era == "current"]
    return {p.unit.name: (p.kind, p.is_primary) for p in item.predecessors if p.unit.level == "commune"}


def test_commune_lineage_examples(units_db: Session) -> None:
    # Đà Nẵng, Resolution 1659/NQ-UBTVQH15: Phường Hải Châu from five whole wards of Quận Hải Châu.
    hai_chau = _predecessors(units_db, "Phường Hải Châu", "48")
    assert set(hai_chau) == {"Hải Châu", "Phước Ninh", "Thạch Thang", "Thanh Bình", "Thuận Phước"}
    assert {kind for kind, _ in hai_chau.values()} == {"merge"}
    # Hồ Chí Minh: Phường Sài Gòn = Bến Nghé + parts of Đa Kao and Nguyễn Thái Bình.
    sai_gon = _predecessors(units_db, "Phường Sài Gòn", "79")
    assert sai_gon["Bến Nghé"] == ("merge", True)
    assert sai_gon["Đa Kao"][0] == sai_gon["Nguyễn Thái Bình"][0] == "partial"
    # Hà Nội: Phường Hoàn Kiếm takes Hàng Bạc whole and part of Tràng Tiền.
    hoan_kiem = _predecessors(units_db, "Phường Hoàn Kiếm", "01")
    assert hoan_kiem["Hàng Bạc"] == ("merge", True)
    assert hoan_kiem["Tràng Tiền"][0] == "partial"


def test_district_lineage(units_db: Session) -> None:
    (hoang_sa,) = get_lineage(units_db, code="498", level="district").units
    assert [(s.unit.full_name, s.kind) for s in hoang_sa.successors] == [("Đặc khu Hoàng Sa", "rename")]
    (quan_hai_chau,) = get_lineage(units_db, code="492", level="district").units
    names = {s.unit.full_name for s in quan_hai_chau.successors}
    assert "Phường Hải Châu" in names and len(names) > 1
    assert {s.kind for s in quan_hai_chau.successors} == {"partial"}
    assert not any(s.is_primary for s in quan_hai_chau.successors)


def test_lineage_invariants(units_db: Session) -> None:
    """Every legacy unit has a successor and exactly one primary one; every current unit has a predecessor."""
    old, new = aliased(AdminUnit), aliased(AdminUnit)
    rows = units_db.execute(
        select(old.id, old.level, new.id, new.valid_to, UnitLineage.kind, UnitLineage.is_primary)
        .join(old, old.id == UnitLineage.from_unit_id)
        .join(new, new.id == UnitLineage.to_unit_id)
    ).all()
    assert rows and all(new_to is None for _, _, _, new_to, _, _ in rows)  # links always point forward
    successors: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for old_id, _level, _, _, kind, primary in rows:
        successors[old_id].append((kind, primary))
    legacy_ids = {u.id for u in list_units(units_db, on=BEFORE)}
    assert set(successors) == legacy_ids
    for links in successors.values():
        if len(links) > 1:
            assert {kind for kind, _ in links} == {"partial"}
    commune_primaries = Counter(
        old_id for old_id, level, _, _, _, primary in rows if level != "district" and primary
    )
    assert set(commune_primaries.values()) == {1}
    assert set(commune_primaries) == {u.id for u in list_units(units_db, on=BEFORE) if u.level != "district"}
    assert {u.id for u in list_units(units_db, on=AFTER)} == {new_id for _, _, new_id, _, _, _ in rows}
    assert count_lineage(units_db) == len(rows)
    assert count_lineage(units_db, kind="partial") > 0


def test_load_is_idempotent(units_db: Session) -> None:
    before = count_units(units_db), count_lineage(units_db)
    counts = load_admin_units(units_db, actor=SYSTEM)
    assert counts["units_inserted"] == counts["units_updated"] == 0
    assert counts["lineage_inserted"] == counts["lineage_updated"] == counts["lineage_deleted"] == 0
    assert (count_units(units_db), count_lineage(units_db)) == before


def test_load_repairs_a_changed_name_and_a_missing_link(units_db: Session) -> None:
    quang_nam = get_unit(units_db, code="49", level="province", on=BEFORE)
    units_db.execute(update(AdminUnit).where(AdminUnit.id == quang_nam.id).values(name="Sai"))
    link = units_db.scalar(select(UnitLineage).where(UnitLineage.from_unit_id == quang_nam.id))
    assert link is not None
    units_db.delete(link)
    units_db.flush()
    counts = load_admin_units(units_db, actor=SYSTEM)
    assert (counts["units_updated"], counts["lineage_inserted"]) == (1, 1)
    units_db.expire_all()
    assert get_unit(units_db, code="49", level="province", on=BEFORE).name == "Quảng Nam"
    assert [s.unit.code for s in get_lineage(units_db, code="49").units[0].successors] == ["48"]


def test_on_date_filter(units_db: Session) -> None:
    legacy = list_units(units_db, level="province", on=BEFORE)
    current = list_units(units_db, level="province", on=AFTER)
    assert len(legacy) == 63 and {u.era for u in legacy} == {"legacy"}
    assert len(current) == 34 and {u.era for u in current} == {"current"}
    assert "Quảng Nam" in {u.name for u in legacy} and "Quảng Nam" not in {u.name for u in current}
    districts = list_units(units_db, province_code="48", level="district", on=BEFORE)
    assert [u.full_name for u in districts] == [
        "Quận Cẩm Lệ",
        "Quận Hải Châu",
        "Huyện Hòa Vang",
        "Huyện Hoàng Sa",
        "Quận Liên Chiểu",
        "Quận Ngũ Hành Sơn",
        "Quận Sơn Trà",
        "Quận Thanh Khê",
    ]
    assert list_units(units_db, province_code="48", level="district", on=AFTER) == []
    every_era = list_units(units_db, level="province")
    assert len(every_era) == 63 + 34


def test_search_is_accent_insensitive_and_sorted(units_db: Session) -> None:
    for q in ("quang nam", "QUẢNG NAM", "Quang Nam"):
        assert [u.full_name for u in list_units(units_db, level="province", q=q)] == ["Tỉnh Quảng Nam"]
    assert [u.code for u in list_units(units_db, q="49")] == ["49"]
    assert list_units(units_db, q="100%_") == []
    communes = list_units(units_db, province_code="48", level="commune", on=AFTER)
    assert [sort_key(u.name) for u in communes] == sorted(sort_key(u.name) for u in communes)
    by_code = list_units(units_db, province_code="48", level="commune", on=AFTER, order="code")
    assert [u.code for u in by_code] == sorted(u.code for u in communes)
    wards_of_hai_chau = list_units(units_db, parent_code="492", on=BEFORE)
    assert wards_of_hai_chau and {u.level for u in wards_of_hai_chau} == {"commune"}


def test_get_unit_picks_the_era(units_db: Session) -> None:
    assert get_unit(units_db, code="48", level="province").valid_to is None
    assert get_unit(units_db, code="48", level="province", on=date(2024, 12, 31)).valid_to == AFTER
    assert get_unit(units_db, code="20242").full_name == "Phường Hải Châu"  # the current ward
    assert get_unit(units_db, code="20236", on=BEFORE).parent_code == "492"


def test_bad_input(units_db: Session) -> None:
    with pytest.raises(NotFound) as exc:
        get_unit(units_db, code="99", level="province")
    assert "99" in exc.value.message_en
    with pytest.raises(NotFound):
        get_unit(units_db, code="49", level="province", on=AFTER)  # Quảng Nam no longer exists
    with pytest.raises(NotFound):
        get_lineage(units_db, code="nope")
    with pytest.raises(NotFound):
        list_units(units_db, province_code="99")
    with pytest.raises(InvalidInput) as bad:
        list_units(units_db, level="ward")
    assert bad.value.problems[0].field == "level"
    with pytest.raises(InvalidInput):
        list_units(units_db, order="size")


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"level": "commune", "on": AFTER},
        {"q": "hai", "order": "code"},
        {"province_code": "48", "on": BEFORE},
    ],
)
def test_a_page_of_units_is_that_slice_of_the_whole_list(
    units_db: Session, filters: dict[str, object]
) -> None:
    whole = [u.id for u in list_units(units_db, **filters)]
    assert len(whole) > 5
    for offset in (0, 3, len(whole) - 2, len(whole) + 10):
        total, page = page_units(units_db, offset=offset, limit=4, **filters)
        assert total == len(whole)
        assert [u.id for u in page] == whole[offset : offset + 4]
