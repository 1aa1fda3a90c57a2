"""The province's indicator catalogue (chỉ tiêu thống kê, IOC) and the values departments report.

Store layer. An indicator is a province-level statistic reported per period (month, quarter, year)
for a unit (the province, a commune by its official code, or an agency by its code); not an agency
score. Values entered, uploaded or pushed live here (multi-user, audited); the columnar cube that
dashboards read is built from them by chiso.indicators.cube. A value row exists only when a value was
given: no row is "no data", never zero. Dashboards saved by the secretariat are versioned JSON specs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.types import AwareDateTime

VALUE_TYPES = ("count", "percent", "money", "duration", "rate")
PERIOD_TYPES = ("month", "quarter", "year")
LEVELS = ("province", "commune", "agency")
AGGREGATIONS = ("sum", "mean", "weighted", "none")
SOURCES = ("entered", "pushed", "computed", "formula")
VALUE_STATUSES = ("entered", "flagged", "confirmed", "approved")
VALUE_CHANNELS = ("form", "excel", "api", "computed", "demo")
DASHBOARD_SHARING = ("roles", "public")


class IndicatorFolder(Base):
    """A folder of the catalogue (digital government, economy, society, infrastructure...)."""

    __tablename__ = "indicator_folders"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Indicator(Base):
    """One catalogue indicator: what it measures, how it is reported, aggregated and sourced."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300), nullable=True)
    folder_code: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    definition: Mapped[str | None] = mapped_column(Text, nullable=True)
    legal_basis: Mapped[str | None] = mapped_column(String(500), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(40), nullable=True)  # "%", "hồ sơ", "tỷ đồng"
    value_type: Mapped[str] = mapped_column(String(10))  # one of VALUE_TYPES
    period_type: Mapped[str] = mapped_column(String(10))  # one of PERIOD_TYPES
    level: Mapped[str] = mapped_column(String(10))  # one of LEVELS
    aggregation: Mapped[str] = mapped_column(String(10))  # one of AGGREGATIONS
    weight_code: Mapped[str | None] = mapped_column(String(40), nullable=True)  # denominator for "weighted"
    owner_agency_code: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    source: Mapped[str] = mapped_column(String(10))  # one of SOURCES
    metric_code: Mapped[str | None] = mapped_column(String(80), nullable=True)  # source "computed"
    formula: Mapped[str | None] = mapped_column(String(1000), nullable=True)  # source "formula"
    min_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    outlier_sd: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: no plausibility check
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class IndicatorValue(Base):
    """One reported value: an indicator, a unit, a period; its status and who gave it."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_code", "unit_code", "period", name="uq_indicator_values_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(40), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)  # province, commune or agency code
    period: Mapped[str] = mapped_column(String(10), index=True)  # "2026-01", "2026-Q1", "2026"
    value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10))  # one of VALUE_STATUSES
    channel: Mapped[str] = mapped_column(String(10))  # one of VALUE_CHANNELS
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)  # e.g. why an outlier is right
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(AwareDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)


class IndicatorTarget(Base):
    """A target for an indicator in a year (province-wide when unit_code is None)."""

    __tablename__ = "indicator_targets"
    __table_args__ = (
        UniqueConstraint("indicator_code", "unit_code", "year", name="uq_indicator_targets_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(40), index=True)
    unit_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)


class Dashboard(Base):
    """A dashboard the secretariat composed; `spec` is its current version (items, layout, filters)."""

    __tablename__ = "dashboards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    sharing: Mapped[str] = mapped_column(String(10), default="roles")  # one of DASHBOARD_SHARING
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # who may open it when sharing="roles"
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))


class DashboardVersion(Base):
    """Every saved version of a dashboard, kept so a change can be seen and undone."""

    __tablename__ = "dashboard_versions"
    __table_args__ = (UniqueConstraint("dashboard_id", "version", name="uq_dashboard_versions_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dashboard_id: Mapped[int] = mapped_column(ForeignKey("dashboards.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(AwareDateTime())
    saved_by: Mapped[str] = mapped_column(String(100))
