"""Integrator tokens for the record API: only the SHA-256 of each token is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.types import AwareDateTime


class IntegratorToken(Base):
    """A system (one-stop shop, 1022 petitions) allowed to push records through POST /api/records/<kind>."""

    __tablename__ = "integrator_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the secret
    token_prefix: Mapped[str] = mapped_column(String(16))  # first characters, to recognise it in lists
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    # Scope (issue 16 item 13): record kinds ("dossiers,petitions"; None = every kind), the agency whose
    # subtree the records must belong to (None = every agency) and requests per minute allowed.
    record_kinds: Mapped[str | None] = mapped_column(String(200), nullable=True)
    agency_root: Mapped[str | None] = mapped_column(String(40), nullable=True)
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
