"""The accounts room's part of the demo: one user per role, reporters bound to their agency.

Domain layer: imports chiso.accounts.service and chiso.errors; never chiso.web, chiso.cli or
chiso.flows, and no other room (the agencies' ids are handed in by chiso.flows.demo, which composes
the demo). Flushes, never commits. The logins are printed by `make run` and `chiso demo`.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from chiso.accounts.service import create_user, get_user
from chiso.errors import NotFound

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DEMO_REPORTER_AGENCIES", "create_demo_users"]

DEMO_PASSWORD = "chiso-demo-2026"

# (username, password, role, description): printed by `make run` and `chiso demo`.
DEMO_LOGINS: list[tuple[str, str, str, str]] = [
    ("vanthu", DEMO_PASSWORD, "secretariat", "Văn phòng CĐS thành phố (thư ký) / city DT office"),
    ("thamdinh", DEMO_PASSWORD, "assessor", "Tổ thẩm định / assessor"),
    ("baocao.khcn", DEMO_PASSWORD, "reporter", "Báo cáo của Sở Khoa học và Công nghệ / reporter, DOST"),
    ("baocao.haichau", DEMO_PASSWORD, "reporter", "Báo cáo của UBND phường Hải Châu / reporter, ward"),
    ("lanhdao", DEMO_PASSWORD, "leader", "Lãnh đạo UBND thành phố / city leader"),
    ("congdan", DEMO_PASSWORD, "public", "Người dân, báo chí / public and press"),
]
_FULL_NAMES = {
    "vanthu": "Nguyễn Thị Thu",
    "thamdinh": "Trần Văn Định",
    "baocao.khcn": "Lê Minh Khoa",
    "baocao.haichau": "Phạm Thị Hải",
    "lanhdao": "Hoàng Văn Lãnh",
    "congdan": "Võ Thị Dân",
}
# Reporters are bound to one agency (by code): Sở KH&CN and the post-reform UBND phường Hải Châu (unit 20242).
DEMO_REPORTER_AGENCIES = {"baocao.khcn": "DNG.SO.KHCN", "baocao.haichau": "DNG.PX.20242"}


def create_demo_users(session: Session, *, agency_ids: Mapping[str, int], province_code: str) -> list[str]:
    """Create one user per role (skipping those that exist), reporters bound to their agency.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        agency_ids: the id of each agency code in DEMO_REPORTER_AGENCIES.
        province_code: the province the users work for.

    Returns:
        The usernames created, in DEMO_LOGINS order (empty when all existed).

    Raises:
        KeyError: a reporter's agency code is missing from `agency_ids`.
    """
    created: list[str] = []
    for username, password, role, _ in DEMO_LOGINS:
        try:
            get_user(session, username=username)
            continue
        except NotFound:
            pass
        agency_code = DEMO_REPORTER_AGENCIES.get(username)
        create_user(
            session,
            username=username,
            full_name=_FULL_NAMES[username],
            password=password,
            role=role,
            agency_id=agency_ids[agency_code] if agency_code else None,
            province_code=province_code,
        )
        created.append(username)
    return created
