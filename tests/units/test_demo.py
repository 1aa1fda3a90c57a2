"""The units room's demo steps: real Đà Nẵng names, the 2025 mergers, committees linked by lineage, groups.

The whole demo (these steps, then users, records and assessment) is tested in tests/flows/test_demo.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import PermissionDenied
from chiso.store.db import get_engine
from chiso.store.models.agencies import Agency
from chiso.store.models.units import AdminUnit
from chiso.store.models.users import User
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.agencies import get_agency
from chiso.units.agency_export import export_rows
from chiso.units.agency_history import get_agency_history
from chiso.units.demo import DEMO_PROVINCE, UNITS_DEMO_STEPS, build_units_demo
from chiso.units.groups import get_group, list_groups


@pytest.fixture(scope="module")
def units_loaded(store_url: str) -> str:
    ensure_units_loaded(store_url, actor=SYSTEM)
    return store_url


def test_units_demo_is_deterministic_and_idempotent(db: Session, units_loaded: str) -> None:
    """Two builds from the same start give the same agencies; a third build on top changes nothing."""
    nested = db.begin_nested()
    build_units_demo(db, actor=SYSTEM)
    snapshot = export_rows(db, province_code=DEMO_PROVINCE)
    nested.rollback()
    assert len(snapshot) > 150
    first = build_units_demo(db, actor=SYSTEM)
    assert first.agencies_created == first.agencies == len(snapshot)
    assert export_rows(db, province_code=DEMO_PROVINCE) == snapshot
    again = build_units_demo(db, actor=SYSTEM)
    assert again.agencies_created == again.agencies_updated == 0
    assert export_rows(db, province_code=DEMO_PROVINCE) == snapshot


def test_units_demo_reports_each_step_and_refuses_other_roles(db: Session, units_loaded: str) -> None:
    calls: list[tuple[str, int, int]] = []
    nested = db.begin_nested()
    build_units_demo(db, actor=SYSTEM, progress=lambda step, done, total: calls.append((step, done, total)))
    nested.rollback()
    total = len(UNITS_DEMO_STEPS)
    steps = [(name, i, total) for i, (name, _) in enumerate(UNITS_DEMO_STEPS)]
    assert calls == steps + [("done", total, total)]
    before = db.scalar(select(func.count(Agency.id)))
    leader = User(username="demo_leader", full_name="Lãnh đạo", role="leader", is_active=True)
    with pytest.raises(PermissionDenied) as caught:
        build_units_demo(db, actor=leader)
    assert "leader" in caught.value.message_vi and "secretariat" in caught.value.message_en
    assert db.scalar(select(func.count(Agency.id))) == before


@pytest.fixture(scope="module")
def demo_db(units_loaded: str) -> Iterator[Session]:
    """One demo build shared by the read-only tests of this module, rolled back at the end."""
    conn = get_engine(units_loaded).connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    started = time.perf_counter()
    build_units_demo(session, actor=SYSTEM)
    print(f"\nbuild_units_demo: {time.perf_counter() - started:.1f} s")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


def _count_units(db: Session, level: str, on: date) -> int:
    return int(db.scalar(select(func.count(AdminUnit.id)).where(
        AdminUnit.province_code == DEMO_PROVINCE, AdminUnit.level == level,
        (AdminUnit.valid_from.is_(None)) | (AdminUnit.valid_from <= on),
        (AdminUnit.valid_to.is_(None)) | (AdminUnit.valid_to > on))) or 0)  # fmt: skip


def test_demo_has_the_real_departments_and_their_2025_mergers(demo_db: Session) -> None:
    assert get_agency(demo_db, code="DNG.SO.TTTT").name_vi == "Sở Thông tin và Truyền thông"
    assert get_agency(demo_db, code="DNG.SO.KHDT").name_vi == "Sở Kế hoạch và Đầu tư"
    assert get_agency(demo_db, code="DNG.SO.LDTBXH").name_vi == "Sở Lao động - Thương binh và Xã hội"
    merged_into = {
        "DNG.SO.TTTT": "DNG.SO.KHCN",
        "DNG.SO.KHDT": "DNG.SO.TC",
        "DNG.SO.LDTBXH": "DNG.SO.NV",
        "DNG.SO.GTVT": "DNG.SO.XD",
        "DNG.SO.NNPTNT": "DNG.SO.NNMT",
        "DNG.SO.TNMT": "DNG.SO.NNMT",
    }
    for old, new in merged_into.items():
        successors = get_agency_history(demo_db, code=old).successors
        assert [(s.successor_code, s.kind, s.effective_on) for s in successors] == [
            (new, "merge", date(2025, 3, 1))
        ]
        assert get_agency(demo_db, code=old).valid_to == date(2025, 3, 1)


def test_demo_committees_follow_the_admin_units(demo_db: Session) -> None:
    before, after = date(2025, 6, 30), date(2025, 7, 1)
    districts = demo_db.scalar(select(func.count(Agency.id)).where(Agency.kind == "district"))
    assert districts == _count_units(demo_db, "district", before) == 8
    assert get_agency(demo_db, code="DNG.QH.HAICHAU").name_vi == "UBND quận Hải Châu"
    assert get_agency(demo_db, code="DNG.QH.HOAVANG").name_vi == "UBND huyện Hòa Vang"
    groups = {(g.period, g.code): g for g in list_groups(demo_db, province_code=DEMO_PROVINCE)}
    assert set(groups) == {("2024", "SBN"), ("2024", "TW"), ("2024", "QH"), ("2024", "PX"),
                           ("2025", "SBN"), ("2025", "TW"), ("2025", "PX"),
                           ("2026", "SBN"), ("2026", "TW"), ("2026", "PX")}  # fmt: skip
    for code in ("SBN", "TW", "PX"):  # 2025 is assessed on the units after the reform, like 2026
        assert groups[("2025", code)].member_codes == groups[("2026", code)].member_codes
    assert len(groups[("2024", "PX")].member_codes) == _count_units(demo_db, "commune", before)
    assert len(groups[("2026", "PX")].member_codes) == _count_units(demo_db, "commune", after)
    assert "DNG.SO.TTTT" in groups[("2024", "SBN")].member_codes
    assert "DNG.SO.TTTT" not in groups[("2026", "SBN")].member_codes


def test_new_ward_committees_descend_from_the_old_ones(demo_db: Session) -> None:
    haichau = get_agency_history(demo_db, code="DNG.PX.20242")
    assert haichau.agency.name_vi == "UBND phường Hải Châu"
    olds = {h.predecessor_code for h in haichau.predecessors}
    assert len(olds) >= 2 and all(code.startswith("DNG.PXC.") for code in olds)
    assert all(h.effective_on == date(2025, 7, 1) for h in haichau.predecessors)
    hoang_sa = get_agency_history(demo_db, code="DNG.QH.HOANGSA").successors
    assert [(h.successor_code, h.kind) for h in hoang_sa] == [("DNG.PX.20333", "rename")]
    # Every old ward committee has a successor: no ward of Đà Nẵng vanished without lineage.
    old_wards = get_group(demo_db, province_code=DEMO_PROVINCE, period="2024", code="PX").member_codes
    assert all(get_agency_history(demo_db, code=code).successors for code in old_wards)
