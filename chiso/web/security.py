"""Secrets, cookies and CSRF tokens for the web layer; imports chiso.config only.

CSRF uses two schemes. A logged-in user's forms carry the synchronizer token stored in their
session row. Anonymous forms (login) use a signed double-submit cookie: the cookie holds a random
value, the form carries that value signed with the app's secret (itsdangerous), so a third site can
neither read nor forge the pair.
"""

from __future__ import annotations

import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from chiso.config import get_settings

SESSION_COOKIE = "chiso_session"
CSRF_COOKIE = "chiso_csrf"
LANG_COOKIE = "lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_MAX_AGE = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def get_secret_key() -> str:
    """Return CHISO_SECRET_KEY, or a random key kept in the data dir (created once, mode 0600)."""
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    return _secret_from_file(settings.data_dir / "secret_key")


@lru_cache(maxsize=8)
def _secret_from_file(path: Path) -> str:
    try:
        if path.exists():
            text = path.read_text(encoding="ascii").strip()
            if text:
                return text
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # another worker wrote it between our check and our write
        return path.read_text(encoding="ascii").strip()
    except OSError:
        # A read-only data dir must not stop the site: fall back to a per-process key
        # (anonymous form tokens then last as long as the process).
        return secrets.token_urlsafe(48)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_secret_key(), salt="chiso-csrf")


def new_csrf_cookie_value() -> str:
    """Return a fresh random value for the anonymous CSRF cookie."""
    return secrets.token_urlsafe(32)


def sign_csrf(cookie_value: str) -> str:
    """Return the form token matching an anonymous CSRF cookie value."""
    return str(_serializer().dumps(cookie_value))


def check_double_submit(form_token: str | None, cookie_value: str | None) -> bool:
    """Return True when a signed form token matches the CSRF cookie (and is not too old)."""
    if not form_token or not cookie_value:
        return False
    try:
        value = _serializer().loads(form_token, max_age=CSRF_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(value, str) and hmac.compare_digest(value, cookie_value)


def check_synchronizer(form_token: str | None, session_token: str | None) -> bool:
    """Return True when a form token equals the session's CSRF token."""
    if not form_token or not session_token:
        return False
    return hmac.compare_digest(form_token, session_token)
