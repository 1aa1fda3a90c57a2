"""Bad input is rejected with the row and the reason; no row is ever dropped silently."""

from __future__ import annotations

import pandas as pd
import pytest

from chiso.errors import ScoringError
from chiso.frameworks import load_framework
from chiso.scoring import score


def _fail(values: pd.DataFrame, **kwargs: object) -> ScoringError:
    with pytest.raises(ScoringError) as info:
        score(load_framework("qd766"), values, **kwargs)
    return info.value


def _row(indicator: str = "TIMELINESS", **extra: object) -> dict[str, object]:
    return {"agency_code": "A", "period": "2024", "indicator_code": indicator, **extra}


def test_every_offending_row_is_listed_with_its_reason() -> None:
    values = pd.DataFrame(
        [
            _row(value=0.5),  # fine
            _row("NO_SUCH_LEAF", value=0.5),  # unknown leaf
            _row("ONLINE", value=0.5),  # an aggregate node, not a leaf
            _row("ONLINE_PROCEDURE_RATE", value="tám mươi"),  # text
            _row("ONLINE_SUBMISSION_RATE", value=1.3),  # a rate of 130%
            _row("DOSSIER_SYNC", numerator=-1, denominator=5),  # negative count
            _row("PUBLISH_ON_TIME", numerator=7, denominator=5),  # numerator above denominator
            _row("PUBLIC_CONTENT_FULL", numerator=3),  # numerator without denominator
        ]
    )
    error = _fail(values, source="values.csv", first_row=2)
    by_row = {p.row: p for p in error.problems}
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9}
    assert "not in framework" in by_row[3].message_en and "NO_SUCH_LEAF" in by_row[3].message_en
    assert "aggregate node" in by_row[4].message_en
    assert "not a number" in by_row[5].message_en and by_row[5].column == "value"
    assert "outside the rule's range" in by_row[6].message_en and "1.3" in by_row[6].message_en
    assert "negative numerator" in by_row[7].message_en
    assert "numerator above denominator" in by_row[8].message_en
    assert "both numerator and denominator" in by_row[9].message_en
    assert all(p.file == "values.csv" for p in error.problems)
    assert "no row was skipped" in str(error)


def test_duplicates_are_rejected_both_rows_named() -> None:
    values = pd.DataFrame([_row(value=0.5), _row("DOSSIER_SYNC", value=1), _row(value=0.6)])
    error = _fail(values)
    assert [p.row for p in error.problems] == [1, 3]
    assert all("duplicate" in p.message_en for p in error.problems)


def test_unknown_agencies_are_rejected_when_groups_are_given() -> None:
    values = pd.DataFrame([_row(value=0.5), {**_row(value=0.5), "agency_code": "GHOST"}])
    groups = pd.DataFrame({"agency_code": ["A"], "group": ["g"]})
    error = _fail(values, groups=groups)
    assert [p.row for p in error.problems] == [2]
    assert "GHOST" in error.problems[0].message_en


def test_missing_codes_and_columns() -> None:
    error = _fail(
        pd.DataFrame([{**_row(value=0.5), "agency_code": "  "}, {**_row(value=0.5), "period": None}])
    )
    assert [p.column for p in error.problems] == ["agency_code", "period"]
    with pytest.raises(ScoringError, match="lacks columns: indicator_code"):
        score(load_framework("qd766"), pd.DataFrame([{"agency_code": "A", "period": "1", "value": 1}]))


def test_assessor_points_need_a_comment_and_stay_within_max() -> None:
    framework = load_framework("danang-it")
    values = pd.DataFrame(
        [
            {"agency_code": "A", "period": "2022", "indicator_code": "HT_ATTT", "value": 4},
            {
                "agency_code": "B",
                "period": "2022",
                "indicator_code": "HT_ATTT",
                "value": 6,
                "comment": "quá điểm",
            },
            {
                "agency_code": "C",
                "period": "2022",
                "indicator_code": "DIEM_TRU",
                "value": -7,
                "comment": "sự cố",
            },
        ]
    )
    with pytest.raises(ScoringError) as info:
        score(framework, values)
    messages = {p.row: p.message_en for p in info.value.problems}
    assert "need a comment" in messages[1]
    assert "outside the rule's range" in messages[2]
    assert "outside the rule's range" in messages[3]


def test_yes_no_accepts_only_zero_and_one() -> None:
    framework = load_framework("danang-it")
    values = pd.DataFrame([{"agency_code": "A", "period": "2022", "indicator_code": "HT_MANG", "value": 2}])
    with pytest.raises(ScoringError, match="outside the rule's range"):
        score(framework, values)


def test_a_blank_value_is_kept_as_missing_not_dropped() -> None:
    result = score(load_framework("qd766"), pd.DataFrame([_row(value=None)]))
    row = result.explanations[result.explanations["indicator_code"] == "TIMELINESS"].iloc[0]
    assert row["points"] == 0.0
    assert row["note"] == "missing value: zero"


def test_bad_groups_table() -> None:
    groups = pd.DataFrame({"agency_code": ["A", "A"], "group": ["x", "y"]})
    error = _fail(pd.DataFrame([_row(value=0.5)]), groups=groups)
    assert "more than once" in error.problems[0].message_en
