"""Crafted framework YAML: billion laughs, deep nesting and huge text are YAML problems with a line,
never a hang, a RecursionError or a MemoryError (issue 16, item 12)."""

from __future__ import annotations

import time

import pytest
import yaml

from chiso.errors import InvalidInput
from chiso.frameworks.bounded_yaml import MAX_ALIASES, MAX_CHARS, MAX_DEPTH, load_bounded_yaml
from chiso.frameworks.loader import load_framework

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


CRAFTED = [
    (LAUGHS, "aliases are written out"),
    ("a: &a 1\nx: [" + "*a, " * (MAX_ALIASES + 1) + "]", "more than"),
    ("x: " + "[" * 10_000 + "]" * 10_000, "levels deep"),
    ("x: " + "{a: " * 5_000 + "1" + "}" * 5_000, "levels deep"),
    ("x: '" + "a" * (MAX_CHARS + 1) + "'", "characters"),
]


@pytest.mark.parametrize(("text", "said"), CRAFTED)
def test_crafted_yaml_is_refused_quickly_as_a_yaml_error(text: str, said: str) -> None:
    started = time.perf_counter()
    with pytest.raises(yaml.YAMLError) as caught:
        load_bounded_yaml(text)
    assert time.perf_counter() - started < 2.0
    assert said in str(caught.value)


def test_ordinary_yaml_reads_as_safe_load_reads_it() -> None:
    text = "base: &b {max_points: 2}\nnodes:\n" + "".join(
        f"  - <<: *b\n    code: A{i}\n" for i in range(MAX_ALIASES)
    )
    assert load_bounded_yaml(text) == yaml.safe_load(text)
    nested = "x: " + "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2)
    assert load_bounded_yaml(nested) == yaml.safe_load(nested)


def test_a_billion_laughs_framework_file_is_an_invalid_input_naming_the_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS + "nodes: *i\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_framework(path)
    problem = caught.value.problems[0]
    assert problem.file and problem.file.endswith("laughs.yaml") and problem.row is not None
    assert "aliases are written out" in problem.message_en
