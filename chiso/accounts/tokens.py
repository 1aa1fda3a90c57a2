"""Integrator tokens for the record API: create, verify, scope, rate-limit, list, revoke; over chiso.store.

Accounts layer: imports chiso.store, chiso.errors and chiso.clock only, never chiso.web or
chiso.monitoring. A token is shown once, when it is created; the store keeps its SHA-256 (tokens are
256 random bits, so a plain hash is enough). Services flush, never commit. A token may be scoped
(issue 16 item 13) to record kinds and to the subtree of one agency (the agency and every agency
under it, through `Agency.parent`), and is limited to `rate_per_minute` requests in any minute (per
server process: `RATES`).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.errors import ChisoError, Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from chiso.store.models.agencies import Agency
from chiso.store.models.monitoring import IntegratorToken

TOKEN_PREFIX = "chiso_"
DEFAULT_RATE_PER_MINUTE = 60


class TokenRefused(PermissionDenied):
    """The request carried no integrator token, or one that is unknown or revoked."""

    status = 401


class OutOfScope(PermissionDenied):
    """The token may not push this kind of record, or records of these agencies."""


class RateLimited(ChisoError):
    """The token sent more requests in the last minute than it is allowed."""

    status = 429


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    *,
    name: str,
    record_kinds: Sequence[str] | None = None,
    agency_root: str | None = None,
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
) -> tuple[IntegratorToken, str]:
    """Create an integrator token named `name`; return the row and the secret (shown only now).

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        name: the integrating system's name.
        record_kinds: the kinds it may push (None: every kind).
        agency_root: the agency whose subtree its records must belong to (None: every agency).
        rate_per_minute: requests allowed in any minute (1 to 10,000).

    Raises:
        InvalidInput: the name is empty or too long, an unknown agency, a rate out of range.
        Conflict: a token with that name exists.
    """
    if not 1 <= rate_per_minute <= 10_000:
        raise InvalidInput(
            "Giới hạn yêu cầu mỗi phút phải từ 1 đến 10.000",
            "The rate per minute must be 1 to 10,000",
            [Problem("Giá trị không hợp lệ", "Invalid value", field="rate_per_minute")],
        )
    root = (agency_root or "").strip() or None
    if root is not None and session.scalar(select(Agency.id).where(Agency.code == root)) is None:
        raise InvalidInput(
            f"Không có cơ quan mã {root}", f"No agency with code {root}",
            [Problem("Dùng mã cơ quan đã đăng ký", "Use a registered agency code", field="agency_root")],
        )  # fmt: skip
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
        record_kinds=",".join(sorted({k.strip() for k in record_kinds if k.strip()}))
        if record_kinds
        else None,
        agency_root=root,
        rate_per_minute=rate_per_minute,
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


def agency_subtree(session: Session, *, root: str) -> set[str]:
    """Return the codes of agency `root` and of every agency under it (children, their children...)."""
    rows = session.execute(select(Agency.id, Agency.code, Agency.parent_id)).all()
    children: dict[int | None, list[tuple[int, str]]] = {}
    for agency_id, code, parent_id in rows:
        children.setdefault(parent_id, []).append((agency_id, code))
    start = [(i, c) for i, c, _ in rows if c == root]
    found, todo = {c for _, c in start}, [i for i, _ in start]
    while todo:
        for child_id, code in children.get(todo.pop(), []):
            if code not in found:
                found.add(code)
                todo.append(child_id)
    return found


def check_scope(
    session: Session, *, token: IntegratorToken, kind: str, agency_codes: Collection[str]
) -> None:
    """Refuse a batch outside the token's scope: another kind of record, or agencies outside its subtree.

    Raises:
        OutOfScope: naming the kind or the first offending agency codes.
    """
    kinds = token.record_kinds.split(",") if token.record_kinds else None
    if kinds is not None and kind not in kinds:
        raise OutOfScope(
            f"Token {token.name} không được gửi bản ghi loại {kind} (chỉ: {', '.join(kinds)})",
            f"The token {token.name} may not push {kind} (only: {', '.join(kinds)})",
        )
    if token.agency_root is None:
        return
    allowed = agency_subtree(session, root=token.agency_root)
    outside = sorted({c or "(không có mã / no code)" for c in agency_codes if c not in allowed})
    if outside:
        shown = ", ".join(outside[:20]) + (f" (+{len(outside) - 20})" if len(outside) > 20 else "")
        raise OutOfScope(
            f"{len(outside)} mã cơ quan ngoài phạm vi của token {token.name} ({token.agency_root}): {shown}",
            f"{len(outside)} agency codes are outside the scope of token {token.name} "
            f"({token.agency_root} and the agencies under it): {shown}",
            [
                Problem(f"Ngoài phạm vi: {c}", f"Outside the scope: {c}", field="agency_code")
                for c in outside[:100]
            ],
        )


class RateLimiter:
    """Requests per token in a sliding minute, in this process (a restart forgets; several processes add)."""

    def __init__(self, window_s: float = 60.0) -> None:
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = {}  # by token hash: ids are reused after a delete
        self._lock = threading.Lock()

    def admit(self, token: IntegratorToken, *, now: float | None = None) -> None:
        """Count one request of `token`.

        Raises:
            RateLimited: the token already made `rate_per_minute` requests in the last minute.
        """
        moment = time.monotonic() if now is None else now
        limit = token.rate_per_minute or DEFAULT_RATE_PER_MINUTE
        with self._lock:
            seen = self._seen.setdefault(token.token_hash, deque())
            while seen and seen[0] <= moment - self.window_s:
                seen.popleft()
            if len(seen) >= limit:
                wait = int(seen[0] + self.window_s - moment) + 1
                raise RateLimited(
                    f"Token {token.name} đã gửi {limit} yêu cầu trong một phút; thử lại sau {wait} giây",
                    f"The token {token.name} made {limit} requests in a minute; try again in {wait} s",
                )
            seen.append(moment)


RATES = RateLimiter()
