"""Password policy: long enough, not the username, not one of the commonly used passwords; no imports up.

The common list (common_passwords.txt beside this module) holds passwords that lead every leaked
password list, in English and Vietnamese; it is small on purpose: it stops the first guesses an
attacker tries, which the login throttle (chiso.accounts.lockout) then keeps slow.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from chiso.errors import Problem

PASSWORD_MIN_LENGTH = 8
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def _folded(text: str) -> str:
    """Lower-case without Vietnamese marks or separators: "Mật Khẩu 1" and "matkhau1" are one password."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s._\-]+", "", bare)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the bundled common passwords, folded (see _folded)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(_folded(line) for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str | None, *, username: str = "") -> list[Problem]:
    """Return what is wrong with a new password (empty when it is acceptable).

    Args:
        password: the password in clear.
        username: the account's login name (the password must not repeat it).

    Returns:
        Problems on the field "password", in Vietnamese and English.
    """
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        return [
            Problem(
                f"Mật khẩu phải có ít nhất {PASSWORD_MIN_LENGTH} ký tự",
                f"The password must have at least {PASSWORD_MIN_LENGTH} characters",
                field="password",
            )
        ]
    folded = _folded(password)
    name = _folded(username or "")
    if folded in common_passwords() or len(set(folded)) <= 2 or (len(name) >= 4 and name in folded):
        return [
            Problem(
                "Mật khẩu quá dễ đoán (mật khẩu phổ biến, lặp ký tự hoặc chứa tên đăng nhập); "
                "hãy chọn mật khẩu khác",
                "The password is too easy to guess (a common password, repeated characters or the "
                "username); choose another",
                field="password",
            )
        ]
    return []
