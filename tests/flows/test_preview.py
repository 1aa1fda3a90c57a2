"""The reporter's live preview: scored by the engine within the agency's whole peer group."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from assess_helpers import FULL_VALUES, later
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import submissions
from chiso.flows.scoring import preview_agency, preview_ranking
from chiso.frameworks import load_framework
from chiso.scoring import score

P = "DNG-2026"
MINMAX = """
id: test-minmax
version: "1"
family: test-minmax
name_vi: Bộ chỉ số thử với quy tắc min-max
name_en: Test framework with a min-max rule
max_points: 20
decimals: 2
bands:
  - {code: TOT, label_vi: Tốt, label_en: Good, min: 15}
  - {code: YEU, label_vi: Yếu, label_en: Weak, max: 15}
nodes:
  - code: TRU_COT
    name_vi: Trụ cột
    name_en: Pillar
    max_points: 20
    children:
      - code: SO_HO_SO
        name_vi: Số hồ sơ trực tuyến
        name_en: Online dossiers
        max_points: 10
        rule: {type: minmax}
      - code: CO_KE_HOACH
        name_vi: Có kế hoạch
        name_en: Has a plan
        max_points: 10
        rule: {type: yes_no}
"""


def save(db: Session, values: dict, user, agency: str = "DNG.SO.A"):
    return submissions.save_draft(
        db, period_code=P, agency_code=agency, values=values, actor=user, now=later(1)
    )


def test_live_preview_scores_the_draft_with_the_engine(db: Session, province, open_period) -> None:
    open_period()
    user = province.users["baocao.a"]
    empty = preview_agency(db, period_code=P, agency_code="DNG.SO.A", actor=user)
    assert empty.total == 0 and not empty.complete
    save(db, {"HT_MANG": {"value": "có"}, "HT_MAY_TINH": {"value": 0.5}}, user)
    part = preview_agency(db, period_code=P, agency_code="DNG.SO.A", actor=user)
    assert part.sections["HA_TANG"] == pytest.approx(5 + 2.5)  # yes = 5 points, 0.5 of target 1.0 x 5
    save(db, FULL_VALUES, user)
    full = preview_agency(db, period_code=P, agency_code="DNG.SO.A", actor=user)
    assert full.complete and full.sections["HA_TANG"] == pytest.approx(4.75 + 5 + 4)
    # the same values typed by hand as the engine's own table give the same total
    by_hand = {
        "HT_MAY_TINH": 0.95,
        "HT_MANG": 1,
        "HT_ATTT": 4,
        "UD_VAN_BAN": 1.0,
        "UD_HO_SO_CV": 0.9,
        "UD_HOP_TRUC_TUYEN": 12,
        "UD_DU_LIEU": 3,
        "DVC_TOAN_TRINH": 0.7,
        "DVC_HO_SO_TRUC_TUYEN": 0.4,
        "NL_CHUYEN_TRACH": 1,
        "NL_DAO_TAO": 0.6,
        "CS_KE_HOACH": 0,
        "CS_KINH_PHI": 5,
    }
    rows = [
        {"agency_code": "DNG.SO.A", "period": "2026", "indicator_code": k, "value": v, "comment": "x"}
        for k, v in by_hand.items()
    ]
    rows.append(
        {
            "agency_code": "DNG.SO.A",
            "period": "2026",
            "indicator_code": "DVC_DUNG_HAN",
            "numerator": 95,
            "denominator": 100,
            "comment": "x",
        }
    )
    expected = score(
        load_framework("danang-it"),
        pd.DataFrame(rows),
        groups=pd.DataFrame([{"agency_code": "DNG.SO.A", "group": "SBN", "kind": "department"}]),
    )
    assert full.total == pytest.approx(float(expected.totals()["points"].iloc[0]))
    assert full.band == expected.totals()["band"].iloc[0]


def test_one_agency_previews_as_its_row_of_the_whole_group(
    db: Session, province, open_period, tmp_path: Path
) -> None:
    """A min-max criterion gives an agency alone full marks; within its group it gets its real points."""
    path = tmp_path / "minmax.yaml"
    path.write_text(MINMAX, encoding="utf-8")
    open_period(framework_id=str(path))
    counts = {"DNG.SO.A": 40, "DNG.SO.B": 10, "DNG.SO.C": 100, "DNG.SO.D": 70}
    for agency, n in counts.items():
        save(db, {"SO_HO_SO": {"value": n}, "CO_KE_HOACH": {"value": 1}}, SYSTEM, agency)
    preview = preview_agency(db, period_code=P, agency_code="DNG.SO.A", actor=province.users["baocao.a"])
    assert preview.sections["TRU_COT"] == round(10 + 10 * (40 - 10) / (100 - 10), 2)  # alone it got 20
    for agency in counts:
        submissions.submit(db, period_code=P, agency_code=agency, now=later(2), actor=SYSTEM)
    whole = preview_ranking(db, period_code=P, group="SBN", actor=SYSTEM, require_approved=False)
    rows = {r.agency_code: r for r in whole.rows}
    for agency in counts:
        alone = preview_agency(db, period_code=P, agency_code=agency, actor=SYSTEM)
        assert alone.published_total == rows[agency].total
        assert alone.band == rows[agency].band
