"""Two versions of a framework compared criterion by criterion, with the mapping year-on-year uses."""

from __future__ import annotations

from typing import Any

from chiso.frameworks import framework_from_dict, load_framework
from chiso.frameworks.diff import diff_frameworks


def _doc(nodes: list[dict[str, Any]], version: str) -> dict[str, Any]:
    return {"id": "x", "version": version, "name_vi": "X", "nodes": nodes}


OLD = _doc(
    [
        {
            "code": "P",
            "name_vi": "Trụ cột",
            "children": [
                {"code": "A", "name_vi": "Kế hoạch", "max_points": 4, "rule": {"type": "yes_no"}},
                {
                    "code": "B",
                    "name_vi": "Tỷ lệ",
                    "max_points": 6,
                    "rule": {"type": "capped_linear", "target": 0.8},
                },
                {"code": "C", "name_vi": "Bỏ đi", "max_points": 2, "rule": {"type": "yes_no"}},
                {"code": "D", "name_vi": "Giữ nguyên", "max_points": 3, "rule": {"type": "assessor"}},
            ],
        },
        {
            "code": "Q",
            "name_vi": "Trụ cột 2",
            "children": [
                {"code": "E", "name_vi": "Chuyển", "max_points": 5, "rule": {"type": "yes_no"}},
            ],
        },
    ],
    "2025.1",
)
NEW = _doc(
    [
        {
            "code": "P",
            "name_vi": "Trụ cột",
            "children": [
                {
                    "code": "A2",
                    "previous_code": "A",
                    "name_vi": "Kế hoạch năm",
                    "max_points": 5,
                    "rule": {"type": "yes_no"},
                },
                {
                    "code": "B",
                    "name_vi": "Tỷ lệ",
                    "max_points": 6,
                    "unit": "percent",
                    "rule": {"type": "capped_linear", "target": 0.9},
                },
                {"code": "D", "name_vi": "Giữ nguyên", "max_points": 3, "rule": {"type": "assessor"}},
                {"code": "E", "name_vi": "Chuyển", "max_points": 5, "rule": {"type": "yes_no"}},
            ],
        },
        {
            "code": "Q",
            "name_vi": "Trụ cột 2",
            "children": [
                {
                    "code": "F",
                    "name_vi": "Mới",
                    "max_points": 1,
                    "rule": {"type": "yes_no"},
                    "agency_kinds": ["commune"],
                },
            ],
        },
    ],
    "2026.1",
)


def test_every_kind_of_change_is_found() -> None:
    diff = diff_frameworks(framework_from_dict(OLD), framework_from_dict(NEW))
    got = {(c.kind, c.code) for c in diff.changes}
    assert got == {
        ("recoded", "A2"),
        ("renamed", "A2"),
        ("reweighted", "A2"),
        ("rule_changed", "B"),
        ("entry_changed", "B"),
        ("moved", "E"),
        ("added", "F"),
        ("removed", "C"),
        ("reweighted", "P"),
        ("reweighted", "Q"),
    }
    assert diff.mapping == {"A": "A2", "B": "B", "D": "D", "E": "E", "P": "P", "Q": "Q"}
    assert diff.comparable() == {"D": "D", "E": "E"}  # same points and rule; a move does not matter
    moved = next(c for c in diff.changes if c.kind == "moved")
    assert (moved.before, moved.after) == ("Q", "P")
    rule = next(c for c in diff.changes if c.kind == "rule_changed")
    assert rule.before["rule"]["target"] == 0.8 and rule.after["rule"]["target"] == 0.9
    assert diff.old == "x@2025.1" and diff.new == "x@2026.1" and diff.settings == {}


def test_a_code_reused_for_another_criterion_after_a_rename_counts_as_added() -> None:
    new = _doc(
        [
            {
                "code": "P",
                "name_vi": "P",
                "children": [
                    {
                        "code": "A2",
                        "previous_code": "A",
                        "name_vi": "a",
                        "max_points": 1,
                        "rule": {"type": "yes_no"},
                    },
                    {"code": "A", "name_vi": "khác", "max_points": 1, "rule": {"type": "yes_no"}},
                ],
            }
        ],
        "2",
    )
    old = _doc(
        [
            {
                "code": "P",
                "name_vi": "P",
                "children": [{"code": "A", "name_vi": "a", "max_points": 2, "rule": {"type": "yes_no"}}],
            }
        ],
        "1",
    )
    diff = diff_frameworks(framework_from_dict(old), framework_from_dict(new))
    assert diff.mapping == {"A": "A2", "P": "P"}
    assert ("added", "A") in {(c.kind, c.code) for c in diff.changes}


def test_the_2022_and_2025_dti_share_their_main_indices() -> None:
    diff = diff_frameworks(load_framework("dti-province-2022"), load_framework("dti-province-2025"))
    kinds = {(c.kind, c.code) for c in diff.changes}
    assert ("removed", "DTTM") in kinds and ("moved", "NTS") in kinds and ("added", "NEN_TANG") in kinds
    assert {"NTS", "CQS", "XHS"} <= set(diff.mapping)
    assert diff_frameworks(load_framework("qd766"), load_framework("qd766")).changes == ()
