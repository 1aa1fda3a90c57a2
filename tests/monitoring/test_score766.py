"""Metric values -> 766 points through the scoring engine: capped rules, ties, roll-up, files alone.

The portal's pipeline (METHODOLOGY §1): null metrics left out of their group's sum, metric scores
rounded half up, group totals = sums of rounded scores, the payment parts rounded as the portal does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv
import pytest
from metric_data import compute, dossiers, petitions
from typer.testing import CliRunner

from chiso.cli import app
from chiso.monitoring.metrics import builtin_metrics
from chiso.monitoring.score766 import OUTPUT_COLUMNS, score766_files, score_table, score_values


def _values(agency_counts: dict[str, dict[str, tuple[int, int]]]) -> pd.DataFrame:
    """Runner-shaped values: every metric present, the given (numerator, denominator) overriding zeros."""
    rows = []
    for agency, given in agency_counts.items():
        for m in builtin_metrics():
            num, den = given.get(m.code, (0, 0))
            zero = {"zero": 0.0, "full": 1.0, "null": float("nan")}[m.zero_policy]
            rows.append((agency, "2026-08", m.code, num, den, num / den if den else zero))
    columns = ["agency_code", "period", "indicator_code", "numerator", "denominator", "value"]
    return pd.DataFrame(rows, columns=columns)


def _points(values: pd.DataFrame, agencies: pd.DataFrame | None = None) -> pd.DataFrame:
    table = score_table(values, score_values(values, agencies=agencies), agencies=agencies)
    return table.set_index(["agency_code", "indicator_code"])


def test_timeliness_29_of_32_is_published_as_18_13() -> None:
    points = _points(_values({"A": {"TIMELINESS": (29, 32)}}))
    assert points.loc[("A", "TIMELINESS"), "score"] == 18.13
    assert points.loc[("A", "TIMELINESS"), "max_score"] == 20


@pytest.mark.parametrize(
    ("code", "counts", "expected"),
    [
        ("ONLINE_SUBMISSION_RATE", (60, 100), 4.0),  # full marks from 50%
        ("ONLINE_SUBMISSION_RATE", (25, 100), 2.0),
        ("ONLINE_PROCEDURE_RATE", (9, 10), 4.0),  # full marks from 80%
        ("ONLINE_PROCEDURE_RATE", (4, 10), 2.0),
        ("SO_HOA_GIAY_TO_GIAI_QUYET", (40, 100), 1.6),  # the portal's 4 x rate, not 4 x 0.4 / 0.8
        ("SO_HOA_GIAY_TO_GIAI_QUYET", (90, 100), 3.6),  # full marks only at 100%
        ("REUSED_DIGITIZED_DATA", (100, 100), 2.0),  # min(2, 2 x rate / 80%)
        ("REUSED_DIGITIZED_DATA", (30, 100), 0.75),
        ("DOSSIER_RECEIVING_SATISFACTION", (95, 100), 6.0),  # min(6, 6 x rate / 0.9)
        ("DOSSIER_RECEIVING_SATISFACTION", (45, 100), 3.0),
        ("DOSSIER_RECEIVING_SATISFACTION", (0, 0), 0.0),  # no dossiers: 0
        ("PETITION_PROCESSING_ON_TIME", (0, 0), 6.0),  # no petitions: 6
        ("PETITION_HANDLING_SATISFACTION", (3, 4), 4.5),
        ("PAYMENT_PROCEDURES", (1, 2), 1.25),  # min(2, 2B / 0.8)
        ("PAYMENT_PROCEDURES", (9, 10), 2.0),
        ("PAYMENT_FEE_COVERAGE", (9, 10), 2.0),  # min(2, 2C / 0.8): never above 2 (was 2.5C = 2.25)
        ("PAYMENT_FEE_COVERAGE", (1, 2), 1.25),
        ("PAYMENT_DOSSIERS", (373, 400), 5.59),  # 6 x 93.25 / 100 = 5.595 in binary: the portal's 5.59
        ("ORIGINAL_RESULT_AVAILABLE", (1, 3), 2.0),
        ("ELECTRONIC_CERTIFIED_COPY", (0, 0), 2.0),  # the portal's 2 points, with or without dossiers
        ("ELECTRONIC_CERTIFIED_COPY", (0, 50), 2.0),
        ("PETITION_BY_STAFF", (7, 10), 0.0),  # monitoring only
    ],
)
def test_each_capped_rule(code: str, counts: tuple[int, int], expected: float) -> None:
    points = _points(_values({"A": {code: counts}}))
    assert points.loc[("A", code), "score"] == pytest.approx(expected, abs=1e-9)


def test_payment_parts_each_capped_add_up_to_ten() -> None:
    full = {"PAYMENT_DOSSIERS": (5, 5), "PAYMENT_PROCEDURES": (2, 2), "PAYMENT_FEE_COVERAGE": (2, 2)}
    points = _points(_values({"A": full}))
    assert points.loc[("A", "PAYMENT_FEE_COVERAGE"), "score"] == 2.0
    assert points.loc[("A", "PAYMENT"), "score"] == 10.0


def test_group_total_is_the_sum_of_rounded_metric_scores() -> None:
    # 6 x 1/3 = 2.0; 4 x 1/3 = 1.333 -> 1.33; 6 x 2/3 = 4.0: rounded sum 7.33 (full precision 7.3333)
    given = {"PUBLISH_ON_TIME": (1, 3), "PUBLIC_UPDATE_ON_TIME": (1, 3), "DOSSIER_SYNC": (2, 3),
             "PUBLIC_CONTENT_FULL": (1, 6), "TIMELINESS": (29, 32)}  # fmt: skip
    points = _points(_values({"A": given}))
    assert points.loc[("A", "PUBLIC_CONTENT_FULL"), "score"] == 0.33
    assert points.loc[("A", "TRANSPARENCY"), "score"] == 7.66  # 2 + 1.33 + 0.33 + 4 (not 7.67)
    assert points.loc[("A", "TIMELINESS_GROUP"), "score"] == 18.13
    groups = ["TRANSPARENCY", "TIMELINESS_GROUP", "ONLINE", "DIGITISATION", "SATISFACTION", "PAYMENT"]
    total = sum(points.loc[("A", g), "score"] for g in groups if not pd.isna(points.loc[("A", g), "score"]))
    assert points.loc[("A", "TOTAL"), "score"] == pytest.approx(total, abs=1e-9)


def test_a_zero_denominator_is_null_left_out_of_the_group_which_keeps_its_max() -> None:
    # dossier sync 6 x 1/2 = 3; the announcement metrics and complete content have no data
    points = _points(_values({"A": {"DOSSIER_SYNC": (1, 2), "TIMELINESS": (1, 2)}}))
    assert pd.isna(points.loc[("A", "PUBLISH_ON_TIME"), "score"])
    assert pd.isna(points.loc[("A", "PUBLISH_ON_TIME"), "value"])
    assert points.loc[("A", "TRANSPARENCY"), "score"] == 3.0  # not rescaled up to 18 x 1/2
    assert points.loc[("A", "TRANSPARENCY"), "max_score"] == 18.0
    assert points.loc[("A", "TIMELINESS"), "score"] == 10.0


def test_online_submission_is_scored_on_its_share_times_the_sync_rate() -> None:
    # online 60 of 100 received, synced 50 of 100: 0.6 x 0.5 = 0.3 -> 4 x 0.3 / 0.5 = 2.4
    values = _values({"A": {"ONLINE_SUBMISSION_RATE": (60, 100), "DOSSIER_SYNC": (50, 100)}})
    values.loc[values["indicator_code"] == "ONLINE_SUBMISSION_RATE", "value"] = 0.3
    points = _points(values)
    assert points.loc[("A", "ONLINE_SUBMISSION_RATE"), "score"] == 2.4


def test_ties_share_a_rank_and_the_next_is_skipped() -> None:
    same = {"TIMELINESS": (9, 10)}
    points = _points(_values({"A": same, "B": same, "C": {"TIMELINESS": (1, 10)}}))
    assert points.loc[("A", "TOTAL"), "score"] == points.loc[("B", "TOTAL"), "score"]
    assert [points.loc[(a, "TOTAL"), "rank"] for a in "ABC"] == [1, 1, 3]
    assert pd.isna(points.loc[("A", "TIMELINESS"), "rank"])


def test_rolled_up_parent_is_scored_from_the_sums_and_ranked_within_its_level() -> None:
    agencies = pd.DataFrame(
        {
            "agency_code": ["P", "C1", "C2"],
            "parent_code": [None, "P", "P"],
            "level": ["PROVINCE", "COMMUNE", "COMMUNE"],
        }
    )
    values = compute(
        dossiers(
            {"agency_code": "C1", "finished_at": "2026-08-04 10:00"},
            {"agency_code": "C2", "finished_at": "2026-08-04 10:00"},
            {"agency_code": "C2", "due_at": "2026-08-04 17:00"},
            {"agency_code": "C2", "due_at": "2026-08-04 17:00"},
        ),
        agencies=agencies,
    )
    points = _points(values, agencies)
    assert points.loc[("P", "TIMELINESS"), "score"] == 10.0  # 20 x 2 / 4, not the mean of 20 and 6.67
    assert points.loc[("C2", "TIMELINESS"), "score"] == 6.67
    assert points.loc[("P", "TOTAL"), "rank"] == 1  # alone in its level
    assert points.loc[("P", "TOTAL"), "level"] == "PROVINCE"
    assert points.loc[("C1", "TOTAL"), "rank"] == 1


def _write_inputs(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "dossiers.csv"
    rows = dossiers(
        {"dossier_id": "D1", "agency_code": "C1", "finished_at": "2026-08-04 10:00", "status": "finished"},
        {"dossier_id": "D2", "agency_code": "C2", "due_at": "2026-08-04 17:00"},
        {"dossier_id": "D2", "agency_code": "C2", "finished_at": "2026-08-04 10:00", "status": "finished"},
    )
    pacsv.write_csv(rows, d)
    # a bad row: unknown channel
    bad = '"D9","C1","P1","fax","2026-08-03 09:00:00",,,"received",0,0,' + "false," * 7 + "0,,false,false\n"
    d.write_text(d.read_text() + bad)
    p = tmp_path / "petitions.csv"
    pacsv.write_csv(petitions({"agency_code": "C1", "handled_at": "2026-08-30 10:00"}), p)
    a = tmp_path / "agencies.csv"
    a.write_text(
        "agency_code,name,parent_code,level\nP,Tỉnh,,PROVINCE\nC1,Xã 1,P,COMMUNE\nC2,Xã 2,P,COMMUNE\n"
    )
    return {"dossiers": d, "petitions": p, "agencies": a}


def test_files_alone(tmp_path: Path) -> None:
    paths = _write_inputs(tmp_path)
    report = score766_files(
        dossiers=[paths["dossiers"]],
        petitions=[paths["petitions"]],
        agencies=paths["agencies"],
        period="2026-08",
    )
    table = report.table
    assert list(table.columns[: len(OUTPUT_COLUMNS)]) == OUTPUT_COLUMNS
    assert set(table["agency_code"]) == {"P", "C1", "C2"}
    assert len(table) == 3 * (len(builtin_metrics()) + 6 + 1)  # metrics, six group totals, TOTAL
    assert len(report.rejects) == 1 and report.rejects[0].column == "channel"
    t = table.set_index(["agency_code", "indicator_code"])
    # D2 appears twice: the later row (finished on time) replaces the earlier one
    assert (t.loc[("C2", "TIMELINESS"), "numerator"], t.loc[("C2", "TIMELINESS"), "denominator"]) == (1, 1)
    assert (t.loc[("P", "TIMELINESS"), "numerator"], t.loc[("P", "TIMELINESS"), "denominator"]) == (2, 2)
    assert t.loc[("P", "PETITION_PROCESSING_ON_TIME"), "score"] == 0.0


def test_score766_command_writes_the_table_and_the_rejects(tmp_path: Path) -> None:
    paths = _write_inputs(tmp_path)
    out = tmp_path / "out" / "score766.csv"
    result = CliRunner().invoke(
        app,
        [
            "monitor",
            "score766",
            "--dossiers",
            str(paths["dossiers"]),
            "--petitions",
            str(paths["petitions"]),
            "--agencies",
            str(paths["agencies"]),
            "--period",
            "2026-08",
            "--out",
            str(out),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"agency_code": str})
    assert list(table.columns[: len(OUTPUT_COLUMNS)]) == OUTPUT_COLUMNS
    assert (out.parent / "score766.rejects.csv").exists()
    bad = CliRunner().invoke(
        app,
        [
            "monitor",
            "score766",
            "--dossiers",
            str(paths["dossiers"]),
            "--period",
            "2026-13",
            "--out",
            str(out),
        ],  # fmt: skip
    )
    assert bad.exit_code == 1
    assert "2026-13" in bad.output


def test_score766_writes_group_totals_nulls_as_empty_cells_and_json(tmp_path: Path) -> None:
    paths = _write_inputs(tmp_path)
    out = tmp_path / "score766.csv"
    base = ["monitor", "score766", "--dossiers", str(paths["dossiers"]), "--agencies", str(paths["agencies"]),
            "--period", "2026-08"]  # fmt: skip
    result = CliRunner().invoke(app, [*base, "--out", str(out), "--by-procedure", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig").splitlines()
    sync = next(line for line in text if line.startswith("C1,COMMUNE,PUBLISH_ON_TIME,"))
    assert sync.split(",")[5:7] == ["", ""]  # no announcement: value and score empty, never 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"agency_code": str})
    groups = table[table["indicator_code"].isin(["TRANSPARENCY", "TIMELINESS_GROUP", "PAYMENT"])]
    assert len(groups) == 3 * 3
    by_procedure = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")
    assert set(by_procedure["indicator_code"]) >= {"TIMELINESS", "DOSSIER_SYNC"}
    as_json = tmp_path / "score766.out"
    result = CliRunner().invoke(app, [*base, "--out", str(as_json), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(as_json.read_text(encoding="utf-8"))
    publish = next(r for r in rows if r["agency_code"] == "C1" and r["indicator_code"] == "PUBLISH_ON_TIME")
    assert publish["score"] is None and publish["value"] is None
    total = next(r for r in rows if r["agency_code"] == "C1" and r["indicator_code"] == "TOTAL")
    six = ("TRANSPARENCY", "TIMELINESS_GROUP", "ONLINE", "DIGITISATION", "SATISFACTION", "PAYMENT")
    groups_c1 = [r["score"] for r in rows if r["agency_code"] == "C1" and r["indicator_code"] in six]
    assert total["score"] == pytest.approx(sum(g for g in groups_c1 if g is not None), abs=1e-9)
