"""Password policy: long enough, not common (the bundled list), not the username, not one character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from chiso.accounts.passwords import common_passwords, password_problems
from chiso.accounts.service import create_user
from chiso.errors import InvalidInput


@pytest.mark.parametrize(
    "password",
    ["password123", "Password-123", "12345678", "Mật khẩu 123", "matkhau@123", "anh.yeu.em", "aaaaaaaaaa"],
)
def test_common_and_trivial_passwords_are_refused(db: Session, password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_user(db, username="pw_user", full_name="Người dùng", password=password, role="leader")
    [problem] = caught.value.problems
    assert problem.field == "password"
    assert "dễ đoán" in problem.message_vi and "too easy to guess" in problem.message_en


def test_the_username_is_not_a_password(db: Session) -> None:
    with pytest.raises(InvalidInput):
        create_user(db, username="nguyenvana", full_name="A", password="nguyenvana2026", role="leader")


def test_a_good_password_is_accepted(db: Session) -> None:
    assert create_user(db, username="pw_ok", full_name="A", password="ba-con-meo-xanh", role="leader").id


def test_the_list_ships_in_the_package() -> None:
    assert len(common_passwords()) >= 100
    assert "matkhau123" in common_passwords() and "password" in common_passwords()


@given(st.text(max_size=7))
def test_short_passwords_are_refused_for_their_length(password: str) -> None:
    [problem] = password_problems(password)
    assert "8" in problem.message_en
