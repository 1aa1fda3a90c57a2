"""ScoreResult: the plain tables the engine returns, with summaries and explanations; scoring layer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

TOTAL = "TOTAL"


@dataclass
class ScoreResult:
    """The outcome of one scoring run, as plain tables.

    Attributes:
        table: one row per period x agency x node (incl. node_code TOTAL): period, agency_code, group,
            node_code, depth, points (full precision), max_points, published (rounded half up),
            index_value (TOTAL only: published / display_divisor), rank (in group, on the published
            figure), band (TOTAL only), previous_points, points_change, previous_rank, rank_change
            (positive = moved up), status (new, continuing, successor, merged).
        explanations: one row per period x agency x leaf: value, numerator, denominator, comment (the
            inputs), rule, params (JSON), points, max_points, note (how a missing value was handled).
        summary: per period, group and node: count, mean, median, previous_mean, previous_median
            (of published points).
        band_counts: per period, group and band: count of agencies.
        movers: per period and group: the leaders (rank 1) and the three biggest risers and fallers.
        log: the run log (plain JSON-able data) that `replay` reproduces the result from.
        warnings: things worth a look that did not stop the run (e.g. grouped agencies without values).
    """

    framework_id: str
    framework_version: str
    decimals: int
    table: pd.DataFrame
    explanations: pd.DataFrame
    summary: pd.DataFrame
    band_counts: pd.DataFrame
    movers: pd.DataFrame
    log: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def totals(self) -> pd.DataFrame:
        """Return the TOTAL rows only (one per period and agency)."""
        return self.table[self.table["node_code"] == TOTAL].reset_index(drop=True)

    def explain(self, agency_code: str, period: str | None = None) -> list[dict[str, Any]]:
        """Return, for one agency, every leaf's inputs, rule, parameters, points and note.

        Args:
            agency_code: the agency.
            period: the period (default: the latest period of the run).
        """
        frame = self.explanations
        frame = frame[frame["agency_code"] == agency_code]
        if period is None and len(frame):
            period = str(frame["period"].astype(str).max())
        frame = frame[frame["period"].astype(str) == str(period)]
        out = []
        for row in frame.itertuples(index=False):
            inputs = {
                name: (None if _isna(getattr(row, name)) else getattr(row, name))
                for name in ("value", "numerator", "denominator", "comment")
            }
            out.append(
                {
                    "period": str(row.period),
                    "agency_code": str(row.agency_code),
                    "indicator_code": str(row.indicator_code),
                    "inputs": inputs,
                    "rule": str(row.rule),
                    "params": json.loads(str(row.params)),
                    "points": None if _isna(row.points) else float(str(row.points)),
                    "max_points": float(str(row.max_points)),
                    "note": str(row.note),
                }
            )
        return out


def _isna(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def build_summary(
    inputs: Any, node_codes: list[str], published: Any, previous: Any, *, decimals: int | None = None
) -> pd.DataFrame:
    """Return per period, group and node the count, mean and median of published points now and before.

    Args:
        inputs: the engine's dense inputs (periods, agencies, groups, presence).
        node_codes: node codes in the engine's order.
        published: (rows, nodes) published points, NaN where excluded (absent rows are skipped).
        previous: (rows, nodes) previous published points matched to the same rows.
        decimals: the published decimals: medians of figures on that grid are read from counts
            (linear time) instead of sorting each group.
    """
    n_a, n_g = len(inputs.agencies), len(inputs.groups)
    sel = np.flatnonzero(inputs.present)
    gid = (sel // n_a) * n_g + inputs.group_of_agency[sel % n_a]
    order = np.argsort(gid, kind="stable")
    gid_sorted = gid[order]
    starts = np.flatnonzero(np.r_[True, gid_sorted[1:] != gid_sorted[:-1]])
    keys = gid_sorted[starts]
    segment = np.repeat(np.arange(keys.size), np.diff(np.r_[starts, gid_sorted.size]))
    rows = sel[order]
    n_s, n_k = keys.size, len(node_codes)
    frame = pd.DataFrame(
        {
            "period": pd.Categorical.from_codes(
                np.repeat(keys // n_g, n_k), categories=pd.Index(inputs.periods)
            ),
            "group": pd.Categorical.from_codes(
                np.repeat(keys % n_g, n_k), categories=pd.Index(inputs.groups)
            ),
            "node_code": pd.Categorical.from_codes(
                np.tile(np.arange(n_k), n_s), categories=pd.Index(node_codes)
            ),
        }
    )
    for prefix, matrix in (("", published), ("previous_", previous)):
        count = np.zeros((n_s, n_k), dtype=np.int64)
        total = np.zeros((n_s, n_k))
        median = np.full((n_s, n_k), np.nan)
        for k in range(n_k):  # one column at a time: no (rows x nodes) temporaries
            column = matrix[rows, k]  # grouped rows, in row order within each group
            valid = ~np.isnan(column)
            count[:, k] = np.add.reduceat(valid, starts)
            total[:, k] = np.add.reduceat(np.where(valid, column, 0.0), starts)
            median[:, k] = _column_medians(column[valid], segment[valid], count[:, k], decimals)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        if not prefix:
            frame["count"] = count.ravel()
        frame[f"{prefix}mean"] = mean.ravel()
        frame[f"{prefix}median"] = median.ravel()
    return frame


def _column_medians(x: Any, segment: Any, count: Any, decimals: int | None) -> Any:
    """Return the median of `x` within each segment (0..len(count)-1); NaN for an empty segment.

    Figures on the published grid (every x equal to an integer / 10**decimals) are counted per
    (segment, figure) cell and the middle figures read from the running counts: linear time, and the
    same floats as sorting gives. Anything else is sorted within its segment.
    """
    n_s = count.size
    out = np.full(n_s, np.nan)
    if x.size == 0:
        return out
    starts = np.r_[0, np.cumsum(count)[:-1]]
    low_pos = starts + np.maximum(count - 1, 0) // 2
    high_pos = starts + count // 2
    has = count > 0
    if decimals is not None:
        scale = 10.0**decimals
        ints = np.rint(x * scale)
        low, high = float(ints.min()), float(ints.max())
        span = high - low + 1.0
        bins = span * n_s
        if bins <= max(4.0 * x.size, 65536.0) and np.array_equal(ints / scale, x):
            cell = segment * np.int64(span) + (ints - low).astype(np.int64)
            running = np.cumsum(np.bincount(cell, minlength=int(bins)))
            first = np.arange(n_s, dtype=np.int64) * np.int64(span)

            def figure(position: Any) -> Any:
                at = np.searchsorted(running, position[has], side="right")
                return (at - first[has] + low) / scale

            out[has] = (figure(low_pos) + figure(high_pos)) / 2.0
            return out
    order = np.lexsort((x, segment))
    ordered = x[order]
    out[has] = (ordered[low_pos[has]] + ordered[high_pos[has]]) / 2.0
    return out


def _segment_medians(block: Any, starts: Any, count: Any, decimals: int | None = None) -> Any:
    """Return the median of every column within each run of rows starting at `starts` (NaN ignored)."""
    n_rows, n_cols = block.shape
    segment = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n_rows]))
    median = np.full(count.shape, np.nan)
    for k in range(n_cols):
        valid = ~np.isnan(block[:, k])
        median[:, k] = _column_medians(block[valid, k], segment[valid], count[:, k], decimals)
    return median


def build_band_counts(totals: pd.DataFrame) -> pd.DataFrame:
    """Return per period, group and band how many agencies fall in it (every band listed, zeros too)."""
    counts = totals.groupby(["period", "group", "band"], observed=False).size()
    frame = counts.rename("count").reset_index()
    seen = totals[["period", "group"]].drop_duplicates()
    return frame.merge(seen, on=["period", "group"], how="inner")


def build_movers(totals: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Return per period and group the leaders and the `top` biggest risers and fallers."""
    cols = [
        "period",
        "group",
        "agency_code",
        "published",
        "rank",
        "previous_rank",
        "rank_change",
        "points_change",
    ]
    base = totals[cols]
    leaders = base[base["rank"] == 1].assign(kind="leader")
    moved = base[base["rank_change"].notna()]
    risers = (
        moved[moved["rank_change"] > 0]
        .sort_values(["rank_change", "agency_code"], ascending=[False, True])
        .groupby(["period", "group"], observed=True)
        .head(top)
        .assign(kind="riser")
    )
    fallers = (
        moved[moved["rank_change"] < 0]
        .sort_values(["rank_change", "agency_code"], ascending=[True, True])
        .groupby(["period", "group"], observed=True)
        .head(top)
        .assign(kind="faller")
    )
    out = pd.concat([leaders, risers, fallers], ignore_index=True)
    return out[["period", "group", "kind", *cols[2:]]]
