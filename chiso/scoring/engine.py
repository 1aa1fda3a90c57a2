"""score(): from a framework and a long table of values to points, ranks, bands and changes; scoring layer.

Pure and vectorised: no I/O, no clock, no imports from web, store or assessment. The pipeline is a
fixed, ordered list of named steps (validate, score_leaves, aggregate, publish, rank, band, compare,
summarise) whose options are recorded in the run log; `replay` re-runs a log and checks the result.
The dense steps live in chiso.scoring.pipeline; this module builds the tables and the log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Unpack

import numpy as np
import pandas as pd

from chiso.errors import ScoringError
from chiso.frameworks import TOTAL, Framework, framework_from_dict
from chiso.scoring import changes as ch
from chiso.scoring.inputs import Inputs
from chiso.scoring.pipeline import Run, RunOptions, Scored, run_pipeline
from chiso.scoring.publish import band_index, round_half_up
from chiso.scoring.result import ScoreResult, build_band_counts, build_movers, build_summary
from chiso.scoring.runlog import ENGINE_VERSION, check_replayed, input_hash, output_hash
from chiso.scoring.tree import NOTES


def _cat(codes: Any, categories: Any) -> pd.Categorical:
    """Build a categorical column from integer codes (-1 = missing) and its labels."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(categories)), validate=False)


def score(framework: Framework, values: pd.DataFrame, **options: Unpack[RunOptions]) -> ScoreResult:
    """Score every agency and period in `values` against `framework`.

    The keyword options, all optional, are those of `run_pipeline` (`RunOptions`), with its defaults.

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
    return result_of_run(run_pipeline(framework, values, **options), rows=len(values))


def result_of_run(run: Run, *, rows: int) -> ScoreResult:
    """Build the tables and the log of a run of `run_pipeline` (what `score` returns).

    Callers that also need the run itself (rank intervals, what-if) score once and build both.

    Args:
        run: the pipeline's run.
        rows: the number of rows of the values table (for the log).
    """
    framework = run.framework
    plan, inputs, scored = run.plan, run.inputs, run.scored
    table = _build_table(framework, plan, inputs, scored)
    explanations = _build_explanations(framework, plan, inputs, scored.leaf_points, scored.notes)
    totals = table[table["node_code"] == TOTAL]
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
        log=_build_log(run, rows=rows, table=table),
        warnings=_warnings(inputs),
    )


def _warnings(inputs: Inputs) -> list[str]:
    """Return what is worth a look but did not stop the run (grouped agencies without values)."""
    if not inputs.unscored_agencies:
        return []
    shown = ", ".join(inputs.unscored_agencies[:20])
    more = "" if len(inputs.unscored_agencies) <= 20 else f" (+{len(inputs.unscored_agencies) - 20})"
    return [
        f"{len(inputs.unscored_agencies)} cơ quan trong bảng nhóm không có giá trị nào / "
        f"agencies in the groups table without any value: {shown}{more}"
    ]


def _build_log(run: Run, *, rows: int, table: pd.DataFrame) -> dict[str, Any]:
    """Return the run log: engine, framework document, input hash, steps with options, output hash."""
    framework, inputs, prior, lineage_df = run.framework, run.inputs, run.prior, run.lineage
    return {
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
            "rows": rows,
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
            {"step": "compare", "method": "lineage", "lineage_policy": run.lineage_policy},
            {"step": "summarise", "method": "group_summary"},
        ],
        "output_hash": output_hash(table),
    }


_Matrix = np.ndarray[Any, Any]


def _present_rows(inputs: Inputs) -> tuple[_Matrix, Callable[[_Matrix], _Matrix]]:
    """Return the indexes of the present rows and a function flattening a matrix's present rows row-major.

    The flattened rows are a view when every row is present.
    """
    sel = np.flatnonzero(inputs.present)
    if bool(inputs.present.all()):
        return sel, lambda matrix: matrix.ravel()
    return sel, lambda matrix: matrix[sel].ravel()


def _build_table(framework: Framework, plan: Any, inputs: Any, scored: Scored) -> pd.DataFrame:
    n_a, n_k = len(inputs.agencies), len(plan.codes)
    sel, rows = _present_rows(inputs)
    n_sel = sel.size
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
    sel, rows = _present_rows(inputs)
    n_sel = sel.size
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
    check_replayed(
        log,
        result.log["output_hash"],
        what_vi="Kết quả tính lại",
        what_en="The recomputed result differs from the logged one",
    )
    return result
