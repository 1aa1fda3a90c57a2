"""Synthetic records: deterministic, valid against the record types, realistic, streaming."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chiso.monitoring.calendar import load_calendar
from chiso.monitoring.generate import (
    generate_demo_records,
    generate_dossiers,
    generate_petitions,
    generate_procedures,
)
from chiso.monitoring.records import store
from chiso.monitoring.records.schema import arrow_schema
from chiso.monitoring.records.validate import validate_table

CODES = [f"A{i:02d}" for i in range(40)]


def dossiers(**kw: object) -> pa.Table:
    args = {"total": 20_000, "seed": 5, **kw}
    return pa.Table.from_batches(
        list(generate_dossiers(CODES, date(2025, 1, 1), date(2025, 6, 30), **args))  # type: ignore[arg-type]
    )


def test_same_seed_same_records_other_seed_other_records() -> None:
    assert dossiers().equals(dossiers())
    assert not dossiers(seed=6).equals(dossiers())


def test_generated_records_pass_validation_unchanged() -> None:
    for kind, table in (
        ("dossiers", dossiers()),
        ("petitions", pa.Table.from_batches(list(generate_petitions(
            CODES, date(2025, 1, 1), date(2025, 3, 31), total=3000)))),
        ("procedures", generate_procedures(50)),
    ):  # fmt: skip
        res = validate_table(table, kind, source="generated")
        assert res.rejects == [], res.rejects[:3]
        assert res.table.equals(table.cast(arrow_schema(kind)))


def test_dossiers_are_realistic() -> None:
    t = dossiers()
    assert t.num_rows == 20_000
    assert pc.count_distinct(t.column("dossier_id")).as_py() == t.num_rows
    received = t.column("received_at").to_numpy().astype("datetime64[D]")
    assert load_calendar().is_working_day(received).all()  # offices receive on working days
    assert (received >= np.datetime64("2025-01-01")).all() and (received <= np.datetime64("2025-06-30")).all()
    due = t.column("due_at").to_numpy()
    assert (due > t.column("received_at").to_numpy()).all()
    finished = t.column("finished_at")
    status = t.column("status").to_pylist()
    open_states = {"received", "processing", "waiting_supplement"}
    assert all((f is None) == (s in open_states) for f, s in zip(finished.to_pylist(), status, strict=True))
    online = np.mean(np.asarray(t.column("channel").to_pylist()) == "online")
    assert 0.2 < online < 0.8
    assert set(pc.unique(t.column("paid_online")).to_pylist()) <= {0, 1, 2}
    # agencies differ: the best on-time share is well above the worst
    fin = t.filter(pc.is_valid(t.column("finished_at")))
    late = pc.greater(fin.column("finished_at"), fin.column("due_at"))
    shares = (
        pa.table({"a": fin.column("agency_code"), "late": pc.cast(late, pa.int8())})
        .group_by("a")
        .aggregate([("late", "mean")])
        .column("late_mean")
        .to_numpy()
    )
    assert shares.max() - shares.min() > 0.05


def test_streaming_batches_stay_within_chunk_rows_and_one_month() -> None:
    batches = generate_dossiers(CODES, date(2025, 1, 15), date(2025, 3, 10), total=10_000, chunk_rows=1_000)
    for batch in batches:
        assert batch.num_rows <= 1_000
        months = batch.column("received_at").to_numpy().astype("datetime64[M]")
        assert len(np.unique(months)) == 1


def test_demo_records_fill_the_store_and_a_second_run_replaces_them(tmp_path: Path) -> None:
    counts = generate_demo_records(tmp_path, CODES[:5], end=date(2025, 12, 31), per_agency=200)
    assert counts == {"procedures": 300, "dossiers": 1000, "petitions": 40}
    assert store.stored_months("dossiers", data_dir=tmp_path) == [f"2025-{m:02d}" for m in range(1, 13)]
    first = store.read_records("dossiers", data_dir=tmp_path)
    generate_demo_records(tmp_path, CODES[:5], end=date(2025, 12, 31), per_agency=200)
    assert store.read_records("dossiers", data_dir=tmp_path).equals(first)
