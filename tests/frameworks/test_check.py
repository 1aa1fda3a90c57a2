"""`check_framework` names the exact node path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from chiso.errors import InvalidInput, NotFound
from chiso.frameworks import check_framework, load_framework

GOOD = """
id: t
name_vi: Thử
max_points: 10
bands:
  - {code: A, label_vi: Tốt, min: 8}
  - {code: B, label_vi: Khá, min: 5, max: 8}
  - {code: C, label_vi: Yếu, max: 5}
nodes:
  - code: P
    name_vi: Trụ cột
    max_points: 10
    children:
      - {code: L1, name_vi: a, max_points: 4, rule: {type: yes_no}}
      - {code: L2, name_vi: b, max_points: 6, rule: {type: capped_linear, target: 0.8}}
"""


def _check(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    return [p.message_en for p in check_framework(path)]


def test_a_sound_framework_has_no_problems(tmp_path: Path) -> None:
    assert _check(tmp_path, GOOD) == []


def test_unknown_rule_is_named_with_its_path(tmp_path: Path) -> None:
    problems = _check(tmp_path, GOOD.replace("type: yes_no", "type: magic"))
    assert len(problems) == 1
    assert problems[0].startswith("TOTAL/P/L1.rule") and "unknown rule 'magic'" in problems[0]


def test_children_not_adding_up(tmp_path: Path) -> None:
    problems = _check(tmp_path, GOOD.replace("max_points: 6", "max_points: 5"))
    assert any(p.startswith("TOTAL/P:") and "add up to 9" in p for p in problems)


def test_duplicate_codes(tmp_path: Path) -> None:
    problems = _check(tmp_path, GOOD.replace("code: L2", "code: L1"))
    assert problems == ["TOTAL/P/L1: duplicate code 'L1' (already used at TOTAL/P/L1)"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("min: 5, max: 8", "min: 5, max: 9", "overlaps"),
        ("min: 5, max: 8", "min: 6, max: 8", "gap between"),
        ("{code: C, label_vi: Yếu, max: 5}", "{code: C, label_vi: Yếu, min: 1, max: 5}", "gap below 1"),
    ],
)
def test_bands_overlapping_or_leaving_gaps(tmp_path: Path, old: str, new: str, expected: str) -> None:
    problems = _check(tmp_path, GOOD.replace(old, new))
    assert any(expected in p for p in problems), problems


def test_other_problems(tmp_path: Path) -> None:
    assert any(
        "leaf has no scoring rule" in p for p in _check(tmp_path, GOOD.replace(", rule: {type: yes_no}", ""))
    )
    assert any("bad: yaml" in p or "unreadable YAML" in p for p in _check(tmp_path, "id: [unclosed"))
    monitoring = GOOD.replace("rule: {type: yes_no}", "rule: {type: monitoring}")
    assert any("monitoring-only node must have max 0" in p for p in _check(tmp_path, monitoring))


def test_load_framework_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_framework("no-such-framework")
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("type: yes_no", "type: magic"), encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown rule"):
        load_framework(path)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("rule: {type: yes_no}", "unit: percent, rule: {type: yes_no}", "'percent' does not fit rule yes_no"),
        (
            "rule: {type: capped_linear, target: 0.8}",
            "unit: count, rule: {type: capped_linear, target: 5}",
            "target 5 is above value_max 1",
        ),
        (
            "rule: {type: capped_linear, target: 0.8}",
            "unit: count, rule: {type: step_bands, steps: [{min: 1, points: 6}]}",
            "declare the plausible range",
        ),
        (
            "rule: {type: capped_linear, target: 0.8}",
            "unit: days, rule: {type: capped_linear, target: 5, value_min: -1, value_max: 30}",
            "value_min must not be negative",
        ),
        (
            "    max_points: 10\n    children:",
            "    max_points: 10\n    unit: count\n    children:",
            "only leaves have a unit",
        ),
        (
            "rule: {type: yes_no}",
            "evidence_vi: [a, b], evidence_en: [a], rule: {type: yes_no}",
            "1 English items for 2 evidence items",
        ),
        ("{code: L1, name_vi: a,", "{code: L1, previous_code: X, name_vi: a,", "already claimed"),
    ],
)
def test_units_ranges_and_evidence_are_checked(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = GOOD.replace(old, new, 1)
    if "already claimed" in expected:
        text = text.replace("{code: L2, name_vi: b,", "{code: L2, previous_code: X, name_vi: b,")
    problems = _check(tmp_path, text)
    assert any(expected in p for p in problems), problems


def test_a_declared_unit_with_its_range_is_sound(tmp_path: Path) -> None:
    text = GOOD.replace(
        "rule: {type: capped_linear, target: 0.8}",
        "unit: count, rule: {type: capped_linear, target: 12, value_min: 0, value_max: 365}",
    )
    assert _check(tmp_path, text) == []
