"""People who log in, and their server-side sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.types import AwareDateTime

ROLES = ("secretariat", "assessor", "reporter", "leader", "public")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)  # reporters
    province_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Set when the secretariat chose the password (creation, reset link): the user picks their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WebSession(Base):
    """A login; the cookie holds a random token, the table holds only its SHA-256."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())


class PasswordReset(Base):
    """A one-time link to set a new password; the table holds only the token's SHA-256."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    used_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
