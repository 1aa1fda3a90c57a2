"""`chiso framework list | show | check`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chiso.cli import app
from chiso.frameworks import BUILTIN_IDS

runner = CliRunner()


def test_list_and_show() -> None:
    listed = runner.invoke(app, ["framework", "list", "--json"])
    assert listed.exit_code == 0
    assert [f["id"] for f in json.loads(listed.output)] == list(BUILTIN_IDS)
    shown = runner.invoke(app, ["framework", "show", "qd766"])
    assert shown.exit_code == 0
    assert "TIMELINESS · " in shown.output and "PAYMENT" in shown.output
    assert (
        json.loads(runner.invoke(app, ["framework", "show", "danang-it", "--json"]).output)["id"]
        == "danang-it"
    )


def test_check_names_the_node_path(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "id: x\nname_vi: x\nnodes:\n  - code: P\n    name_vi: p\n    max_points: 5\n    children:\n"
        "      - {code: L, name_vi: l, max_points: 4, rule: {type: guess}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["framework", "check", str(path)])
    assert result.exit_code == 1
    assert "TOTAL/P/L.rule" in result.output and "unknown rule 'guess'" in result.output
    ok = runner.invoke(app, ["framework", "check", "qd766"])
    assert ok.exit_code == 0 and "valid" in ok.output
    as_json = json.loads(runner.invoke(app, ["framework", "check", str(path), "--json"]).output)
    assert as_json["ok"] is False and len(as_json["problems"]) == 1
