"""Pydantic shapes of the indicators room: a catalogue entry in and out, a value in and out.

Indicators room; imports chiso.store's vocabularies only. The catalogue's Excel columns are
IndicatorIn's fields in this order (`CATALOGUE_FIELDS`), so an export imports back unchanged.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from chiso.store.models.indicators import AGGREGATIONS, LEVELS, PERIOD_TYPES, SOURCES, VALUE_TYPES

CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")

VALUE_TYPE_NAMES = {
    "count": ("Số lượng", "Count"),
    "percent": ("Tỷ lệ %", "Percent"),
    "money": ("Tiền", "Money"),
    "duration": ("Thời gian", "Duration"),
    "rate": ("Tỷ suất", "Rate"),
}
LEVEL_NAMES = {
    "province": ("Tỉnh/thành phố", "Province"),
    "commune": ("Xã/phường", "Commune"),
    "agency": ("Cơ quan", "Agency"),
}
AGGREGATION_NAMES = {
    "sum": ("Cộng", "Sum"),
    "mean": ("Trung bình", "Mean"),
    "weighted": ("Bình quân gia quyền", "Weighted mean"),
    "none": ("Không cộng dồn", "None"),
}
SOURCE_NAMES = {
    "entered": ("Sở/ngành nhập", "Entered by a department"),
    "pushed": ("Hệ thống gửi qua API", "Pushed by a system"),
    "computed": ("Tính từ dữ liệu hồ sơ", "Computed from records"),
    "formula": ("Công thức", "Formula"),
}


def check_code(value: str) -> str:
    """Return a catalogue code (indicator or folder) when it is capitals, digits and _; else ValueError."""
    if not CODE.match(value):
        raise ValueError(
            "mã viết hoa, chữ số và _ (2-40 ký tự) / code: capitals, digits and _ (2-40 characters)"
        )
    return value


class IndicatorIn(BaseModel):
    """A catalogue indicator as typed in the form, the API or one row of the catalogue workbook."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=2, max_length=40)
    name_vi: str = Field(min_length=1, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    folder_code: str | None = Field(default=None, max_length=40)
    definition: str | None = Field(default=None, max_length=4000)
    legal_basis: str | None = Field(default=None, max_length=500)
    unit: str | None = Field(default=None, max_length=40)
    value_type: str = "count"
    period_type: str = "year"
    level: str = "province"
    aggregation: str = "sum"
    weight_code: str | None = None
    owner_agency_code: str | None = None
    source: str = "entered"
    metric_code: str | None = None
    formula: str | None = Field(default=None, max_length=1000)
    min_value: float | None = None
    max_value: float | None = None
    higher_is_better: bool = True
    outlier_sd: float | None = Field(default=3.0, gt=0)
    needs_approval: bool = False
    active: bool = True

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return check_code(value)

    @field_validator("value_type", "period_type", "level", "aggregation", "source")
    @classmethod
    def _vocabulary(cls, value: str, info: ValidationInfo) -> str:
        return _one_of(value, VOCABULARIES[str(info.field_name)])


VOCABULARIES = {"value_type": VALUE_TYPES, "period_type": PERIOD_TYPES, "level": LEVELS,
                "aggregation": AGGREGATIONS, "source": SOURCES}  # fmt: skip


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"một trong / one of: {', '.join(allowed)}")
    return value


CATALOGUE_FIELDS = tuple(IndicatorIn.model_fields)


class IndicatorOut(IndicatorIn):
    """A catalogue indicator as pages and the API show it."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class ValueIn(BaseModel):
    """One value as a department types it, uploads it or a system pushes it."""

    model_config = ConfigDict(extra="forbid")

    indicator_code: str = Field(max_length=40)
    unit_code: str = Field(max_length=40)
    period: str = Field(max_length=10)
    value: float | None  # None clears a value (no data), never zero
    note: str | None = Field(default=None, max_length=1000)
    confirm: bool = False  # the reporter confirms a value the plausibility check flagged


class FolderIn(BaseModel):
    """A catalogue folder as typed in the form or one row of the workbook's folder sheet."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, from_attributes=True)

    code: str = Field(min_length=2, max_length=40)
    name_vi: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    position: int = 0

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return check_code(value)


class FolderRow(FolderIn):
    """A folder as the catalogue page lists it, with how many indicators it holds."""

    count: int = 0
