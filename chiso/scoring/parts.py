"""Split a large scoring run into parts made of whole peer groups; scoring layer, pure numpy.

Every step after validation looks no further than a peer group (ranks, normalisation, group fills)
or an agency's own history and its lineage, so a part holding whole groups, with the groups its
agencies' predecessors sit in, scores exactly as the whole run would. Small parts keep the working
set in cache and let the allocator reuse memory instead of mapping fresh pages for every step:
at 332,100 agencies that paging cost as much as the arithmetic.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from chiso.scoring.inputs import Inputs

IntArray = npt.NDArray[np.int64]

# Cells (rows x nodes) per part: 2M float64 cells = 16 MB per matrix, under glibc's 32 MiB ceiling
# above which every array is a fresh mapping.
PART_CELLS = 2_000_000


def plan_parts(
    inputs: Inputs, lineage: pd.DataFrame | None, *, width: int, max_cells: int = PART_CELLS
) -> list[IntArray]:
    """Return the agency indices of each part (sorted), or [] when the run fits in one part.

    Args:
        inputs: the checked values.
        lineage: predecessor_code, successor_code (prepared), or None.
        width: columns per row of the widest matrix (the number of nodes).
        max_cells: the most rows x width cells a part should hold; a single larger group is one part.
    """
    n_p = max(1, len(inputs.periods))
    if inputs.n_rows * width <= max_cells or len(inputs.groups) < 2:
        return []
    group_of = inputs.group_of_agency
    owner = np.arange(len(inputs.groups))  # union-find over groups joined by lineage pairs

    def root(g: int) -> int:
        while owner[g] != g:
            owner[g] = owner[owner[g]]
            g = int(owner[g])
        return g

    if lineage is not None:
        index = pd.Index(inputs.agencies)
        pred = index.get_indexer(pd.Index(lineage["predecessor_code"]))
        succ = index.get_indexer(pd.Index(lineage["successor_code"]))
        both = (pred >= 0) & (succ >= 0)
        for a, b in zip(group_of[pred[both]], group_of[succ[both]], strict=True):
            ra, rb = root(int(a)), root(int(b))
            if ra != rb:
                owner[max(ra, rb)] = min(ra, rb)
    component = np.array([root(g) for g in range(len(inputs.groups))], dtype=np.int64)
    agencies_in = np.bincount(component[group_of], minlength=len(inputs.groups))
    part_of_component = np.full(len(inputs.groups), -1, dtype=np.int64)
    part, filled = 0, 0
    for c in np.flatnonzero(agencies_in):
        cells = int(agencies_in[c]) * n_p * width
        if filled and filled + cells > max_cells:
            part, filled = part + 1, 0
        part_of_component[c] = part
        filled += cells
    if part == 0:
        return []
    part_of_agency = part_of_component[component[group_of]]
    order = np.argsort(part_of_agency, kind="stable")
    bounds = np.searchsorted(part_of_agency[order], np.arange(1, part + 1))
    return [chunk.astype(np.int64) for chunk in np.split(order, bounds)]
