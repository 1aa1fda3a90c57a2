"""Run the metrics on DuckDB or Spark for any period; monitoring layer, imports no web/, cli/ or store/.

The one runner of the monitoring room:

1. `parse_period` (chiso.monitoring.periods) reads ``2026-W05``, ``2026-08``, ``2026-Q3``, ``2026``,
   ``2026-08-01..2026-08-15``; `split_period` cuts a period into weeks, months, quarters or years.
2. `connect` opens the engine: DuckDB in memory (default) or Spark (local mode or a cluster URL).
3. `prepare_sources` turns the raw record tables into the three prepared tables the metric
   definitions read (period attribution, cut-off, working-day ordinals, per-procedure counts).
4. `compute_counts` runs every metric of a source in one fused aggregation per source and returns
   the long table ``agency_code, period, indicator_code, numerator, denominator``.
5. `roll_up` adds every parent's counts as the sum of its subtree, and `apply_zero_policy` turns
   counts into values (numerator / denominator; the metric's policy when the denominator is 0).

`compute_metrics` chains 3-5; `compute_from_store` reads the Parquet record store first.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.calendar import WorkingCalendar, load_calendar
from chiso.monitoring.derived import derived_results
from chiso.monitoring.metrics import KEYS, Metric, builtin_metrics
from chiso.monitoring.metrics.base import SOURCES
from chiso.monitoring.metrics.payment import dossier_paid_online
from chiso.monitoring.periods import Period, PeriodKind, bucket_of, check_disjoint, parse_period, split_period
from chiso.monitoring.records import arrow_schema, record_type

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
COUNT_COLUMNS = ["agency_code", "period", "indicator_code", "numerator", "denominator"]
VALUE_COLUMNS = [*COUNT_COLUMNS, "value"]



# ---------------------------------------------------------------------------------------------
# calendar


def _workday_table(cal: WorkingCalendar) -> pa.Table:
    """Return day, w (working-day ordinal: working days on or before the day), working."""
    days = np.arange(cal.start, cal.start + len(cal.working))
    return pa.table(
        {
            "day": pa.array(days, pa.date32()),
            "w": pa.array(np.cumsum(cal.working, dtype=np.int64)),
            "working": pa.array(cal.working),
        }
    )


_WORKDAYS: dict[int, pa.Table] = {}


def workday_table(data_dir: Path | None = None) -> pa.Table:
    """Return the working-day table of the Vietnamese calendar (with the data dir's overrides), cached."""
    cal = load_calendar(data_dir)
    key = id(cal)
    if key not in _WORKDAYS:
        _WORKDAYS.clear()
        _WORKDAYS[key] = _workday_table(cal)
    return _WORKDAYS[key]


def _period_day_table(periods: Sequence[Period], as_of: datetime | None) -> pa.Table:
    days: list[date] = []
    labels: list[str] = []
    cutoffs: list[datetime] = []
    for p in periods:
        cutoff = min(p.cutoff, as_of) if as_of is not None else p.cutoff
        n = (p.end - p.start).days
        days.extend(p.start + timedelta(days=i) for i in range(n))
        labels.extend([p.label] * n)
        cutoffs.extend([cutoff] * n)
    return pa.table(
        {
            "_rday": pa.array(days, pa.date32()),
            "period": pa.array(labels, pa.string()),
            "cutoff": pa.array(cutoffs, pa.timestamp("us")),
        }
    )


# ---------------------------------------------------------------------------------------------
# engines and sources


def connect(
    engine: Engine = "duckdb",
    *,
    spark_master: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> Any:
    """Open an Ibis backend: DuckDB in memory, or Spark (``local[2]`` unless a master URL is given).

    DuckDB's memory limit is ``memory_limit``, else CHISO_DUCKDB_MEMORY (default 1GB): it spills
    to disk beyond it, which keeps 100M-row runs within ~1.5 GB of process memory.

    Raises:
        InvalidInput: unknown engine, or Spark asked for without the ``chiso[spark]`` extra.
    """
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        # DuckDB's build-side heuristic mis-estimates the attributed dossiers and builds the hash
        # table of the small calendar joins on 100M rows; keep the written side (the calendar).
        con.raw_sql("SET disabled_optimizers = 'build_side_probe_side'")
        con.raw_sql("SET preserve_insertion_order = false")
        limit = memory_limit or os.environ.get("CHISO_DUCKDB_MEMORY", "1GB")
        con.raw_sql(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
        return con
    if engine == "spark":
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise InvalidInput(
                "Chưa cài Spark: pip install 'chiso[spark]'",
                "Spark is not installed: pip install 'chiso[spark]'",
            ) from None
        session = (
            SparkSession.builder.master(spark_master or "local[2]")
            .appName("chiso-monitoring")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "chiso-spark-warehouse"))
            .getOrCreate()
        )
        return ibis.pyspark.connect(session)
    raise InvalidInput(
        f"Không có engine '{engine}'",
        f"Unknown engine '{engine}'",
        [Problem("Dùng duckdb hoặc spark", "Use duckdb or spark", field="engine")],
    )


@dataclass
class RecordTables:
    """The raw record tables on one backend (procedures and petitions may be absent)."""

    con: Any
    dossiers: ir.Table
    petitions: ir.Table | None = None
    procedures: ir.Table | None = None
    procedure_flags: ir.Table | None = None
    """Optional cached per-month procedure flags of the dossiers (see `procedure_flag_files`)."""
    flag_months_of_one_file: frozenset[date] = frozenset()
    """Months whose flags come from one file (one row per agency x procedure): no MAX over files."""


def _table(con: Any, data: pa.Table | pd.DataFrame, name: str, *, stable: bool = False) -> ir.Table:
    """Put a small in-memory table on the backend (memtable works on DuckDB and Spark).

    ``stable``: name it by a hash of its content, so that compiled SQL names its data (the
    count cache of `chiso.monitoring.countcache` keys on the SQL).
    """
    del con
    if not stable:
        return ibis.memtable(data)
    arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow.schema) as writer:
        writer.write_table(arrow)
    digest = hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:24]
    from ibis.expr import operations as ops
    from ibis.expr import schema as sch
    from ibis.formats.pyarrow import PyArrowTableProxy

    proxy = PyArrowTableProxy(arrow)
    named = ops.InMemoryTable(name=f"chiso_{name}_{digest}", schema=sch.infer(arrow), data=proxy)
    return named.to_expr()


def record_schema_table(kind: str, name: str) -> ir.Table:
    """Return an unbound table ``name`` with the stored schema of ``kind`` (compiled, then run elsewhere)."""
    return ibis.table(ibis.Schema.from_pyarrow(arrow_schema(kind)), name=name)


def conform(table: ir.Table, kind: str) -> ir.Table:
    """Add the optional columns a source did not send (booleans false, ints 0, else null), as stored."""
    rtype = record_type(kind)
    schema = arrow_schema(kind)
    have = set(table.columns)
    missing = {}
    for col in rtype.columns:
        if col.name in have:
            continue
        if col.required:
            raise InvalidInput(
                f"Thiếu cột bắt buộc '{col.name}' trong {kind}",
                f"Required column '{col.name}' missing from {kind}",
                [Problem("Thêm cột này", "Add this column", column=col.name)],
            )
        dtype = ibis.dtype(schema.field(col.name).type)
        missing[col.name] = (
            ibis.literal(col.default, type=dtype) if col.default is not None else ibis.null(dtype)
        )
    return table.mutate(**missing) if missing else table


def empty_records(kind: str) -> pa.Table:
    """Return an empty Arrow table with the stored schema of ``kind``."""
    return arrow_schema(kind).empty_table()


def tables_from_arrow(
    con: Any,
    *,
    dossiers: pa.Table | pd.DataFrame,
    petitions: pa.Table | pd.DataFrame | None = None,
    procedures: pa.Table | pd.DataFrame | None = None,
) -> RecordTables:
    """Wrap in-memory record tables (Arrow or pandas) as backend tables; used by tests and score766."""

    def put(data: pa.Table | pd.DataFrame | None, kind: str) -> ir.Table | None:
        if data is None:
            return None
        return conform(_table(con, data, kind), kind)

    d = put(dossiers, "dossiers")
    assert d is not None
    return RecordTables(con, d, put(petitions, "petitions"), put(procedures, "procedures"))


def tables_from_files(
    con: Any,
    *,
    dossiers: Sequence[Path],
    petitions: Sequence[Path] = (),
    procedures: Sequence[Path] = (),
    procedure_flags: Sequence[Path] | None = None,
) -> RecordTables:
    """Read Parquet files of the record store into backend tables (no copy on DuckDB).

    ``procedure_flags`` are the cached flag files of the same dossier files
    (`chiso.monitoring.flagcache.procedure_flag_files`), if any.
    """

    def read(paths: Sequence[Path], kind: str) -> ir.Table | None:
        if not paths:
            return None
        return conform(con.read_parquet([str(p) for p in paths]), kind)

    d = read(dossiers, "dossiers")
    if d is None:
        d = conform(_table(con, empty_records("dossiers"), "dossiers"), "dossiers")
    flags = con.read_parquet([str(p) for p in procedure_flags]) if dossiers and procedure_flags else None
    partitions = Counter(Path(p).parent.name for p in dossiers)  # store partitions: month=YYYY-MM
    single = frozenset(
        date.fromisoformat(f"{name.removeprefix('month=')}-01")
        for name, files in partitions.items()
        if files == 1 and re.fullmatch(r"month=\d{4}-\d{2}", name)
    )
    return RecordTables(con, d, read(petitions, "petitions"), read(procedures, "procedures"), flags,
                        flag_months_of_one_file=single)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# preparation: raw records -> the prepared sources the metric definitions read


@dataclass
class PreparedSources:
    """The prepared tables of `chiso.monitoring.metrics.base` for a set of periods.

    ``dossiers`` and ``petitions`` are row-level; the ``procedures`` source is built from the
    agency x period x procedure grain of the dossiers (`procedures`), so that one grouping of the
    dossiers serves both the dossier metrics and the procedure metrics.
    """

    dossiers: ir.Table
    petitions: ir.Table
    catalogue: ir.Table
    workdays: ir.Table
    period_labels: list[str]
    grain: ir.Table
    """agency_code, period, procedure_code and the int8 flags of `procedure_flags`."""
    con: Any = None

    def get(self, source: str) -> ir.Table:
        """Return the prepared table named ``source``."""
        if source == "procedures":
            return self.procedures()
        table: ir.Table = getattr(self, source)
        return table

    def procedures(self) -> ir.Table:
        """Return the ``procedures`` source (the procedure grain joined with the catalogue)."""
        return _prepare_procedures(self.grain, self.catalogue, self.workdays, self.period_labels, self.con)


def _attribute(
    table: ir.Table, days: ir.Table, periods: Sequence[Period], as_of: datetime | None
) -> ir.Table:
    """Keep rows received in the periods and add ``period`` and ``cutoff``."""
    lo = datetime.combine(min(p.start for p in periods), time())
    hi = datetime.combine(max(p.end for p in periods), time())
    table = table.filter(table.received_at >= lo, table.received_at < hi)
    if len(periods) == 1:
        # one period (a month's recompute, each part file's cached counts): constants are the
        # simpler plan than a join with the period's days (no measurable CPU difference at 100M)
        (only,) = periods
        cutoff = min(only.cutoff, as_of) if as_of is not None else only.cutoff
        return table.mutate(
            period=ibis.literal(only.label, type="string"), cutoff=ibis.literal(cutoff, type="timestamp")
        )
    table = table.mutate(_rday=table.received_at.date())
    joined = table.join(days, "_rday", how="inner")
    return joined.drop("_rday")


def _with_ordinal(
    table: ir.Table, workdays: ir.Table, day: ir.Value, prefix: str, *, working: bool = False
) -> ir.Table:
    """Left-join the working-day ordinal of ``day`` as column ``w_<prefix>`` (and ``<prefix>_working``)."""
    key = f"_{prefix}_day"
    table = table.mutate(**{key: day})
    cols: dict[str, Any] = {key: workdays.day, f"w_{prefix}": workdays.w}
    if working:
        cols[f"{prefix}_working"] = workdays.working
    right = workdays.select(**cols)
    return table.join(right, key, how="left").drop(key)


def prepare_sources(
    records: RecordTables,
    periods: Sequence[Period],
    *,
    as_of: datetime | None = None,
    data_dir: Path | None = None,
    only_agencies: Collection[str] | None = None,
) -> PreparedSources:
    """Build the prepared dossiers, petitions and procedures tables for the periods.

    Args:
        records: raw record tables on one backend.
        periods: disjoint periods; rows are attributed by the day of ``received_at``.
        as_of: cut-off for still-open dossiers and petitions when earlier than a period's end
            (the live page passes "now").
        data_dir: where the province's holiday overrides live (default: CHISO_DATA_DIR).
        only_agencies: keep only these agencies' records (incremental recompute).
    """
    if not periods:
        raise InvalidInput("Chưa chọn kỳ", "No period given")
    check_disjoint(periods)
    days = _table(records.con, _period_day_table(periods, as_of), "period_days", stable=True)
    workdays = _table(records.con, workday_table(data_dir), "workdays", stable=True)

    raw_dossiers, petitions = records.dossiers, records.petitions
    chosen_agencies: ir.Table | None = None
    if only_agencies is not None:
        # a semi-join on a small table, not an IN list: 3,300 literals cost seconds to compile
        codes = pa.table({"agency_code": pa.array(sorted(only_agencies), pa.string())})
        chosen_agencies = _table(records.con, codes, "only_agencies")
        raw_dossiers = raw_dossiers.semi_join(chosen_agencies, "agency_code")
        if petitions is not None:
            petitions = petitions.semi_join(chosen_agencies, "agency_code")
    attributed = _attribute(raw_dossiers, days, periods, as_of)
    d = attributed
    still_open = d.finished_at.isnull() | (d.finished_at > d.cutoff)
    d = d.mutate(is_finished=~still_open, end_at=still_open.ifelse(d.cutoff, d.finished_at))
    d = _with_ordinal(d, workdays, d.end_at.date(), "end", working=True)
    d = _with_ordinal(d, workdays, d.due_at.date(), "due")

    if petitions is None:
        petitions = conform(_table(records.con, empty_records("petitions"), "petitions"), "petitions")
    p = _attribute(petitions, days, periods, as_of)

    catalogue = records.procedures
    if catalogue is None:
        # named by content: the compiled SQL keys the count cache
        empty = _table(records.con, empty_records("procedures"), "procedures", stable=True)
        catalogue = conform(empty, "procedures")
    eligible = catalogue.select(
        _elig_code=catalogue.procedure_code, full_online_eligible=catalogue.full_online_eligible
    )
    d = d.join(eligible, d.procedure_code == eligible._elig_code, how="left").drop("_elig_code")
    d = d.mutate(full_online_eligible=d.full_online_eligible.fill_null(False))
    if records.procedure_flags is not None and _whole_months(periods):
        # per-month flags kept beside the part files (see `procedure_flag_files`): no regrouping
        flags = records.procedure_flags
        if chosen_agencies is not None:
            flags = flags.semi_join(chosen_agencies, "agency_code")
        grain = _grain_from_flags(flags, periods, records.con, records.flag_months_of_one_file)
    else:
        # the procedure grain needs no working days: build it from the attributed rows (fewer joins)
        grain = attributed.group_by(list(PROCEDURE_KEYS)).aggregate(**procedure_flags(attributed))
    labels = [period.label for period in periods]
    return PreparedSources(dossiers=d, petitions=p, catalogue=catalogue, workdays=workdays,
                           period_labels=labels, grain=grain, con=records.con)  # fmt: skip


PROCEDURE_FLAGS = ("has_online", "has_paid_online", "has_fee_required", "has_population_data")
PROCEDURE_KEYS = ("agency_code", "period", "procedure_code")


def procedure_flags(d: ir.Table) -> dict[str, ir.Scalar]:
    """Return the per-procedure flags of the ``procedures`` source as reductions over dossier rows.

    Each is MAX of a tiny int (1 when any dossier of the group qualifies): as cheap as the bare
    high-cardinality grouping on DuckDB, and combinable across files by MAX again.
    """

    def seen(cond: ir.BooleanValue) -> ir.IntegerScalar:
        return ibis.ifelse(cond, 1, 0).cast("int8").max()

    return {
        "has_online": seen(d.channel == "online"),
        "has_paid_online": seen(dossier_paid_online(d)),
        "has_fee_required": seen(d.fee_required),
        "has_population_data": seen(d.population_data),
    }


def _whole_months(periods: Sequence[Period]) -> bool:
    return all(p.start.day == 1 and p.end.day == 1 for p in periods)


def _grain_from_flags(
    flags: ir.Table, periods: Sequence[Period], con: Any, months_of_one_file: Collection[date]
) -> ir.Table:
    """Turn cached per-month flags (agency_code, month, procedure_code, flags) into the period grain.

    A one-month period whose month has one flag file takes its rows as they are (regrouping 9M
    rows of a year cost ~2 s); a longer period, or a month of several files, takes the MAX.
    """
    months: list[date] = []
    labels: list[str] = []
    as_is: list[bool] = []
    for p in periods:
        day = p.start
        while day < p.end:
            months.append(day)
            labels.append(p.label)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            as_is.append(p.start == months[-1] and p.end == day and months[-1] in months_of_one_file)
    data = pa.table({"_month": pa.array(months, pa.date32()), "period": labels, "_as_is": as_is})
    table = _table(con, data, "months")
    joined = flags.join(table, flags.month == table._month, how="inner")
    direct = joined.filter(joined._as_is).select(*PROCEDURE_KEYS, *PROCEDURE_FLAGS)
    rest = joined.filter(~joined._as_is)
    regrouped = rest.group_by(list(PROCEDURE_KEYS)).aggregate(**{f: rest[f].max() for f in PROCEDURE_FLAGS})
    if all(as_is):
        return direct
    return regrouped if not any(as_is) else direct.union(regrouped.cast(direct.schema()), distinct=False)


def _prepare_procedures(
    grain: ir.Table, catalogue: ir.Table, workdays: ir.Table, period_labels: Sequence[str], con: Any
) -> ir.Table:
    keys = list(PROCEDURE_KEYS)
    used = grain
    owned = catalogue.filter(catalogue.agency_code.notnull()).select("agency_code", "procedure_code")
    if int(owned.count().execute()) == 0:
        merged = used  # no procedure is assigned to an agency: skip the union and re-grouping
    else:
        labels = _table(con, pa.table({"period": list(period_labels)}), "period_labels")
        zeros = {c: ibis.literal(0, type="int8") for c in PROCEDURE_FLAGS}
        assigned = owned.cross_join(labels).mutate(**zeros).select(*used.columns)
        both = used.union(assigned.cast(used.schema()), distinct=False)
        merged = both.group_by(keys).aggregate(**{c: both[c].max() for c in PROCEDURE_FLAGS})
    cat = catalogue.drop("agency_code", "name")
    cat = _with_ordinal(cat, workdays, cat.announced_on, "announced")
    cat = _with_ordinal(cat, workdays, cat.legal_basis_effective_on, "effective")
    cat = _with_ordinal(cat, workdays, cat.published_on, "published")
    joined = merged.join(cat, "procedure_code", how="left")
    catalogue_flags = ["full_online_eligible", "fee_bearing", "paper_result_required", "content_complete",
                       "online_available", "population_data_connected"]  # fmt: skip
    return joined.mutate(
        **{f: joined[f].fill_null(False) for f in catalogue_flags},
        **{f: joined[f] > 0 for f in PROCEDURE_FLAGS},
    )


# ---------------------------------------------------------------------------------------------
# computation


def _fused(table: ir.Table, metrics: Sequence[Metric]) -> ir.Table:
    aggs: dict[str, Any] = {}
    for metric in metrics:
        aggs.update(metric.aggregates(table))
    return table.group_by(list(KEYS)).aggregate(**aggs)


def _execute(expr: ir.Table) -> pa.Table:
    table: pa.Table = expr.to_pyarrow()
    return table


def _texts(column: pa.ChunkedArray | pa.Array) -> np.ndarray[Any, Any]:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object).astype(str)


@dataclass
class CountCube:
    """Numerators and denominators as dense (agency x period x metric) int64 arrays."""

    agency_codes: list[str]
    periods: list[str]
    metric_codes: list[str]
    numerator: np.ndarray[Any, np.dtype[np.int64]]
    denominator: np.ndarray[Any, np.dtype[np.int64]]

    @classmethod
    def zeros(
        cls, agency_codes: Sequence[str], periods: Sequence[str], metric_codes: Sequence[str]
    ) -> CountCube:
        shape = (len(agency_codes), len(periods), len(metric_codes))
        return cls(list(agency_codes), list(periods), list(metric_codes),
                   np.zeros(shape, np.int64), np.zeros(shape, np.int64))  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """Return the long table agency_code, period, indicator_code, numerator, denominator."""
        n_a, n_p, n_m = self.numerator.shape
        return pd.DataFrame(
            {
                "agency_code": np.repeat(np.asarray(self.agency_codes, dtype=object), n_p * n_m),
                "period": np.tile(np.repeat(np.asarray(self.periods, dtype=object), n_m), n_a),
                "indicator_code": np.tile(np.asarray(self.metric_codes, dtype=object), n_a * n_p),
                "numerator": self.numerator.reshape(-1),
                "denominator": self.denominator.reshape(-1),
            }
        )

    @classmethod
    def from_frame(cls, counts: pd.DataFrame) -> CountCube:
        """Build a cube from a long count table (missing cells are 0)."""
        agencies = sorted(set(counts["agency_code"].astype(str)))
        periods = sorted(set(counts["period"].astype(str)))
        metrics = list(dict.fromkeys(counts["indicator_code"].astype(str)))
        cube = cls.zeros(agencies, periods, metrics)
        ai = pd.Index(agencies).get_indexer(pd.Index(counts["agency_code"].astype(str)))
        pi = pd.Index(periods).get_indexer(pd.Index(counts["period"].astype(str)))
        mi = pd.Index(metrics).get_indexer(pd.Index(counts["indicator_code"].astype(str)))
        np.add.at(cube.numerator, (ai, pi, mi), counts["numerator"].to_numpy(dtype=np.int64))
        np.add.at(cube.denominator, (ai, pi, mi), counts["denominator"].to_numpy(dtype=np.int64))
        return cube


def compute_counts(
    sources: PreparedSources,
    metrics: Sequence[Metric] | None = None,
    *,
    periods: Sequence[Period] = (),
    agency_codes: Iterable[str] = (),
    dossier_counts: pa.Table | None = None,
) -> CountCube:
    """Run the metrics, one fused aggregation per source, into a dense count cube.

    Every agency with records or listed in ``agency_codes`` gets a row; every period of
    ``periods`` (plus any found) a column; counts without records are 0. ``dossier_counts``, if
    given, are the dossier metrics' counts already added up (`chiso.monitoring.countcache`).
    """
    chosen = list(metrics) if metrics is not None else builtin_metrics()
    wides: list[tuple[list[Metric], pa.Table]] = []
    for source in SOURCES:
        group = [m for m in chosen if m.source == source]
        if group and source == "dossiers" and dossier_counts is not None:
            wides.append((group, dossier_counts))
        elif group:
            wides.append((group, _execute(_fused(sources.get(source), group))))
    codes = set(agency_codes)
    labels = [p.label for p in periods]
    for _, wide in wides:
        codes.update(_texts(wide.column("agency_code")))
        labels.extend(sorted(set(_texts(wide.column("period"))) - set(labels)))
    cube = CountCube.zeros(sorted(codes), labels, [m.code for m in chosen])
    agency_index, period_index = pd.Index(cube.agency_codes), pd.Index(cube.periods)
    metric_index = {code: i for i, code in enumerate(cube.metric_codes)}
    for group, wide in wides:
        ai = agency_index.get_indexer(pd.Index(_texts(wide.column("agency_code"))))
        pi = period_index.get_indexer(pd.Index(_texts(wide.column("period"))))
        for metric in group:
            mi = metric_index[metric.code]
            cube.numerator[ai, pi, mi] = wide.column(f"{metric.code}__num").to_numpy().astype(np.int64)
            cube.denominator[ai, pi, mi] = wide.column(f"{metric.code}__den").to_numpy().astype(np.int64)
    return cube


def _parent_map(agencies: pd.DataFrame) -> dict[str, str]:
    parents: dict[str, str] = {}
    for code, parent in zip(agencies["agency_code"].astype(str), agencies["parent_code"], strict=True):
        if isinstance(parent, str) and parent.strip() and parent.strip() != code:
            parents[code] = parent.strip()
    return parents


def ancestry(agencies: pd.DataFrame) -> pd.DataFrame:
    """Return (ancestor_code, agency_code) for every agency and each of its ancestors, itself included.

    Raises:
        InvalidInput: the parent links form a cycle.
    """
    parents = _parent_map(agencies)
    codes = set(agencies["agency_code"].astype(str)) | set(parents.values())
    rows: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for code in sorted(codes):
        seen = {code}
        rows.append((code, code))
        node = code
        while node in parents:
            node = parents[node]
            if node in seen:
                problems.append(
                    Problem(f"Vòng lặp cấp trên qua {node}", f"Parent cycle through {node}",
                            column="parent_code", field=code)  # fmt: skip
                )
                break
            seen.add(node)
            rows.append((node, code))
    if problems:
        raise InvalidInput("Quan hệ cấp trên bị vòng lặp", "Parent links form a cycle", problems)
    return pd.DataFrame(rows, columns=["ancestor_code", "agency_code"])


def roll_up_cube(cube: CountCube, agencies: pd.DataFrame) -> CountCube:
    """Return the cube where every agency's counts are the sums over its subtree (itself included).

    A parent's numerator and denominator are the sums of its children's (and its own records, if
    any); values are computed from the sums afterwards. Agencies unknown to ``agencies`` keep theirs.
    """
    pairs = ancestry(agencies)
    codes = sorted(set(cube.agency_codes) | set(pairs["ancestor_code"]))
    out = CountCube.zeros(codes, cube.periods, cube.metric_codes)
    index = pd.Index(codes)
    src = pd.Index(cube.agency_codes).get_indexer(pd.Index(pairs["agency_code"]))
    has = src >= 0
    dst = index.get_indexer(pd.Index(pairs["ancestor_code"]))[has]
    np.add.at(out.numerator, dst, cube.numerator[src[has]])
    np.add.at(out.denominator, dst, cube.denominator[src[has]])
    alone = [c for c in cube.agency_codes if c not in set(pairs["agency_code"])]
    if alone:
        ai = pd.Index(cube.agency_codes).get_indexer(pd.Index(alone))
        oi = index.get_indexer(pd.Index(alone))
        out.numerator[oi] = cube.numerator[ai]
        out.denominator[oi] = cube.denominator[ai]
    return out


def roll_up(counts: pd.DataFrame, agencies: pd.DataFrame) -> pd.DataFrame:
    """Replace each agency's counts in a long count table by the sum over its subtree (see `roll_up_cube`)."""
    return roll_up_cube(CountCube.from_frame(counts), agencies).to_frame()


def cube_values(cube: CountCube, metrics: Sequence[Metric]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Return numerator / denominator, or each metric's zero policy where the denominator is 0."""
    policy = {m.code: {"zero": 0.0, "full": 1.0, "null": np.nan}[m.zero_policy] for m in metrics}
    zero_value = np.array([policy[c] for c in cube.metric_codes], dtype=np.float64)
    num = cube.numerator.astype(np.float64)
    den = cube.denominator.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = num / np.where(den > 0, den, 1.0)
    return np.where(den > 0, rate, np.broadcast_to(zero_value, den.shape))


def compute_metrics(
    records: RecordTables,
    periods: Sequence[Period],
    *,
    metrics: Sequence[Metric] | None = None,
    agencies: pd.DataFrame | None = None,
    as_of: datetime | None = None,
    rollup: bool = True,
    data_dir: Path | None = None,
    dossier_counts: pa.Table | None = None,
) -> pd.DataFrame:
    """Compute every metric per agency and period: counts, roll-up to parents, values.

    Args:
        records: raw record tables on one backend (see `tables_from_files`, `tables_from_arrow`).
        periods: disjoint periods (see `parse_period`, `split_period`).
        metrics: the metrics to run (default: every built-in 766 metric).
        agencies: optional table with ``agency_code`` and ``parent_code`` (and any other columns):
            every listed agency gets a row even without records, and parents get rolled-up rows.
        as_of: cut-off for still-open records when earlier than the period end.
        rollup: add parents' rolled-up counts (when ``agencies`` has ``parent_code``).
        data_dir: where the province's holiday overrides live (default: CHISO_DATA_DIR).
        dossier_counts: the dossier metrics' counts already added up (see `compute_counts`).

    Returns:
        One row per agency x period x metric: agency_code, period, indicator_code, numerator,
        denominator, value; sorted by agency, period and the metric order.
    """
    chosen = list(metrics) if metrics is not None else builtin_metrics()
    sources = prepare_sources(records, periods, as_of=as_of, data_dir=data_dir)
    listed: list[str] = []
    if agencies is not None:
        listed = list(agencies["agency_code"].astype(str))
    cube = compute_counts(
        sources, chosen, periods=periods, agency_codes=listed, dossier_counts=dossier_counts
    )
    if rollup and agencies is not None and "parent_code" in agencies:
        cube = roll_up_cube(cube, agencies)
    frame = cube.to_frame()
    frame["value"] = cube_values(cube, chosen).reshape(-1)
    return frame[VALUE_COLUMNS]


def compute_from_store(
    period: str | Period,
    *,
    data_dir: Path,
    engine: Engine = "duckdb",
    by: PeriodKind | None = None,
    metrics: Sequence[Metric] | None = None,
    agencies: pd.DataFrame | None = None,
    as_of: datetime | None = None,
    spark_master: str | None = None,
    con: Any = None,
) -> pd.DataFrame:
    """Compute the metrics for a period from the Parquet record store under ``data_dir``.

    Only the month partitions overlapping the period are read. See `compute_metrics`.
    """
    from chiso.monitoring.store import record_files

    whole = parse_period(period) if isinstance(period, str) else period
    periods = split_period(whole, by)
    months = sorted({bucket_of(part.start, "month").label for part in split_period(whole, "month")})
    con = con if con is not None else connect(engine, spark_master=spark_master)
    chosen = list(metrics) if metrics is not None else builtin_metrics()
    dossier_files = record_files("dossiers", data_dir=data_dir, months=months)
    procedure_files = record_files("procedures", data_dir=data_dir)
    flag_files, counts = derived_results(
        con, data_dir, months, dossier_files, procedure_files, periods, chosen, as_of
    )
    records = tables_from_files(
        con,
        dossiers=dossier_files,
        petitions=record_files("petitions", data_dir=data_dir, months=months),
        procedures=procedure_files,
        procedure_flags=flag_files,
    )
    return compute_metrics(records, periods, metrics=chosen, agencies=agencies, as_of=as_of,
                           data_dir=data_dir, dossier_counts=counts)  # fmt: skip


def recompute_affected(
    affected: Iterable[tuple[str | None, str]],
    *,
    data_dir: Path,
    metrics: Sequence[Metric] | None = None,
    as_of: datetime | None = None,
    con: Any = None,
) -> pd.DataFrame:
    """Recompute the metrics of the agency-months an ingest touched (``IngestReport.affected``).

    Each affected month is computed for its affected agencies only (no roll-up: callers re-add
    the parents from their cached leaf counts). Returns the long value table of those rows.
    """
    from chiso.monitoring.store import record_files

    by_month: dict[str, set[str]] = {}
    for agency, month in affected:
        if agency and month and month != "all":
            by_month.setdefault(month, set()).add(agency)
    con = con if con is not None else connect("duckdb")
    frames = []
    for month, agencies in sorted(by_month.items()):
        period = parse_period(month)
        dossier_files = record_files("dossiers", data_dir=data_dir, months=[month])
        procedure_files = record_files("procedures", data_dir=data_dir)
        chosen = list(metrics) if metrics is not None else builtin_metrics()
        flag_files, counts = derived_results(
            con, data_dir, [month], dossier_files, procedure_files, [period], chosen, as_of
        )
        records = tables_from_files(
            con,
            dossiers=dossier_files,
            petitions=record_files("petitions", data_dir=data_dir, months=[month]),
            procedures=procedure_files,
            procedure_flags=flag_files,
        )
        if counts is not None:  # the cache holds every agency of the month: keep the affected ones
            keep = pa.array(sorted(agencies), pa.string())
            counts = counts.filter(pc.is_in(counts.column("agency_code"), value_set=keep))
        sources = prepare_sources(records, [period], as_of=as_of, data_dir=data_dir, only_agencies=agencies)
        cube = compute_counts(sources, chosen, periods=[period], agency_codes=agencies, dossier_counts=counts)
        frame = cube.to_frame()
        frame["value"] = cube_values(cube, chosen).reshape(-1)
        frames.append(frame[VALUE_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    return pd.concat(frames, ignore_index=True)
