"""Computing metric values from record tables on DuckDB or Spark; monitoring compute layer.

Modules, in the order a computation runs them: `backend` (connect; raw record tables from Arrow or
Parquet), `days` (working-day ordinals, period days), `procedures` (the procedure grain and the
``procedures`` source), `sources` (prepare the sources the metrics read), `counts` (one fused
aggregation per source into a count cube), `rollup` (parents = sums over their subtree), `values`
(zero policies; `compute_metrics`, the from-tables entry point). Imports records, metrics, periods
and the calendar; never the caches, the runner or the store's writer. The public names are
re-exported here.
"""

from chiso.monitoring.compute.backend import (
    ENGINES,
    Engine,
    RecordTables,
    conform,
    connect,
    empty_records,
    record_schema_table,
    tables_from_arrow,
    tables_from_files,
)
from chiso.monitoring.compute.counts import COUNT_COLUMNS, CountCube, compute_counts
from chiso.monitoring.compute.rollup import ancestry, roll_up, roll_up_cube
from chiso.monitoring.compute.sources import PreparedSources, prepare_sources
from chiso.monitoring.compute.values import VALUE_COLUMNS, compute_metrics, cube_values

__all__ = [
    "COUNT_COLUMNS",
    "ENGINES",
    "VALUE_COLUMNS",
    "CountCube",
    "Engine",
    "PreparedSources",
    "RecordTables",
    "ancestry",
    "compute_counts",
    "compute_metrics",
    "conform",
    "connect",
    "cube_values",
    "empty_records",
    "prepare_sources",
    "record_schema_table",
    "roll_up",
    "roll_up_cube",
    "tables_from_arrow",
    "tables_from_files",
]
