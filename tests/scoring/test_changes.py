"""Changes against the previous period: continuing agencies, lineage (renames, merges), new agencies."""

from __future__ import annotations

import pandas as pd
import pytest

from chiso.frameworks import load_framework
from chiso.scoring import score

DTI = ["NTS", "TCS", "HTS", "NLS", "ATTT", "DTTM", "CQS", "KTS", "XHS"]


def _dti(agency: str, period: str, level: float) -> list[dict[str, object]]:
    return [{"agency_code": agency, "period": period, "indicator_code": c, "value": level} for c in DTI]


def _totals(result) -> pd.DataFrame:
    return result.totals().set_index(["period", "agency_code"])


def test_changes_within_one_run_over_several_periods() -> None:
    rows = _dti("A", "2023", 0.5) + _dti("B", "2023", 0.6) + _dti("A", "2024", 0.7) + _dti("B", "2024", 0.6)
    totals = _totals(score(load_framework("dti-province-2022"), pd.DataFrame(rows)))
    a = totals.loc[("2024", "A")]
    assert a["previous_points"] == 500.0 and a["points_change"] == 200.0
    assert a["previous_rank"] == 2 and a["rank"] == 1 and a["rank_change"] == 1
    assert totals.loc[("2024", "B"), "rank_change"] == -1
    assert totals.loc[("2023", "A"), "status"] == "new"
    assert totals.loc[("2024", "A"), "status"] == "continuing"


def test_previous_table_and_merged_agency_takes_the_mean_of_its_predecessors() -> None:
    framework = load_framework("dti-province-2022")
    before = score(
        framework, pd.DataFrame(_dti("P1", "2024", 0.4) + _dti("P2", "2024", 0.6) + _dti("Q", "2024", 0.9))
    )
    now = pd.DataFrame(
        _dti("M", "2025", 0.7) + _dti("Q", "2025", 0.8) + _dti("R", "2025", 0.1) + _dti("S", "2025", 0.2)
    )
    lineage = pd.DataFrame({"predecessor_code": ["P1", "P2", "OLD"], "successor_code": ["M", "M", "S"]})
    result = score(framework, now, previous=before.table, lineage=lineage)
    totals = _totals(result)
    merged = totals.loc[("2025", "M")]
    assert merged["status"] == "merged"
    assert merged["previous_points"] == pytest.approx((400 + 600) / 2)
    assert merged["points_change"] == pytest.approx(200.0)
    assert pd.isna(merged["previous_rank"]) and pd.isna(merged["rank_change"])
    assert totals.loc[("2025", "Q"), "status"] == "continuing"
    assert totals.loc[("2025", "Q"), "rank_change"] == 0
    assert totals.loc[("2025", "R"), "status"] == "new"
    assert totals.loc[("2025", "S"), "status"] == "new"  # its predecessor has no previous result
    summed = _totals(score(framework, now, previous=before.table, lineage=lineage, lineage_policy="sum"))
    assert summed.loc[("2025", "M"), "previous_points"] == 1000.0


def test_renamed_agency_keeps_its_rank_history() -> None:
    framework = load_framework("dti-province-2022")
    before = score(framework, pd.DataFrame(_dti("OLD", "2024", 0.4) + _dti("Z", "2024", 0.5)))
    now = pd.DataFrame(_dti("NEW", "2025", 0.6) + _dti("Z", "2025", 0.5))
    lineage = pd.DataFrame({"predecessor_code": ["OLD"], "successor_code": ["NEW"]})
    totals = _totals(score(framework, now, previous=before.table, lineage=lineage))
    assert totals.loc[("2025", "NEW"), "status"] == "successor"
    assert totals.loc[("2025", "NEW"), "rank_change"] == 1


def test_group_summary_band_counts_and_movers() -> None:
    framework = load_framework("qd766")
    rows = []
    for period, rates in (("2023", [1.0, 0.5, 0.2, 0.9]), ("2024", [0.6, 1.0, 0.3, 0.95])):
        for agency, rate in zip("ABCD", rates, strict=True):
            rows.append(
                {"agency_code": agency, "period": period, "indicator_code": "TIMELINESS", "value": rate}
            )
    groups = pd.DataFrame({"agency_code": list("ABCD"), "group": ["g1", "g1", "g1", "g2"]})
    result = score(framework, pd.DataFrame(rows), groups=groups)
    summary = result.summary.set_index(["period", "group", "node_code"])
    # 2024, g1, TIMELINESS: 12, 20, 6 -> mean 12.67, median 12; previous (same agencies) 20, 10, 4.
    row = summary.loc[("2024", "g1", "TIMELINESS")]
    assert row["count"] == 3
    assert row["mean"] == pytest.approx((12 + 20 + 6) / 3)
    assert row["median"] == 12
    assert row["previous_mean"] == pytest.approx((20 + 10 + 4) / 3)
    assert row["previous_median"] == 10
    counts = result.band_counts
    weak = counts[(counts["period"] == "2024") & (counts["group"] == "g1") & (counts["band"] == "Yếu")]
    assert int(weak["count"].iloc[0]) == 3
    movers = result.movers[(result.movers["period"] == "2024") & (result.movers["group"] == "g1")]
    assert movers[movers["kind"] == "leader"]["agency_code"].tolist() == ["B"]
    assert movers[movers["kind"] == "riser"]["agency_code"].tolist() == ["B"]
    assert movers[movers["kind"] == "faller"]["agency_code"].tolist() == ["A"]


def test_previous_results_must_be_from_an_earlier_period() -> None:
    from chiso.errors import ScoringError

    framework = load_framework("dti-province-2022")
    before = score(framework, pd.DataFrame(_dti("A", "2025", 0.4)))
    with pytest.raises(ScoringError, match="not earlier"):
        score(framework, pd.DataFrame(_dti("A", "2024", 0.5)), previous=before.table)
