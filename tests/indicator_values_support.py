"""Factories for the indicator-value tests: catalogue rows, units, agencies, users and a unit's history.

The catalogue service is another engineer's; these tests create `Indicator` rows directly. Units and
agencies are a small province of their own ("97" with two communes and two departments), added in the
test's rolled-back session, so nothing needs the national unit tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.store.models.agencies import Agency
from chiso.store.models.indicators import Indicator, IndicatorTarget, IndicatorValue
from chiso.store.models.units import AdminUnit
from chiso.store.models.users import User

PROVINCE = "97"  # a code no real province has: the real units other tests load never mix in
COMMUNES = ("VT001", "VT002")
OWNER, OTHER = "VT.SO.KHCN", "VT.SO.TC"


def add_units(db: Session) -> None:
    """Add the province, its two communes and two departments (once per session)."""
    if db.scalar(select(Agency.id).where(Agency.code == OWNER)) is not None:
        return
    for code in COMMUNES:
        db.add(
            AdminUnit(
                code=code,
                level="commune",
                name=f"Xã {code}",
                full_name=f"Xã {code}",
                name_ascii=code.lower(),
                province_code=PROVINCE,
                valid_from=date(2025, 7, 1),
            )
        )
    for code, name in ((OWNER, "Sở Khoa học và Công nghệ thử"), (OTHER, "Sở Tài chính thử")):
        db.add(
            Agency(
                code=code, name_vi=name, name_ascii=code.lower(), kind="department", province_code=PROVINCE
            )
        )
    db.flush()


def add_indicator(db: Session, code: str = "VT_PCT", **fields: object) -> Indicator:
    """Add a catalogue indicator (percent, quarter, province level, owned by OWNER unless told)."""
    data: dict[str, object] = {
        "name_vi": f"Chỉ tiêu {code}",
        "name_en": f"Indicator {code}",
        "value_type": "percent",
        "period_type": "quarter",
        "level": "province",
        "aggregation": "none",
        "source": "entered",
        "owner_agency_code": OWNER,
        "outlier_sd": 3.0,
        "needs_approval": False,
        "active": True,
        "higher_is_better": True,
        "unit": "%",
        "updated_at": clock.now(),
    }
    data.update(fields)
    row = Indicator(code=code, **data)
    db.add(row)
    db.flush()
    return row


def add_history(
    db: Session,
    code: str,
    unit: str,
    periods: Sequence[str],
    values: Sequence[float],
    status: str = "entered",
) -> None:
    """Store earlier values of one unit."""
    for period, value in zip(periods, values, strict=True):
        db.add(
            IndicatorValue(
                indicator_code=code,
                unit_code=unit,
                period=period,
                value=value,
                status=status,
                channel="demo",
                entered_by="test",
                entered_at=clock.now(),
            )
        )
    db.flush()


def add_target(db: Session, code: str, year: int, value: float, unit: str | None = None) -> None:
    db.add(IndicatorTarget(indicator_code=code, unit_code=unit, year=year, value=value))
    db.flush()


def add_user(db: Session, role: str, agency: str | None = None, username: str | None = None) -> User:
    """Add an active user of a role (a reporter of `agency`)."""
    agency_id = db.scalar(select(Agency.id).where(Agency.code == agency)) if agency else None
    user = User(
        username=username or f"vt_{role}_{agency or 'x'}".lower(),
        full_name=f"Thử {role}",
        password_hash="-",
        role=role,
        agency_id=agency_id,
        province_code=PROVINCE,
        is_active=True,
        created_at=clock.now(),
    )
    db.add(user)
    db.flush()
    return user


def stored(db: Session, code: str, unit: str, period: str) -> IndicatorValue | None:
    return db.scalar(
        select(IndicatorValue).where(
            IndicatorValue.indicator_code == code,
            IndicatorValue.unit_code == unit,
            IndicatorValue.period == period,
        )
    )
