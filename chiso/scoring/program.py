"""A small mixed integer program built row by row and solved exactly with HiGHS; scoring layer.

Pure numpy + scipy (scipy.optimize.milp runs HiGHS, an exact, well-kept MIP solver). Used by the
improvement planner (chiso.scoring.planner).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass
class Program:
    """A mixed integer program under construction: variables with bounds, rows with bounds."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    def var(self, low: float, high: float, *, integer: bool = False, cost: float = 0.0) -> int:
        """Add a variable in [low, high] with its cost in the objective (minimised); return its index."""
        self.lower.append(low)
        self.upper.append(high)
        self.integer.append(1 if integer else 0)
        self.cost.append(cost)
        return len(self.cost) - 1

    def row(self, coefficients: dict[int, float], low: float = -np.inf, high: float = np.inf) -> None:
        """Add the constraint low <= sum(coefficient x variable) <= high."""
        self.rows.append((coefficients, low, high))

    def solve(self) -> FloatArray | None:
        """Return the optimal values of the variables (zero optimality gap), or None if infeasible."""
        # lazy: scipy is a second of every start (server, CLI); only rank-interval runs solve programs
        from scipy.optimize import Bounds, LinearConstraint, milp

        matrix = np.zeros((len(self.rows), len(self.cost)))
        for i, (coefficients, _, _) in enumerate(self.rows):
            for j, a in coefficients.items():
                matrix[i, j] += a
        result = milp(
            np.array(self.cost),
            integrality=np.array(self.integer),
            bounds=Bounds(np.array(self.lower), np.array(self.upper)),
            constraints=LinearConstraint(matrix, [r[1] for r in self.rows], [r[2] for r in self.rows]),
            options={"mip_rel_gap": 0.0},
        )
        return None if result.x is None or result.status != 0 else np.asarray(result.x, dtype=np.float64)
