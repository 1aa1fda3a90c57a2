"""Integrator tokens for the record API: create, verify, list, revoke; a domain service over chiso.store.

Accounts layer: imports chiso.store, chiso.errors and chiso.clock only, never chiso.web or
chiso.monitoring. A token is shown once, when it is created; the store keeps its SHA-256 (tokens are
256 random bits, so a plain hash is enough). Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from chiso.store.models.monitoring import IntegratorToken

TOKEN_PREFIX = "chiso_"


class TokenRefused(PermissionDenied):
    """The request carried no integrator token, or one that is unknown or revoked."""

    status = 401


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, *, name: str) -> tuple[IntegratorToken, str]:
    """Create an integrator token named `name`; return the row and the secret (shown only now).

    Raises:
        InvalidInput: the name is empty or longer than 120 characters.
        Conflict: a token with that name exists.
    """
    clean = name.strip()
    if not clean or len(clean) > 120:
        raise InvalidInput(
            "Tên token phải có từ 1 đến 120 ký tự",
            "The token name must have 1 to 120 characters",
            [Problem("Tên không hợp lệ", "Invalid name", field="name")],
        )
    if session.scalar(select(IntegratorToken.id).where(IntegratorToken.name == clean)) is not None:
        raise Conflict(
            f"Đã có token tên {clean}; chọn tên khác hoặc thu hồi token cũ",
            f"A token named {clean} exists; choose another name or revoke the old one",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = IntegratorToken(
        name=clean,
        token_hash=hash_token(secret),
        token_prefix=secret[: len(TOKEN_PREFIX) + 4],
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row, secret


def verify_token(session: Session, *, token: str | None) -> IntegratorToken:
    """Return the live token matching `token` and note its use.

    Raises:
        TokenRefused: no token, an unknown one or a revoked one.
    """
    if not token:
        raise TokenRefused(
            "Thiếu token tích hợp (Authorization: Bearer <token>)",
            "An integrator token is required (Authorization: Bearer <token>)",
        )
    row = session.scalar(select(IntegratorToken).where(IntegratorToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        raise TokenRefused(
            "Token tích hợp không hợp lệ hoặc đã bị thu hồi",
            "The integrator token is unknown or revoked; ask the secretariat for a new one",
        )
    row.last_used_at = clock.now()
    session.flush()
    return row


def list_tokens(session: Session) -> list[IntegratorToken]:
    """Return every integrator token, by name."""
    return list(session.scalars(select(IntegratorToken).order_by(IntegratorToken.name)))


def revoke_token(session: Session, *, name: str) -> IntegratorToken:
    """Revoke the token named `name` (it stays listed, with its revocation time).

    Raises:
        NotFound: no token has that name.
    """
    row = session.scalar(select(IntegratorToken).where(IntegratorToken.name == name.strip()))
    if row is None:
        raise NotFound(f"Không có token tên {name}", f"No token named {name}")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        session.flush()
    return row
