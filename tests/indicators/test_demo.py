"""The indicators room's demo: Đà Nẵng's catalogue, values since 2022 across the 2025 reform, targets,
a late department, a flagged outlier; read back through the SQL cube as dashboards read them."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import PermissionDenied
from chiso.indicators.catalogue import check_indicator, load_context
from chiso.indicators.cube import SqlCube, load_rules
from chiso.indicators.demo import (
    IndicatorsDemoSummary,
    add_demo_indicators,
    last_finished,
    load_demo_catalogue,
)
from chiso.indicators.periods import period_of, period_type_of, shift, span
from chiso.store.db import get_engine
from chiso.store.models.indicators import Indicator, IndicatorFolder, IndicatorTarget, IndicatorValue
from chiso.store.models.users import User
from chiso.units.admin import list_units
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.admin_sources import REFORM_DATE
from chiso.units.agencies import search_agencies
from chiso.units.demo import DEMO_PROVINCE, build_units_demo

TODAY = date(2026, 5, 20)  # last finished: month 2026-04, quarter 2026-Q1, year 2025
FOLDERS = {"CHINH_QUYEN_SO", "DICH_VU_CONG", "KINH_TE_SO", "XA_HOI_SO", "HA_TANG_CNTT", "CDS_CAP_XA"}
# The pinned vocabulary other engineers build on (brief of issue 18): code -> attributes.
PINNED = {
    "DVC_HS_TONG": dict(value_type="count", period_type="month", level="commune", aggregation="sum"),
    "DVC_HS_TRUC_TUYEN": dict(value_type="count", period_type="month", level="commune", aggregation="sum"),
    "DVC_TL_TRUC_TUYEN": dict(
        value_type="percent",
        period_type="month",
        source="formula",
        formula="DVC_HS_TRUC_TUYEN / DVC_HS_TONG * 100",
    ),  # fmt: skip
    "KTS_TY_TRONG_GRDP": dict(value_type="percent", period_type="year", level="province", aggregation="none"),
    "KTS_DN_NEN_TANG_SO": dict(
        value_type="percent", period_type="quarter", level="province", aggregation="none"
    ),
    "HT_CAP_QUANG_HO": dict(
        value_type="percent",
        period_type="quarter",
        level="commune",
        aggregation="weighted",
        weight_code="HT_SO_HO",
    ),  # fmt: skip
    "HT_SO_HO": dict(value_type="count", period_type="quarter", level="commune", aggregation="sum"),
    "CQS_VB_DIEN_TU": dict(value_type="percent", period_type="month", level="agency", aggregation="mean"),
    "DVC_TL_DUNG_HAN": dict(
        value_type="percent", period_type="month", source="computed", metric_code="TIMELINESS"
    ),
}
PINNED_FOLDERS = {
    "DVC_HS_TONG": "DICH_VU_CONG", "DVC_TL_TRUC_TUYEN": "DICH_VU_CONG", "DVC_TL_DUNG_HAN": "DICH_VU_CONG",
    "KTS_TY_TRONG_GRDP": "KINH_TE_SO", "KTS_DN_NEN_TANG_SO": "KINH_TE_SO", "HT_CAP_QUANG_HO": "HA_TANG_CNTT",
    "HT_SO_HO": "HA_TANG_CNTT", "CQS_VB_DIEN_TU": "CHINH_QUYEN_SO",
}  # fmt: skip


@pytest.fixture(scope="module")
def units_url(store_url: str) -> str:
    ensure_units_loaded(store_url, actor=SYSTEM)
    return store_url


@dataclass
class Built:
    session: Session
    summary: IndicatorsDemoSummary


@pytest.fixture(scope="module")
def built(units_url: str) -> Iterator[Built]:
    """One demo build (units, then indicators) shared by the read-only tests, rolled back at the end."""
    conn = get_engine(units_url).connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    build_units_demo(session, actor=SYSTEM)
    summary = add_demo_indicators(session, actor=SYSTEM, today=TODAY)
    try:
        yield Built(session, summary)
    finally:
        session.close()
        outer.rollback()
        conn.close()


def _values(db: Session, code: str, period: str | None = None) -> dict[tuple[str, str], float]:
    query = select(IndicatorValue.unit_code, IndicatorValue.period, IndicatorValue.value).where(
        IndicatorValue.indicator_code == code
    )
    if period is not None:
        query = query.where(IndicatorValue.period == period)
    return {(unit, p): value for unit, p, value in db.execute(query)}


def test_the_catalogue_has_at_least_forty_indicators_in_the_six_folders(built: Built) -> None:
    db = built.session
    indicators = list(db.scalars(select(Indicator).order_by(Indicator.code)))
    assert 40 <= len(indicators) <= 60 and built.summary.indicators == len(indicators)
    assert set(db.scalars(select(IndicatorFolder.code))) == FOLDERS
    by_folder = {folder: [i for i in indicators if i.folder_code == folder] for folder in FOLDERS}
    assert all(len(members) >= 4 for members in by_folder.values()), by_folder
    for indicator in indicators:
        assert indicator.name_vi and indicator.name_en and indicator.unit, indicator.code
        assert indicator.definition and indicator.definition.endswith("."), indicator.code
        assert indicator.owner_agency_code, indicator.code
    with_basis = [i for i in indicators if i.legal_basis]
    assert len(with_basis) == len(indicators)
    cited = " ".join(i.legal_basis or "" for i in indicators)
    for document in ("52-NQ/TW", "749/QĐ-TTg", "411/QĐ-TTg", "06/QĐ-TTg", "766/QĐ-TTg"):
        assert document in cited


@pytest.mark.parametrize("code", sorted(PINNED))
def test_every_pinned_indicator_has_the_attributes_others_rely_on(built: Built, code: str) -> None:
    indicator = built.session.scalar(select(Indicator).where(Indicator.code == code))
    assert indicator is not None, code
    for name, expected in PINNED[code].items():
        assert getattr(indicator, name) == expected, (code, name)
    if code in PINNED_FOLDERS:
        assert indicator.folder_code == PINNED_FOLDERS[code]


def test_every_demo_entry_passes_the_catalogue_service_checks(built: Built) -> None:
    _, entries = load_demo_catalogue()
    context = load_context(built.session, owners=[e.indicator.owner_agency_code or "" for e in entries])
    for entry in entries:
        assert check_indicator(entry.indicator, context) == [], entry.indicator.code


def test_owners_are_departments_of_the_demo_province_today(built: Built) -> None:
    agencies = {a.code for a in search_agencies(built.session, province_code=DEMO_PROVINCE, on=TODAY)}
    owners = set(built.session.scalars(select(Indicator.owner_agency_code)))
    assert owners and owners <= agencies, owners - agencies
    late = select(Indicator.code).where(Indicator.owner_agency_code == built.summary.late_agency)
    assert list(built.session.scalars(late))


def test_values_run_from_2022_to_the_last_finished_period(built: Built) -> None:
    db = built.session
    latest = (("DVC_HS_TONG", "month"), ("HT_CAP_QUANG_HO", "quarter"), ("KTS_TY_TRONG_GRDP", "year"))
    for code, kind in latest:
        first, last = db.execute(
            select(func.min(IndicatorValue.period), func.max(IndicatorValue.period)).where(
                IndicatorValue.indicator_code == code
            )
        ).one()
        assert first.startswith("2022") and last == last_finished(kind, TODAY), code
    assert built.summary.last_month == "2026-04" and built.summary.late_quarter == "2026-Q1"
    assert db.scalar(select(func.count()).where(IndicatorValue.channel != "demo")) == 0
    stored = set(db.scalars(select(IndicatorValue.indicator_code).distinct()))
    derived = set(db.scalars(select(Indicator.code).where(Indicator.source.in_(("formula", "computed")))))
    assert derived and not stored & derived  # the cube computes formulas, the bridge fills computed ones


def test_commune_values_use_the_communes_of_their_time(built: Built) -> None:
    """Up to June 2025 the pre-reform communes report, from July 2025 the current ones; the province sum
    is continuous across the reform and each new commune inherits its predecessors' size."""
    db = built.session
    before = {u.code for u in list_units(db, province_code=DEMO_PROVINCE, level="commune", on=REFORM_DATE)}
    june, july = _values(db, "DVC_HS_TONG", "2025-06"), _values(db, "DVC_HS_TONG", "2025-07")
    assert {unit for unit, _ in july} <= before
    assert len({unit for unit, _ in june}) > 2 * len({unit for unit, _ in july})  # Quảng Nam's communes too
    ratio = sum(july.values()) / sum(june.values())
    assert 0.85 < ratio < 1.2, ratio
    households = _values(db, "HT_SO_HO")
    assert {p for _, p in households} >= set(span("2022-Q1", "2025-Q4"))


def test_the_online_share_is_the_ratio_of_the_sums_and_rises(built: Built) -> None:
    db = built.session
    rules = load_rules(db)
    cube = SqlCube(db, rules)
    months = span("2022-01", built.summary.last_month)
    series = cube.series([rules["DVC_TL_TRUC_TUYEN"]], months, DEMO_PROVINCE)["DVC_TL_TRUC_TUYEN"]
    for month in ("2022-01", "2025-06", "2025-07", built.summary.last_month):
        online = sum(_values(db, "DVC_HS_TRUC_TUYEN", month).values())
        total = sum(_values(db, "DVC_HS_TONG", month).values())
        assert series[month] == pytest.approx(online / total * 100)
    first, last = series["2022-01"], series[built.summary.last_month]
    assert first is not None and last is not None
    assert 25 < first < 36 and 58 < last < 75
    fibre = cube.series([rules["HT_CAP_QUANG_HO"]], ["2022-Q1", "2025-Q4"], DEMO_PROVINCE)["HT_CAP_QUANG_HO"]
    assert all(value is not None and 50 < value < 95 for value in fibre.values()), (
        fibre
    )  # weighted by households
    grdp = cube.series([rules["KTS_TY_TRONG_GRDP"]], ["2022", "2025"], DEMO_PROVINCE)["KTS_TY_TRONG_GRDP"]
    assert 14 < (grdp["2022"] or 0) < 17 and 18 < (grdp["2025"] or 0) < 22


def test_one_department_has_not_reported_its_last_finished_quarter(built: Built) -> None:
    """Nothing of the late department in its last finished quarter (its own indicators, its rows of the
    agency-level ones); the quarter before is there, and every other reporter sent the whole quarter."""
    db = built.session
    late, quarter = built.summary.late_agency, built.summary.late_quarter
    codes = list(db.scalars(select(Indicator.code).where(Indicator.owner_agency_code == late)))
    first_month = f"{quarter[:4]}-{(int(quarter[6]) - 1) * 3 + 1:02d}"
    periods = [quarter, *span(first_month, shift(first_month, 2))]
    mine = (IndicatorValue.indicator_code.in_(codes)) | (IndicatorValue.unit_code == late)
    assert db.scalar(select(func.count()).where(mine, IndicatorValue.period.in_(periods))) == 0
    earlier = [shift(period, -1 if "Q" in period else -3) for period in periods]
    assert (db.scalar(select(func.count()).where(mine, IndicatorValue.period.in_(earlier))) or 0) > 0
    end = date(int(quarter[:4]), int(quarter[6]) * 3, 28)
    reporters = {
        "commune": len(list_units(db, province_code=DEMO_PROVINCE, level="commune", on=end)),
        "agency": len(search_agencies(db, province_code=DEMO_PROVINCE, kind="department", on=end)) - 1,
        "province": 1,
    }
    others = select(Indicator).where(Indicator.owner_agency_code != late, Indicator.source == "entered")
    for other in db.scalars(others):
        for period in (p for p in periods if period_type_of(p) == other.period_type):
            assert len(_values(db, other.code, period)) == reporters[other.level], (other.code, period)


def test_a_flagged_outlier_waits_for_confirmation(built: Built) -> None:
    db = built.session
    flagged = list(db.scalars(select(IndicatorValue).where(IndicatorValue.status == "flagged")))
    assert len(flagged) == 1 and built.summary.flagged == [
        f"{flagged[0].indicator_code}/{flagged[0].unit_code}/{flagged[0].period}"
    ]
    value = flagged[0]
    history = [
        v for (unit, period), v in _values(db, value.indicator_code).items()
        if unit == value.unit_code and period < value.period and period >= "2025-Q3"
    ]  # fmt: skip
    assert len(history) >= 2
    spread = max(statistics.pstdev(history), 1.0)
    assert abs(value.value - statistics.mean(history)) > 3 * spread


def test_targets_are_set_for_the_current_year(built: Built) -> None:
    db = built.session
    query = select(IndicatorTarget.indicator_code, IndicatorTarget.value).where(
        IndicatorTarget.year == TODAY.year, IndicatorTarget.unit_code.is_(None)
    )
    targets = {code: value for code, value in db.execute(query)}
    assert len(targets) >= 15 and targets["DVC_TL_TRUC_TUYEN"] > 60 and targets["KTS_TY_TRONG_GRDP"] > 20
    assert (db.scalar(select(func.count()).where(IndicatorTarget.year == TODAY.year - 1)) or 0) > 0


def test_no_data_is_a_missing_row_never_zero(built: Built) -> None:
    db = built.session
    assert db.scalar(select(func.count()).where(IndicatorValue.value <= 0)) == 0
    communes = list_units(db, province_code=DEMO_PROVINCE, level="commune", on=TODAY)
    months = span("2025-07", built.summary.last_month)
    reported = sum(len(_values(db, "DVC_HS_TONG", month)) for month in months)
    possible = len(communes) * len(months)
    assert 0.95 * possible < reported < possible  # a few communes missed a month: no row, not 0


def test_a_rebuild_changes_nothing_and_a_later_day_adds_the_new_periods(built: Built) -> None:
    db = built.session
    nested = db.begin_nested()
    try:
        again = add_demo_indicators(db, actor=SYSTEM, today=TODAY)
        assert (again.folders, again.indicators, again.values, again.targets) == (0, 0, 0, 0)
        later = add_demo_indicators(db, actor=SYSTEM, today=TODAY + timedelta(days=31))
        query = select(IndicatorValue.period).where(IndicatorValue.indicator_code == "DVC_HS_TONG")
        periods = set(db.scalars(query))
        assert later.values > 0 and "2026-05" in periods
    finally:
        nested.rollback()


def test_two_builds_give_the_same_values(built: Built) -> None:
    db = built.session
    query = select(IndicatorValue.indicator_code, IndicatorValue.unit_code, IndicatorValue.period,
                   IndicatorValue.value, IndicatorValue.status).order_by(IndicatorValue.id)  # fmt: skip
    first = db.execute(query).all()
    nested = db.begin_nested()
    try:
        for model in (IndicatorValue, IndicatorTarget, Indicator, IndicatorFolder):
            db.execute(delete(model))
        add_demo_indicators(db, actor=SYSTEM, today=TODAY)
        assert db.execute(query).all() == first
    finally:
        nested.rollback()


def test_only_the_system_or_the_secretariat_builds_the_demo_indicators(built: Built) -> None:
    db = built.session
    before = db.scalar(select(func.count(IndicatorValue.id)))
    reporter = User(username="demo_reporter", full_name="Báo cáo", role="reporter", is_active=True)
    with pytest.raises(PermissionDenied):
        add_demo_indicators(db, actor=reporter, today=TODAY + timedelta(days=62))
    assert db.scalar(select(func.count(IndicatorValue.id))) == before


def test_the_catalogue_file_passes_the_catalogue_checks() -> None:
    folders, entries = load_demo_catalogue()
    assert {f["code"] for f in folders} == FOLDERS
    codes = [e.indicator.code for e in entries]
    assert len(codes) == len(set(codes)) and set(PINNED) <= set(codes)
    for entry in entries:
        assert entry.indicator.folder_code in FOLDERS
        if entry.indicator.weight_code:
            assert entry.indicator.weight_code in codes
        derived = entry.indicator.source in ("formula", "computed")
        assert bool(entry.recipe) != derived, entry.indicator.code


@given(st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31)))
def test_the_last_finished_period_ended_before_the_day_and_the_next_one_holds_it(day: date) -> None:
    for kind in ("month", "quarter", "year"):
        last = last_finished(kind, day)
        assert shift(last, 1) == period_of(day, kind)
        assert last < period_of(day, kind)
