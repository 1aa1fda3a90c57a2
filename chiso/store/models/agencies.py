"""Agencies (what we rank), their renames/merges/splits, and peer groups per province and period."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chiso.store.base import Base
from chiso.store.models.units import AdminUnit

AGENCY_KINDS = ("department", "central", "district", "commune", "other")


class Agency(Base):
    """A department, central agency, district or commune committee, over its validity interval."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300), nullable=True)
    name_ascii: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # one of AGENCY_KINDS
    province_code: Mapped[str] = mapped_column(String(10), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    admin_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # exclusive end

    parent: Mapped[Agency | None] = relationship(remote_side="Agency.id")
    admin_unit: Mapped[AdminUnit | None] = relationship()


class AgencyLink(Base):
    """Predecessor -> successor on a date: rename, merge or split."""

    __tablename__ = "agency_links"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id", name="uq_agency_links_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # rename | merge | split
    effective_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")


class PeerGroup(Base):
    """A named set of agencies ranked together, per province and period (e.g. "UBND phường, xã" 2026)."""

    __tablename__ = "peer_groups"
    __table_args__ = (UniqueConstraint("province_code", "period", "code", name="uq_peer_groups_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(20))  # "2024", "2026"
    code: Mapped[str] = mapped_column(String(40))  # "SBN", "TW", "QH", "PX"
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200), nullable=True)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
