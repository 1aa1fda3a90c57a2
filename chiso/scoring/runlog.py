"""The run log: plain JSON-able data naming the engine, the framework, the steps and the input hash.

Scoring layer, pure. Hashes are computed on the canonical dense layout, so the order of input rows
never changes them.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from chiso.errors import ScoringError
from chiso.scoring.changes import PriorTable
from chiso.scoring.inputs import Inputs

ENGINE_VERSION = "1.0.0"


def _feed(digest: Any, *parts: Any) -> None:
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(str(part.dtype).encode())
            digest.update(str(part.shape).encode())
            digest.update(np.ascontiguousarray(part).data)
        else:
            digest.update(repr(part).encode("utf-8"))
        digest.update(b"\x1f")


def input_hash(inputs: Inputs, prior: PriorTable | None, lineage: pd.DataFrame | None) -> str:
    """Return a SHA-256 of the inputs in canonical order (values, groups, comments, previous, lineage)."""
    digest = hashlib.sha256()
    _feed(
        digest,
        inputs.periods,
        inputs.agencies,
        inputs.leaf_codes,
        inputs.groups,
        inputs.group_of_agency,
        inputs.kind_of_agency,
        inputs.present,
        inputs.given,
        inputs.value,
        inputs.numerator,
        inputs.denominator,
        sorted(inputs.comments.items()),
    )
    if prior is not None:
        _feed(digest, "previous", prior.period, prior.agencies, prior.points, prior.published, prior.rank)
    if lineage is not None:
        pairs = sorted(
            zip(lineage["predecessor_code"].astype(str), lineage["successor_code"].astype(str), strict=True)
        )
        _feed(digest, "lineage", pairs)
    return digest.hexdigest()


def output_hash(table: pd.DataFrame) -> str:
    """Return a SHA-256 of what is published: every node's published points, and per agency total the
    rank, band, changes and status (the other nodes' ranks follow from their points and groups)."""
    digest = hashlib.sha256()
    for name in ("period", "agency_code", "group", "node_code"):
        column = table[name]
        _feed(digest, list(column.cat.categories.astype(str)), column.cat.codes.to_numpy())
    _feed(digest, table["published"].to_numpy(dtype=np.float64, na_value=np.nan))
    totals = table[(table["node_code"] == "TOTAL").to_numpy()]
    for name in ("band", "status"):
        _feed(digest, totals[name].astype(str).tolist())
    for name in ("rank", "points_change", "rank_change", "previous_points"):
        _feed(digest, totals[name].to_numpy(dtype=np.float64, na_value=np.nan))
    return digest.hexdigest()


def check_replayed(log: dict[str, Any], output: str, *, what_vi: str, what_en: str) -> None:
    """Check that a replay reproduced the logged output hash.

    Args:
        log: the log of the original run.
        output: the output hash of the replay.
        what_vi, what_en: what was recomputed, e.g. "Kết quả tính lại" and "The recomputed result differs
            from the logged one".

    Raises:
        ScoringError: the hashes differ; the message names this engine's version and the logged one.
    """
    if output != log["output_hash"]:
        raise ScoringError(
            f"{what_vi} khác kết quả đã ghi (engine {ENGINE_VERSION}, ghi bởi {log.get('engine_version')})",
            f"{what_en} (engine {ENGINE_VERSION}, logged by {log.get('engine_version')})",
        )
