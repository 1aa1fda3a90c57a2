"""Turn metric values into Decision 766 points with the scoring engine; monitoring layer, files only.

The metric values (chiso.monitoring.compute) become the computed values of the ``qd766`` framework:
ratio leaves get numerator and denominator (and the value the zero-denominator policy chose when
the denominator is 0), monitoring-only leaves get their count. `chiso.scoring.score` then gives
points, totals, ranks (within each agency level), bands and changes. `score766_files` is the
files-alone path of ``chiso monitor score766`` (no database): record files in, one table out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from chiso.errors import InvalidInput, Problem
from chiso.exports import XLSX_OPTIONS, guard_text
from chiso.frameworks import Framework, load_framework
from chiso.monitoring.compute.backend import Engine, connect, tables_from_arrow
from chiso.monitoring.compute.values import compute_metrics
from chiso.monitoring.drilldown import compute_procedure_breakdown
from chiso.monitoring.metrics import Metric, builtin_metrics
from chiso.monitoring.periods import parse_period
from chiso.monitoring.records.readers import read_file
from chiso.monitoring.records.schema import arrow_schema, record_type
from chiso.monitoring.records.validate import Reject
from chiso.scoring import ScoreResult, score

FRAMEWORK_ID = "qd766"
OUTPUT_COLUMNS = [
    "agency_code",
    "level",
    "indicator_code",
    "numerator",
    "denominator",
    "value",
    "score",
    "max_score",
]
EXTRA_COLUMNS = ["period", "rank", "band"]
AGENCY_COLUMNS = ["agency_code", "name", "parent_code", "level"]


def _leaf_rules(framework: Framework) -> dict[str, bool]:
    """Return, per leaf code, whether its rule takes numerator and denominator."""
    out: dict[str, bool] = {}

    def walk(nodes: Sequence[Any]) -> None:
        for node in nodes:
            if node.children:
                walk(node.children)
            else:
                out[node.code] = bool(node.rule is not None and node.rule.uses_ratio)

    walk(framework.nodes)
    return out


def to_framework_values(values: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Shape metric values as the scoring engine's input (leaves unknown to ``framework`` are dropped).

    Ratio leaves: numerator, denominator and value (numerator / denominator, or the metric's
    zero-denominator value); a metric whose value is scaled by another's (``times_rate_of``) gives
    value x denominator as its numerator, so the engine scores the scaled rate. Other leaves
    (monitoring only, fixed points): value = the numerator count.
    """
    ratio = _leaf_rules(framework)
    known = values[values["indicator_code"].isin(list(ratio))].copy()
    is_ratio = known["indicator_code"].map(ratio).astype(bool).to_numpy()
    scaled = known["indicator_code"].isin(_scaled_codes()).to_numpy()
    if scaled.any():
        num = known["numerator"].to_numpy(dtype="float64").copy()
        den = known["denominator"].to_numpy(dtype="float64")
        value = known["value"].to_numpy(dtype="float64")
        num[scaled] = np.where(den[scaled] > 0, value[scaled] * den[scaled], num[scaled])
        known["numerator"] = num
    out = pd.DataFrame(
        {
            "agency_code": known["agency_code"].astype(str).to_numpy(),
            "period": known["period"].astype(str).to_numpy(),
            "indicator_code": known["indicator_code"].astype(str).to_numpy(),
            "value": np.where(is_ratio, known["value"].to_numpy(dtype="float64"),
                              known["numerator"].to_numpy(dtype="float64")),
            "numerator": np.where(is_ratio, known["numerator"].to_numpy(dtype="float64"), np.nan),
            "denominator": np.where(is_ratio, known["denominator"].to_numpy(dtype="float64"), np.nan),
        }
    )  # fmt: skip
    return out


def _scaled_codes() -> list[str]:
    return [m.code for m in builtin_metrics() if m.times_rate_of]


def score_values(
    values: pd.DataFrame,
    *,
    agencies: pd.DataFrame | None = None,
    framework: Framework | None = None,
    previous: pd.DataFrame | None = None,
) -> ScoreResult:
    """Score metric values with the qd766 framework; agencies are ranked within their level.

    Args:
        values: the runner's long table (agency_code, period, indicator_code, numerator, denominator, value).
        agencies: optional agency_code, level: the peer group of each agency (default: one group).
        framework: default the built-in ``qd766`` (or the province's edited copy).
        previous: a previous result table, for changes of points and rank.
    """
    fw = framework if framework is not None else load_framework(FRAMEWORK_ID)
    groups = None
    if agencies is not None and "level" in agencies.columns:
        codes = values["agency_code"].astype(str).unique()
        level = agencies.set_index(agencies["agency_code"].astype(str))["level"]
        groups = pd.DataFrame({"agency_code": codes})
        groups["group"] = groups["agency_code"].map(level).fillna("").astype(str).replace("", "ALL")
    return score(fw, to_framework_values(values, fw), groups=groups, previous=previous)


def score_table(
    values: pd.DataFrame, result: ScoreResult, *, agencies: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the export table: per agency, a row per leaf, a row per group total and a TOTAL row.

    Columns: agency_code, level, indicator_code (a leaf, a group code such as TRANSPARENCY, or
    TOTAL), numerator, denominator, value, score (published, rounded half up; empty when null: no
    data), max_score, then period, rank and band (TOTAL rows). Group rows carry no counts.
    """
    table = result.table
    leaves = set(_leaf_codes(values))
    groups = _group_codes(result)
    points = table[table["node_code"].isin(leaves | set(groups) | {"TOTAL"})]
    points = points[["period", "agency_code", "node_code", "published", "max_points", "rank", "band"]].rename(
        columns={"node_code": "indicator_code", "published": "score", "max_points": "max_score"}
    )
    points["period"] = points["period"].astype(str)
    base = values[["agency_code", "period", "indicator_code", "numerator", "denominator", "value"]]
    out = points.merge(base, on=["agency_code", "period", "indicator_code"], how="left")
    leaf_rows = out["indicator_code"] != "TOTAL"
    out.loc[leaf_rows, "rank"] = np.nan
    out.loc[leaf_rows, "band"] = None
    level: pd.Series = pd.Series(dtype=str)
    if agencies is not None and "level" in agencies.columns:
        level = agencies.set_index(agencies["agency_code"].astype(str))["level"]
    out["level"] = out["agency_code"].map(level) if len(level) else None
    order = {code: i for i, code in enumerate(_row_order(result, leaves))}
    out["_o"] = out["indicator_code"].map(order)
    out = out.sort_values(["period", "agency_code", "_o"], kind="stable").drop(columns="_o")
    out["score"] = out["score"].astype("float64")
    out["rank"] = out["rank"].astype("Int64")
    out["numerator"] = out["numerator"].astype("Int64")
    out["denominator"] = out["denominator"].astype("Int64")
    return out[OUTPUT_COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)


def _leaf_codes(values: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(values["indicator_code"].astype(str)))


def _group_codes(result: ScoreResult) -> list[str]:
    """Return the codes of the framework's top-level groups (depth 1)."""
    table = result.table
    return list(dict.fromkeys(table.loc[table["depth"] == 1, "node_code"].astype(str)))


def _row_order(result: ScoreResult, leaves: set[str]) -> list[str]:
    """Return the framework's node order (pre-order): each group's leaves, then its total, then TOTAL."""
    nodes = list(dict.fromkeys(result.table["node_code"].astype(str)))
    depth = dict(zip(result.table["node_code"].astype(str), result.table["depth"], strict=False))
    order: list[str] = []
    pending: str | None = None
    for code in nodes:
        if depth.get(code) == 1:
            if pending:
                order.append(pending)
            pending = code
        elif code in leaves:
            order.append(code)
    if pending:
        order.append(pending)
    return [*order, "TOTAL"]


# ---------------------------------------------------------------------------------------------
# files alone


@dataclass
class Score766Report:
    """What `score766_files` read, rejected and produced."""

    table: pd.DataFrame
    result: ScoreResult
    rows_read: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    by_procedure: pd.DataFrame | None = None
    """Per agency x procedure counts of every dossier metric (`drilldown.compute_procedure_breakdown`)."""


def read_agencies(path: Path) -> pd.DataFrame:
    """Read agencies.csv (agency_code, name, parent_code, level).

    Raises:
        InvalidInput: missing file or column, empty or duplicate agency codes.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"Không đọc được {path.name}",
            f"Cannot read {path.name}",
            [Problem(str(exc), str(exc), file=path.name)],
        ) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    problems = [
        Problem("Thiếu cột", "Missing column", file=path.name, column=c)
        for c in ("agency_code", "parent_code")
        if c not in frame.columns
    ]
    if problems:
        raise InvalidInput(f"{path.name} thiếu cột", f"{path.name} lacks columns", problems)
    for col in AGENCY_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
        frame[col] = frame[col].astype(str).str.strip()
    codes = frame["agency_code"]
    for i in np.flatnonzero((codes == "").to_numpy()):
        problems.append(Problem("Mã cơ quan trống", "Empty agency_code", file=path.name, row=int(i) + 2))
    for i in np.flatnonzero(codes.duplicated(keep="first").to_numpy()):
        problems.append(
            Problem(
                f"Trùng mã {codes.iloc[i]}",
                f"Duplicate agency_code {codes.iloc[i]}",
                file=path.name,
                row=int(i) + 2,
                column="agency_code",
            )  # fmt: skip
        )
    if problems:
        raise InvalidInput(f"{path.name} có lỗi", f"{path.name} has problems", problems)
    frame["parent_code"] = frame["parent_code"].replace("", None)
    return frame[AGENCY_COLUMNS]


def _latest_per_key(table: pa.Table, key: str) -> pa.Table:
    """Keep the last row of each key (a later version of a record replaces the earlier one)."""
    if table.num_rows == 0:
        return table
    keys = table.column(key).to_numpy(zero_copy_only=False)
    _, first_of_reversed = np.unique(keys[::-1], return_index=True)
    keep = np.sort(len(keys) - 1 - first_of_reversed)
    return table.take(pa.array(keep)) if len(keep) != table.num_rows else table


def _read_kind(
    paths: Sequence[Path], kind: str, rows_read: dict[str, int], rejects: list[Reject]
) -> pa.Table | None:
    if not paths:
        return None
    parts = []
    for path in paths:
        res = read_file(Path(path), kind=kind)
        rows_read[kind] = rows_read.get(kind, 0) + res.rows_read
        rejects.extend(res.rejects)
        parts.append(res.table)
    return _latest_per_key(pa.concat_tables(parts), record_type(kind).key)


def score766_files(
    *,
    dossiers: Sequence[Path],
    period: str,
    petitions: Sequence[Path] = (),
    procedures: Sequence[Path] = (),
    agencies: Path | None = None,
    engine: Engine = "duckdb",
    as_of: datetime | None = None,
    metrics: Sequence[Metric] | None = None,
    by_procedure: bool = False,
) -> Score766Report:
    """Compute and score the 766 index of one period from record files alone (no database).

    Bad rows are left out and listed in ``report.rejects``; parents listed in agencies.csv get
    rolled-up rows (sums of their children's counts, then scored). ``by_procedure`` also gives the
    per-procedure drill-down of the dossier metrics (``report.by_procedure``).

    Raises:
        InvalidInput: unreadable files, bad period, bad agencies file, a parent cycle.
    """
    whole = parse_period(period)
    rows_read: dict[str, int] = {}
    rejects: list[Reject] = []
    d = _read_kind(dossiers, "dossiers", rows_read, rejects)
    p = _read_kind(petitions, "petitions", rows_read, rejects)
    c = _read_kind(procedures, "procedures", rows_read, rejects)
    agency_frame = read_agencies(agencies) if agencies is not None else None
    tables = tables_from_arrow(
        connect(engine),
        dossiers=d if d is not None else arrow_schema("dossiers").empty_table(),
        petitions=p,
        procedures=c,
    )
    values = compute_metrics(
        tables, [whole], agencies=agency_frame, as_of=as_of, metrics=metrics or builtin_metrics()
    )
    result = score_values(values, agencies=agency_frame)
    table = score_table(values, result, agencies=agency_frame)
    breakdown = None
    if by_procedure:
        breakdown = compute_procedure_breakdown(tables, [whole], metrics=metrics, as_of=as_of)
    return Score766Report(table=table, result=result, rows_read=rows_read, rejects=rejects,
                          by_procedure=breakdown)  # fmt: skip


FORMATS = ("csv", "json", "parquet", "xlsx")


def write_table(table: pd.DataFrame, path: Path, *, fmt: str | None = None) -> Path:
    """Write a result table as CSV (UTF-8 with BOM for Excel), JSON, Parquet or XLSX.

    The format is ``fmt`` or else the extension. A null (no data) is an empty CSV/Excel cell and
    JSON ``null``, never 0.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".{fmt.lower()}" if fmt else path.suffix.lower()
    if suffix == ".parquet":
        table.to_parquet(path, index=False)
    elif suffix == ".json":
        table.to_json(path, orient="records", force_ascii=False, indent=1)
    elif suffix == ".xlsx":
        table.to_excel(path, index=False, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS})
    else:
        guard_text(table).to_csv(path, index=False, encoding="utf-8-sig", float_format="%.10g")
    return path
