"""Roll counts up the agency tree: a parent's counts are the sums over its subtree; compute layer.

`ancestry` lists every (ancestor, agency) pair of the parent links and refuses a cycle;
`roll_up_cube` adds every agency's counts to each of its ancestors. Pure numpy and pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.compute.counts import CountCube


def _parent_map(agencies: pd.DataFrame) -> dict[str, str]:
    parents: dict[str, str] = {}
    for code, parent in zip(agencies["agency_code"].astype(str), agencies["parent_code"], strict=True):
        if isinstance(parent, str) and parent.strip() and parent.strip() != code:
            parents[code] = parent.strip()
    return parents


def ancestry(agencies: pd.DataFrame) -> pd.DataFrame:
    """Return (ancestor_code, agency_code) for every agency and each of its ancestors, itself included.

    Raises:
        InvalidInput: the parent links form a cycle.
    """
    parents = _parent_map(agencies)
    codes = set(agencies["agency_code"].astype(str)) | set(parents.values())
    rows: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for code in sorted(codes):
        seen = {code}
        rows.append((code, code))
        node = code
        while node in parents:
            node = parents[node]
            if node in seen:
                problems.append(
                    Problem(
                        f"Vòng lặp cấp trên qua {node}",
                        f"Parent cycle through {node}",
                        column="parent_code",
                        field=code,
                    )  # fmt: skip
                )
                break
            seen.add(node)
            rows.append((node, code))
    if problems:
        raise InvalidInput("Quan hệ cấp trên bị vòng lặp", "Parent links form a cycle", problems)
    return pd.DataFrame(rows, columns=["ancestor_code", "agency_code"])


def roll_up_cube(
    cube: CountCube, agencies: pd.DataFrame, *, metric_codes: Sequence[str] | None = None
) -> CountCube:
    """Return the cube where every agency's counts are the sums over its subtree (itself included).

    A parent's numerator and denominator are the sums of its children's (and its own records, if
    any); values are computed from the sums afterwards. Agencies unknown to ``agencies`` keep theirs.
    Only ``metric_codes`` are summed when given; the other metrics keep each agency's own counts
    (procedure counts already distinct over the subtree, province-wide figures).
    Linear in the (agency, ancestor) pairs: 50,000 agencies take about 2 s (benchmarks/rollup.py).
    """
    pairs = ancestry(agencies)
    codes = sorted(set(cube.agency_codes) | set(pairs["ancestor_code"]))
    out = CountCube.zeros(codes, cube.periods, cube.metric_codes)
    index = pd.Index(codes)
    src = pd.Index(cube.agency_codes).get_indexer(pd.Index(pairs["agency_code"]))
    has = src >= 0
    dst = index.get_indexer(pd.Index(pairs["ancestor_code"]))[has]
    _add_rows(out.numerator, dst, cube.numerator, src[has])
    _add_rows(out.denominator, dst, cube.denominator, src[has])
    listed = set(pairs["agency_code"])
    alone = [c for c in cube.agency_codes if c not in listed]
    if alone:
        ai = pd.Index(cube.agency_codes).get_indexer(pd.Index(alone))
        oi = index.get_indexer(pd.Index(alone))
        out.numerator[oi] = cube.numerator[ai]
        out.denominator[oi] = cube.denominator[ai]
    if metric_codes is not None:
        kept = [i for i, code in enumerate(cube.metric_codes) if code not in set(metric_codes)]
        if kept:
            mine = pd.Index(cube.agency_codes)
            oi = index.get_indexer(mine)
            for target, source in ((out.numerator, cube.numerator), (out.denominator, cube.denominator)):
                target[:, :, kept] = 0
                target[np.ix_(oi, np.arange(len(cube.periods)), np.asarray(kept, np.intp))] = source[
                    :, :, kept
                ]
    return out


_CHUNK_ROWS = 4096
"""Pairs added at a time: bounds the copy of their count rows (4,096 x periods x metrics int64)."""


def _add_rows(
    target: np.ndarray[Any, np.dtype[np.int64]],
    dst: np.ndarray[Any, np.dtype[np.intp]],
    source: np.ndarray[Any, np.dtype[np.int64]],
    src: np.ndarray[Any, np.dtype[np.intp]],
) -> None:
    """Add ``source[src[k]]`` to ``target[dst[k]]`` for every k (rows of periods x metrics).

    Pairs sorted by target row, a chunk at a time: the rows of a chunk are summed per target row
    with one `np.add.reduceat`, so memory stays bounded and no row is added twice in one step.
    """
    order = np.argsort(dst, kind="stable")
    dst, src = dst[order], src[order]
    width = int(np.prod(target.shape[1:]))
    flat_target = target.reshape(len(target), width)  # a view: target is a fresh C-contiguous array
    flat_source = source.reshape(len(source), width)
    for start in range(0, len(dst), _CHUNK_ROWS):
        rows = dst[start : start + _CHUNK_ROWS]
        block = flat_source[src[start : start + _CHUNK_ROWS]]
        firsts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        flat_target[rows[firsts]] += np.add.reduceat(block, firsts, axis=0)


def roll_up(counts: pd.DataFrame, agencies: pd.DataFrame) -> pd.DataFrame:
    """Replace each agency's counts in a long count table by the sum over its subtree (see `roll_up_cube`)."""
    return roll_up_cube(CountCube.from_frame(counts), agencies).to_frame()
