"""The runner: periods, roll-up to parents, zero policies, the record store, custom metrics."""

from __future__ import annotations

from datetime import date, timedelta
from datetime import date as day
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metric_data import compute, counts, dossiers, generated_dossiers, moved_online, petitions, row

from chiso.errors import InvalidInput
from chiso.monitoring import runner
from chiso.monitoring.cache.counts import DERIVED as COUNTS
from chiso.monitoring.cache.flags import DERIVED, procedure_flag_files
from chiso.monitoring.compute import (
    COUNT_COLUMNS,
    compute_metrics,
    connect,
    prepare_sources,
    roll_up,
    tables_from_arrow,
    tables_from_files,
)
from chiso.monitoring.generate import generate_procedures
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.metrics import builtin_metrics
from chiso.monitoring.periods import PeriodKind, parse_period, split_period
from chiso.monitoring.records.manifest import records_dir
from chiso.monitoring.records.store import record_files

# --- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026-08", "2026-08", date(2026, 8, 1), date(2026, 9, 1)),
        ("2026-12", "2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q1", "2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
        ("2026q4", "2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026", "2026", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-W01", "2026-W01", date(2025, 12, 29), date(2026, 1, 5)),
        ("2026-W53", "2026-W53", date(2026, 12, 28), date(2027, 1, 4)),
        ("2026-08-01..2026-08-15", "2026-08-01..2026-08-15", date(2026, 8, 1), date(2026, 8, 16)),
        ("2026-08-05", "2026-08-05..2026-08-05", date(2026, 8, 5), date(2026, 8, 6)),
    ],
)
def test_parse_period(text: str, label: str, start: date, end: date) -> None:
    p = parse_period(text)
    assert (p.label, p.start, p.end) == (label, start, end)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-Q5", "2025-W53", "26-08", "2026-08-10..2026-08-01", "Aug", ""]
)
def test_bad_periods_are_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_period(text)
    assert "YYYY-MM" in str(exc.value)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(2001, 1, 1), max_value=date(2040, 1, 1)),
    days=st.integers(min_value=1, max_value=800),
    by=st.sampled_from(["week", "month", "quarter", "year"]),
)
def test_split_covers_the_period_exactly_without_overlap(start: date, days: int, by: str) -> None:
    whole = parse_period(f"{start}..{start + timedelta(days=days - 1)}")
    parts = split_period(whole, by)  # type: ignore[arg-type]
    assert parts[0].start == whole.start and parts[-1].end == whole.end
    assert all(a.end == b.start for a, b in zip(parts, parts[1:], strict=False))
    assert len({p.label for p in parts}) == len(parts)
    for p in parts:  # a whole bucket keeps its own label, and parsing it gives it back
        assert parse_period(p.label) == p


def test_overlapping_periods_are_refused() -> None:
    with pytest.raises(InvalidInput):
        prepare_sources(
            tables_from_arrow(connect(), dossiers=dossiers({})),
            [parse_period("2026-08"), parse_period("2026-W33")],
        )


# --- roll-up --------------------------------------------------------------------------------------

TREE = pd.DataFrame(
    {
        "agency_code": ["PROV", "DEPT1", "DEPT2", "COMMUNE1", "COMMUNE2", "UNIT1"],
        "parent_code": [None, "PROV", "PROV", "PROV", "PROV", "DEPT1"],
    }
)


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(list(TREE["agency_code"])),
            st.sampled_from(["TIMELINESS", "DOSSIER_SYNC"]),
            st.integers(0, 50),
            st.integers(0, 50),
        ),
        max_size=30,
    )
)
def test_roll_up_parent_equals_sum_of_its_subtree(data: list[tuple[str, str, int, int]]) -> None:
    raw = pd.DataFrame(
        [(a, "2026-08", code, min(n, d), d) for a, code, n, d in data],
        columns=COUNT_COLUMNS,
    ).drop_duplicates(["agency_code", "indicator_code"])
    rolled = roll_up(raw, TREE).set_index(["agency_code", "indicator_code"])
    subtree = {
        "PROV": set(TREE["agency_code"]),
        "DEPT1": {"DEPT1", "UNIT1"},
        "DEPT2": {"DEPT2"},
        "COMMUNE1": {"COMMUNE1"},
        "COMMUNE2": {"COMMUNE2"},
        "UNIT1": {"UNIT1"},
    }
    for (agency, code), got in rolled.iterrows():
        members = raw[raw["agency_code"].isin(subtree[agency]) & (raw["indicator_code"] == code)]
        assert got["numerator"] == members["numerator"].sum()
        assert got["denominator"] == members["denominator"].sum()


def test_roll_up_end_to_end_scores_the_province_from_the_sums() -> None:
    result = compute(
        dossiers(
            {"agency_code": "DEPT1", "finished_at": "2026-08-04 10:00"},
            {"agency_code": "UNIT1", "due_at": "2026-08-04 17:00"},
            {"agency_code": "COMMUNE1", "finished_at": "2026-08-04 10:00"},
            {"agency_code": "COMMUNE1", "finished_at": "2026-08-04 10:00"},
        ),
        petition_rows=petitions({"agency_code": "COMMUNE2", "handled_at": "2026-08-30 10:00"}),
        agencies=TREE,
    )
    assert counts(result, "UNIT1", "TIMELINESS") == (0, 1)
    assert counts(result, "DEPT1", "TIMELINESS") == (1, 2)
    assert counts(result, "DEPT2", "TIMELINESS") == (0, 0)
    assert counts(result, "PROV", "TIMELINESS") == (3, 4)
    assert row(result, "PROV", "TIMELINESS")["value"] == 0.75
    assert counts(result, "PROV", "PETITION_PROCESSING_ON_TIME") == (0, 1)
    assert row(result, "DEPT2", "PETITION_PROCESSING_ON_TIME")["value"] == 1.0  # none: full marks
    every = {(a, m.code) for a in TREE["agency_code"] for m in builtin_metrics()}
    assert set(zip(result["agency_code"], result["indicator_code"], strict=True)) == every


def test_parent_cycle_is_refused() -> None:
    cyclic = pd.DataFrame({"agency_code": ["A", "B"], "parent_code": ["B", "A"]})
    with pytest.raises(InvalidInput) as exc:
        compute(dossiers({}), agencies=cyclic)
    assert "cycle" in str(exc.value)


# --- the record store ------------------------------------------------------------------------------


def test_compute_from_store_reads_only_the_periods_months(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    src = tmp_path / "dossiers.parquet"
    pq.write_table(
        dossiers(
            {"received_at": "2026-07-30 09:00", "due_at": "2026-08-03 17:00", "finished_at": "2026-07-31"},
            {"received_at": "2026-08-03 09:00", "finished_at": "2026-08-05 10:00", "status": "finished"},
            {"received_at": "2026-08-04 09:00", "due_at": "2026-08-05 17:00"},
            {"agency_code": "B", "received_at": "2026-08-10 09:00", "due_at": "2026-08-20 17:00"},
        ),
        src,
    )
    ingest_files([src], data_dir=data_dir)
    august = runner.compute_from_store("2026-08", data_dir=data_dir)
    assert counts(august, "A", "TIMELINESS") == (1, 2)
    assert counts(august, "B", "TIMELINESS") == (0, 1)
    by_month = runner.compute_from_store("2026-Q3", data_dir=data_dir, by="month")
    assert counts(by_month, "A", "TIMELINESS", "2026-07") == (1, 1)
    assert counts(by_month, "A", "TIMELINESS", "2026-08") == (1, 2)


def test_empty_store_gives_listed_agencies_zero_counts(tmp_path: Path) -> None:
    agencies = pd.DataFrame({"agency_code": ["A"], "parent_code": [None]})
    result = runner.compute_from_store("2026-08", data_dir=tmp_path / "none", agencies=agencies)
    assert len(result) == len(builtin_metrics())
    assert (result["denominator"] == 0).all()


def test_recompute_affected_matches_a_full_compute(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    first = tmp_path / "first.parquet"
    pq.write_table(
        dossiers(
            {"dossier_id": "D1", "agency_code": "A", "finished_at": "2026-08-04 10:00"},
            {"dossier_id": "D2", "agency_code": "B"},
        ),
        first,
    )
    ingest_files([first], data_dir=data_dir)
    update = tmp_path / "update.parquet"
    done = {"dossier_id": "D2", "agency_code": "B", "finished_at": "2026-08-04 10:00"}
    pq.write_table(dossiers(done), update)
    report = ingest_files([update], data_dir=data_dir)
    pairs = report.affected["dossiers"]
    assert pairs == {("B", "2026-08")}
    partial = runner.recompute_affected(pairs, data_dir=data_dir)
    full = runner.compute_from_store("2026-08", data_dir=data_dir)
    assert set(partial["agency_code"]) == {"B"}
    expected = full[full["agency_code"] == "B"].reset_index(drop=True)
    pd.testing.assert_frame_equal(partial.reset_index(drop=True), expected, check_dtype=False)
    assert counts(partial, "B", "TIMELINESS") == (1, 1)


def test_cached_procedure_flags_give_the_same_results_as_grouping_the_dossiers(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    catalogue = generate_procedures(20, seed=3)
    first = generated_dossiers(["A1", "A2", "A3"], day(2026, 1, 1), day(2026, 3, 31), total=3_000,
                               procedures=catalogue, seed=5)  # fmt: skip
    pq.write_table(catalogue, tmp_path / "procedures.parquet")
    pq.write_table(first, tmp_path / "first.parquet")
    ingest_files([tmp_path / "procedures.parquet", tmp_path / "first.parquet"], data_dir=data_dir)
    # a later version of some dossiers changes their channel and payment: the flags must follow
    later = moved_online(first.slice(0, 400))
    flipped = pc.invert(later.column("fee_required"))
    later = later.set_column(later.schema.get_field_index("fee_required"), "fee_required", flipped)
    pq.write_table(later, tmp_path / "later.parquet")
    ingest_files([tmp_path / "later.parquet"], data_dir=data_dir)

    def uncached(period: str, by: PeriodKind | None) -> pd.DataFrame:
        records = tables_from_files(
            connect(),
            dossiers=record_files("dossiers", data_dir=data_dir),
            procedures=record_files("procedures", data_dir=data_dir),
        )
        return compute_metrics(records, split_period(parse_period(period), by), data_dir=data_dir)

    for period, by in (("2026-02", None), ("2026-Q1", "month"), ("2026-Q1", None), ("2026-Q1", "month")):
        # the second 2026-Q1 by month reads the per-file counts cached by the first
        cached = runner.compute_from_store(period, data_dir=data_dir, by=by)
        pd.testing.assert_frame_equal(cached, uncached(period, by))
    counted = records_dir(data_dir) / COUNTS
    # one entry per file and query: a file's query names only the periods over its month, so
    # 2026-02 and Q1-by-month share February's entries; Q1 whole is another; the repeat hit them
    every = record_files("dossiers", data_dir=data_dir)
    live = {f.relative_to(records_dir(data_dir)).as_posix().replace("/", "__") for f in every}
    assert len([f for f in counted.glob("*/*.parquet") if f.parent.name in live]) == 2 * len(every)
    flag_files = procedure_flag_files(data_dir=data_dir)
    assert flag_files and all(f.exists() for f in flag_files)
    assert {f.parent for f in flag_files} == {records_dir(data_dir) / DERIVED}
