"""`chiso demo`: build the demo province (Đà Nẵng) with its agencies, groups and users.

CLI layer: opens one transaction and calls chiso.flows.demo.build_demo as the system, the same flow
tests use.
"""

from __future__ import annotations

import time

import typer

from chiso.accounts.actors import SYSTEM
from chiso.accounts.demo import DEMO_LOGINS
from chiso.cli.common import console, guarded, print_table, step_progress
from chiso.config import get_settings
from chiso.flows.demo import build_demo, has_agencies
from chiso.store import init_database, session_scope


@guarded
def demo_command(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when the database already has agencies."
    ),
) -> None:
    """Build the deterministic demo province: Đà Nẵng before and after July 2025."""
    settings = get_settings()
    init_database(settings.database_url)
    with session_scope(settings.database_url) as session:
        if if_empty and has_agencies(session):
            console.print("Đã có dữ liệu, bỏ qua demo / agencies exist, demo skipped (--if-empty)")
            return
        started = time.perf_counter()
        with step_progress("demo", describe=lambda step: f"Demo: {step}", total=1) as progress:
            summary = build_demo(session, actor=SYSTEM, progress=progress)
    seconds = time.perf_counter() - started
    units = summary.units
    console.print(
        f"Demo Đà Nẵng: {units.agencies} cơ quan / agencies ({units.agencies_created} mới / new), "
        f"{units.links} liên kết / links, {units.groups} nhóm / groups, "
        f"{len(summary.users_created)} người dùng mới / new users - {seconds:.1f} s"
    )
    print_demo_logins()


def print_demo_logins() -> None:
    """Print the demo users and their password (shown by `make run`)."""
    print_table(
        ("Tên đăng nhập / username", "Mật khẩu / password", "Vai trò / role", "Mô tả / description"),
        DEMO_LOGINS,
        title="Tài khoản demo / demo logins",
    )
