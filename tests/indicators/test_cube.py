"""The columnar cube answers what the SQL cube answers, overlays new entries, compacts idempotently.

Store tests: SQLite always, PostgreSQL when CHISO_TEST_POSTGRES_URL is set (tests/conftest.py).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.indicators.columnar import ColumnarCube, read_manifest
from chiso.indicators.compaction import compact, load_bulk
from chiso.indicators.cube import Rule, SqlCube, open_cube
from chiso.store.models.indicators import IndicatorValue
from chiso.store.models.units import REFORM_DATE, AdminUnit, UnitLineage

PROVINCE = "48"
UNITS = ["20194", "20197", "20200", "20203", PROVINCE, "49"]
PERIODS = ["2025-05", "2025-06", "2026-03"]  # two before the 2025 reform: lineage applies
CATALOGUE = {
    r.code: r
    for r in [
        Rule("A", "commune", "sum"),
        Rule("B", "commune", "mean"),
        Rule("W", "commune", "sum"),
        Rule("C", "commune", "weighted", weight_code="W"),
        Rule("D", "province", "none"),
        Rule("N", "commune", "none"),
        Rule("F", "commune", "sum", formula="A / W * 100"),
        Rule("G", "commune", "sum", formula="F + B - 1"),
    ]
}
STORED = ["A", "B", "W", "C", "D", "N"]
EARLIER = datetime(2026, 4, 1, tzinfo=UTC)

Key = tuple[str, str, str]  # code, unit, period
VALUES = st.dictionaries(
    st.tuples(st.sampled_from(STORED), st.sampled_from(UNITS), st.sampled_from(PERIODS)),
    st.one_of(st.integers(0, 5000).map(float), st.floats(0, 1000, allow_nan=False, allow_infinity=False)),
    max_size=40,
)


def put(db: Session, values: Mapping[Key, float], at: datetime) -> None:
    """Insert or update values, entered at `at`."""
    for (code, unit, period), value in values.items():
        row = db.scalar(
            select(IndicatorValue).where(
                IndicatorValue.indicator_code == code,
                IndicatorValue.unit_code == unit,
                IndicatorValue.period == period,
            )
        )
        if row is None:
            row = IndicatorValue(
                indicator_code=code, unit_code=unit, period=period, status="entered", channel="form"
            )
            db.add(row)
        row.value, row.entered_by, row.entered_at = value, "test", at
    db.flush()


def reform(db: Session) -> None:
    """Old communes 20194 + 20197 -> the current 20194; old provinces 48 + 49 -> the current 48.

    Where another test loaded the real units first they are there already, with their own lineage: the
    cubes are compared with each other, so they are used as they are."""
    loaded = select(AdminUnit.id).where(AdminUnit.code == "20194", AdminUnit.level == "commune")
    if db.scalar(loaded.limit(1)) is not None:
        return
    for level, olds, new in (("commune", ["20194", "20197"], "20194"), ("province", ["48", "49"], "48")):
        units = [
            AdminUnit(code=code, level=level, name=code, full_name=code, name_ascii=code, province_code="48",
                      valid_from=REFORM_DATE if code == new and i == len(olds) else None,
                      valid_to=None if i == len(olds) else REFORM_DATE)
            for i, code in enumerate([*olds, new])
        ]  # fmt: skip
        db.add_all(units)
        db.flush()
        for old in units[:-1]:
            db.add(
                UnitLineage(
                    from_unit_id=old.id, to_unit_id=units[-1].id, effective_on=REFORM_DATE, kind="merge"
                )
            )
    db.flush()


def same(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)


def assert_same_figures(db: Session, folder: Path) -> None:
    sql, col = SqlCube(db, CATALOGUE), ColumnarCube(db, CATALOGUE, folder)
    rules = list(CATALOGUE.values())
    expected, got = sql.series(rules, PERIODS, PROVINCE), col.series(rules, PERIODS, PROVINCE)
    for code in CATALOGUE:
        for period in PERIODS:
            assert same(expected[code][period], got[code][period]), (code, period, expected, got)
        for period in PERIODS:
            want, have = sql.breakdown(CATALOGUE[code], period), col.breakdown(CATALOGUE[code], period)
            assert list(want) == list(have), (code, period)
            assert all(same(want[u], have[u]) for u in want), (code, period, want, have)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=VALUES, later=VALUES)
def test_the_columnar_cube_answers_as_the_sql_cube_before_and_after_compaction(
    db: Session, first: dict[Key, float], later: dict[Key, float]
) -> None:
    with db.begin_nested() as example, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reform(db)
        put(db, first, EARLIER)
        compact(db, folder, rules=CATALOGUE)
        assert_same_figures(db, folder)
        put(db, later, clock.now())  # entered after the compaction: the overlay shows it at once
        assert_same_figures(db, folder)
        compact(db, folder, rules=CATALOGUE)
        assert_same_figures(db, folder)
        example.rollback()


def test_no_value_is_none_never_zero(db: Session, tmp_path: Path) -> None:
    put(db, {("A", "20194", "2026-01"): 3.0}, EARLIER)
    compact(db, tmp_path, rules=CATALOGUE)
    cube = ColumnarCube(db, CATALOGUE, tmp_path)
    months = ["2026-01", "2026-02", "2026-03"]
    series = cube.series([CATALOGUE["A"], CATALOGUE["B"], CATALOGUE["F"]], months, PROVINCE)
    assert series["A"] == {"2026-01": 3.0, "2026-02": None, "2026-03": None}
    assert set(series["B"].values()) == {None}
    assert set(series["F"].values()) == {None}  # W has no data: the share is unknown, not 0
    assert cube.breakdown(CATALOGUE["A"], "2026-02") == {}


def test_a_value_entered_after_compaction_shows_at_once(db: Session, tmp_path: Path) -> None:
    put(db, {("A", "20194", "2026-01"): 3.0, ("A", "20197", "2026-01"): 4.0}, EARLIER)
    compact(db, tmp_path, rules=CATALOGUE)
    put(db, {("A", "20197", "2026-01"): 10.0, ("A", "20200", "2026-01"): 1.0}, clock.now())
    cube = open_cube(db, CATALOGUE, folder=tmp_path)
    assert isinstance(cube, ColumnarCube)
    assert cube.series([CATALOGUE["A"]], ["2026-01"], PROVINCE)["A"]["2026-01"] == 14.0
    assert cube.breakdown(CATALOGUE["A"], "2026-01") == {"20194": 3.0, "20197": 10.0, "20200": 1.0}


def test_without_a_compaction_open_cube_reads_sql(db: Session, tmp_path: Path) -> None:
    assert isinstance(open_cube(db, CATALOGUE, folder=tmp_path / "none"), SqlCube)


def test_compaction_is_idempotent(db: Session, tmp_path: Path) -> None:
    put(
        db,
        {("A", u, p): float(i) for i, (u, p) in enumerate((u, p) for u in UNITS[:3] for p in PERIODS)},
        EARLIER,
    )
    first = compact(db, tmp_path, rules=CATALOGUE)
    files = sorted(p.name for p in (tmp_path / first.generation).iterdir())
    again = compact(db, tmp_path, rules=CATALOGUE)
    assert (again.changed, again.generation, again.rows) == (False, first.generation, first.rows)
    assert sorted(p.name for p in (tmp_path / again.generation).iterdir()) == files
    assert_same_figures(db, tmp_path)


def test_a_value_deleted_in_sql_leaves_the_cube_at_the_next_compaction(db: Session, tmp_path: Path) -> None:
    put(db, {("A", "20194", "2026-01"): 3.0, ("A", "20197", "2026-01"): 4.0}, EARLIER)
    compact(db, tmp_path, rules=CATALOGUE)
    db.delete(db.scalars(select(IndicatorValue).where(IndicatorValue.unit_code == "20197")).one())
    db.flush()
    compact(db, tmp_path, rules=CATALOGUE)
    assert ColumnarCube(db, CATALOGUE, tmp_path).breakdown(CATALOGUE["A"], "2026-01") == {"20194": 3.0}


def test_a_bulk_load_adds_values_and_an_entered_value_wins(db: Session, tmp_path: Path) -> None:
    put(db, {("A", "20194", "2026-01"): 99.0}, EARLIER)
    compact(db, tmp_path, rules=CATALOGUE)
    generated = (
        "SELECT '2026-0' || (p + 1) AS period, (20194 + 3 * u)::VARCHAR AS unit_code, "
        "(u + 1)::DOUBLE AS value FROM range(3) t(p), range(4) s(u)"
    )
    report = load_bulk(tmp_path, {"A": generated, "W": generated}, rules=CATALOGUE)
    assert report.rows == 24
    cube = ColumnarCube(db, CATALOGUE, tmp_path)
    assert cube.breakdown(CATALOGUE["A"], "2026-01") == {
        "20194": 99.0,
        "20197": 2.0,
        "20200": 3.0,
        "20203": 4.0,
    }
    assert cube.series([CATALOGUE["A"], CATALOGUE["F"]], ["2026-02"], PROVINCE) == {
        "A": {"2026-02": 10.0},
        "F": {"2026-02": 100.0},
    }
    compact(db, tmp_path, rules=CATALOGUE)  # the bulk rows stay; the entered one still wins
    assert ColumnarCube(db, CATALOGUE, tmp_path).breakdown(CATALOGUE["A"], "2026-01")["20194"] == 99.0


def test_a_changed_weight_rule_recomputes_the_roll_up(db: Session, tmp_path: Path) -> None:
    put(db, {("C", "20194", "2026-01"): 10.0, ("C", "20197", "2026-01"): 20.0}, EARLIER)
    put(db, {("W", "20194", "2026-01"): 1.0, ("W", "20197", "2026-01"): 3.0}, EARLIER)
    put(db, {("A", "20194", "2026-01"): 3.0, ("A", "20197", "2026-01"): 1.0}, EARLIER)
    compact(db, tmp_path, rules=CATALOGUE)
    by_a = {**CATALOGUE, "C": Rule("C", "commune", "weighted", weight_code="A")}
    assert ColumnarCube(db, by_a, tmp_path).series([by_a["C"]], ["2026-01"], PROVINCE)["C"]["2026-01"] == 12.5
    assert ColumnarCube(db, CATALOGUE, tmp_path).series([CATALOGUE["C"]], ["2026-01"], PROVINCE) == {
        "C": {"2026-01": 17.5}
    }


def test_the_previous_generation_is_kept_for_readers_and_older_ones_swept(
    db: Session, tmp_path: Path
) -> None:
    generations = []
    for i in range(3):
        put(db, {("A", "20194", "2026-01"): float(i)}, EARLIER - timedelta(days=1))
        generations.append(compact(db, tmp_path, rules=CATALOGUE).generation)
    manifest = read_manifest(tmp_path)
    assert manifest is not None and manifest.generation == generations[-1]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == sorted(generations[1:])


@pytest.mark.parametrize("code", ["A/../../x", "Ü ber", "O'Neil"])
def test_an_unsafe_code_gets_a_hashed_file_name(db: Session, tmp_path: Path, code: str) -> None:
    rules = {code: Rule(code, "commune", "sum")}
    put(db, {(code, "20194", "2026-01"): 5.0}, EARLIER)
    tmp_path = tmp_path / "the province's cube"  # a quote in the path too
    compact(db, tmp_path, rules=rules)
    put(db, {(code, "20197", "2026-01"): 2.0}, EARLIER)
    assert compact(db, tmp_path, rules=rules).rewritten == 1  # reads the old generation's file
    manifest = read_manifest(tmp_path)
    assert manifest is not None and "/" not in manifest.files[code] and " " not in manifest.files[code]
    cube = ColumnarCube(db, rules, tmp_path)
    assert cube.series([rules[code]], ["2026-01"], PROVINCE)[code]["2026-01"] == 7.0
