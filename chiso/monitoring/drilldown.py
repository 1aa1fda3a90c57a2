"""Per-procedure drill-down of the dossier metrics: which procedures and dossiers make a rate.

Monitoring layer, beside `score766`: runs the same metric expressions over the prepared dossiers
(`compute.sources.prepare_sources`) grouped by agency, period and procedure, and lists the dossiers
behind one agency's figure, as the national portal lets a province open a rate. Imports nothing
from chiso.store, web or cli.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.compute.backend import RecordTables, connect, tables_from_files
from chiso.monitoring.compute.sources import prepare_sources
from chiso.monitoring.metrics import KEYS, Metric, builtin_metrics, get_metric
from chiso.monitoring.metrics.base import _as_count as as_count  # the count `Metric.aggregates` sums
from chiso.monitoring.periods import Period, bucket_of, parse_period, split_period
from chiso.monitoring.records.store import record_files

BREAKDOWN_COLUMNS = [
    "agency_code", "period", "procedure_code", "indicator_code", "numerator", "denominator", "value",
]  # fmt: skip
DOSSIER_COLUMNS = [
    "dossier_id", "procedure_code", "received_at", "due_at", "finished_at", "status", "in_numerator",
    "in_denominator",
]  # fmt: skip


def dossier_metrics(metrics: Sequence[Metric] | None = None) -> list[Metric]:
    """Return the metrics counted over dossiers (the ones a procedure drill-down explains)."""
    return [m for m in (metrics if metrics is not None else builtin_metrics()) if m.source == "dossiers"]


def compute_procedure_breakdown(
    records: RecordTables,
    periods: Sequence[Period],
    *,
    metrics: Sequence[Metric] | None = None,
    agencies: Sequence[str] | None = None,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """Return every dossier metric's numerator, denominator and rate per agency, period and procedure.

    The rows of one agency and metric add up to its figure (before a roll-up; dossier satisfaction
    before complaints are subtracted). A zero denominator gives an empty (null) value.

    Args:
        records: raw record tables (see `compute.backend.tables_from_arrow`, `tables_from_files`).
        periods: disjoint periods.
        metrics: default every built-in metric counted over dossiers.
        agencies: only these agencies' dossiers.
        as_of: cut-off for still-open dossiers.
    """
    chosen = dossier_metrics(metrics)
    sources = prepare_sources(records, periods, as_of=as_of, only_agencies=agencies)
    return breakdown_from_wide(_breakdown_wide(sources.dossiers, chosen).to_pandas(), chosen)


def _breakdown_wide(d: Any, chosen: Sequence[Metric]) -> Any:
    """Return the expression of the chosen metrics' counts per agency, period and procedure."""
    aggs: dict[str, Any] = {}
    for metric in chosen:
        aggs.update(metric.aggregates(d))
    return d.group_by([*KEYS, "procedure_code"]).aggregate(**aggs)


def breakdown_from_wide(wide: pd.DataFrame, chosen: Sequence[Metric]) -> pd.DataFrame:
    """Turn the wide counts (a `__num` and `__den` column per metric) into `BREAKDOWN_COLUMNS` rows."""
    frames = []
    for metric in chosen:
        num = wide[f"{metric.code}__num"].to_numpy(dtype=np.int64)
        den = wide[f"{metric.code}__den"].to_numpy(dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "agency_code": wide["agency_code"],
                    "period": wide["period"],
                    "procedure_code": wide["procedure_code"],
                    "indicator_code": metric.code,
                    "numerator": num,
                    "denominator": den,
                    "value": value,
                }  # fmt: skip
            )
        )
    if not frames:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out = out[out["denominator"] > 0]
    return out.sort_values(["agency_code", "period", "indicator_code", "procedure_code"]).reset_index(
        drop=True
    )


def records_of_period(period: Period, *, data_dir: Path, con: Any = None) -> RecordTables:
    """Return the record store's tables of the months a period touches (dossiers, petitions, catalogue)."""
    months = sorted({bucket_of(part.start, "month").label for part in split_period(period, "month")})
    return tables_from_files(
        con if con is not None else connect("duckdb"),
        dossiers=record_files("dossiers", data_dir=data_dir, months=months),
        petitions=record_files("petitions", data_dir=data_dir, months=months),
        procedures=record_files("procedures", data_dir=data_dir),
    )


def get_drilldown(
    period: str,
    *,
    data_dir: Path,
    agency_code: str,
    indicator_code: str | None = None,
    procedure_code: str | None = None,
) -> pd.DataFrame:
    """Return one agency's drill-down from the record store: per procedure, or (with an indicator and a
    procedure) the dossiers behind that procedure's figure.

    Raises:
        InvalidInput: bad period, unknown metric, or a metric not counted over dossiers.
    """
    chosen = parse_period(period)
    records = records_of_period(chosen, data_dir=data_dir)
    if indicator_code is not None and procedure_code is not None:
        return list_metric_dossiers(records, chosen, agency_code=agency_code, indicator_code=indicator_code,
                                    procedure_code=procedure_code)  # fmt: skip
    metrics = [get_metric(indicator_code)] if indicator_code is not None else None
    if metrics is not None and metrics[0].source != "dossiers":
        return list_metric_dossiers(
            records, chosen, agency_code=agency_code, indicator_code=indicator_code or ""
        )
    return compute_procedure_breakdown(records, [chosen], metrics=metrics, agencies=[agency_code])


def list_metric_dossiers(
    records: RecordTables,
    period: Period,
    *,
    agency_code: str,
    indicator_code: str,
    procedure_code: str | None = None,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """Return the dossiers behind one agency's figure: each counted in the denominator, and whether
    it counts in the numerator.

    Raises:
        InvalidInput: the metric is unknown or not counted over dossiers.
    """
    metric = _dossier_metric(indicator_code)
    d = prepare_sources(records, [period], as_of=as_of, only_agencies=[agency_code]).dossiers
    if procedure_code is not None:
        d = d.filter(d.procedure_code == procedure_code)
    return dossiers_from_listing(_listing(d, metric).to_pandas())


def _listing(d: Any, metric: Metric) -> Any:
    num, den = metric.numerator(d), metric.denominator(d)
    return d.select(
        "dossier_id", "agency_code", "period", "procedure_code", "received_at", "due_at", "finished_at",
        "status", in_numerator=_flag(num), in_denominator=_flag(den),
        # each row's contribution to the metric's sums (`Metric.aggregates` adds these up)
        num_count=as_count(num), den_count=as_count(den),
    )  # fmt: skip


def breakdown_from_listing(listed: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """Return `BREAKDOWN_COLUMNS` from a listing of every row (not only the denominator's).

    The same figures as `compute_procedure_breakdown`: sums per agency, period and procedure, the
    numerator clamped at 0 when the metric says so.
    """
    keys = ["agency_code", "period", "procedure_code"]
    sums = listed.groupby(keys, as_index=False)[["num_count", "den_count"]].sum()
    if metric.clamp_at_zero:
        sums["num_count"] = sums["num_count"].clip(lower=0)
    wide = sums.rename(columns={"num_count": f"{metric.code}__num", "den_count": f"{metric.code}__den"})
    return breakdown_from_wide(wide, [metric])


def dossiers_from_listing(listed: pd.DataFrame) -> pd.DataFrame:
    """Keep the dossiers counted in the denominator, ordered by procedure and id (`DOSSIER_COLUMNS`)."""
    listed = listed[listed["in_denominator"]]
    ordered: pd.DataFrame = listed.sort_values(["procedure_code", "dossier_id"]).reset_index(drop=True)
    return ordered[DOSSIER_COLUMNS]


def _flag(value: Any) -> Any:
    if value.type().is_boolean():
        return value.fill_null(False)
    return value.cast("int64").fill_null(0) > 0


SENTINEL = "chiso-drilldown-agency-sentinel"


class AgencyQueries:
    """The drill-down of one period's records, agency by agency, compiled once per metric.

    Compiling the metric expressions costs ~0.2 s of Python per query, more than DuckDB's work on one
    agency's dossiers; the SQL is compiled once for a placeholder agency and each request puts its
    agency codes (an agency and its subtree) in place of it. One DuckDB connection, used under a lock.
    The records must be read from files (`records_of_period`): the SQL runs outside ibis, which
    registers an in-memory table only for the execution that uses it.
    """

    def __init__(self, records: RecordTables, period: Period, *, as_of: datetime | None = None) -> None:
        self.records, self.period, self.as_of = records, period, as_of
        self._sql: dict[tuple[str, str], str] = {}
        self._kept: dict[tuple[str, str], Any] = {}  # the expressions own their registered tables
        self._lock = threading.Lock()

    def _expr(self, kind: str, metric: Metric, agency_codes: Sequence[str]) -> Any:
        raw = self.records.dossiers
        only = replace(self.records, dossiers=raw.filter(raw.agency_code.isin(list(agency_codes))))
        d = prepare_sources(only, [self.period], as_of=self.as_of).dossiers
        return _breakdown_wide(d, [metric]) if kind == "breakdown" else _listing(d, metric)

    def _compiled(self, kind: str, metric: Metric) -> str:
        key = (kind, metric.code)
        sql = self._sql.get(key)
        if sql is None:
            expr = self._expr(kind, metric, [SENTINEL])
            sql = str(ibis.to_sql(expr, dialect="duckdb"))
            if sql.count(f"'{SENTINEL}'") != 1:
                raise RuntimeError("the drill-down query did not compile as expected")
            expr.limit(0).to_pyarrow()  # registers its in-memory tables (working days, periods) on `con`
            self._sql[key], self._kept[key] = sql, expr
        return sql

    def _run(self, kind: str, metric: Metric, agency_codes: Sequence[str]) -> pd.DataFrame:
        codes = ", ".join("'" + code.replace("'", "''") + "'" for code in agency_codes) or "NULL"
        with self._lock:
            sql = self._compiled(kind, metric).replace(f"'{SENTINEL}'", codes)
            try:
                frame: pd.DataFrame = self.records.con.con.execute(sql).df()
            except duckdb.CatalogException:  # records held in memory (no file, e.g. an empty store)
                frame = self._expr(kind, metric, agency_codes).to_pandas()
        return frame

    def breakdown(self, agency_codes: Sequence[str], indicator_code: str) -> pd.DataFrame:
        """Return `BREAKDOWN_COLUMNS` rows of these agencies' dossiers for one dossier metric."""
        metric = _dossier_metric(indicator_code)
        return breakdown_from_wide(self._run("breakdown", metric, agency_codes), [metric])

    def dossiers(self, agency_codes: Sequence[str], indicator_code: str) -> pd.DataFrame:
        """Return the dossiers of these agencies behind one metric (`DOSSIER_COLUMNS`)."""
        return self.explain(agency_codes, indicator_code)[1]

    def explain(self, agency_codes: Sequence[str], indicator_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return both, from one query: the per-procedure rows (as `breakdown`) and the dossiers."""
        metric = _dossier_metric(indicator_code)
        listed = self._run("dossiers", metric, agency_codes)
        return breakdown_from_listing(listed, metric), dossiers_from_listing(listed)


def _dossier_metric(indicator_code: str) -> Metric:
    metric = get_metric(indicator_code)
    if metric.source != "dossiers":
        raise InvalidInput(
            f"{indicator_code} không tính trên hồ sơ", f"{indicator_code} is not counted over dossiers",
            [Problem("Chọn một chỉ số tính trên hồ sơ", "Choose a metric counted over dossiers",
                     field="indicator_code")],
        )  # fmt: skip
    return metric
