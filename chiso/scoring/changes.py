"""Match agencies to the period before (directly or through lineage) and compute changes; scoring layer, pure.

A merged agency's previous figure is the mean of its predecessors' (as the 2024 DTI did for merged
provinces; `sum` or `max` on request); its previous rank is left empty because no single earlier rank
is comparable. An agency with one predecessor (renamed or split off) takes that predecessor's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from chiso.errors import Problem, ScoringError
from chiso.scoring.inputs import factor_codes, require_columns
from chiso.scoring.publish import round_half_up

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

STATUS_NEW, STATUS_CONTINUING, STATUS_SUCCESSOR, STATUS_MERGED = 0, 1, 2, 3
STATUSES = ["new", "continuing", "successor", "merged"]
LINEAGE_POLICIES = ("mean", "sum", "max")


@dataclass(frozen=True)
class Match:
    """For each current agency: the prior row it continues (-1 none) and its lineage pairs."""

    direct: IntArray
    successors: IntArray  # current agency index, one entry per (successor, predecessor) pair
    predecessors: IntArray  # prior row index
    status: npt.NDArray[np.int8]


@dataclass(frozen=True)
class PriorTable:
    """A previous result table pivoted to agency x node (this framework's node order)."""

    period: str | None
    agencies: list[str]
    points: FloatArray
    published: FloatArray
    rank: FloatArray

    @cached_property
    def index(self) -> pd.Index:
        """The agency codes as an index, built once for every part of a run that looks them up."""
        return pd.Index(self.agencies)


def prepare_lineage(lineage: pd.DataFrame | None) -> pd.DataFrame | None:
    """Check the lineage table (predecessor_code, successor_code) and return it as strings.

    Raises:
        ScoringError: a column is missing or a row lacks a code.
    """
    if lineage is None or len(lineage) == 0:
        return None
    require_columns(
        lineage, ("predecessor_code", "successor_code"), name_vi="Bảng kế thừa", name_en="The lineage table"
    )
    out = pd.DataFrame(
        {
            "predecessor_code": lineage["predecessor_code"].astype("string").str.strip(),
            "successor_code": lineage["successor_code"].astype("string").str.strip(),
        }
    )
    bad = out.isna().any(axis=1).to_numpy() | (out == "").any(axis=1).to_numpy()
    if bad.any():
        raise ScoringError(
            "Bảng kế thừa có dòng thiếu mã",
            "The lineage table has rows without a code",
            [
                Problem("thiếu mã", "missing code", row=int(i) + 1, field="lineage")
                for i in np.flatnonzero(bad)
            ],
        )
    return out.drop_duplicates().reset_index(drop=True)


def prepare_previous(
    previous: pd.DataFrame | None, node_codes: list[str], decimals: int
) -> PriorTable | None:
    """Pivot a previous result table (same shape as ScoreResult.table) to agency x node.

    Only the latest period in the table is used; nodes this framework does not have are ignored.

    Raises:
        ScoringError: a required column is missing or an agency and node appear twice.
    """
    if previous is None or len(previous) == 0:
        return None
    has_points = "points" in previous.columns or "published" in previous.columns
    require_columns(
        previous,
        ("agency_code", "node_code"),
        name_vi="Bảng kết quả kỳ trước",
        name_en="The previous results table",
        also_missing=() if has_points else ("points",),
    )
    table = previous
    period = None
    if "period" in table.columns:
        p_codes, p_labels = factor_codes(table["period"])
        if p_labels:
            period = p_labels[-1]
            latest = p_codes == len(p_labels) - 1
            if not latest.all():  # a copy of the table only when it holds older periods too
                table = table[latest]
    codes, labels_a = factor_codes(table["agency_code"])
    n_codes, n_labels = factor_codes(table["node_code"], sort=False)
    node_of_label = pd.Index(node_codes).get_indexer(pd.Index(n_labels)).astype(np.int64)
    k = np.append(node_of_label, -1)[n_codes]
    keep = (k >= 0) & (codes >= 0)
    everything = bool(keep.all())
    shape = (len(labels_a), len(node_codes))
    # One flat cell number per row; a cell written twice is a duplicate (found by counting, not hashing).
    cell = codes.astype(np.int64) * len(node_codes) + k
    if not everything:
        cell = cell[keep]
    filled = np.zeros(shape[0] * shape[1], dtype=bool)
    filled[cell] = True
    if int(filled.sum()) != cell.size:
        composite = codes.astype(np.int64) * (len(n_labels) + 1) + n_codes
        dup = pd.Series(composite).duplicated(keep=False).to_numpy()
        raise ScoringError(
            "Bảng kết quả kỳ trước có cơ quan và nút bị trùng",
            "The previous results table repeats an agency and node",
            [
                Problem("dòng trùng", "duplicate row", row=int(i) + 1, field="previous")
                for i in np.flatnonzero(dup)
            ],
        )

    def pivot(column: str) -> FloatArray:
        out = np.full(shape, np.nan)
        series = table[column]
        if not pd.api.types.is_numeric_dtype(series.dtype):
            series = pd.to_numeric(series, errors="coerce")
        data = series.to_numpy(dtype=np.float64, na_value=np.nan)
        out.ravel()[cell] = data if everything else data[keep]
        return out

    points = pivot("points") if "points" in table.columns else pivot("published")
    published = pivot("published") if "published" in table.columns else round_half_up(points, decimals)
    rank = pivot("rank") if "rank" in table.columns else np.full(shape, np.nan)
    return PriorTable(period, [str(a) for a in labels_a], points, published, rank)


def match_agencies(
    agencies: list[str],
    prior_codes: list[str] | pd.Index,
    prior_present: BoolArray,
    lineage: pd.DataFrame | None,
) -> Match:
    """Match each current agency to its prior row, or through lineage to its predecessors' rows."""
    n = len(agencies)
    prior_index = prior_codes if isinstance(prior_codes, pd.Index) else pd.Index(prior_codes)
    index = prior_index.get_indexer(pd.Index(agencies))
    ok = index >= 0
    ok[ok] = prior_present[index[ok]]
    direct = np.where(ok, index, -1).astype(np.int64)
    status = np.where(ok, STATUS_CONTINUING, STATUS_NEW).astype(np.int8)
    succ = np.empty(0, dtype=np.int64)
    pred = np.empty(0, dtype=np.int64)
    if lineage is not None and (~ok).any():
        current = pd.Index(agencies)
        s_idx = current.get_indexer(pd.Index(lineage["successor_code"]))
        p_idx = prior_index.get_indexer(pd.Index(lineage["predecessor_code"]))
        valid = (s_idx >= 0) & (p_idx >= 0)
        valid[valid] &= prior_present[p_idx[valid]] & ~ok[s_idx[valid]]
        succ = s_idx[valid].astype(np.int64)
        pred = p_idx[valid].astype(np.int64)
        if succ.size:
            counts = np.bincount(succ, minlength=n)
            status = np.where(counts == 1, STATUS_SUCCESSOR, status).astype(np.int8)
            status = np.where(counts > 1, STATUS_MERGED, status).astype(np.int8)
    return Match(direct, succ, pred, status)


def gather(matrix: FloatArray, match: Match, how: str = "mean") -> FloatArray:
    """Return the prior rows for each current agency; merged agencies get `how` over their predecessors."""
    out = np.full((match.direct.size, matrix.shape[1]), np.nan)
    has = match.direct >= 0
    out[has] = matrix[match.direct[has]]
    if match.successors.size:
        frame = pd.DataFrame(matrix[match.predecessors])
        combined = frame.groupby(match.successors).agg(how)
        rows = combined.index.to_numpy(dtype=np.int64)
        out[rows] = combined.to_numpy(dtype=np.float64)
        # A predecessor lacking a node must not turn the mean into a partial mean silently.
        gaps = frame.isna().groupby(match.successors).any().to_numpy()
        block = out[rows]
        block[gaps] = np.nan
        out[rows] = block
    return out
