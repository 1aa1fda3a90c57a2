"""Worked examples from METHODOLOGY.md: Decision 766, the province DTI, the Đà Nẵng bands."""

from __future__ import annotations

import pandas as pd
import pytest

from chiso.frameworks import load_framework
from chiso.scoring import score

DTI_LEAVES = ["NTS", "TCS", "HTS", "NLS", "ATTT", "DTTM", "CQS", "KTS", "XHS"]
DTI_POINTS = [100, 100, 100, 100, 100, 0, 200, 150, 150]


def _rows(agency: str, period: str, **values: float) -> list[dict[str, object]]:
    return [
        {"agency_code": agency, "period": period, "indicator_code": k, "value": v} for k, v in values.items()
    ]


def _node(result, agency: str, node: str) -> pd.Series:
    table = result.table
    row = table[(table["agency_code"] == agency) & (table["node_code"] == node)]
    assert len(row) == 1
    return row.iloc[0]


def test_766_timeliness_is_20_x_on_time_over_received_and_published_half_up() -> None:
    values = pd.DataFrame(
        [
            {
                "agency_code": "A",
                "period": "2024",
                "indicator_code": "TIMELINESS",
                "numerator": 29,
                "denominator": 32,
            },
            {
                "agency_code": "B",
                "period": "2024",
                "indicator_code": "TIMELINESS",
                "numerator": 0,
                "denominator": 0,
            },
            {
                "agency_code": "C",
                "period": "2024",
                "indicator_code": "TIMELINESS",
                "numerator": 32,
                "denominator": 32,
            },
        ]
    )
    result = score(load_framework("qd766"), values)
    a = _node(result, "A", "TIMELINESS")
    assert a["points"] == 20 * 29 / 32 == 18.125
    assert a["published"] == 18.13
    assert (
        _node(result, "B", "TIMELINESS")["points"] == 0.0
    )  # zero received scores 0, as the portal publishes
    assert _node(result, "C", "TIMELINESS")["points"] == 20.0
    assert _node(result, "A", "TIMELINESS_GROUP")["published"] == 18.13
    assert [_node(result, x, "TIMELINESS")["rank"] for x in "CAB"] == [1, 2, 3]


@pytest.mark.parametrize(
    ("code", "rate", "expected"),
    [
        ("ONLINE_PROCEDURE_RATE", 0.8, 4.0),  # full marks at 80%
        ("ONLINE_PROCEDURE_RATE", 0.4, 2.0),  # rate x max / 80%
        ("ONLINE_PROCEDURE_RATE", 0.97, 4.0),
        ("ONLINE_SUBMISSION_RATE", 0.5, 4.0),  # full marks at 50%
        ("ONLINE_SUBMISSION_RATE", 0.25, 2.0),
        ("SO_HOA_GIAY_TO_GIAI_QUYET", 0.6, 2.4),  # the portal's 4 x rate (the document's 80%: an option)
        ("REUSED_DIGITIZED_DATA", 0.6, 1.5),  # min(2, 2 x rate / 80%)
        ("REUSED_DIGITIZED_DATA", 0.9, 2.0),
        ("DOSSIER_RECEIVING_SATISFACTION", 0.9, 6.0),  # min(6, 6 x rate / 0.9)
        ("DOSSIER_RECEIVING_SATISFACTION", 0.45, 3.0),
        ("DOSSIER_RECEIVING_SATISFACTION", 1.0, 6.0),
        ("PAYMENT_PROCEDURES", 0.4, 1.0),  # min(2, 2.5 B)
        ("PAYMENT_PROCEDURES", 0.8, 2.0),
    ],
)
def test_766_capped_rules(code: str, rate: float, expected: float) -> None:
    result = score(load_framework("qd766"), pd.DataFrame(_rows("A", "2024", **{code: rate})))
    assert _node(result, "A", code)["points"] == pytest.approx(expected, abs=1e-12)


def test_766_petitions_none_scores_full_and_no_dossiers_scores_zero() -> None:
    values = pd.DataFrame(
        [
            {
                "agency_code": "A",
                "period": "2024",
                "indicator_code": "PETITION_PROCESSING_ON_TIME",
                "numerator": 0,
                "denominator": 0,
            },
            {
                "agency_code": "A",
                "period": "2024",
                "indicator_code": "DOSSIER_RECEIVING_SATISFACTION",
                "numerator": 0,
                "denominator": 0,
            },
        ]
    )
    result = score(load_framework("qd766"), values)
    assert _node(result, "A", "PETITION_PROCESSING_ON_TIME")["points"] == 6.0
    assert _node(result, "A", "PETITION_HANDLING_SATISFACTION")["points"] == 6.0  # no row: none, so full
    assert _node(result, "A", "DOSSIER_RECEIVING_SATISFACTION")["points"] == 0.0
    assert _node(result, "A", "PETITION_BY_STAFF")["max_points"] == 0.0


def test_766_payment_is_capped_at_10() -> None:
    values = pd.DataFrame(
        _rows("A", "2024", PAYMENT_DOSSIERS=1.0, PAYMENT_PROCEDURES=1.0, PAYMENT_FEE_COVERAGE=1.0)
    )
    result = score(load_framework("qd766"), values)
    assert _node(result, "A", "PAYMENT")["points"] == 10.0  # 6 + 2 + 2.5 = 10.5, capped
    assert _node(result, "A", "TOTAL")["max_points"] == 100.0


def _dti(agency: str, indices: list[float]) -> list[dict[str, object]]:
    return _rows(agency, "2022", **dict(zip(DTI_LEAVES, indices, strict=True)))


def test_dti_total_is_sum_of_index_times_points_over_1000_and_ties_share_a_rank() -> None:
    a = [0.8123, 0.9, 0.7, 0.65, 0.8, 0.5, 0.75, 0.6, 0.55]
    b = [0.7, 0.7, 0.7, 0.7, 0.7, 0.9, 0.7, 0.7, 0.7]
    c = b[:]  # same indices: a tie
    d = [0.1] * 9
    values = pd.DataFrame(_dti("A", a) + _dti("B", b) + _dti("C", c) + _dti("D", d))
    result = score(load_framework("dti-province-2022"), values)
    totals = result.totals().set_index("agency_code")
    expected_a = sum(x * p for x, p in zip(a, DTI_POINTS, strict=True)) / 1000
    assert totals.loc["A", "points"] / 1000 == pytest.approx(expected_a, abs=1e-12)
    assert totals.loc["A", "index_value"] == round(expected_a, 4)
    assert totals.loc["B", "index_value"] == 0.7  # smart city is shown but not scored
    assert list(totals.loc[["A", "B", "C", "D"], "rank"]) == [1, 2, 2, 4]


def test_dti_tie_is_decided_on_the_published_figure_not_float_noise() -> None:
    # 0.1 + 0.2 style noise: equal published totals must share the rank.
    a = [0.3, 0.3, 0.3, 0.3, 0.3, 0.0, 0.3, 0.3, 0.3]
    b = [0.1 + 0.2, 0.3, 0.3, 0.3, 0.3, 0.0, 0.3, 0.3, 0.3]
    result = score(load_framework("dti-province-2022"), pd.DataFrame(_dti("A", a) + _dti("B", b)))
    assert list(result.totals()["rank"]) == [1, 1]


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (100, "Tốt"),
        (80, "Tốt"),
        (79.99, "Khá"),
        (65, "Khá"),
        (64.99, "Trung bình"),
        (50, "Trung bình"),
        (49.99, "Yếu"),
        (0, "Yếu"),
    ],
)
def test_danang_bands_at_the_cut_offs(total: float, band: str) -> None:
    # Bonus points only (a penalty-free agency with no other values): the total is the bonus,
    # so we drive the total through the assessor criterion UD_DU_LIEU scaled into the whole index.
    framework = load_framework("danang-it")
    values = pd.DataFrame(
        [
            {"agency_code": "X", "period": "2022", "indicator_code": "DIEM_THUONG", "value": 0.0},
        ]
    )
    result = score(framework, values)
    assert _node(result, "X", "TOTAL")["band"] == "Yếu"
    # Build a framework with the same bands whose total is exactly one assessor leaf of 100.
    from chiso.frameworks import framework_from_dict

    doc = framework.model_dump(mode="json")
    doc["nodes"] = [{"code": "ALL", "name_vi": "Tất cả", "max_points": 100, "rule": {"type": "assessor"}}]
    flat = framework_from_dict(doc)
    one = pd.DataFrame(
        [
            {
                "agency_code": "X",
                "period": "2022",
                "indicator_code": "ALL",
                "value": total,
                "comment": "biên bản thẩm định",
            }
        ]
    )
    assert _node(score(flat, one), "X", "TOTAL")["band"] == band


def test_danang_digital_society_applies_to_districts_and_communes_only() -> None:
    framework = load_framework("danang-it")
    groups = pd.DataFrame(
        {
            "agency_code": ["DEPT", "WARD"],
            "group": ["departments", "communes"],
            "kind": ["department", "commune"],
        }
    )
    rows = []
    for agency in ("DEPT", "WARD"):
        rows += _rows(agency, "2022", HT_MAY_TINH=1.0, HT_MANG=1, NL_CHUYEN_TRACH=1, CS_KE_HOACH=1)
    rows += _rows("WARD", "2022", XH_TAI_KHOAN=0.8, XH_THANH_TOAN=0.5)
    result = score(framework, pd.DataFrame(rows), groups=groups)
    assert pd.isna(_node(result, "DEPT", "XA_HOI_SO")["points"])
    assert _node(result, "WARD", "XA_HOI_SO")["points"] == 10.0
    # DEPT: 5 + 5 + 4 + 4 = 18 of the 90 points that apply, rescaled to 100.
    assert _node(result, "DEPT", "TOTAL")["points"] == pytest.approx(18 * 100 / 90)
    assert _node(result, "WARD", "TOTAL")["points"] == pytest.approx(28.0)
    bad = pd.DataFrame(_rows("DEPT", "2022", XH_TAI_KHOAN=0.5))
    from chiso.errors import ScoringError

    with pytest.raises(ScoringError, match="does not apply"):
        score(framework, bad, groups=groups)


def test_danang_bonus_and_penalty_are_added_and_total_bounded() -> None:
    framework = load_framework("danang-it")
    values = pd.DataFrame(_rows("A", "2022", HT_MANG=1, DIEM_THUONG=3, DIEM_TRU=-5))
    result = score(framework, values)
    assert _node(result, "A", "THUONG_PHAT")["points"] == -2.0
    assert _node(result, "A", "TOTAL")["points"] == 3.0  # 5 + 3 - 5
    low = score(framework, pd.DataFrame(_rows("B", "2022", DIEM_TRU=-5)))
    assert _node(low, "B", "TOTAL")["points"] == 0.0  # clipped at 0, never negative
