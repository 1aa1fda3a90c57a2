"""score(): from a framework and a long table of values to points, ranks, bands and changes; scoring layer.

Pure and vectorised: no I/O, no clock, no imports from web, store or assessment. The pipeline is a
fixed, ordered list of named steps (validate, score_leaves, aggregate, publish, rank, band, compare,
summarise) whose options are recorded in the run log; `replay` re-runs a log and checks the result.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chiso.errors import ScoringError
from chiso.frameworks import TOTAL, Framework, framework_from_dict
from chiso.scoring import changes as ch
from chiso.scoring.inputs import Inputs, prepare_inputs
from chiso.scoring.parts import PART_CELLS, plan_parts
from chiso.scoring.publish import band_index, round_half_up, shared_ranks
from chiso.scoring.result import ScoreResult, build_band_counts, build_movers, build_summary
from chiso.scoring.runlog import ENGINE_VERSION, input_hash, output_hash
from chiso.scoring.tree import NOTES, aggregate, build_plan, score_leaves


def _cat(codes: Any, categories: Any) -> pd.Categorical:
    """Build a categorical column from integer codes (-1 = missing) and its labels."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(categories)), validate=False)


@dataclass
class _IntMatrix:
    """Whole numbers with gaps (ranks and their changes), kept as the int32 values and missing mask of
    pandas' nullable Int32 column so the table takes them without another full-size copy."""

    values: np.ndarray[Any, Any]  # int32
    missing: np.ndarray[Any, Any]  # bool

    @classmethod
    def from_floats(cls, floats: np.ndarray[Any, Any]) -> _IntMatrix:
        """Convert whole numbers held as floats, NaN = missing."""
        with np.errstate(invalid="ignore"):
            return cls(floats.astype(np.int32), np.isnan(floats))

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> _IntMatrix:
        return cls(np.empty(shape, dtype=np.int32), np.empty(shape, dtype=bool))

    def __setitem__(self, rows: np.ndarray[Any, Any], part: _IntMatrix) -> None:
        self.values[rows] = part.values
        self.missing[rows] = part.missing

    def column(self, rows: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]) -> pd.arrays.IntegerArray:
        """Return the table column: the selected rows, flattened."""
        return pd.arrays.IntegerArray(rows(self.values), rows(self.missing))


def score(
    framework: Framework,
    values: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    lineage: pd.DataFrame | None = None,
    lineage_policy: str = "mean",
    source: str | None = None,
    first_row: int = 1,
    part_cells: int = PART_CELLS,
) -> ScoreResult:
    """Score every agency and period in `values` against `framework`.

    Args:
        framework: the index framework (see chiso.frameworks.load_framework).
        values: long table with agency_code, period, indicator_code, value (optional numerator,
            denominator, comment). Ratio leaves take numerator and denominator, or the ratio as value.
            Period labels must sort chronologically as text (2024, 2024-Q1, 2024-06).
        groups: agency_code, group (optional kind, for nodes that apply to some agency kinds only);
            None puts every agency in one group `ALL`. When given, values for other agencies are rejected.
        previous: a previous result table (same shape as ScoreResult.table; its latest period is used)
            to compare the first period with; later periods compare with the period before in `values`.
        lineage: predecessor_code, successor_code: an agency without a previous row of its own is
            compared with its predecessors (a merged agency with their mean; see `lineage_policy`).
        lineage_policy: how predecessors' previous figures combine: mean (default), sum or max.
        source: the file name of `values`, for problem messages.
        first_row: the number given to the first data row in problem messages (2 for a CSV file).
        part_cells: the working-set size of a large run, in rows x nodes cells: larger runs are scored
            in parts of whole peer groups (see chiso.scoring.parts). Results never depend on it.

    Returns:
        The ScoreResult (table, explanations, summary, band_counts, movers, log).

    Raises:
        ScoringError: bad input, listing every offending row and why.
    """
    if lineage_policy not in ch.LINEAGE_POLICIES:
        raise ScoringError(
            f"Cách gộp kế thừa '{lineage_policy}' không hợp lệ (mean, sum, max)",
            f"Unknown lineage policy '{lineage_policy}' (mean, sum, max)",
        )
    inputs = prepare_inputs(framework, values, groups=groups, source=source, first_row=first_row)
    plan = build_plan(framework)
    lineage_df = ch.prepare_lineage(lineage)
    prior = ch.prepare_previous(previous, plan.codes, framework.decimals)
    if prior is not None and prior.period is not None and prior.period >= inputs.periods[0]:
        raise ScoringError(
            f"Kết quả kỳ trước ({prior.period}) không sớm hơn kỳ đầu tiên của dữ liệu ({inputs.periods[0]})",
            f"The previous results ({prior.period}) are not earlier than the first period of the values "
            f"({inputs.periods[0]})",
        )
    prior_leaves = None if prior is None else prior.points[:, np.array(plan.node_of_leaf, dtype=np.int64)]
    parts = plan_parts(inputs, lineage_df, width=len(plan.codes), max_cells=part_cells)
    if not parts:
        scored = _score_part(framework, plan, inputs, prior, prior_leaves, lineage_df, lineage_policy)
    else:
        scored = _Scored.empty(inputs.n_rows, len(plan.codes), len(inputs.leaf_codes))
        for agencies in parts:
            part = inputs.subset(agencies)
            scored.put(
                inputs.rows_of(agencies),
                _score_part(framework, plan, part, prior, prior_leaves, lineage_df, lineage_policy),
            )

    table = _build_table(framework, plan, inputs, scored)
    explanations = _build_explanations(framework, plan, inputs, scored.leaf_points, scored.notes)
    totals = table[table["node_code"] == TOTAL]
    warnings = []
    if inputs.unscored_agencies:
        shown = ", ".join(inputs.unscored_agencies[:20])
        more = "" if len(inputs.unscored_agencies) <= 20 else f" (+{len(inputs.unscored_agencies) - 20})"
        warnings.append(
            f"{len(inputs.unscored_agencies)} cơ quan trong bảng nhóm không có giá trị nào / "
            f"agencies in the groups table without any value: {shown}{more}"
        )
    log = {
        "engine": "chiso.scoring",
        "engine_version": ENGINE_VERSION,
        "framework": {
            "id": framework.id,
            "version": framework.version,
            "family": framework.key,
            "content_hash": framework.content_hash(),
            "document": framework.model_dump(mode="json"),
        },
        "input_hash": input_hash(inputs, prior, lineage_df),
        "inputs": {
            "rows": int(len(values)),
            "agencies": len(inputs.agencies),
            "periods": inputs.periods,
            "groups": inputs.groups,
            "previous_period": None if prior is None else prior.period,
            "lineage_pairs": 0 if lineage_df is None else int(len(lineage_df)),
        },
        "steps": [
            {"step": "validate", "method": "reject_bad_rows"},
            {
                "step": "score_leaves",
                "method": "rules",
                "rules": sorted({n.rule.type for n in framework.leaves() if n.rule}),
            },
            {"step": "aggregate", "method": framework.aggregation},
            {"step": "publish", "method": "round_half_up", "decimals": framework.decimals},
            {"step": "rank", "method": "shared", "within": ["period", "group", "node_code"]},
            {"step": "band", "method": framework.band_basis},
            {"step": "compare", "method": "lineage", "lineage_policy": lineage_policy},
            {"step": "summarise", "method": "group_summary"},
        ],
        "output_hash": output_hash(table),
    }
    return ScoreResult(
        framework_id=framework.id,
        framework_version=framework.version,
        decimals=framework.decimals,
        table=table,
        explanations=explanations,
        summary=build_summary(
            inputs,
            plan.codes,
            scored.published,
            scored.prev_pub,
            decimals=framework.decimals,
        ),
        band_counts=build_band_counts(totals),
        movers=build_movers(totals),
        log=log,
        warnings=warnings,
    )


@dataclass
class _Scored:
    """The scored matrices of a run or a part: rows = period x agency, columns = leaves or nodes."""

    leaf_points: np.ndarray[Any, Any]  # (R, L)
    notes: np.ndarray[Any, Any]  # (R, L) int8
    points: np.ndarray[Any, Any]  # (R, K) and the rest alike
    published: np.ndarray[Any, Any]
    rank: _IntMatrix
    prev_pub: np.ndarray[Any, Any]
    prev_rank: _IntMatrix
    points_change: np.ndarray[Any, Any]
    rank_change: _IntMatrix
    status: np.ndarray[Any, Any]  # (R,) int8

    @classmethod
    def empty(cls, n_rows: int, n_nodes: int, n_leaves: int) -> _Scored:
        """Allocate a whole run's matrices, to be filled part by part."""

        def nodes() -> np.ndarray[Any, Any]:
            return np.empty((n_rows, n_nodes))

        def ints() -> _IntMatrix:
            return _IntMatrix.empty((n_rows, n_nodes))

        return cls(
            np.empty((n_rows, n_leaves)),
            np.empty((n_rows, n_leaves), dtype=np.int8),
            nodes(),
            nodes(),
            ints(),
            nodes(),
            ints(),
            nodes(),
            ints(),
            np.empty(n_rows, dtype=np.int8),
        )

    def put(self, rows: np.ndarray[Any, Any], part: _Scored) -> None:
        """Copy a part's matrices into these rows."""
        for name in self.__dataclass_fields__:
            getattr(self, name)[rows] = getattr(part, name)


def _score_part(
    framework: Framework,
    plan: Any,
    inputs: Inputs,
    prior: ch.PriorTable | None,
    prior_leaves: np.ndarray[Any, Any] | None,
    lineage_df: pd.DataFrame | None,
    lineage_policy: str,
) -> _Scored:
    """Score, aggregate, publish, rank and compare the agencies of `inputs` (whole peer groups)."""
    n_a, n_p = len(inputs.agencies), len(inputs.periods)
    n_g = len(inputs.groups)
    period_of_row = np.repeat(np.arange(n_p, dtype=np.int64), n_a)
    gid = period_of_row * n_g + np.tile(inputs.group_of_agency, n_p)

    match0 = None
    prior_leaf = None
    if prior is not None and prior_leaves is not None:
        everyone_before = np.ones(len(prior.agencies), bool)
        match0 = ch.match_agencies(inputs.agencies, prior.index, everyone_before, lineage_df)
        prior_leaf = ch.gather(prior_leaves, match0, lineage_policy)

    leaf_points, notes = score_leaves(plan, inputs, gid=gid, prior_leaf=prior_leaf)
    points = aggregate(plan, inputs, leaf_points)
    published = round_half_up(points, framework.decimals)
    present_rows = inputs.present
    everyone = bool(present_rows.all())
    masked = published if everyone else np.where(present_rows[:, None], published, np.nan)
    rank = np.empty(points.shape)
    for k in range(points.shape[1]):
        rank[:, k] = shared_ranks(masked[:, k], gid, decimals=framework.decimals)

    prev_pub = np.full(points.shape, np.nan)
    prev_rank = np.full(points.shape, np.nan)
    status = np.zeros(n_p * n_a, dtype=np.int8)
    for p in range(n_p):
        rows = slice(p * n_a, (p + 1) * n_a)
        if p == 0:
            if prior is None or match0 is None:
                continue
            match, src_pub, src_rank = match0, prior.published, prior.rank
        else:
            before = slice((p - 1) * n_a, p * n_a)
            match = ch.match_agencies(inputs.agencies, inputs.agencies, present_rows[before], lineage_df)
            src_pub, src_rank = published[before], rank[before]
        before_pub = ch.gather(src_pub, match, lineage_policy)
        merged = match.status == ch.STATUS_MERGED
        if merged.any():  # a mean of predecessors is a new figure: publish it like any other
            before_pub[merged] = round_half_up(before_pub[merged], framework.decimals)
        prev_pub[rows] = before_pub
        ranks_before = ch.gather(src_rank, match, "mean")
        ranks_before[match.status == ch.STATUS_MERGED] = np.nan
        prev_rank[rows] = ranks_before
        status[rows] = match.status
    scale = 10.0**framework.decimals
    # (rint(published x scale) - rint(previous x scale)) / scale, in place (no full-size temporaries).
    points_change = published * scale
    np.rint(points_change, out=points_change)
    before_digits = prev_pub * scale
    np.rint(before_digits, out=before_digits)
    points_change -= before_digits
    points_change /= scale
    del before_digits
    rank_change = prev_rank - rank

    ints = _IntMatrix.from_floats
    return _Scored(
        leaf_points,
        notes,
        points,
        published,
        ints(rank),
        prev_pub,
        ints(prev_rank),
        points_change,
        ints(rank_change),
        status,
    )


def _build_table(framework: Framework, plan: Any, inputs: Any, scored: _Scored) -> pd.DataFrame:
    n_a, n_k = len(inputs.agencies), len(plan.codes)
    everyone = bool(inputs.present.all())
    sel = np.flatnonzero(inputs.present)
    n_sel = sel.size

    def rows(matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Return the present rows, flattened row-major (a view when every row is present)."""
        return matrix.ravel() if everyone else matrix[sel].ravel()

    # Codes are built in the dtype pandas keeps for that many categories, so none is converted again.
    agency_of_row = sel % n_a
    agency_idx = np.repeat(agency_of_row.astype(_code_dtype(n_a)), n_k)
    period_idx = np.repeat((sel // n_a).astype(_code_dtype(len(inputs.periods))), n_k)
    node_idx = np.tile(np.arange(n_k, dtype=_code_dtype(n_k)), n_sel)
    total_at = np.arange(n_sel) * n_k  # TOTAL is node 0 of every agency's block
    pub = rows(scored.published)
    bands = framework.bands
    band_codes = np.full(pub.size, -1, dtype=np.int8)
    if bands:
        band_codes[total_at] = band_index(
            pub[total_at],
            bands,
            max_points=float(plan.max_points[0]),
            percent=framework.band_basis == "percent",
        )
    digits = framework.display_decimals if framework.display_decimals is not None else framework.decimals
    index_value = np.full(pub.size, np.nan)
    index_value[total_at] = round_half_up(pub[total_at] / framework.display_divisor, digits)
    cat = _cat
    return pd.DataFrame(
        copy=False,
        data={
            "period": cat(period_idx, categories=inputs.periods),
            "agency_code": cat(agency_idx, categories=inputs.agencies),
            "group": cat(
                np.repeat(inputs.group_of_agency[agency_of_row].astype(_code_dtype(len(inputs.groups))), n_k),
                inputs.groups,
            ),
            "node_code": cat(node_idx, categories=plan.codes),
            "depth": np.tile(np.array(plan.depth, dtype=np.int8), n_sel),
            "points": rows(scored.points),
            "max_points": np.tile(plan.max_points, n_sel),
            "published": pub,
            "index_value": index_value,
            "rank": scored.rank.column(rows),
            "band": cat(band_codes, categories=[b.label_vi for b in bands]),
            "previous_points": rows(scored.prev_pub),
            "points_change": rows(scored.points_change),
            "previous_rank": scored.prev_rank.column(rows),
            "rank_change": scored.rank_change.column(rows),
            "status": cat(np.repeat(scored.status[sel], n_k), categories=ch.STATUSES),
        },
    )


def _code_dtype(size: int) -> type[np.signedinteger[Any]]:
    """Return the smallest integer type that holds codes up to `size` (categorical codes are copied less)."""
    if size < 127:
        return np.int8
    if size < 32767:
        return np.int16
    return np.int32


def _build_explanations(
    framework: Framework,
    plan: Any,
    inputs: Any,
    leaf_points: np.ndarray[Any, Any],
    notes: np.ndarray[Any, Any],
) -> pd.DataFrame:
    n_a, n_l = len(inputs.agencies), len(inputs.leaf_codes)
    everyone = bool(inputs.present.all())
    sel = np.flatnonzero(inputs.present)
    n_sel = sel.size

    def rows(matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return matrix.ravel() if everyone else matrix[sel].ravel()

    code_type = _code_dtype(n_l)
    period_of_row = (sel // n_a).astype(_code_dtype(len(inputs.periods)))
    agency_of_row = (sel % n_a).astype(_code_dtype(n_a))
    leaves = [plan.nodes[i] for i in plan.node_of_leaf]
    rules = [leaf.rule.type for leaf in leaves]
    params = [json.dumps(leaf.rule.describe(), ensure_ascii=False, sort_keys=True) for leaf in leaves]
    leaf_idx = np.tile(np.arange(n_l, dtype=code_type), n_sel)
    param_labels = sorted(set(params))
    param_codes = np.array([param_labels.index(x) for x in params], dtype=code_type)
    comment_labels: list[str] = []
    if inputs.comments:
        comment_codes = np.full((inputs.n_rows, n_l), -1, dtype=np.int32)
        comment_labels = sorted(set(inputs.comments.values()))
        position = {text: i for i, text in enumerate(comment_labels)}
        for (row, li), text in inputs.comments.items():
            comment_codes[row, li] = position[text]
        comments = rows(comment_codes)
    else:
        comments = np.full(n_sel * n_l, -1, dtype=np.int8)
    note_codes = sorted(NOTES)
    note_index = np.zeros(max(note_codes) + 1, dtype=np.int8)
    note_index[note_codes] = np.arange(len(note_codes))
    cat = _cat
    unique_rules = sorted(set(rules))
    rule_idx = np.array([unique_rules.index(r) for r in rules], dtype=np.int8)
    return pd.DataFrame(
        copy=False,
        data={
            "period": cat(np.repeat(period_of_row, n_l), categories=inputs.periods),
            "agency_code": cat(np.repeat(agency_of_row, n_l), categories=inputs.agencies),
            "indicator_code": cat(leaf_idx, categories=inputs.leaf_codes),
            "value": rows(inputs.value),
            "numerator": rows(inputs.numerator),
            "denominator": rows(inputs.denominator),
            "comment": cat(comments, categories=comment_labels),
            "rule": cat(rule_idx[leaf_idx], categories=unique_rules),
            "params": cat(param_codes[leaf_idx], categories=param_labels),
            "points": rows(leaf_points),
            "max_points": np.tile(plan.max_points[plan.node_of_leaf], n_sel),
            "note": cat(note_index[rows(notes)], categories=[NOTES[c] for c in note_codes]),
        },
    )


def replay(
    log: dict[str, Any],
    values: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    lineage: pd.DataFrame | None = None,
) -> ScoreResult:
    """Re-run a scoring run from its log and the same inputs, and check it reproduces the result.

    Args:
        log: ScoreResult.log of the original run (e.g. read back from JSON).
        values, groups, previous, lineage: the inputs of the original run.

    Returns:
        The recomputed result.

    Raises:
        ScoringError: the inputs differ from the logged hash, or the output differs from the logged one.
    """
    framework = framework_from_dict(log["framework"]["document"])
    if framework.content_hash() != log["framework"]["content_hash"]:
        raise ScoringError("Khung chỉ số trong nhật ký đã bị sửa", "The framework in the log was altered")
    options = {s["step"]: s for s in log.get("steps", [])}
    policy = str(options.get("compare", {}).get("lineage_policy", "mean"))
    result = score(
        framework, values, groups=groups, previous=previous, lineage=lineage, lineage_policy=policy
    )
    if result.log["input_hash"] != log["input_hash"]:
        raise ScoringError(
            "Dữ liệu đầu vào khác với lần chấm điểm đã ghi (mã băm khác)",
            "The inputs differ from the logged run (hash mismatch)",
        )
    if result.log["output_hash"] != log["output_hash"]:
        raise ScoringError(
            f"Kết quả tính lại khác kết quả đã ghi (engine {ENGINE_VERSION}, "
            f"ghi bởi {log.get('engine_version')})",
            f"The recomputed result differs from the logged one (engine {ENGINE_VERSION}, "
            f"logged by {log.get('engine_version')})",
        )
    return result
