"""Administrative units (provinces, districts, communes), each dated, and the lineage between them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base

# The 2025 reform: districts abolished, 63 provinces became 34, communes merged.
REFORM_DATE = date(2025, 7, 1)


class AdminUnit(Base):
    """One official unit over one validity interval; the same code may recur in another era."""

    __tablename__ = "admin_units"
    __table_args__ = (
        UniqueConstraint("level", "code", "valid_from", name="uq_admin_units_level_code_from"),
        Index("ix_admin_units_province", "province_code", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    level: Mapped[str] = mapped_column(String(10))  # province | district | commune
    name: Mapped[str] = mapped_column(String(200))  # "Đà Nẵng", "Hải Châu"
    full_name: Mapped[str] = mapped_column(String(250))  # "Thành phố Đà Nẵng", "Phường Hải Châu"
    unit_type: Mapped[str] = mapped_column(String(60), default="")  # "Thành phố Trung ương", "Phường"
    name_ascii: Mapped[str] = mapped_column(String(250), index=True)  # folded for accent-free search
    province_code: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(10), nullable=True)  # district for legacy communes
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # exclusive end

    @property
    def era(self) -> str:
        return "legacy" if self.valid_to is not None else "current"


class UnitLineage(Base):
    """Old unit -> new unit on a date (whole merge of a province; part of a commune where known).

    kind: "same" (sole predecessor, same name), "rename" (sole predecessor, new name), "merge" (whole,
    one of several predecessors), "partial" (only part of the old unit went to the new one).
    is_primary: the successor that took the old unit's identity (the only one unless "partial"; for a
    split commune the one the source data names as default; False for every part of a district).
    """

    __tablename__ = "unit_lineage"
    __table_args__ = (UniqueConstraint("from_unit_id", "to_unit_id", name="uq_unit_lineage_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), index=True)
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20), default="merge")  # same | rename | merge | partial
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
