"""The rank intervals of a period's scoring run, in the shape a publication stores them.

Flows layer: composes chiso.scoring.uncertainty (the Monte Carlo engine), chiso.frameworks (the
framework's uncertainty spec) and chiso.assessment.publication (IntervalRecord). Kept apart from
chiso.flows.robustness so the publication flow (chiso.flows.scoring) can call it without a cycle.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from chiso.assessment.published_intervals import IntervalRecord
from chiso.errors import ChisoError
from chiso.frameworks import UncertaintySpec, load_uncertainty
from chiso.frameworks.schema import Framework
from chiso.scoring import Run
from chiso.scoring.uncertainty import RankIntervals, compute_rank_intervals


def period_spec(framework: Framework, framework_id: str) -> UncertaintySpec:
    """Return the uncertainty spec of a period's framework: the file beside it, else the default.

    Raises:
        InvalidInput: the spec beside the framework does not fit it (every problem listed).
    """
    return load_uncertainty(framework, framework_source=framework_id)


def compute_intervals(
    run: Run,
    *,
    framework_id: str,
    spec: UncertaintySpec | None = None,
    replications: int | None = None,
    seed: int | None = None,
) -> RankIntervals:
    """Give every agency of the run's (latest) period its rank interval under the framework's spec."""
    spec = spec or period_spec(run.framework, framework_id)
    return compute_rank_intervals(run, spec, replications=replications, seed=seed)


def interval_record(intervals: RankIntervals) -> IntervalRecord:
    """Turn a Monte Carlo result into the rows and log a publication stores."""
    probabilities: dict[str, dict[str, float]] = {}
    for b in _records(intervals.bands):
        probabilities.setdefault(str(b["agency_code"]), {})[str(b["band"])] = round(
            float(b["probability"]), 6
        )
    rows = [
        {
            "agency_code": str(r["agency_code"]),
            "group": str(r["group"]),
            "group_size": int(r["group_size"]),
            "rank": int(r["rank"]) if r["rank"] else None,
            "rank_low": int(r["rank_low"]),
            "rank_high": int(r["rank_high"]),
            "rank_median": int(r["median_rank"]),
            "mean_rank": None if math.isnan(r["mean_rank"]) else round(float(r["mean_rank"]), 4),
            "firm": bool(r["firm"]),
            "band_probabilities": probabilities.get(str(r["agency_code"]), {}),
        }
        for r in _records(intervals.table)
    ]
    return IntervalRecord(rows=rows, log=_plain(intervals.log))


def record_for_run(run: Run, *, framework_id: str) -> IntervalRecord:
    """Compute the intervals a ranking is published with; when the framework cannot be analysed
    (a spec that does not fit it, a rule the engine cannot vary), say why instead of failing the
    publication: the ranking then shows that it carries no intervals and the reason."""
    try:
        return interval_record(compute_intervals(run, framework_id=framework_id))
    except ChisoError as exc:
        vi = "; ".join([exc.message_vi, *(p.message_vi for p in exc.problems)])
        en = "; ".join([exc.message_en, *(p.message_en for p in exc.problems)])
        return IntervalRecord(rows=[], log={"error": {"vi": vi, "en": en}})


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    """JSON-safe copy of a log (numpy scalars to Python)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value
