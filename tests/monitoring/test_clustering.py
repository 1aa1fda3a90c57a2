"""The record store's files are sorted by agency in small row groups, so one agency's query skips the rest."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chiso.monitoring.drilldown import SENTINEL, AgencyQueries, _dossier_metric, records_of_period
from chiso.monitoring.generate import generate_dossiers, generate_petitions
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.periods import parse_period
from chiso.monitoring.records import clustering, store
from chiso.monitoring.records.manifest import load_manifest, records_dir
from chiso.monitoring.records.schema import arrow_schema

AGENCIES = [f"A{i:02d}" for i in range(40)]
GROUP = 100


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(clustering, "ROW_GROUP_ROWS", GROUP)
    return tmp_path / "var"


def _assert_clustered(data_dir: Path, kind: str) -> int:
    """Check every live file of `kind`: its schema, bookkeeping, order and row groups; count them."""
    root = records_dir(data_dir)
    parts = load_manifest(data_dir).parts(kind)  # type: ignore[arg-type]
    assert parts
    for part in parts:
        path = root / part.path
        meta = pq.read_metadata(path)
        table = pq.read_table(path)
        assert table.schema.equals(arrow_schema(kind))
        assert meta.num_rows == part.rows == table.num_rows
        key = table.schema.names[0]
        ids = table.column(key).to_pylist()
        assert (part.key_min, part.key_max) == (min(ids), max(ids))
        rows = list(zip(table.column("agency_code").to_pylist(), ids, strict=True))
        assert rows == sorted(rows), f"{part.path} is not sorted by agency, then key"
        assert meta.num_row_groups == math.ceil(meta.num_rows / GROUP)
        # an agency's rows sit in as few groups as they can: a filter on it skips the others
        col = table.schema.get_field_index("agency_code")
        spans = [(meta.row_group(g).column(col).statistics.min, meta.row_group(g).column(col).statistics.max)
                 for g in range(meta.num_row_groups)]  # fmt: skip
        for agency, n in Counter(a for a, _ in rows).items():
            touched = sum(1 for lo, hi in spans if lo <= agency <= hi)
            assert touched <= math.ceil(n / GROUP) + 1, (agency, n, touched)
    return len(parts)


def test_bulk_loaded_months_are_sorted_by_agency_in_small_row_groups(data_dir: Path) -> None:
    batches = generate_dossiers(AGENCIES, date(2026, 1, 1), date(2026, 3, 31), total=3000, chunk_rows=700)
    assert store.bulk_load("dossiers", batches, data_dir=data_dir) == 3000
    assert _assert_clustered(data_dir, "dossiers") == 3  # one file a month
    petitions = generate_petitions(AGENCIES, date(2026, 1, 1), date(2026, 2, 28), total=600)
    store.bulk_load("petitions", petitions, data_dir=data_dir)
    _assert_clustered(data_dir, "petitions")
    assert not list((records_dir(data_dir) / "_staging").glob("*/**/*.parquet*"))


def test_ingested_and_streamed_files_are_sorted_too(tmp_path: Path, data_dir: Path) -> None:
    table = pa.Table.from_batches(list(generate_dossiers(AGENCIES, date(2026, 5, 1), date(2026, 5, 31),
                                                         total=900, seed=3)))  # fmt: skip
    path = tmp_path / "may.parquet"
    pq.write_table(table.sort_by([("dossier_id", "descending")]), path)
    ingest_files([path], data_dir=data_dir, kind="dossiers")  # StoreWriter.add
    with store.open_writer(data_dir) as writer:
        june = generate_dossiers(AGENCIES, date(2026, 6, 1), date(2026, 6, 30), total=800, seed=4,
                                 chunk_rows=150)  # fmt: skip
        assert writer.add_batches("dossiers", "2026-06", june) is not None
        writer.commit()
    assert _assert_clustered(data_dir, "dossiers") == 2


def test_compacted_files_are_sorted(data_dir: Path) -> None:
    batches = list(generate_dossiers(AGENCIES, date(2026, 7, 1), date(2026, 7, 31), total=900, seed=5))
    rows = pa.Table.from_batches(batches)
    with store.open_writer(data_dir) as writer:
        step = rows.num_rows // store.COMPACT_FILES + 1
        for start in range(0, rows.num_rows, step):
            writer.add("dossiers", "2026-07", rows.slice(start, step))
        writer.compact("dossiers", "2026-07")
        writer.commit()
    assert _assert_clustered(data_dir, "dossiers") == 1


def test_an_aborted_bulk_load_leaves_no_file(data_dir: Path) -> None:
    def failing() -> Iterator[pa.RecordBatch]:
        yield from generate_dossiers(
            AGENCIES, date(2026, 1, 1), date(2026, 2, 28), total=2000, chunk_rows=500
        )
        raise RuntimeError("the source broke")  # after both months' spill files were started

    with pytest.raises(RuntimeError):
        store.bulk_load("dossiers", failing(), data_dir=data_dir)
    root = records_dir(data_dir)
    assert store.record_files("dossiers", data_dir=data_dir) == []
    assert [p for p in root.rglob("*") if p.is_file() and p.name != ".lock"] == []


def test_the_drill_query_reads_only_the_agencys_row_groups(data_dir: Path) -> None:
    batches = generate_dossiers(AGENCIES, date(2026, 1, 1), date(2026, 1, 31), total=4000, seed=6)
    store.bulk_load("dossiers", batches, data_dir=data_dir)
    period = parse_period("2026-01")
    queries = AgencyQueries(records_of_period(period, data_dir=data_dir), period)
    sql = queries._compiled("dossiers", _dossier_metric("TIMELINESS"))
    for codes in ("'A07'", "'A07', 'A08'"):  # one agency; an agency and its subtree (an IN list)
        plan = queries.records.con.con.execute("EXPLAIN ANALYZE " + sql.replace(f"'{SENTINEL}'", codes))
        text = plan.fetchall()[0][1]
        scanned = [(int(a), int(b)) for a, b in re.findall(r"Row Groups Scanned: (\d+) / (\d+)", text)]
        dossier_scan = max(scanned, key=lambda s: s[1])
        assert dossier_scan[1] == 40 and dossier_scan[0] <= 4, (codes, scanned)
