"""Uploaded commune boundary maps: the newest row is the map /map draws (chiso ships no boundaries).

Written by chiso.units.unit_maps only. `paths` holds one SVG path per agency code, projected once at
upload (the page only fills them); the original file is kept by its SHA-256 under the uploads folder.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.types import AwareDateTime


class UnitMap(Base):
    """One accepted boundary file: who sent it, its match report and its drawn shapes."""

    __tablename__ = "unit_maps"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[datetime] = mapped_column(AwareDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(100))
    features: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer)
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    paths: Mapped[dict[str, str]] = mapped_column(JSON)  # agency code -> SVG path in width x height
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # one row per feature (MapFeatureRow)
