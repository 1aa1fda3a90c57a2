"""Published results as immutable snapshots: the framework version, the stored inputs and every result row.

A snapshot keeps what is needed to recompute a published ranking years later and show it identical:
the framework document and its content hash, the engine version, the input values (and groups,
lineage, previous results) with their hash, the run log and the output hash. Rows are never updated
or deleted once written; corrections are new snapshots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from chiso.errors import Conflict
from chiso.store.base import Base
from chiso.store.types import AwareDateTime


class ResultSnapshot(Base):
    __tablename__ = "result_snapshots"
    __table_args__ = (Index("ix_result_snapshots_family", "framework_family", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    framework_id: Mapped[str] = mapped_column(String(1024))  # a built-in id, id@version or a file path
    framework_version: Mapped[str] = mapped_column(String(40))
    framework_family: Mapped[str] = mapped_column(String(80))
    framework_hash: Mapped[str] = mapped_column(String(64))
    framework_document: Mapped[dict[str, Any]] = mapped_column(JSON)
    periods: Mapped[list[str]] = mapped_column(JSON)
    engine_version: Mapped[str] = mapped_column(String(20))
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    output_hash: Mapped[str] = mapped_column(String(64))
    run_log: Mapped[dict[str, Any]] = mapped_column(JSON)
    groups: Mapped[list[list[str | None]] | None] = mapped_column(JSON, nullable=True)
    lineage: Mapped[list[list[str]] | None] = mapped_column(JSON, nullable=True)
    lineage_policy: Mapped[str] = mapped_column(String(10), default="mean")
    previous_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("result_snapshots.id"), nullable=True)
    previous_rows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ResultInput(Base):
    """One input value of a snapshot (agency, period, leaf)."""

    __tablename__ = "result_inputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshots.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))
    indicator_code: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class ResultRow(Base):
    """One published result: an agency's points, rank and band on one node in one period."""

    __tablename__ = "result_rows"
    __table_args__ = (Index("ix_result_rows_lookup", "snapshot_id", "agency_code", "node_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshots.id"))
    period: Mapped[str] = mapped_column(String(20))
    agency_code: Mapped[str] = mapped_column(String(40))
    group: Mapped[str] = mapped_column(String(80))
    node_code: Mapped[str] = mapped_column(String(80))
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_points: Mapped[float] = mapped_column(Float)
    published: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    band: Mapped[str | None] = mapped_column(String(80), nullable=True)
    previous_points: Mapped[float | None] = mapped_column(Float, nullable=True)
    points_change: Mapped[float | None] = mapped_column(Float, nullable=True)
    previous_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rank_change: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(12))


def _immutable(mapper: Any, connection: Any, target: Any) -> None:
    raise Conflict(
        "Ảnh chụp kết quả đã lưu không được sửa hay xóa; hãy tạo ảnh chụp mới",
        "A stored results snapshot is never changed or deleted; save a new snapshot instead",
    )


for _model in (ResultSnapshot, ResultInput, ResultRow):
    event.listen(_model, "before_update", _immutable)
    event.listen(_model, "before_delete", _immutable)
