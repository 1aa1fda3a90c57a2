"""A leaf's monitoring `source`: parsed, checked where it belongs, kept out of old frameworks' hashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from chiso.frameworks import check_framework, load_framework
from chiso.frameworks.schema import Framework, MonitoringSource, Node

BASE = """
id: t
name_vi: Thử
max_points: 10
nodes:
  - code: P
    name_vi: Trụ cột
    max_points: 10
    {parent_source}
    children:
      - code: L1
        name_vi: a
        max_points: 4
        rule: {{type: {rule}}}
        source: {{metric: TIMELINESS, aggregate: year}}
      - {{code: L2, name_vi: b, max_points: 6, rule: {{type: capped_linear, target: 0.8}}}}
"""


def _check(tmp_path: Path, rule: str = "ratio", parent_source: str = "") -> list[tuple[str | None, str]]:
    path = tmp_path / "f.yaml"
    path.write_text(BASE.format(rule=rule, parent_source=parent_source), encoding="utf-8")
    return [(p.field, p.message_en) for p in check_framework(path)]


def test_a_ratio_leaf_may_be_computed_from_a_metric(tmp_path: Path) -> None:
    assert _check(tmp_path) == []
    leaf = load_framework("danang-it-2026").node("DVC_DUNG_HAN")
    assert leaf.source == MonitoringSource(metric="TIMELINESS", aggregate="year")
    assert str(leaf.source) == "monitoring:TIMELINESS/year"


@pytest.mark.parametrize("rule", ["yes_no", "assessor", "bonus_penalty"])
def test_a_leaf_typed_in_points_or_yes_no_cannot_take_a_metric(tmp_path: Path, rule: str) -> None:
    problems = [p for p in _check(tmp_path, rule) if p[0] == "TOTAL/P/L1.source"]
    assert len(problems) == 1 and f"rule {rule} cannot take a monitoring figure" in problems[0][1]


def test_only_leaves_have_a_source(tmp_path: Path) -> None:
    problems = _check(tmp_path, parent_source="source: {metric: TIMELINESS}")
    assert ("TOTAL/P.source", "TOTAL/P.source: only leaves have a monitoring source") in problems


@pytest.mark.parametrize("raw", [{"metric": ""}, {"metric": "bad code"}, {"metric": "X", "aggregate": "week"},
                                 {"metric": "X", "extra": 1}])  # fmt: skip
def test_a_malformed_source_is_refused(raw: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Node.model_validate({"code": "L", "name_vi": "x", "rule": {"type": "ratio"}, "source": raw})


def test_a_source_left_unset_keeps_the_hash_of_frameworks_stored_before_it() -> None:
    framework = load_framework("danang-it")
    data = framework.model_dump(mode="json")
    data["nodes"][0]["children"][0]["source"] = None
    assert Framework.model_validate(data).content_hash() == framework.content_hash()
    data["nodes"][0]["children"][0]["source"] = {"metric": "TIMELINESS"}
    assert Framework.model_validate(data).content_hash() != framework.content_hash()
