"""The whole metric set on the same records on DuckDB and on Spark must give identical results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from metric_data import dossiers, petitions, procedures

from chiso.monitoring.compute import compute_metrics, connect, tables_from_arrow
from chiso.monitoring.custom import parse_custom_metrics
from chiso.monitoring.generate import generate_dossiers, generate_petitions, generate_procedures
from chiso.monitoring.metrics import builtin_metrics
from chiso.monitoring.periods import PeriodKind, parse_period, split_period

# Starting a JVM costs ~20 s: CI runs the parity (slow), `make test` leaves it out.
pytestmark = [pytest.mark.spark, pytest.mark.slow]

pyspark = pytest.importorskip("pyspark")

AGENCIES = [f"X{i:02d}" for i in range(12)]
CUSTOM = {
    "metrics": [
        {
            "code": "FINISHED_WITHIN_4H",
            "source": "dossiers",
            "where": "status == 'finished' and finished_at is not null",
            "numerator": "hours_between(received_at, finished_at) <= 4",
        },
        {
            "code": "STAFF_OR_REPEAT",
            "source": "petitions",
            "numerator": "category in ('staff') or (repeat and not dissatisfied)",
            "zero_policy": "null",
        },
    ]
}


@pytest.fixture(scope="module")
def spark_con() -> Iterator[Any]:
    """One Spark session (local[2]) for the module; its start-up is the slow part."""
    con = connect("spark")
    yield con


def _records() -> dict[str, pa.Table]:
    catalogue = generate_procedures(40, seed=5, today=date(2026, 7, 1))
    generated = pa.Table.from_batches(
        list(
            generate_dossiers(
                AGENCIES,
                date(2026, 7, 1),
                date(2026, 8, 31),
                total=3000,
                seed=5,
                procedures=catalogue,
                as_of=datetime(2026, 9, 10),
            )
        )  # fmt: skip
    )
    edge = (
        dossiers(
            {"paused_days": 3, "finished_at": "2026-08-12 17:00", "status": "finished"},
            {"supplement_requests": 2, "finished_at": "2026-08-04 10:00", "status": "finished"},
            {"due_at": None},
            {"agency_code": "X00", "received_at": "2026-08-31 23:59:59", "due_at": "2026-09-02 08:00"},
        )
        .select(generated.schema.names)
        .cast(generated.schema)
    )
    pets = pa.Table.from_batches(
        list(
            generate_petitions(
                AGENCIES, date(2026, 7, 1), date(2026, 8, 31), total=400, seed=5, as_of=datetime(2026, 9, 10)
            )
        )  # fmt: skip
    )
    extra_pet = (
        petitions({"overdue": True, "repeat": True}, {"dossier_id": "dos-2"})  # a complaint about dos-2
        .select(pets.schema.names)
        .cast(pets.schema)
    )
    extra_proc = procedures({"procedure_code": "ZZ", "agency_code": "X03", "fee_bearing": True})
    return {
        "dossiers": pa.concat_tables([generated, edge]),
        "petitions": pa.concat_tables([pets, extra_pet]),
        "procedures": pa.concat_tables(
            [catalogue, extra_proc.select(catalogue.schema.names).cast(catalogue.schema)]
        ),
    }


def _run(
    con: Any, records: dict[str, pa.Table], *, by: PeriodKind | None, as_of: datetime | None
) -> pd.DataFrame:
    custom, problems = parse_custom_metrics(CUSTOM)
    assert not problems
    tables = tables_from_arrow(
        con, dossiers=records["dossiers"], petitions=records["petitions"], procedures=records["procedures"]
    )
    agencies = pd.DataFrame(
        {"agency_code": [*AGENCIES, "ROOT", "A"], "parent_code": [*(["ROOT"] * len(AGENCIES)), None, "ROOT"]}
    )
    periods = split_period(parse_period("2026-07-01..2026-08-31"), by)
    return compute_metrics(
        tables, periods, metrics=[*builtin_metrics(), *custom], agencies=agencies, as_of=as_of
    )


@pytest.mark.parametrize(("by", "as_of"), [("month", None), (None, datetime(2026, 8, 20, 12, 0))])
def test_duckdb_and_spark_give_identical_results(
    spark_con: Any, by: PeriodKind | None, as_of: datetime | None, tmp_path: Path
) -> None:
    records = _records()
    on_duckdb = _run(connect("duckdb"), records, by=by, as_of=as_of)
    on_spark = _run(spark_con, records, by=by, as_of=as_of)
    assert on_duckdb["denominator"].sum() > 0
    assert on_duckdb["value"].isna().any()  # nulls (zero denominators) travel the same on both
    assert len(on_duckdb) == (len(AGENCIES) + 2) * (2 if by else 1) * (len(builtin_metrics()) + 2)
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_exact=True)
