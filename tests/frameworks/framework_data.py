"""Generated frameworks for property tests: every rule, text that Excel and YAML must carry unchanged."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from chiso.frameworks import Framework, framework_from_dict

_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.just("\n"), max_size=40)
_points = st.decimals(0, 100, places=2, allow_nan=False, allow_infinity=False).map(float)
_rate = st.decimals("0.05", 1, places=3).map(float)
_rules = st.one_of(
    st.just({"type": "yes_no"}),
    st.builds(lambda t: {"type": "capped_linear", "target": t}, _rate),
    st.builds(
        lambda t, z: {"type": "ratio", "target": t, "zero_denominator": z},
        _rate,
        st.sampled_from(["zero", "full", "exclude"]),
    ),
    st.just({"type": "assessor", "require_comment": False}),
    st.just({"type": "fraction", "value_max": None}),
    st.builds(
        lambda hi: {
            "type": "step_bands",
            "value_min": 0,
            "value_max": hi,
            "steps": [{"min": 1, "points": 0}, {"min": 2.5, "points": 0}],
        },
        st.integers(3, 1000),
    ),
    st.just(
        {"type": "minmax", "higher_is_better": False, "constant": "half", "value_min": -5, "value_max": None}
    ),
)


@st.composite
def frameworks(draw: st.DrawFn) -> Framework:
    nodes = []
    for p in range(draw(st.integers(1, 3))):
        leaves = []
        for i in range(draw(st.integers(1, 3))):
            leaf: dict[str, Any] = {
                "code": f"P{p}.L{i}",
                "name_vi": draw(_text) or "x",
                "max_points": draw(_points),
                "rule": draw(_rules),
                "guidance_vi": draw(_text),
                "name_en": draw(_text),
            }
            if leaf["rule"]["type"] == "step_bands":
                leaf["rule"]["steps"][1]["points"] = leaf["max_points"]
            if draw(st.booleans()):
                leaf["evidence_vi"] = draw(
                    st.lists(_text.filter(lambda t: t.strip() == t and t and "\n" not in t), max_size=3)
                )
                leaf["agency_kinds"] = draw(st.lists(st.sampled_from(["district", "commune"]), unique=True))
                leaf["missing"] = draw(st.sampled_from(["zero", "exclude", "group_mean"]))
                leaf["previous_code"] = f"OLD{p}{i}"
            leaves.append(leaf)
        nodes.append(
            {
                "code": f"P{p}",
                "name_vi": f"Trụ cột {p}",
                "weight": draw(st.sampled_from([1, 0.5, 2])),
                "children": leaves,
            }
        )
    doc = {
        "id": "gen",
        "version": draw(st.sampled_from(["1", "2026.1", "0.10"])),
        "name_vi": draw(_text) or "x",
        "decimals": draw(st.integers(0, 4)),
        "description": draw(_text),
        "clip": draw(st.booleans()),
        "nodes": nodes,
    }
    return framework_from_dict(doc)
