"""The catalogue's use cases on SQLite (and PostgreSQL when set): checks against the catalogue, audit,
bulk edit, folders, and search with paging over 1,200 indicators."""

from __future__ import annotations

import time

import pytest
from catalogue_support import OWNER, add_agency, entry, small_catalogue
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput, NotFound
from chiso.indicators import catalogue
from chiso.indicators.catalogue import CatalogueFilters
from chiso.indicators.schemas import IndicatorIn
from chiso.store.models.audit import AuditEntry
from chiso.store.models.indicators import Indicator


def _audit(db: Session, code: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.object_type == "indicator", AuditEntry.object_id == code)
    return list(db.scalars(query.order_by(AuditEntry.id)))


def _fields(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str | None]:
    return [p.field for p in exc.value.problems]


def test_create_checks_and_audits(db: Session) -> None:
    small_catalogue(db)
    row = catalogue.get_indicator(db, code="DVC_TL_TRUC_TUYEN")
    assert row.formula == "DVC_HS_TRUC_TUYEN / DVC_HS_TONG * 100" and row.updated_by == "system"
    created = _audit(db, "HT_CAP_QUANG_HO")
    assert [a.action for a in created] == ["indicator.create"] and "HT_SO_HO" in (created[0].new_value or "")


@pytest.mark.parametrize(
    ("fields", "problem_field"),
    [
        ({"source": "formula"}, "formula"),
        ({"source": "formula", "formula": "DVC_HS_TONG / KHONG_CO"}, "formula"),
        ({"source": "formula", "formula": "__import__('os')"}, "formula"),
        ({"formula": "DVC_HS_TONG * 2"}, "formula"),
        ({"aggregation": "weighted"}, "weight_code"),
        ({"aggregation": "weighted", "weight_code": "KHONG_CO"}, "weight_code"),
        ({"weight_code": "HT_SO_HO"}, "weight_code"),
        ({"aggregation": "weighted", "weight_code": "HT_SO_HO", "period_type": "year"}, "weight_code"),
        ({"source": "computed", "metric_code": "KHONG_CO"}, "metric_code"),
        ({"metric_code": "TIMELINESS"}, "metric_code"),
        ({"owner_agency_code": "KHONG.CO"}, "owner_agency_code"),
        ({"folder_code": "KHONG_CO"}, "folder_code"),
        ({"min_value": 10, "max_value": 1}, "min_value"),
    ],
)
def test_create_refuses_what_the_catalogue_cannot_hold(
    db: Session, fields: dict[str, object], problem_field: str
) -> None:
    small_catalogue(db)
    with pytest.raises(InvalidInput) as exc:
        catalogue.create_indicator(db, data=entry("MOI", **fields), actor=SYSTEM)
    assert _fields(exc) == [problem_field]
    assert "MOI" in exc.value.message_vi and "MOI" in exc.value.message_en
    assert db.scalar(select(Indicator).where(Indicator.code == "MOI")) is None


def test_a_formula_word_is_not_a_code(db: Session) -> None:
    with pytest.raises(InvalidInput) as exc:
        catalogue.create_indicator(db, data=entry("IS"), actor=SYSTEM)
    assert _fields(exc) == ["code"]


def test_computed_indicator_names_a_monitoring_metric(db: Session) -> None:
    data = entry("DVC_TL_DUNG_HAN", source="computed", metric_code="TIMELINESS", value_type="percent")
    assert catalogue.create_indicator(db, data=data, actor=SYSTEM).metric_code == "TIMELINESS"


def test_taken_code_and_cycles_are_refused(db: Session) -> None:
    small_catalogue(db)
    with pytest.raises(InvalidInput) as exc:
        catalogue.create_indicator(db, data=entry("HT_SO_HO"), actor=SYSTEM)
    assert _fields(exc) == ["code"]
    loop = entry("HT_SO_HO", source="formula", formula="DVC_TL_TRUC_TUYEN + 1", folder_code="HA_TANG_CNTT")
    catalogue.update_indicator(db, code="HT_SO_HO", data=loop, actor=SYSTEM)  # no cycle yet
    back = entry("DVC_HS_TONG", source="formula", formula="HT_SO_HO * 2")
    with pytest.raises(InvalidInput) as cycle:
        catalogue.update_indicator(db, code="DVC_HS_TONG", data=back, actor=SYSTEM)
    assert "quay vòng" in str(cycle.value) and _fields(cycle) == ["formula"]


def test_update_audits_each_changed_field_and_keeps_the_code(db: Session) -> None:
    small_catalogue(db)
    before = catalogue.indicator_dict(catalogue.get_indicator(db, code="HT_SO_HO"))
    changed = IndicatorIn(**{**before, "name_en": "Households", "unit": ""})
    catalogue.update_indicator(db, code="HT_SO_HO", data=changed, actor=SYSTEM)
    updates = [a for a in _audit(db, "HT_SO_HO") if a.action == "indicator.update"]
    assert {(a.field, a.old_value, a.new_value) for a in updates} == {
        ("name_en", None, "Households"),
        ("unit", "hộ", None),
    }
    catalogue.update_indicator(db, code="HT_SO_HO", data=changed, actor=SYSTEM)
    assert (
        len([a for a in _audit(db, "HT_SO_HO") if a.action == "indicator.update"]) == 2
    )  # no change, no entry
    with pytest.raises(InvalidInput) as exc:
        catalogue.update_indicator(db, code="HT_SO_HO", data=entry("HT_HO"), actor=SYSTEM)
    assert _fields(exc) == ["code"]
    with pytest.raises(NotFound):
        catalogue.update_indicator(db, code="KHONG_CO", data=entry("KHONG_CO"), actor=SYSTEM)


def test_every_change_needs_an_actor(db: Session) -> None:
    with pytest.raises(TypeError):
        catalogue.create_indicator(db, data=entry("MOI"))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        catalogue.bulk_edit(db, codes=["MOI"], changes={"active": False})  # type: ignore[call-arg]


def test_bulk_edit_sets_folder_owner_and_flags(db: Session) -> None:
    small_catalogue(db)
    add_agency(db, "CT.SKHDT", "Sở Kế hoạch và Đầu tư")
    codes = ["HT_SO_HO", "DVC_HS_TONG", "HT_SO_HO"]
    changed = catalogue.bulk_edit(
        db,
        codes=codes,
        changes={"folder_code": "HA_TANG_CNTT", "owner_agency_code": "CT.SKHDT", "needs_approval": True},
        actor=SYSTEM,
    )
    assert changed == 2
    rows = {code: catalogue.get_indicator(db, code=code) for code in ("HT_SO_HO", "DVC_HS_TONG")}
    assert {(r.folder_code, r.owner_agency_code, r.needs_approval) for r in rows.values()} == {
        ("HA_TANG_CNTT", "CT.SKHDT", True)
    }
    audited = [a for a in _audit(db, "DVC_HS_TONG") if a.action == "indicator.bulk_update"]
    assert {a.field for a in audited} == {"folder_code", "owner_agency_code", "needs_approval"}
    assert catalogue.bulk_edit(db, codes=["HT_SO_HO"], changes={"active": False}, actor=SYSTEM) == 1
    assert catalogue.bulk_edit(db, codes=["HT_SO_HO"], changes={"folder_code": ""}, actor=SYSTEM) == 1
    assert catalogue.get_indicator(db, code="HT_SO_HO").folder_code is None


def test_bulk_edit_refuses_unknown_codes_fields_folders_and_owners(db: Session) -> None:
    small_catalogue(db)
    with pytest.raises(NotFound, match="KHONG_CO"):
        catalogue.bulk_edit(db, codes=["HT_SO_HO", "KHONG_CO"], changes={"active": False}, actor=SYSTEM)
    with pytest.raises(InvalidInput):
        catalogue.bulk_edit(db, codes=["HT_SO_HO"], changes={"formula": "1"}, actor=SYSTEM)
    with pytest.raises(InvalidInput):
        catalogue.bulk_edit(db, codes=[], changes={"active": False}, actor=SYSTEM)
    with pytest.raises(InvalidInput) as folder:
        catalogue.bulk_edit(db, codes=["HT_SO_HO"], changes={"folder_code": "KHONG_CO"}, actor=SYSTEM)
    assert _fields(folder) == ["folder_code"]
    with pytest.raises(InvalidInput) as owner:
        catalogue.bulk_edit(db, codes=["HT_SO_HO"], changes={"owner_agency_code": "KHONG"}, actor=SYSTEM)
    assert _fields(owner) == ["owner_agency_code"]
    assert catalogue.get_indicator(db, code="HT_SO_HO").active is True


def test_folders_list_in_position_order_with_counts(db: Session) -> None:
    small_catalogue(db)
    folders = catalogue.list_folders(db)
    assert [(f.code, f.count) for f in folders] == [("DICH_VU_CONG", 3), ("HA_TANG_CNTT", 2)]
    renamed = catalogue.FolderIn(code="HA_TANG_CNTT", name_vi="Hạ tầng số", position=-1)
    catalogue.save_folder(db, data=renamed, actor=SYSTEM)
    assert [f.name_vi for f in catalogue.list_folders(db)][0] == "Hạ tầng số"
    entries = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "indicator_folder"))
    assert len(list(entries)) == 3


def _many(db: Session, count: int) -> None:
    small_catalogue(db)
    for i in range(count):
        folder = "DICH_VU_CONG" if i % 2 else "HA_TANG_CNTT"
        name = f"Chỉ tiêu số {i} về đường truyền" if i % 3 == 0 else f"Chỉ tiêu {i}"
        owner = OWNER if i % 5 == 0 else None
        db.add(
            Indicator(
                code=f"CT_{i:04d}", name_vi=name,
                value_type="count", period_type="year" if i % 4 == 0 else "month",
                level="commune", aggregation="sum", source="entered", folder_code=folder,
                owner_agency_code=owner, higher_is_better=True, needs_approval=False, active=i % 7 != 0,
                updated_at=clock.now(),
            )
        )  # fmt: skip
    db.flush()


def test_search_filters_and_pages_over_a_thousand_indicators(db: Session) -> None:
    _many(db, 1200)
    started = time.perf_counter()
    first = catalogue.list_indicators(db, filters=CatalogueFilters(), page=1)
    seconds = time.perf_counter() - started
    assert first.total == 1205 and len(first.items) == 50 and first.pages == 25
    assert seconds < 1.0, f"listing 1,205 indicators took {seconds:.2f} s"
    last = catalogue.list_indicators(db, filters=CatalogueFilters(), page=99)
    assert last.page == 25 and len(last.items) == 5
    found = catalogue.list_indicators(db, filters=CatalogueFilters(q="duong TRUYEN"), per_page=1000)
    assert found.total == 400 and all("đường truyền" in r.name_vi for r in found.items)
    narrowed = CatalogueFilters(q="truyen", folder="HA_TANG_CNTT", period_type="year", active=True)
    rows = catalogue.list_indicators(db, filters=narrowed, per_page=1000).items
    assert rows and all(
        r.folder_code == "HA_TANG_CNTT" and r.period_type == "year" and r.active for r in rows
    )
    owned = catalogue.list_indicators(
        db, filters=CatalogueFilters(owner=OWNER, level="commune"), per_page=500
    )
    assert owned.total == 240 + 2 and owned.items[0].owner_name == "Sở Thông tin và Truyền thông"
    formulas = catalogue.list_indicators(db, filters=CatalogueFilters(source="formula"))
    assert [r.code for r in formulas.items] == ["DVC_TL_TRUC_TUYEN"]
    assert formulas.items[0].folder_name == "Dịch vụ công trực tuyến"
    assert first.owners == {OWNER: "Sở Thông tin và Truyền thông"}
