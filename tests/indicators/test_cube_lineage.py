"""A breakdown before the 2025 reform shows the current communes; the province series is continuous.

A tiny province: old communes 99901 and 99902 merged into the new 99901; old 99903 split, its primary
part the new 99903 and a part in 99901. Store tests (SQLite, and PostgreSQL when set).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from chiso.indicators.columnar import ColumnarCube
from chiso.indicators.compaction import compact
from chiso.indicators.cube import Cube, Rule, SqlCube
from chiso.indicators.lineage import ended_before_reform
from chiso.store.models.indicators import IndicatorValue
from chiso.store.models.units import REFORM_DATE, AdminUnit, UnitLineage

RULES = {
    r.code: r
    for r in [
        Rule("HS", "commune", "sum"),  # dossiers
        Rule("OL", "commune", "sum"),  # online dossiers
        Rule("PC", "commune", "mean"),  # a plain mean
        Rule("HO", "commune", "sum"),  # households
        Rule("QH", "commune", "weighted", weight_code="HO"),  # fibre share, weighted by households
        Rule("NO", "commune", "none"),
        Rule("TL", "commune", "sum", formula="OL / HS * 100"),
    ]
}
OLD = {
    "99901": (10, 2, 50.0, 100, 40.0, 1.0),
    "99902": (30, 18, 70.0, 300, 80.0, 2.0),
    "99903": (5, 1, 20.0, 50, 10.0, 3.0),
}
CODES = ["HS", "OL", "PC", "HO", "QH", "NO"]


def _unit(db: Session, code: str, *, legacy: bool, level: str = "commune") -> AdminUnit:
    unit = AdminUnit(
        code=code, level=level, name=f"Xã {code}", full_name=f"Xã {code}", name_ascii=f"xa {code}",
        province_code="48", valid_from=None if legacy else REFORM_DATE,
        valid_to=REFORM_DATE if legacy else None,
    )  # fmt: skip
    db.add(unit)
    db.flush()
    return unit


def _link(db: Session, old: AdminUnit, new: AdminUnit, kind: str, primary: bool) -> None:
    db.add(
        UnitLineage(
            from_unit_id=old.id, to_unit_id=new.id, effective_on=REFORM_DATE, kind=kind, is_primary=primary
        )
    )


def _values(
    db: Session, period: str, rows: Mapping[str, tuple[float, ...]], codes: Sequence[str] = CODES
) -> None:
    for unit, numbers in rows.items():
        for code, value in zip(codes, numbers, strict=True):
            db.add(
                IndicatorValue(
                    indicator_code=code, unit_code=unit, period=period, value=float(value), status="entered",
                    channel="form", entered_by="test", entered_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )  # fmt: skip
    db.flush()


@pytest.fixture
def province(db: Session) -> Session:
    old = {code: _unit(db, code, legacy=True) for code in OLD}
    new = {code: _unit(db, code, legacy=False) for code in ("99901", "99903")}
    _link(db, old["99901"], new["99901"], "merge", True)
    _link(db, old["99902"], new["99901"], "merge", True)
    _link(db, old["99903"], new["99903"], "partial", True)
    _link(db, old["99903"], new["99901"], "partial", False)
    _values(db, "2025-06", OLD)
    _values(db, "2025-07", {"99901": (50, 25, 60.0, 420, 70.0, 4.0), "99903": (6, 3, 30.0, 55, 12.0, 5.0)})
    return db


def _cubes(db: Session, tmp_path: Path) -> list[Cube]:
    compact(db, tmp_path, rules=RULES)
    return [SqlCube(db, RULES), ColumnarCube(db, RULES, tmp_path)]


def test_a_merge_combines_old_values_by_the_indicators_rule(province: Session, tmp_path: Path) -> None:
    for cube in _cubes(province, tmp_path):
        got = {code: cube.breakdown(RULES[code], "2025-06") for code in RULES}
        assert got["HS"] == {"99901": 40.0, "99903": 5.0}  # counts summed; the split went whole to 99903
        assert got["PC"] == {"99901": 60.0, "99903": 20.0}  # means averaged
        assert got["QH"] == {
            "99901": (40.0 * 100 + 80.0 * 300) / 400,
            "99903": 10.0,
        }  # weighted by households
        assert got["NO"] == {"99903": 3.0}  # "none" values cannot be merged: no data, never a guess
        assert got["TL"] == {"99901": 20 / 40 * 100, "99903": 20.0}  # the share of the merged counts


def test_after_the_reform_and_on_request_the_codes_are_kept(province: Session, tmp_path: Path) -> None:
    for cube in _cubes(province, tmp_path):
        assert cube.breakdown(RULES["HS"], "2025-07") == {"99901": 50.0, "99903": 6.0}
    raw = SqlCube(province, RULES, current_units=False).breakdown(RULES["HS"], "2025-06")
    assert raw == {"99901": 10.0, "99902": 30.0, "99903": 5.0}


def test_the_province_series_is_continuous_across_the_reform(province: Session, tmp_path: Path) -> None:
    for cube in _cubes(province, tmp_path):
        series = cube.series([RULES["HS"], RULES["TL"]], ["2025-06", "2025-07"], "48")
        assert series["HS"] == {"2025-06": 45.0, "2025-07": 56.0}
        assert series["TL"] == {"2025-06": 21 / 45 * 100, "2025-07": 28 / 56 * 100}


@pytest.mark.parametrize(
    ("period", "before"),
    [
        ("2025-06", True),
        ("2025-07", False),
        ("2025-Q2", True),
        ("2025-Q3", False),
        ("2024", True),
        ("2025", False),
    ],
)
def test_which_periods_ended_before_the_reform(period: str, before: bool) -> None:
    assert ended_before_reform(period) is before
    assert REFORM_DATE == date(2025, 7, 1)


PROVINCE_RULES = {
    r.code: r
    for r in [
        Rule("GR", "province", "sum"),
        Rule("MP", "province", "mean"),
        Rule("KS", "province", "none"),
        Rule("PP", "province", "sum", formula="GR / MP"),
    ]
}


def test_the_old_provinces_own_values_merge_into_the_new_province(db: Session, tmp_path: Path) -> None:
    olds = [_unit(db, code, legacy=True, level="province") for code in ("98", "99")]
    new = _unit(db, "98", legacy=False, level="province")
    for old in olds:
        _link(db, old, new, "merge", True)
    _values(db, "2025-06", {"98": (100, 10, 7), "99": (50, 20, 9)}, ("GR", "MP", "KS"))
    _values(db, "2025-07", {"98": (170, 12, 8)}, ("GR", "MP", "KS"))
    compact(db, tmp_path, rules=PROVINCE_RULES)
    for cube in [SqlCube(db, PROVINCE_RULES), ColumnarCube(db, PROVINCE_RULES, tmp_path)]:
        series = cube.series(list(PROVINCE_RULES.values()), ["2025-06", "2025-07"], "98")
        assert series["GR"] == {"2025-06": 150.0, "2025-07": 170.0}  # summed: continuous across the reform
        assert series["MP"] == {"2025-06": 15.0, "2025-07": 12.0}
        assert series["KS"] == {"2025-06": 7.0, "2025-07": 8.0}  # "none": the province's own code only
        assert series["PP"] == {"2025-06": 10.0, "2025-07": 170 / 12}
    assert SqlCube(db, PROVINCE_RULES, current_units=False).series(
        [PROVINCE_RULES["GR"]], ["2025-06"], "98"
    ) == {"GR": {"2025-06": 100.0}}
