"""The checks every entered value goes through: who may enter it, its unit and its type and range.

Indicators room; imports chiso.accounts (actors), chiso.units (the demo province as the last
fallback), chiso.store and chiso.errors. `values.py` runs these on each value of a batch.
"""

from __future__ import annotations

import math
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor, is_system
from chiso.config import get_settings
from chiso.errors import PermissionDenied, Problem
from chiso.store.models.agencies import Agency
from chiso.store.models.indicators import Indicator
from chiso.store.models.units import AdminUnit

ENTER_ROLES = ("secretariat", "reporter")
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def home_province(actor: Actor) -> str:
    """Return the province an actor works for (the system and accounts without one: CHISO_PROVINCE's)."""
    return getattr(actor, "province_code", None) or get_settings().province_code


def actor_agency_code(session: Session, actor: Actor) -> str | None:
    """Return the code of the agency an actor reports for (reporters), else None."""
    agency_id = getattr(actor, "agency_id", None)
    return None if agency_id is None else session.scalar(select(Agency.code).where(Agency.id == agency_id))


def check_can_enter(session: Session, *, actor: Actor, indicator: Indicator) -> None:
    """Refuse unless the actor may enter this indicator's values.

    The system and the secretariat may enter any; a reporter only an indicator its agency owns.

    Raises:
        PermissionDenied: naming the user, the indicator and its owner.
    """
    if is_system(actor):
        return
    who, role = getattr(actor, "username", "?"), getattr(actor, "role", None)
    if role not in ENTER_ROLES or not getattr(actor, "is_active", False):
        raise PermissionDenied(
            f"Người dùng {who} (vai trò {role}) không được nhập số liệu chỉ tiêu",
            f"The user {who} (role {role}) may not enter indicator values",
        )
    if role == "reporter" and actor_agency_code(session, actor) != indicator.owner_agency_code:
        owner = indicator.owner_agency_code or "—"
        raise PermissionDenied(
            f"Chỉ tiêu {indicator.code} do cơ quan {owner} báo cáo; {who} không được nhập",
            f"The indicator {indicator.code} is reported by {owner}; {who} may not enter it",
        )


class Context:
    """What checking a batch looks up once: indicators, the province's agencies and communes."""

    def __init__(self, session: Session, actor: Actor, province_code: str | None) -> None:
        self.session = session
        self.actor = actor
        self.province_code = province_code or home_province(actor)
        self.indicators: dict[str, Indicator | None] = {}
        self._agencies: set[str] | None = None
        self._communes: set[str] | None = None
        self.allowed: set[str] = set()

    def indicator(self, code: str) -> Indicator | None:
        if code not in self.indicators:
            self.indicators[code] = self.session.scalar(select(Indicator).where(Indicator.code == code))
        return self.indicators[code]

    def agencies(self) -> set[str]:
        if self._agencies is None:
            rows = self.session.scalars(select(Agency.code).where(Agency.province_code == self.province_code))
            self._agencies = set(rows)
        return self._agencies

    def communes(self) -> set[str]:
        if self._communes is None:
            query = select(AdminUnit.code).where(
                AdminUnit.level == "commune", AdminUnit.province_code == self.province_code
            )
            self._communes = set(self.session.scalars(query))
        return self._communes


def check_unit(ctx: Context, indicator: Indicator, unit_code: str) -> Problem | None:
    level = indicator.level
    if level == "province" and unit_code == ctx.province_code:
        return None
    if level == "commune" and unit_code in ctx.communes():
        return None
    if level == "agency" and unit_code in ctx.agencies():
        return None
    expected_vi = {
        "province": f"mã tỉnh {ctx.province_code}",
        "commune": f"mã xã/phường của tỉnh {ctx.province_code}",
        "agency": f"mã cơ quan của tỉnh {ctx.province_code}",
    }[level]
    expected_en = {
        "province": f"the province code {ctx.province_code}",
        "commune": f"a commune code of province {ctx.province_code}",
        "agency": f"an agency code of province {ctx.province_code}",
    }[level]
    return Problem(
        f"Đơn vị '{unit_code}' không hợp lệ cho {indicator.code}: cần {expected_vi}",
        f"Unit '{unit_code}' is not valid for {indicator.code}: expected {expected_en}",
        field="unit_code",
    )


def check_value_type(indicator: Indicator, value: float) -> Problem | None:
    """Return the problem with a value for this indicator's type and range, or None when it is fine."""
    if not math.isfinite(value):
        return Problem("Giá trị phải là một số", "The value must be a number", field="value")
    low, high = indicator.min_value, indicator.max_value
    if indicator.value_type == "percent":
        low = 0.0 if low is None else low
        high = 100.0 if high is None else high
    if indicator.value_type == "count":
        low = 0.0 if low is None else low
        if value != int(value):
            return Problem(
                f"{indicator.code} là số lượng: nhập số nguyên, không phải {value:g}",
                f"{indicator.code} is a count: enter a whole number, not {value:g}",
                field="value",
            )
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"{'-∞' if low is None else f'{low:g}'} – {'∞' if high is None else f'{high:g}'}"
        return Problem(
            f"{indicator.code}: giá trị {value:g} ngoài khoảng cho phép {span}",
            f"{indicator.code}: the value {value:g} is outside the allowed range {span}",
            field="value",
        )
    return None


def parse_number(value: Any) -> float | None | str:
    """Return a typed cell or input as a number (Vietnamese 1.234,5 and 12.500 too); None when empty;
    the text itself when it is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(" ", "")
    if ("," in text and "." in text) or _THOUSANDS.match(text):  # Vietnamese: 1.234,5 and 12.500
        text = text.replace(".", "").replace(",", ".")
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return str(value)
