"""Crafted custom metric files: deep expressions and billion-laughs YAML are clear problems, never a
RecursionError or MemoryError traceback (issue 16, item 12)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chiso.errors import InvalidInput
from chiso.monitoring.custom import load_custom_metrics
from chiso.monitoring.custom.syntax import MAX_CHARS, MAX_DEPTH, ExpressionError, parse_expression

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    "text",
    ["(" * 1_000 + "1" + ")" * 1_000, "not " * 900 + "true", "- " * 1_500 + "1", " + ".join(["1"] * 900),
     "abs(" * 700 + "1" + ")" * 700, "x in (1) or " * 300 + "true"],
)  # fmt: skip
def test_a_deep_expression_is_refused_with_its_position(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert "deeply" in caught.value.message_en and "sâu" in caught.value.message_vi
    assert 0 <= caught.value.pos < len(text)


def test_a_huge_expression_is_refused_before_it_is_read() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression("1" * (MAX_CHARS + 1))
    assert f"at most {MAX_CHARS:,}" in caught.value.message_en


def test_an_expression_of_ordinary_depth_still_parses() -> None:
    parse_expression(" + ".join(["1"] * (MAX_DEPTH - 1)))
    parse_expression("(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1))


def test_a_deep_expression_in_a_metric_file_is_a_problem_of_its_field(tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    deep = "(" * 1_500 + "1" + ")" * 1_500
    path.write_text(f"metrics:\n  - code: SAU\n    numerator: '{deep} > 0'\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_custom_metrics(path)
    (problem,) = caught.value.problems
    assert problem.field == "metrics[0].numerator" and "deeply" in problem.message_en


def test_billion_laughs_in_a_metric_file_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS + "metrics: *i\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        load_custom_metrics(path)
    assert time.perf_counter() - started < 1.0
    assert "aliases are written out" in str(caught.value) and caught.value.problems[0].file == "laughs.yaml"
