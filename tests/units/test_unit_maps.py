"""The commune map: its units, matching an uploaded file to them, storing it (chiso.units.unit_maps)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.errors import InvalidInput, PermissionDenied
from chiso.store.models.units import AdminUnit
from chiso.units.admin import list_units
from chiso.units.agencies import create_agency
from chiso.units.geo import GeoFeature
from chiso.units.unit_maps import (
    accept_unit_map,
    get_unit_map,
    list_map_units,
    match_features,
    normalize_unit_name,
)

REFORM = date(2025, 7, 1)
PASSWORD = "Bản-đồ-2026-thử"


@pytest.fixture
def communes(units_db: Session) -> list[AdminUnit]:
    """Three current communes of Đà Nẵng registered as agencies (UBND ...), as the demo does."""
    units = list_units(units_db, province_code="48", level="commune", on=REFORM, order="code")[:3]
    for unit in units:
        create_agency(
            units_db, actor=SYSTEM, code=f"T.PX.{unit.code}", name_vi=f"UBND {unit.full_name.lower()}",
            kind="commune", province_code="48", admin_unit=unit, valid_from=REFORM,
        )  # fmt: skip
    return units


def square(lon: float) -> dict[str, Any]:
    ring = [[lon, 16.0], [lon + 0.05, 16.0], [lon + 0.05, 16.05], [lon, 16.05], [lon, 16.0]]
    return {"type": "Polygon", "coordinates": [ring]}


def geojson(*props: dict[str, Any]) -> bytes:
    features = [
        {"type": "Feature", "properties": p, "geometry": square(108 + 0.05 * i)} for i, p in enumerate(props)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def test_names_are_compared_without_accents_prefixes_or_zero_padding() -> None:
    assert normalize_unit_name("UBND phường Hải Châu") == normalize_unit_name("Hai Chau") == "hai chau"
    assert normalize_unit_name("Phường 01") == normalize_unit_name("phuong 1") == "1"
    assert normalize_unit_name("Xã Hòa Vang") == normalize_unit_name("HOA-VANG") == "hoa vang"
    assert normalize_unit_name("Đặc khu Hoàng Sa") == "hoang sa"
    assert normalize_unit_name("Thị trấn Ái Nghĩa") == "ai nghia"


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing_more(text: str) -> None:
    once = normalize_unit_name(text)
    assert normalize_unit_name(once) == once or once.split(" ")[0] in (
        "ubnd",
        "phuong",
        "xa",
        "ward",
        "commune",
    )


def test_the_map_units_are_the_current_commune_agencies(units_db: Session, communes: list[AdminUnit]) -> None:
    units = {u.agency_code: u for u in list_map_units(units_db, on=date(2026, 1, 1))}
    assert set(units) == {f"T.PX.{c.code}" for c in communes}
    assert all(u.district for u in units.values())  # the district of its land before the reform
    assert list_map_units(units_db, on=date(2025, 1, 1)) == []


def test_features_match_by_code_then_by_name_and_the_rest_is_reported(
    units_db: Session, communes: list[AdminUnit]
) -> None:
    a, b, c = communes
    features = [
        GeoFeature(0, {"ma_xa": int(a.code), "ten": "whatever"}),  # a number, zero-padded back
        GeoFeature(1, {"MA": f"T.PX.{b.code}"}),  # the agency code
        GeoFeature(2, {"Ten": c.full_name.upper()}),  # by name: "PHƯỜNG HẢI VÂN"
        GeoFeature(3, {"name": "Phường Không Có", "id": 7}),
    ]
    rows = match_features(features, list_map_units(units_db))
    assert [(r.agency_code, r.matched_by) for r in rows] == [
        (f"T.PX.{a.code}", "code"), (f"T.PX.{b.code}", "code"), (f"T.PX.{c.code}", "name"), (None, None),
    ]  # fmt: skip
    assert rows[3].agency_code is None and rows[3].label == "Phường Không Có"
    assert rows[3].reason_vi and rows[3].reason_en


def test_an_upload_is_stored_with_its_report(units_db: Session, communes: list[AdminUnit]) -> None:
    a, b, _ = communes
    data = geojson({"ma_xa": a.code}, {"ten": b.full_name}, {"ten": "Xã Không Có"})
    info, rows = accept_unit_map(units_db, data=data, filename="xa.geojson", sha256="ab" * 32, actor=SYSTEM)
    assert (info.features, info.matched, info.units_drawn) == (3, 2, 2)
    assert [(r.index, r.label) for r in info.unmatched] == [(2, "Xã Không Có")]
    stored = get_unit_map(units_db)
    assert stored is not None and stored.sha256 == "ab" * 32
    assert set(stored.paths) == {f"T.PX.{a.code}", f"T.PX.{b.code}"}
    assert all(p.startswith("M") and p.endswith("Z") for p in stored.paths.values())
    assert max(stored.width, stored.height) == pytest.approx(1000.0, abs=0.1)


def test_nothing_is_stored_when_no_feature_matches(units_db: Session, communes: list[AdminUnit]) -> None:
    with pytest.raises(InvalidInput) as caught:
        accept_unit_map(units_db, data=geojson({"ten": "Nowhere"}), filename="x.json", sha256="0" * 64,
                        actor=SYSTEM)  # fmt: skip
    assert "Nowhere" in caught.value.problems[0].message_en
    assert get_unit_map(units_db) is None


def test_only_the_secretariat_uploads(units_db: Session, communes: list[AdminUnit]) -> None:
    leader = create_user(units_db, username="ld", full_name="L", password=PASSWORD, role="leader")
    with pytest.raises(PermissionDenied):
        accept_unit_map(units_db, data=geojson({"ma": communes[0].code}), filename="x.json", sha256="1" * 64,
                        actor=leader)  # fmt: skip
    clerk = create_user(units_db, username="vt", full_name="V", password=PASSWORD, role="secretariat")
    info, _ = accept_unit_map(units_db, data=geojson({"ma": communes[0].code}), filename="x.json",
                              sha256="1" * 64, actor=clerk)  # fmt: skip
    assert info.uploaded_by == "vt"
