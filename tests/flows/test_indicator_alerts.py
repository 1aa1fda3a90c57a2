"""A catalogue indicator's yearly target under the follow-up's "target missed" rule."""

from __future__ import annotations

from datetime import date

import pytest
from dashboard_fixtures import add_indicator, put, target
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.flows.indicator_alerts import indicator_target_candidates
from chiso.followup import alerts
from chiso.units.agencies import create_agency

TODAY = date(2026, 3, 10)


@pytest.fixture
def owner(db: Session, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CHISO_PROVINCE", "48")
    create_agency(db, actor=SYSTEM, code="TD.SO", name_vi="Sở thử", kind="department", province_code="48")
    return "TD.SO"


@pytest.mark.parametrize(
    ("higher_is_better", "value", "raised"),
    [(True, 80.0, True), (True, 95.0, False), (False, 80.0, False), (False, 95.0, True)],
)
def test_a_finished_year_that_missed_its_target_raises_one_alert_for_the_owner(
    db: Session, owner: str, higher_is_better: bool, value: float, raised: bool
) -> None:
    add_indicator(db, "TD_TL", value_type="percent", unit="%", period_type="quarter", level="province",
                  aggregation="none", owner_agency_code=owner, higher_is_better=higher_is_better)  # fmt: skip
    put(db, "TD_TL", "48", "2025-Q3", 99.0 if higher_is_better else 1.0)  # not the year's last quarter
    put(db, "TD_TL", "48", "2025-Q4", value)
    target(db, "TD_TL", 2025, 90.0)
    found = indicator_target_candidates(db, today=TODAY)
    assert [(c.rule, c.agency_code, c.period) for c in found] == (
        [("target:IND:TD_TL", owner, "2025-Q4")] if raised else []
    )
    if raised:
        assert "Không đạt chỉ tiêu năm 2025" in found[0].title_vi and found[0].evidence["value"] == value
        fresh = alerts.new_candidates(db, candidates=found)
        alerts.raise_alerts(db, candidates=fresh, now=None)
        again = indicator_target_candidates(db, today=TODAY)
        assert alerts.new_candidates(db, candidates=again) == []  # once per indicator and year


def test_no_figure_and_this_year_are_never_missed(db: Session, owner: str) -> None:
    add_indicator(
        db, "TD_HS", period_type="year", level="province", aggregation="none", owner_agency_code=owner
    )
    target(db, "TD_HS", 2025, 100.0)  # 2025 has no figure: no data, not missed
    put(db, "TD_HS", "48", "2026", 1.0)
    target(db, "TD_HS", 2026, 100.0)  # 2026 is not over on 10 March 2026
    assert indicator_target_candidates(db, today=TODAY) == []
