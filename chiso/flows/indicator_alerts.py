"""Catalogue indicators under the follow-up's "target missed" rule: a year's target against its last figure.

Flows layer; imports the indicators room (catalogue rows, targets, the cube) and the follow-up room's
alert candidate. A province-wide target of a year (indicator_targets) is judged once the year's last
period has a figure: met or missed, by the indicator's direction. A year without that figure is no data,
never missed. The alert goes to the indicator's owner department (escalated and notified like every other
alert); `alerts.new_candidates` keeps it to one per indicator and year.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.config import get_settings
from chiso.followup.alerts import Candidate
from chiso.indicators.cube import load_rules, open_cube
from chiso.indicators.periods import period_of
from chiso.store.models.indicators import Indicator, IndicatorTarget


def _missed(value: float, target: float, higher_is_better: bool) -> bool:
    return value < target if higher_is_better else value > target


def indicator_target_candidates(session: Session, *, today: date) -> list[Candidate]:
    """Return a "target missed" candidate per catalogue indicator whose last finished year missed its target.

    Args:
        session: the open session.
        today: the province's date; the years judged are those whose last period has ended.
    """
    rows = session.execute(
        select(IndicatorTarget, Indicator)
        .join(Indicator, Indicator.code == IndicatorTarget.indicator_code)
        .where(IndicatorTarget.unit_code.is_(None), IndicatorTarget.year < today.year, Indicator.active)
    ).all()
    if not rows:
        return []
    rules = load_rules(session)
    cube = open_cube(session, rules)
    province = get_settings().province_code
    found: list[Candidate] = []
    for goal, indicator in rows:
        last = period_of(date(goal.year, 12, 31), indicator.period_type)
        rule = rules.get(indicator.code)
        if rule is None or indicator.owner_agency_code is None:
            continue
        value = cube.series([rule], [last], province)[indicator.code][last]
        if value is None or not _missed(value, goal.value, indicator.higher_is_better):
            continue
        word = ">=" if indicator.higher_is_better else "<="
        unit = indicator.unit or ""
        found.append(
            Candidate(
                f"target:IND:{indicator.code}",
                indicator.owner_agency_code,
                last,
                f"Không đạt chỉ tiêu năm {goal.year} {indicator.name_vi}: {value:.2f}{unit} "
                f"(chỉ tiêu {word} {goal.value:g}{unit})",
                f"Target missed, {goal.year} {indicator.name_en or indicator.name_vi}: {value:.2f}{unit} "
                f"(target {word} {goal.value:g}{unit})",
                {
                    "indicator": f"ind:{indicator.code}",
                    "value": value,
                    "target_value": goal.value,
                    "comparison": word,
                    "year": goal.year,
                },  # fmt: skip
            )
        )
    return found
