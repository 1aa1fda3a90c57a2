"""Check the input tables row by row and lay the values out as dense (agency x period) x leaf arrays.

Scoring layer: pure pandas/numpy, no I/O. Every offending row is reported with its reason; no row is
ever dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chiso.errors import Problem, ScoringError
from chiso.frameworks import Framework, Node
from chiso.scoring.checks import Collector, LeafLimits, check_values

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.signedinteger[Any]]
BoolArray = npt.NDArray[np.bool_]

ALL_GROUP = "ALL"
# Rows checked and scattered per pass: small temporaries are reused by the allocator instead of
# page-faulting fresh memory on every pass over millions of rows.
_CHUNK = 1 << 19


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


def require_columns(
    table: pd.DataFrame,
    columns: Sequence[str],
    *,
    name_vi: str,
    name_en: str,
    also_missing: Sequence[str] = (),
) -> None:
    """Check that an input table has the columns a step reads.

    Args:
        table: the input table.
        columns: the columns it must have.
        name_vi, name_en: the table's name, e.g. "Bảng nhóm" and "The groups table".
        also_missing: columns the caller found missing by a rule of its own (one of two alternatives).

    Raises:
        ScoringError: listing the missing columns.
    """
    missing = [c for c in columns if c not in table.columns] + list(also_missing)
    if missing:
        raise ScoringError(
            f"{name_vi} thiếu cột: {', '.join(missing)}",
            f"{name_en} lacks columns: {', '.join(missing)}",
        )


def _prepare_groups(groups: pd.DataFrame | None) -> pd.DataFrame | None:
    if groups is None:
        return None
    require_columns(groups, ("agency_code", "group"), name_vi="Bảng nhóm", name_en="The groups table")
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
    _require_columns(values)
    groups_df = _prepare_groups(groups)
    col = Collector(source, first_row)
    codes = _read_codes(framework, values, groups_df, col)
    numbers = _read_numbers(values, col)
    dense = _scatter(framework, codes, numbers, col)
    kinds = _check_kinds(framework, codes, groups_df, col)
    if col.problems:
        raise ScoringError(
            f"Có {len(col.problems)} lỗi trong bảng giá trị; "
            "không dòng nào được bỏ qua, hãy sửa rồi chạy lại",
            f"{len(col.problems)} problems in the values table; no row was skipped, fix them and run again",
            col.problems,
        )
    agencies = codes.a_labels
    group_labels, group_of_agency, unscored = _group_layout(groups_df, agencies)
    return Inputs(
        periods=codes.p_labels,
        agencies=agencies,
        leaf_codes=codes.leaf_codes,
        groups=group_labels,
        group_of_agency=group_of_agency,
        kind_of_agency=[kinds.get(a) for a in agencies],
        present=dense.present,
        value=dense.value,
        numerator=dense.numerator,
        denominator=dense.denominator,
        given=dense.given,
        comments=_collect_comments(codes, numbers),
        unscored_agencies=unscored,
    )


def _require_columns(values: pd.DataFrame) -> None:
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


@dataclass
class _Codes:
    """The code columns of the values as integers: agency, period, indicator and the leaf of each row."""

    a_codes: CodeArray
    a_labels: list[str]
    p_codes: CodeArray
    p_labels: list[str]
    i_codes: CodeArray
    i_labels: list[str]
    leaf_codes: list[str]
    lidx: CodeArray  # per row, the leaf index (-1: unknown or missing)


def _read_codes(
    framework: Framework, values: pd.DataFrame, groups_df: pd.DataFrame | None, col: Collector
) -> _Codes:
    """Factorise the code columns; report missing codes, aggregate or unknown indicators and agencies."""
    a_codes, a_labels = factor_codes(values["agency_code"])
    p_codes, p_labels = factor_codes(values["period"])
    i_codes, i_labels = factor_codes(values["indicator_code"], sort=False)
    col.add(a_codes < 0, "thiếu mã cơ quan", "missing agency code", column="agency_code")
    col.add(p_codes < 0, "thiếu kỳ đánh giá", "missing period", column="period")
    col.add(i_codes < 0, "thiếu mã chỉ tiêu", "missing indicator code", column="indicator_code")

    leaf_codes = [leaf.code for leaf in framework.leaves()]
    leaf_of_label = pd.Index(leaf_codes).get_indexer(pd.Index(i_labels)).astype(np.int64)
    lidx = np.append(leaf_of_label, -1).astype(np.int32)[i_codes]
    internal = {node.code for node, _ in framework.walk() if not node.is_leaf}
    label_internal = np.array([label in internal for label in i_labels], dtype=bool)
    unknown = (lidx < 0) & (i_codes >= 0)
    not_leaf = unknown & np.append(label_internal, False)[i_codes]

    def indicator_text(i: int) -> str:
        return str(i_labels[int(i_codes[i])])

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
        col.add(
            (a_codes >= 0) & ~label_known[a_codes],
            "cơ quan không có trong bảng nhóm",
            "agency not in the groups table",
            column="agency_code",
            detail=lambda i: str(a_labels[int(a_codes[i])]),
        )
    return _Codes(a_codes, a_labels, p_codes, p_labels, i_codes, i_labels, leaf_codes, lidx)


@dataclass
class _Numbers:
    """The number columns (NaN where blank) and the comment codes of the values table."""

    value: FloatArray
    numerator: FloatArray
    denominator: FloatArray
    c_codes: CodeArray
    c_labels: list[str]


def _read_numbers(values: pd.DataFrame, col: Collector) -> _Numbers:
    """Read value, numerator and denominator as floats (reporting text) and the comments as codes."""
    n = len(values)
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
    if "comment" in values.columns:
        c_codes, c_labels = factor_codes(values["comment"], sort=False)
    else:
        c_codes, c_labels = np.full(n, -1, dtype=np.int8), []
    return _Numbers(cols["value"], cols["numerator"], cols["denominator"], c_codes, c_labels)


@dataclass
class _Dense:
    """The checked values laid out as (period x agency) x leaf."""

    value: FloatArray
    numerator: FloatArray
    denominator: FloatArray
    given: BoolArray
    present: BoolArray


def _scatter(framework: Framework, codes: _Codes, numbers: _Numbers, col: Collector) -> _Dense:
    """Check each row's numbers against its leaf's rule and scatter them into the dense layout.

    Rows are checked and scattered in chunks (see _CHUNK); a cell written twice names the duplicates.
    """
    n = codes.lidx.size
    n_a, n_p, n_l = len(codes.a_labels), len(codes.p_labels), len(codes.leaf_codes)
    shape = (n_p * n_a, n_l)
    dense = _Dense(
        np.full(shape, np.nan),
        np.full(shape, np.nan),
        np.full(shape, np.nan),
        np.zeros(shape, dtype=bool),
        np.zeros(n_p * n_a, dtype=bool),
    )
    limits = LeafLimits(framework.leaves())
    lidx, a_codes, p_codes = codes.lidx, codes.a_codes, codes.p_codes
    value, num, den = numbers.value, numbers.numerator, numbers.denominator
    scattered = 0
    for start in range(0, n, _CHUNK):
        part = slice(start, min(n, start + _CHUNK))
        effective = check_values(
            col, limits, start, lidx[part], value[part], num[part], den[part], numbers.c_codes[part]
        )
        fine = (lidx[part] >= 0) & (a_codes[part] >= 0) & (p_codes[part] >= 0)
        rows = p_codes[part][fine].astype(np.int64) * n_a + a_codes[part][fine]
        cols_l = lidx[part][fine]
        dense.value[rows, cols_l] = effective[fine]
        dense.numerator[rows, cols_l] = num[part][fine]
        dense.denominator[rows, cols_l] = den[part][fine]
        dense.given[rows, cols_l] = True
        dense.present[rows] = True
        scattered += int(fine.sum())
    if int(dense.given.sum()) != scattered:  # some cell was written twice: find and name the duplicates
        i_codes = codes.i_codes
        complete = (a_codes >= 0) & (p_codes >= 0) & (i_codes >= 0)
        composite = (a_codes.astype(np.int64) * max(1, n_p) + p_codes) * max(1, len(codes.i_labels)) + i_codes
        keyed = pd.Series(np.where(complete, composite, -1 - np.arange(n)))
        col.add(
            keyed.duplicated(keep=False).to_numpy() & complete,
            "trùng cơ quan, kỳ và chỉ tiêu với một dòng khác",
            "duplicate of another row with the same agency, period and indicator",
        )
    return dense


def _check_kinds(
    framework: Framework, codes: _Codes, groups_df: pd.DataFrame | None, col: Collector
) -> dict[str, str | None]:
    """Report values for criteria that do not apply to the agency's kind; return each agency's kind."""
    kinds: dict[str, str | None] = {}
    if groups_df is None or not groups_df["kind"].notna().any():
        return kinds
    kinds = {
        str(a): (None if pd.isna(k) else str(k))
        for a, k in zip(groups_df["agency_code"], groups_df["kind"], strict=True)
    }
    applies = _applies(framework)
    leaf_kinds = [applies[c] for c in codes.leaf_codes]
    a_codes, lidx = codes.a_codes, codes.lidx
    label_kind = np.array([kinds.get(a) for a in codes.a_labels] + [None], dtype=object)
    row_kind = label_kind[a_codes]
    ok = lidx >= 0
    bad_kind = np.zeros(lidx.size, dtype=bool)
    for li, allowed in enumerate(leaf_kinds):
        if allowed:
            sel = ok & (lidx == li)
            bad_kind |= sel & ~np.isin(row_kind, list(allowed)) & pd.notna(row_kind)
    col.add(
        bad_kind,
        "tiêu chí không áp dụng cho loại cơ quan này",
        "criterion does not apply to this agency's kind",
        column="indicator_code",
        detail=lambda i: f"{codes.a_labels[int(a_codes[i])]}: {row_kind[i]}",
    )
    return kinds


def _collect_comments(codes: _Codes, numbers: _Numbers) -> dict[tuple[int, int], str]:
    """Return the comments by (dense row, leaf)."""
    comments: dict[tuple[int, int], str] = {}
    has_comment = numbers.c_codes >= 0
    if has_comment.any():
        rows = codes.p_codes.astype(np.int64) * len(codes.a_labels) + codes.a_codes
        for r, li, code in zip(
            rows[has_comment], codes.lidx[has_comment], numbers.c_codes[has_comment], strict=True
        ):
            comments[(int(r), int(li))] = numbers.c_labels[code]
    return comments


def _group_layout(
    groups_df: pd.DataFrame | None, agencies: list[str]
) -> tuple[list[str], IntArray, list[str]]:
    """Return the group labels, each agency's group index and the grouped agencies without values."""
    if groups_df is None:
        return [ALL_GROUP], np.zeros(len(agencies), dtype=np.int64), []
    gcodes, glabels = pd.factorize(groups_df["group"], sort=True)
    lookup = pd.Series(gcodes, index=pd.Index(groups_df["agency_code"]))
    group_of_agency = lookup.reindex(agencies).to_numpy(dtype=np.int64)
    unscored = sorted(pd.Index(groups_df["agency_code"].astype(str)).difference(pd.Index(agencies)))
    return [str(g) for g in glabels], group_of_agency, unscored
