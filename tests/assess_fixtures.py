"""Factories for the assessment and flows tests: a small province, two peer groups, users of every role,
a period. Test folders that need them import the fixtures in their conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from assess_helpers import REVIEW_BY, SUBMIT_BY, T0, Province
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import periods
from chiso.store.models import Agency, GroupMember, PeerGroup, User
from chiso.store.models.assessment import AssessmentPeriod


def _user(db: Session, username: str, role: str, agency: Agency | None = None) -> User:
    user = User(
        username=username,
        full_name=f"Cán bộ {username}",
        password_hash="x",
        role=role,
        agency_id=agency.id if agency else None,
        province_code="48",
        locale="vi",
        is_active=True,
        created_at=T0,
    )
    db.add(user)
    db.flush()
    return user


@pytest.fixture
def province(db: Session) -> Province:
    """Four departments (group SBN) and two wards (group PX) of province 48 for period 2026."""
    groups = {}
    for code, name in (("SBN", "Sở, ban, ngành"), ("PX", "UBND phường, xã")):
        groups[code] = PeerGroup(province_code="48", period="2026", code=code, name_vi=name)
        db.add(groups[code])
    db.flush()
    agencies = {}
    specs = [
        ("DNG.SO.A", "Sở A", "department", "SBN"),
        ("DNG.SO.B", "Sở B", "department", "SBN"),
        ("DNG.SO.C", "Sở C", "department", "SBN"),
        ("DNG.SO.D", "Sở D", "department", "SBN"),
        ("DNG.PX.1", "Phường Một", "commune", "PX"),
        ("DNG.PX.2", "Phường Hai", "commune", "PX"),
    ]
    for code, name, kind, group in specs:
        agency = Agency(code=code, name_vi=name, name_ascii=name.lower(), kind=kind, province_code="48")
        db.add(agency)
        db.flush()
        db.add(GroupMember(group_id=groups[group].id, agency_id=agency.id))
        agencies[code] = agency
    db.flush()
    users = {
        "vanthu": _user(db, "vanthu", "secretariat"),
        "thamdinh": _user(db, "thamdinh", "assessor"),
        "thamdinh2": _user(db, "thamdinh2", "assessor"),
        "thamdinh.px": _user(db, "thamdinh.px", "assessor"),
        "baocao.a": _user(db, "baocao.a", "reporter", agencies["DNG.SO.A"]),
        "baocao.b": _user(db, "baocao.b", "reporter", agencies["DNG.SO.B"]),
        "lanhdao": _user(db, "lanhdao", "leader"),
    }
    return Province(agencies=agencies, groups=groups, users=users)


@pytest.fixture
def open_period(db: Session, province: Province) -> Callable[..., AssessmentPeriod]:
    """Open a danang-it period for both groups and assign the assessors."""

    def _open(code: str = "DNG-2026", **kwargs: object) -> AssessmentPeriod:
        args: dict[str, object] = dict(
            code=code,
            name_vi="Đánh giá CĐS năm 2026",
            province_code="48",
            period="2026",
            framework_id="danang-it",
            group_codes=["SBN", "PX"],
            submission_deadline=SUBMIT_BY,
            review_deadline=REVIEW_BY,
            actor=province.users["vanthu"],
            now=T0,
        )
        args.update(kwargs)
        period = periods.open_period(db, **args)  # type: ignore[arg-type]
        periods.assign_assessor(db, period_code=code, group_code="SBN", username="thamdinh", actor=SYSTEM)
        periods.assign_assessor(db, period_code=code, group_code="SBN", username="thamdinh2", actor=SYSTEM)
        periods.assign_assessor(db, period_code=code, group_code="PX", username="thamdinh.px", actor=SYSTEM)
        return period

    return _open
