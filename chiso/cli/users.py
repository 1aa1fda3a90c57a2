"""`chiso users ...`: list, create, edit, deactivate, reactivate, reset-password: thin commands over
chiso.accounts.admin, acting as SYSTEM (the operator at the server's console).

CLI layer: parses options, opens one transaction, calls the same services as the /users pages.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from chiso.accounts.actors import SYSTEM
from chiso.accounts.admin import (
    UserView,
    add_user,
    deactivate,
    edit_user,
    list_users,
    reactivate,
    reset_password,
)
from chiso.accounts.bulk import import_users
from chiso.cli.common import console, guarded, in_session, print_json, print_table

app = typer.Typer(
    help="Người dùng, vai trò, khóa tài khoản, đặt lại mật khẩu / "
    "users, roles, deactivation, password resets.",
    no_args_is_help=True,
)

_ROLE_VI = {
    "secretariat": "Văn phòng thường trực",
    "assessor": "Thẩm định viên",
    "reporter": "Người báo cáo của cơ quan",
    "leader": "Lãnh đạo",
    "public": "Công chúng",
}

_COLUMNS = (
    "Tên đăng nhập / username",
    "Họ tên / name",
    "Vai trò / role",
    "Cơ quan / agency",
    "E-mail",
    "Trạng thái / state",
)


def _state(user: UserView) -> str:
    """Return whether a user may log in, and whether they must change their password first."""
    state = "hoạt động / active" if user.is_active else "đã khóa / deactivated"
    if user.must_change_password:
        state += " · phải đổi mật khẩu / must change password"
    return state


def _reset_line(token: str) -> str:
    return (
        "Liên kết đặt lại mật khẩu (24 giờ, dùng một lần) / password link (24 h, single use): "
        f"/reset/{token}\n"
        "Ghép với địa chỉ của trang web, ví dụ / prefix the site's address, e.g. "
        f"https://chiso.example.gov.vn/reset/{token}"
    )


@app.command("list")
@guarded
def list_command(
    role: str | None = typer.Option(
        None, help="Only this role: secretariat, assessor, reporter, leader, public."
    ),
    agency: str | None = typer.Option(None, help="Only users bound to this agency code."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List users by username, with their role, agency and state."""
    users = in_session(list_users, actor=SYSTEM, role=role, agency_code=agency)
    if as_json:
        print_json([asdict(u) for u in users])
        return
    print_table(
        _COLUMNS,
        (
            (
                u.username,
                u.full_name,
                _ROLE_VI.get(u.role, u.role),
                u.agency_code or "—",
                u.email or "—",
                _state(u),
            )
            for u in users
        ),
    )


@app.command("create")
@guarded
def create_command(
    username: str = typer.Argument(..., help="Login name (stored lower-case)."),
    full_name: str = typer.Option(..., "--name", help="Full name shown in the interface."),
    role: str = typer.Option(..., help="secretariat, assessor, reporter, leader or public."),
    email: str | None = typer.Option(None, help="E-mail address."),
    agency: str | None = typer.Option(None, help="Agency code (required for a reporter)."),
    password: str | None = typer.Option(
        None,
        envvar="CHISO_NEW_PASSWORD",
        help="First password (changed at first login); without it a one-time reset link is printed instead.",
    ),  # fmt: skip
) -> None:
    """Create a user; they must choose their own password at first login."""
    user, token = in_session(add_user, actor=SYSTEM, username=username, full_name=full_name, role=role,
                             email=email, agency_code=agency, password=password)  # fmt: skip
    console.print(f"Đã tạo / created: {user.username} ({_ROLE_VI.get(user.role, user.role)})")
    if token:
        console.print(_reset_line(token))


@app.command("edit")
@guarded
def edit_command(
    username: str = typer.Argument(..., help="Login name."),
    full_name: str | None = typer.Option(None, "--name", help="New full name."),
    role: str | None = typer.Option(None, help="New role."),
    email: str | None = typer.Option(None, help='New e-mail ("" clears it).'),
    agency: str | None = typer.Option(None, help='New agency code ("" unbinds).'),
) -> None:
    """Change a user's name, role, e-mail or agency (each change audited)."""
    user = in_session(edit_user, actor=SYSTEM, username=username, full_name=full_name, role=role,
                      email=email, agency_code=agency)  # fmt: skip
    console.print(f"Đã sửa / updated: {user.username}")


@app.command("deactivate")
@guarded
def deactivate_command(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Deactivate a user; their open sessions end at once."""
    ended = in_session(deactivate, actor=SYSTEM, username=username)
    console.print(f"Đã khóa / deactivated: {username} ({ended} phiên kết thúc / sessions ended)")


@app.command("reactivate")
@guarded
def reactivate_command(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Let a deactivated user log in again."""
    in_session(reactivate, actor=SYSTEM, username=username)
    console.print(f"Đã mở lại / reactivated: {username}")


@app.command("reset-password")
@guarded
def reset_command(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Print a one-time link (24 h) with which the user sets a new password; earlier links stop working."""
    token = in_session(reset_password, actor=SYSTEM, username=username)
    console.print(_reset_line(token))


@app.command("import")
@guarded
def import_command(
    file: Path = typer.Argument(..., help="Excel .xlsx: username, full_name, role, email, agency_code."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row, create nothing."),
) -> None:
    """Create one user per row (all or nothing); print each one's one-time password link."""
    created = in_session(import_users, actor=SYSTEM, source=file, rollback=dry_run)
    if dry_run:
        console.print(f"Kiểm tra xong, {len(created)} dòng hợp lệ / checked, {len(created)} rows valid")
        return
    for item in created:
        console.print(f"{item.username}: /reset/{item.token}")
    console.print(f"Đã tạo {len(created)} người dùng / created {len(created)} users")
