"""The run log is plain JSON data; replaying it reproduces the result, and tampering is detected."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from chiso.errors import InvalidInput, ScoringError
from chiso.frameworks import load_framework
from chiso.scoring import ENGINE_VERSION, replay, score


def _values() -> pd.DataFrame:
    rows = []
    for period, rate in (("2023", 0.5), ("2024", 0.9)):
        for agency, shift in (("A", 0.0), ("B", 0.05)):
            rows.append(
                {
                    "agency_code": agency,
                    "period": period,
                    "indicator_code": "TIMELINESS",
                    "numerator": round((rate - shift) * 40),
                    "denominator": 40,
                }
            )
            rows.append(
                {
                    "agency_code": agency,
                    "period": period,
                    "indicator_code": "ONLINE_PROCEDURE_RATE",
                    "value": rate,
                }
            )
    return pd.DataFrame(rows)


def test_log_is_json_and_replay_reproduces_the_result() -> None:
    groups = pd.DataFrame({"agency_code": ["A", "B"], "group": ["g", "g"]})
    result = score(load_framework("qd766"), _values(), groups=groups)
    log = json.loads(json.dumps(result.log))
    assert log["engine_version"] == ENGINE_VERSION
    assert log["framework"]["id"] == "qd766"
    assert [s["step"] for s in log["steps"]][:4] == ["validate", "score_leaves", "aggregate", "publish"]
    again = replay(log, _values(), groups=groups)
    pd.testing.assert_frame_equal(again.table, result.table)
    pd.testing.assert_frame_equal(again.explanations, result.explanations)


def test_replay_refuses_changed_inputs_or_a_changed_framework() -> None:
    result = score(load_framework("qd766"), _values())
    changed = _values()
    changed.loc[1, "value"] = 0.1
    with pytest.raises(ScoringError, match="hash"):
        replay(result.log, changed)
    tampered = json.loads(json.dumps(result.log))
    tampered["framework"]["document"]["nodes"][1]["children"][0]["rule"]["zero_denominator"] = "full"
    with pytest.raises(ScoringError, match="altered"):
        replay(tampered, _values())
    broken = json.loads(json.dumps(result.log))
    broken["framework"]["document"]["nodes"][0]["max_points"] = 99
    with pytest.raises(InvalidInput, match="add up to"):
        replay(broken, _values())


def test_replay_uses_the_logged_lineage_policy() -> None:
    framework = load_framework("qd766")
    before = score(framework, _values()[lambda d: d["period"] == "2023"])
    now = _values()[lambda d: d["period"] == "2024"].replace({"A": "M"})
    lineage = pd.DataFrame({"predecessor_code": ["A", "B"], "successor_code": ["M", "M"]})
    result = score(framework, now, previous=before.table, lineage=lineage, lineage_policy="max")
    again = replay(result.log, now, previous=before.table, lineage=lineage)
    pd.testing.assert_frame_equal(again.table, result.table)
