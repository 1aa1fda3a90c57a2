"""Check the input tables row by row and lay the values out as dense (agency x period) x leaf arrays.

Scoring layer: pure pandas/numpy, no I/O. Every offending row is reported with its reason; no row is
ever dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chiso.errors import Problem, ScoringError
from chiso.frameworks import Framework, Node, node_max
from chiso.frameworks.rules import AssessorParams, BonusPenaltyParams

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.signedinteger[Any]]
BoolArray = npt.NDArray[np.bool_]

ALL_GROUP = "ALL"
_TOL = 1e-9


@dataclass
class Inputs:
    """The values as dense arrays; row r = period_index x n_agencies + agency_index."""

    periods: list[str]
    agencies: list[str]
    leaf_codes: list[str]
    groups: list[str]
    group_of_agency: IntArray
    kind_of_agency: list[str | None]
    present: BoolArray  # (R,) the agency has at least one row in that period
    value: FloatArray  # (R, L) the value, or numerator / denominator for ratio leaves
    numerator: FloatArray  # (R, L)
    denominator: FloatArray  # (R, L)
    given: BoolArray  # (R, L) a row exists for this agency, period and leaf
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    unscored_agencies: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.periods) * len(self.agencies)

    def rows_of(self, agency_index: IntArray) -> IntArray:
        """Return the rows of these agencies in every period, in the layout of `subset(agency_index)`."""
        n_a = len(self.agencies)
        periods = np.arange(len(self.periods), dtype=np.int64)[:, None] * n_a
        return (periods + agency_index[None, :]).ravel()

    def subset(self, agency_index: IntArray) -> Inputs:
        """Return the inputs of some agencies (sorted indices), their groups renumbered from 0.

        Scoring a subset that holds whole peer groups gives those agencies the same results as scoring
        everything: ranks, normalisation and group fills never look outside a group.
        """
        rows = self.rows_of(agency_index)
        group_codes, local_group = np.unique(self.group_of_agency[agency_index], return_inverse=True)
        comments = {}
        if self.comments:
            position = np.full(self.n_rows, -1, dtype=np.int64)
            position[rows] = np.arange(rows.size)
            for (row, leaf), text in self.comments.items():
                if position[row] >= 0:
                    comments[(int(position[row]), leaf)] = text
        return Inputs(
            periods=self.periods,
            agencies=[self.agencies[i] for i in agency_index],
            leaf_codes=self.leaf_codes,
            groups=[self.groups[g] for g in group_codes],
            group_of_agency=local_group.astype(np.int64),
            kind_of_agency=[self.kind_of_agency[i] for i in agency_index],
            present=self.present[rows],
            value=self.value[rows],
            numerator=self.numerator[rows],
            denominator=self.denominator[rows],
            given=self.given[rows],
            comments=comments,
        )


def factor_codes(series: pd.Series, *, sort: bool = True) -> tuple[CodeArray, list[str]]:
    """Return integer codes (-1 for missing or blank) and the stripped text labels of a code column.

    Works on the distinct values only, so it stays fast on millions of rows (object, str or categorical).
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()  # int8/16/32: kept small, no copy
        uniques = series.cat.categories
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Index(uniques).astype(str).str.strip()
    text = text.where(text != "", None)
    lab_codes, labels = pd.factorize(pd.Series(text, dtype=object), use_na_sentinel=True)
    names = [str(x) for x in labels]
    remap = lab_codes.astype(np.int64)
    if sort and names:
        order = np.argsort(np.array(names, dtype=object), kind="stable")
        position = np.empty(len(names), dtype=np.int64)
        position[order] = np.arange(len(names))
        remap = np.where(remap >= 0, position[np.maximum(remap, 0)], -1)
        names = [names[i] for i in order]
    # One gather over the rows: code -1 (missing) reads the appended -1. Codes stay int32.
    table = np.append(remap, -1).astype(np.int32)
    return table[codes], names


def _codes(series: pd.Series) -> pd.Series:
    """Return codes as stripped strings; empty and missing become NA (for small tables)."""
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def _numbers(series: pd.Series) -> tuple[FloatArray, BoolArray]:
    """Return floats and a mask of cells holding text that is not a number."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), np.zeros(len(series), dtype=bool)
    text = series.astype("string").str.strip()
    blank = text.isna() | (text == "")
    numbers = pd.to_numeric(text.mask(blank), errors="coerce")
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    return values, (~blank.to_numpy(dtype=bool)) & np.isnan(values)


class _Collector:
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


def _applies(framework: Framework) -> dict[str, tuple[str, ...]]:
    """Return for each leaf the agency kinds it applies to (empty: all), combining its ancestors'."""
    out: dict[str, tuple[str, ...]] = {}

    def visit(node: Node, kinds: tuple[str, ...] | None) -> None:
        here = kinds
        if node.agency_kinds:
            here = tuple(k for k in node.agency_kinds if kinds is None or k in kinds)
        if node.is_leaf:
            out[node.code] = () if here is None else (here or ("<none>",))
        for child in node.children:
            visit(child, here)

    for top in framework.nodes:
        visit(top, None)
    return out


def _prepare_groups(groups: pd.DataFrame | None) -> pd.DataFrame | None:
    if groups is None:
        return None
    missing = [c for c in ("agency_code", "group") if c not in groups.columns]
    if missing:
        raise ScoringError(
            f"Bảng nhóm thiếu cột: {', '.join(missing)}",
            f"The groups table lacks columns: {', '.join(missing)}",
        )
    out = pd.DataFrame({"agency_code": _codes(groups["agency_code"]), "group": _codes(groups["group"])})
    out["kind"] = _codes(groups["kind"]) if "kind" in groups.columns else pd.NA
    problems = []
    for pos in np.flatnonzero(out["agency_code"].isna().to_numpy() | out["group"].isna().to_numpy()):
        problems.append(
            Problem(
                "thiếu mã cơ quan hoặc nhóm", "missing agency code or group", row=int(pos) + 1, field="groups"
            )
        )
    dup = out["agency_code"].duplicated(keep=False).to_numpy() & out["agency_code"].notna().to_numpy()
    for pos in np.flatnonzero(dup):
        code = out["agency_code"].iloc[pos]
        problems.append(
            Problem(
                f"cơ quan {code} có mặt nhiều lần trong bảng nhóm",
                f"agency {code} appears more than once in the groups table",
                row=int(pos) + 1,
                field="groups",
            )
        )
    if problems:
        raise ScoringError(
            f"Bảng nhóm có {len(problems)} dòng lỗi",
            f"The groups table has {len(problems)} bad rows",
            problems,
        )
    return out


def prepare_inputs(
    framework: Framework,
    values: pd.DataFrame,
    *,
    groups: pd.DataFrame | None,
    source: str | None = None,
    first_row: int = 1,
) -> Inputs:
    """Check every row of `values` (and `groups`) and return the dense layout the engine scores.

    Args:
        framework: the framework whose leaves the values feed.
        values: columns agency_code, period, indicator_code, value (optional numerator, denominator, comment).
        groups: columns agency_code, group (optional kind); None puts every agency in one group ALL.
        source: file name to put in the problems.
        first_row: the number of the first data row in problems (2 for a CSV with a header line).

    Raises:
        ScoringError: listing every offending row and why (unknown agency or leaf, duplicate, text,
            out of range, numerator above denominator, assessor score without comment, ...).
    """
    required = ["agency_code", "period", "indicator_code"]
    missing_cols = [c for c in required if c not in values.columns]
    if "value" not in values.columns and not {"numerator", "denominator"} <= set(values.columns):
        missing_cols.append("value")
    if missing_cols:
        raise ScoringError(
            f"Bảng giá trị thiếu cột: {', '.join(missing_cols)} "
            "(cần agency_code, period, indicator_code, value)",
            f"The values table lacks columns: {', '.join(missing_cols)} "
            "(needs agency_code, period, indicator_code, value)",
        )
    groups_df = _prepare_groups(groups)
    n = len(values)
    col = _Collector(source, first_row)
    a_codes, a_labels = factor_codes(values["agency_code"])
    p_codes, p_labels = factor_codes(values["period"])
    i_codes, i_labels = factor_codes(values["indicator_code"], sort=False)
    col.add(a_codes < 0, "thiếu mã cơ quan", "missing agency code", column="agency_code")
    col.add(p_codes < 0, "thiếu kỳ đánh giá", "missing period", column="period")
    col.add(i_codes < 0, "thiếu mã chỉ tiêu", "missing indicator code", column="indicator_code")

    leaves = framework.leaves()
    leaf_codes = [leaf.code for leaf in leaves]
    leaf_of_label = pd.Index(leaf_codes).get_indexer(pd.Index(i_labels)).astype(np.int64)
    lidx = np.append(leaf_of_label, -1).astype(np.int32)[i_codes]
    internal = {node.code for node, _ in framework.walk() if not node.is_leaf}
    label_internal = np.array([label in internal for label in i_labels], dtype=bool)
    unknown = (lidx < 0) & (i_codes >= 0)
    not_leaf = unknown & np.append(label_internal, False)[i_codes]

    def indicator_text(i: int) -> str:
        return str(i_labels[int(i_codes[i])])

    def agency_text(i: int) -> str:
        return str(a_labels[int(a_codes[i])])

    col.add(
        not_leaf,
        "chỉ tiêu này là nút tổng hợp, chỉ nhập giá trị cho tiêu chí lá",
        "this code is an aggregate node; give values for leaf criteria only",
        column="indicator_code",
        detail=indicator_text,
    )
    col.add(
        unknown & ~not_leaf,
        f"chỉ tiêu không có trong khung {framework.id}",
        f"indicator not in framework {framework.id}",
        column="indicator_code",
        detail=indicator_text,
    )

    if groups_df is not None:
        known = pd.Index(groups_df["agency_code"])
        label_known = np.append(known.get_indexer(pd.Index(a_labels)) >= 0, True)
        unknown_agency = (a_codes >= 0) & ~label_known[a_codes]
        col.add(
            unknown_agency,
            "cơ quan không có trong bảng nhóm",
            "agency not in the groups table",
            column="agency_code",
            detail=agency_text,
        )

    cols = {}
    for name in ("value", "numerator", "denominator"):
        if name in values.columns:
            nums, text = _numbers(values[name])
            col.add(
                text,
                "không phải là số (tỷ lệ ghi từ 0 đến 1, dấu chấm thập phân)",
                "not a number (rates on 0-1, decimal point)",
                column=name,
            )
            cols[name] = nums
        else:
            cols[name] = np.full(n, np.nan)
    value, num, den = cols["value"], cols["numerator"], cols["denominator"]
    if "comment" in values.columns:
        c_codes, c_labels = factor_codes(values["comment"], sort=False)
    else:
        c_codes, c_labels = np.full(n, -1, dtype=np.int8), []

    agencies = a_labels
    periods = p_labels
    n_a, n_p, n_l = len(agencies), len(periods), len(leaf_codes)
    shape = (n_p * n_a, n_l)
    dense_value = np.full(shape, np.nan)
    dense_num = np.full(shape, np.nan)
    dense_den = np.full(shape, np.nan)
    given = np.zeros(shape, dtype=bool)
    present = np.zeros(n_p * n_a, dtype=bool)
    limits = _LeafLimits(leaves)
    scattered = 0
    # Row checks and the scatter into the dense layout run in chunks: small temporaries are reused by
    # the allocator instead of page-faulting fresh memory on every pass over millions of rows.
    for start in range(0, n, _CHUNK):
        part = slice(start, min(n, start + _CHUNK))
        effective = _check_values(
            col, limits, start, lidx[part], value[part], num[part], den[part], c_codes[part]
        )
        fine = (lidx[part] >= 0) & (a_codes[part] >= 0) & (p_codes[part] >= 0)
        rows = p_codes[part][fine].astype(np.int64) * n_a + a_codes[part][fine]
        cols_l = lidx[part][fine]
        dense_value[rows, cols_l] = effective[fine]
        dense_num[rows, cols_l] = num[part][fine]
        dense_den[rows, cols_l] = den[part][fine]
        given[rows, cols_l] = True
        present[rows] = True
        scattered += int(fine.sum())
    ok = lidx >= 0
    if int(given.sum()) != scattered:  # some cell was written twice: find and name the duplicates
        complete = (a_codes >= 0) & (p_codes >= 0) & (i_codes >= 0)
        composite = (a_codes.astype(np.int64) * max(1, n_p) + p_codes) * max(1, len(i_labels)) + i_codes
        keyed = pd.Series(np.where(complete, composite, -1 - np.arange(n)))
        col.add(
            keyed.duplicated(keep=False).to_numpy() & complete,
            "trùng cơ quan, kỳ và chỉ tiêu với một dòng khác",
            "duplicate of another row with the same agency, period and indicator",
        )

    # Kinds: a value for a criterion that does not apply to the agency's kind.
    kinds: dict[str, str | None] = {}
    if groups_df is not None and groups_df["kind"].notna().any():
        kinds = {
            str(a): (None if pd.isna(k) else str(k))
            for a, k in zip(groups_df["agency_code"], groups_df["kind"], strict=True)
        }
        applies = _applies(framework)
        leaf_kinds = [applies[c] for c in leaf_codes]
        label_kind = np.array([kinds.get(a) for a in a_labels] + [None], dtype=object)
        row_kind = label_kind[a_codes]
        bad_kind = np.zeros(n, dtype=bool)
        for li, allowed in enumerate(leaf_kinds):
            if allowed:
                sel = ok & (lidx == li)
                bad_kind |= sel & ~np.isin(row_kind, list(allowed)) & pd.notna(row_kind)
        col.add(
            bad_kind,
            "tiêu chí không áp dụng cho loại cơ quan này",
            "criterion does not apply to this agency's kind",
            column="indicator_code",
            detail=lambda i: f"{agency_text(i)}: {row_kind[i]}",
        )

    if col.problems:
        raise ScoringError(
            f"Có {len(col.problems)} lỗi trong bảng giá trị; "
            "không dòng nào được bỏ qua, hãy sửa rồi chạy lại",
            f"{len(col.problems)} problems in the values table; no row was skipped, fix them and run again",
            col.problems,
        )

    comments: dict[tuple[int, int], str] = {}
    has_comment = c_codes >= 0
    if has_comment.any():
        rows = p_codes.astype(np.int64) * n_a + a_codes
        for r, li, code in zip(rows[has_comment], lidx[has_comment], c_codes[has_comment], strict=True):
            comments[(int(r), int(li))] = c_labels[code]

    if groups_df is None:
        group_labels = [ALL_GROUP]
        group_of_agency = np.zeros(n_a, dtype=np.int64)
        unscored: list[str] = []
    else:
        gcodes, glabels = pd.factorize(groups_df["group"], sort=True)
        group_labels = [str(g) for g in glabels]
        lookup = pd.Series(gcodes, index=pd.Index(groups_df["agency_code"]))
        group_of_agency = lookup.reindex(agencies).to_numpy(dtype=np.int64)
        unscored = sorted(pd.Index(groups_df["agency_code"].astype(str)).difference(pd.Index(agencies)))
    return Inputs(
        periods=periods,
        agencies=agencies,
        leaf_codes=leaf_codes,
        groups=group_labels,
        group_of_agency=group_of_agency,
        kind_of_agency=[kinds.get(a) for a in agencies],
        present=present,
        value=dense_value,
        numerator=dense_num,
        denominator=dense_den,
        given=given,
        comments=comments,
        unscored_agencies=unscored,
    )


_CHUNK = 1 << 19


class _LeafLimits:
    """Per-leaf lookups for the row checks: accepted range, ratio or not, comment required or not."""

    def __init__(self, leaves: list[Node]) -> None:
        self.low = np.array([_low(leaf) for leaf in leaves] + [np.nan])
        self.high = np.array([_high(leaf) for leaf in leaves] + [np.nan])
        self.ratio = np.array([leaf.rule is not None and leaf.rule.uses_ratio for leaf in leaves] + [False])
        self.comment = np.array(
            [isinstance(leaf.rule, AssessorParams) and leaf.rule.require_comment for leaf in leaves] + [False]
        )


def _check_values(
    col: _Collector,
    limits: _LeafLimits,
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
