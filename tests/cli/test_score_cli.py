"""`chiso score` on files alone: CSV and Excel out, explain, errors with the row and a clean exit."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from chiso.cli import app
from chiso.frameworks import load_framework

runner = CliRunner()


def _values(path: Path) -> Path:
    rows = [
        "agency_code,period,indicator_code,value,numerator,denominator",
        "001,2024,TIMELINESS,,29,32",
        "002,2024,TIMELINESS,,32,32",
        "001,2024,ONLINE_PROCEDURE_RATE,0.4,,",
        "002,2024,ONLINE_PROCEDURE_RATE,0.9,,",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_score_writes_csv_with_one_row_per_agency_and_node(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    log = tmp_path / "run.json"
    result = runner.invoke(
        app,
        [
            "score",
            "--framework",
            "qd766",
            "--values",
            str(_values(tmp_path / "v.csv")),
            "--out",
            str(out),
            "--log",
            str(log),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"agency_code": str})
    assert {"agency_code", "group", "node_code", "points", "max_points", "rank", "band"} <= set(table.columns)
    total = table[(table["node_code"] == "TOTAL")].set_index("agency_code")
    assert total.loc["001", "published"] == 32.13  # 18.125 + 2 + 12 (no petitions: full), half up
    assert total.loc["001", "group"] == "ALL"
    framework = load_framework("qd766")
    assert len(table) == 2 * (1 + sum(1 for _ in framework.walk()))  # TOTAL and every node, per agency
    assert json.loads(log.read_text())["framework"]["id"] == "qd766"
    assert "001" in result.output


def test_score_with_groups_and_previous_writes_excel(tmp_path: Path) -> None:
    values = _values(tmp_path / "v.csv")
    groups = tmp_path / "g.csv"
    groups.write_text("agency_code,group\n001,xa\n002,xa\n", encoding="utf-8")
    first = tmp_path / "prev.csv"
    earlier = tmp_path / "v2023.csv"
    earlier.write_text(values.read_text(encoding="utf-8").replace(",2024,", ",2023,"), encoding="utf-8")
    assert (
        runner.invoke(app, ["score", "-f", "qd766", "--values", str(earlier), "--out", str(first)]).exit_code
        == 0
    )
    out = tmp_path / "results.xlsx"
    result = runner.invoke(
        app,
        [
            "score",
            "-f",
            "qd766",
            "--values",
            str(values),
            "--groups",
            str(groups),
            "--previous",
            str(first),
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["agencies"] == 2
    book = pd.read_excel(out, sheet_name=None, dtype={"agency_code": str})
    assert {"results", "summary", "bands", "movers", "explanations"} <= set(book)
    totals = book["results"][book["results"]["node_code"] == "TOTAL"]
    assert set(totals["status"]) == {"continuing"}
    assert set(totals["points_change"]) == {0}


def test_score_explain_prints_every_criterion(tmp_path: Path) -> None:
    values = _values(tmp_path / "v.csv")
    result = runner.invoke(
        app,
        ["score", "explain", "--framework", "qd766", "--values", str(values), "--agency", "001", "--json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    timeliness = next(r for r in rows if r["indicator_code"] == "TIMELINESS")
    assert timeliness["inputs"]["numerator"] == 29 and timeliness["points"] == 18.125
    assert timeliness["rule"] == "ratio"
    human = runner.invoke(
        app, ["score", "explain", "-f", "qd766", "--values", str(values), "--agency", "001"]
    )
    assert human.exit_code == 0 and "TIMELINESS" in human.output


def test_bad_values_exit_1_with_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "agency_code,period,indicator_code,value\n001,2024,ONLINE_SUBMISSION_RATE,130%\n001,2024,NOPE,1\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["score", "-f", "qd766", "--values", str(path), "--out", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 1
    assert "bad.csv, dòng/row 2" in result.output and "not a number" in result.output
    assert "dòng/row 3" in result.output and "NOPE" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_usage_errors(tmp_path: Path) -> None:
    assert runner.invoke(app, ["score", "--framework", "qd766"]).exit_code == 2
    missing = runner.invoke(app, ["score", "-f", "qd766", "--values", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1 and "none.csv" in missing.output
    unknown = runner.invoke(app, ["score", "-f", "nope", "--values", str(_values(tmp_path / "v.csv"))])
    assert unknown.exit_code == 1 and "nope" in unknown.output


def _ranking(path: Path, n: int = 8) -> Path:
    rows = ["agency_code,period,indicator_code,value,numerator,denominator"]
    for a in range(n):
        rows.append(f"{a:03d},2024,TIMELINESS,,{20 + a},40")
        rows.append(f"{a:03d},2024,ONLINE_PROCEDURE_RATE,{0.1 * (a % 5):.1f},,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_uncertainty_writes_rank_intervals_and_a_replayable_log(tmp_path: Path) -> None:
    values = _ranking(tmp_path / "v.csv")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "factors:\n"
        "  - {kind: measurement, leaves: [TIMELINESS], error: 0.05}\n"
        "  - {kind: weights, spread: 0.2}\n",
        encoding="utf-8",
    )
    out, log = tmp_path / "intervals.csv", tmp_path / "run.json"
    args = ["score", "uncertainty", "-f", "qd766", "--values", str(values), "--out", str(out)]
    result = runner.invoke(
        app, [*args, "--spec", str(spec), "-n", "64", "--seed", "3", "--log", str(log), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["replications"] == 64 and summary["seed"] == 3 and summary["agencies"] == 8
    table = pd.read_csv(out, dtype={"agency_code": str})
    assert {"agency_code", "rank", "rank_low", "rank_high", "median_rank", "firm"} <= set(table.columns)
    assert (table["rank_low"] <= table["median_rank"]).all() and (
        table["median_rank"] <= table["rank_high"]
    ).all()
    assert json.loads(log.read_text())["spec"]["factors"][0]["kind"] == "measurement"
    human = runner.invoke(app, [*args, "-n", "32"])  # the default spec: weights and missing values
    assert human.exit_code == 0, human.output
    assert "firm ranks" in human.output


def test_uncertainty_rejects_a_spec_that_does_not_fit(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("factors:\n  - {kind: assessor, leaves: [TIMELINESS], points: 1}\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "score",
            "uncertainty",
            "-f",
            "qd766",
            "--values",
            str(_ranking(tmp_path / "v.csv")),
            "--out",
            str(tmp_path / "o.csv"),
            "--spec",
            str(spec),
        ],
    )
    assert result.exit_code == 1
    assert "'TIMELINESS' has rule ratio, needs assessor" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_plan_lists_the_improvements_in_the_units_the_agency_controls(tmp_path: Path) -> None:
    values = _ranking(tmp_path / "v.csv")
    args = ["score", "plan", "-f", "qd766", "--values", str(values), "--agency", "000"]
    result = runner.invoke(app, [*args, "--goal", "top:1", "--effort", "ONLINE_PROCEDURE_RATE=50", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["reachable"] and plan["after"]["rank"] == 1
    timeliness = next(i for i in plan["improvements"] if i["indicator_code"] == "TIMELINESS")
    assert timeliness["unit"] == "count" and timeliness["denominator"] == 40
    assert timeliness["change"] == timeliness["target"] - 20
    human = runner.invoke(app, [*args, "--goal", "total:30"])  # 22 now: 10 + 0 + 12 (no petitions)
    assert human.exit_code == 0, human.output
    assert "TIMELINESS" in human.output and "after" in human.output
    out_of_reach = runner.invoke(app, [*args, "--goal", "total:40"])  # 20 + 4 + 12 at most
    assert out_of_reach.exit_code == 0 and "every allowed improvement gives 36.0" in out_of_reach.output
    bad = runner.invoke(app, [*args, "--goal", "best"])
    assert bad.exit_code == 1 and "Unknown goal" in bad.output
    malformed = runner.invoke(app, [*args, "--goal", "next-band", "--step", "TIMELINESS"])
    assert malformed.exit_code == 1 and "CODE=NUMBER" in malformed.output
