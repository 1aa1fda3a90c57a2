"""`chiso score ...` goes through the flows: the adapter imports nothing of the scoring engine."""

from __future__ import annotations

import ast
from pathlib import Path

import chiso.cli.score


def test_the_score_commands_call_the_flows_not_the_engine() -> None:
    tree = ast.parse(Path(chiso.cli.score.__file__).read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert not [name for name in imported if name.startswith("chiso.scoring")]
    assert {"chiso.flows.scoring", "chiso.flows.robustness"} <= imported
