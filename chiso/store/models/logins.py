"""Login throttles: one counter row per username and per client address (see chiso.accounts.lockout)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.types import AwareDateTime


class LoginThrottle(Base):
    """Attempts counted for one key ("user:<name>" or "addr:<ip>"); no attempt before `next_allowed_at`."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_allowed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
