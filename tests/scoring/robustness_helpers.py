"""A small three-pillar framework and random cells for the rank-interval, what-if and planner tests."""

from __future__ import annotations

import numpy as np

from chiso.frameworks import Framework, framework_from_dict

BANDS = [
    {"code": "T", "label_vi": "Tốt", "min": 35},
    {"code": "K", "label_vi": "Khá", "min": 20, "max": 35},
    {"code": "Y", "label_vi": "Yếu", "max": 20},
]


def three_pillars(leaves: dict[str, dict[str, object]], framework_id: str, **over: object) -> Framework:
    """Pillars A (A1-A3, 20 points), B (B1-B2, 20) and C (C1-C2, 10) over the given leaves, with bands."""

    def leaf(code: str) -> dict[str, object]:
        return {"code": code, "name_vi": code, **leaves[code]}

    doc: dict[str, object] = {
        "id": framework_id,
        "name_vi": "Thử",
        "max_points": 50,
        "bands": BANDS,
        "nodes": [
            {
                "code": "A",
                "name_vi": "A",
                "max_points": 20,
                "children": [leaf(c) for c in ("A1", "A2", "A3")],
            },
            {"code": "B", "name_vi": "B", "max_points": 20, "children": [leaf("B1"), leaf("B2")]},
            {"code": "C", "name_vi": "C", "max_points": 10, "children": [leaf("C1"), leaf("C2")]},
        ],
    }
    doc.update(over)
    return framework_from_dict(doc)


def random_cell(rule: str, rng: np.random.Generator) -> dict[str, object]:
    """A values row's numbers for a leaf with this rule: counts for ratios, points for assessors, ..."""
    if rule == "ratio":
        den = int(rng.integers(0, 11))
        return {"numerator": int(rng.integers(0, den + 1)) if den else 0, "denominator": den}
    if rule == "assessor":
        return {"value": float(rng.integers(0, 21)) / 2, "comment": "ok"}
    if rule == "yes_no":
        return {"value": float(rng.integers(0, 2))}
    return {"value": float(np.round(rng.random(), 2))}
