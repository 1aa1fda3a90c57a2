"""Row checks of the values table: each leaf's accepted range, ratios, required comments; scoring layer.

Pure numpy, no I/O. Every offending row is collected with its reason (see chiso.scoring.inputs, which
lays the checked values out for the engine, and chiso.scoring.whatif, which checks changed values).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from chiso.errors import Problem
from chiso.frameworks import Node, node_max
from chiso.frameworks.rules import AssessorParams, BonusPenaltyParams

FloatArray = npt.NDArray[np.float64]
CodeArray = npt.NDArray[np.signedinteger[Any]]
BoolArray = npt.NDArray[np.bool_]

_TOL = 1e-9


class Collector:
    """Gathers the problems of a table, each located by file, row and column."""

    def __init__(self, source: str | None, first_row: int) -> None:
        self.source = source
        self.first_row = first_row
        self.problems: list[Problem] = []

    def add(
        self,
        mask: BoolArray,
        vi: str,
        en: str,
        *,
        column: str | None = None,
        detail: Callable[[int], str] | None = None,
        offset: int = 0,
    ) -> None:
        for local in np.flatnonzero(mask):
            pos = int(local) + offset
            extra = f" ({detail(int(local))})" if detail is not None else ""
            self.problems.append(
                Problem(
                    message_vi=vi + extra,
                    message_en=en + extra,
                    file=self.source,
                    row=int(pos) + self.first_row,
                    column=column,
                )
            )


class LeafLimits:
    """Per-leaf lookups for the row checks: accepted range, ratio or not, comment required or not."""

    def __init__(self, leaves: list[Node]) -> None:
        self.low = np.array([_low(leaf) for leaf in leaves] + [np.nan])
        self.high = np.array([_high(leaf) for leaf in leaves] + [np.nan])
        self.ratio = np.array([leaf.rule is not None and leaf.rule.uses_ratio for leaf in leaves] + [False])
        self.comment = np.array(
            [isinstance(leaf.rule, AssessorParams) and leaf.rule.require_comment for leaf in leaves] + [False]
        )


def check_values(
    col: Collector,
    limits: LeafLimits,
    offset: int,
    lidx: CodeArray,
    value: FloatArray,
    num: FloatArray,
    den: FloatArray,
    c_codes: CodeArray,
) -> FloatArray:
    """Check one chunk of rows' numbers against their leaf's rule; return the value each row scores.

    Unknown leaves (lidx -1) look up the sentinel entry (NaN range, not a ratio) and are skipped here.
    """
    lo, hi = limits.low[lidx], limits.high[lidx]
    is_ratio, needs_comment = limits.ratio[lidx], limits.comment[lidx]
    ok = lidx >= 0
    has_num, has_den = ~np.isnan(num), ~np.isnan(den)
    col.add(
        ok & ~is_ratio & (has_num | has_den),
        "tử số/mẫu số chỉ dùng cho chỉ tiêu tỷ lệ (ratio); hãy ghi vào cột value",
        "numerator/denominator only apply to ratio indicators; use the value column",
        offset=offset,
    )
    col.add(
        ok & is_ratio & (has_num != has_den),
        "cần cả tử số và mẫu số",
        "give both numerator and denominator",
        offset=offset,
    )
    col.add(has_num & (num < 0), "tử số âm", "negative numerator", column="numerator", offset=offset)
    col.add(has_den & (den < 0), "mẫu số âm", "negative denominator", column="denominator", offset=offset)
    both = ok & is_ratio & has_num & has_den & (num >= 0) & (den > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        computed = np.where(both, num / np.where(both, den, 1.0), np.nan)
    above = both & (computed > hi + _TOL) & (hi <= 1.0 + _TOL)
    col.add(
        above,
        "tử số lớn hơn mẫu số",
        "numerator above denominator",
        column="numerator",
        detail=lambda i: f"{num[i]:g} > {den[i]:g}",
        offset=offset,
    )
    col.add(
        both & ~np.isnan(value) & (np.abs(value - computed) > 1e-9),
        "value khác tử số / mẫu số",
        "value differs from numerator / denominator",
        column="value",
        offset=offset,
    )
    effective = np.where(both, computed, value)
    check = ok & ~np.isnan(effective) & ~above
    outside = check & ((effective < lo - _TOL) | (effective > hi + _TOL))

    def detail(i: int) -> str:
        return f"{effective[i]:g} ∉ [{lo[i]:g}, {hi[i]:g}]"

    col.add(
        outside,
        "giá trị ngoài khoảng cho phép của quy tắc",
        "value outside the rule's range",
        column="value",
        detail=detail,
        offset=offset,
    )
    col.add(
        ok & needs_comment & ~np.isnan(value) & (c_codes < 0),
        "điểm thẩm định cần có nhận xét (cột comment)",
        "an assessor's points need a comment (comment column)",
        column="comment",
        offset=offset,
    )
    return effective


def _low(leaf: Node) -> float:
    rule = leaf.rule
    if isinstance(rule, BonusPenaltyParams):
        return rule.min_points
    if isinstance(rule, AssessorParams):
        return 0.0
    if rule is None or rule.value_min is None:
        return -np.inf
    return rule.value_min


def _high(leaf: Node) -> float:
    rule = leaf.rule
    if isinstance(rule, BonusPenaltyParams | AssessorParams):
        return node_max(leaf)
    if rule is None or rule.value_max is None:
        return np.inf
    return rule.value_max
