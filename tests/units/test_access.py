"""Units writes fail closed: only the system and active secretariat users change agencies, groups, units."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM, Actor
from chiso.errors import PermissionDenied
from chiso.store.models.agencies import Agency, AgencyLink, GroupMember, PeerGroup
from chiso.store.models.audit import AuditEntry
from chiso.store.models.users import ROLES, User
from chiso.units.access import check_can_edit_units
from chiso.units.admin_load import ensure_units_loaded, load_admin_units
from chiso.units.agencies import create_agency
from chiso.units.agency_history import link_agencies
from chiso.units.agency_import import import_agencies, import_agency_table
from chiso.units.groups import ensure_group, set_group_members
from chiso.units.io import Table


def person(role: str, *, active: bool = True) -> User:
    """A user as the web hands it to a service (not stored: the check reads only role and status)."""
    return User(username=f"acc_{role}", full_name=f"Người thử {role}", role=role, is_active=active)


REFUSED = [person(role) for role in ROLES if role != "secretariat"] + [person("secretariat", active=False)]


def _counts(db: Session) -> tuple[int, ...]:
    return tuple(
        int(db.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Agency, AgencyLink, PeerGroup, GroupMember, AuditEntry)
    )


@pytest.mark.parametrize("actor", [SYSTEM, person("secretariat")], ids=["system", "secretariat"])
def test_the_system_and_the_secretariat_may_edit(actor: Actor) -> None:
    check_can_edit_units(actor, what_vi="thử", what_en="test")


@pytest.mark.parametrize("actor", REFUSED, ids=lambda u: f"{u.role}{'' if u.is_active else '-disabled'}")
def test_other_roles_and_disabled_accounts_are_refused_in_both_languages(actor: User) -> None:
    with pytest.raises(PermissionDenied) as caught:
        check_can_edit_units(actor, what_vi="nhập danh sách cơ quan", what_en="import agencies")
    error = caught.value
    assert error.status == 403
    assert "nhập danh sách cơ quan" in error.message_vi and "import agencies" in error.message_en
    assert actor.username in error.message_vi and actor.username in error.message_en


def test_something_that_is_no_actor_is_refused() -> None:
    with pytest.raises(PermissionDenied):
        check_can_edit_units(None, what_vi="thử", what_en="test")  # type: ignore[arg-type]


def _writes(db: Session, tmp_path: Path) -> dict[str, Callable[[Actor], Any]]:
    """Every units write a person can trigger, each as a call taking only the actor."""
    old = create_agency(db, actor=SYSTEM, code="ACC.OLD", name_vi="Sở Cũ", kind="other", province_code="X9")
    new = create_agency(db, actor=SYSTEM, code="ACC.NEW", name_vi="Sở Mới", kind="other", province_code="X9")
    group, _ = ensure_group(db, actor=SYSTEM, province_code="X9", period="2099", code="SBN")
    path = tmp_path / "agencies.csv"
    path.write_text("code,name_vi,kind,province_code\nACC.X,Sở X,department,X9\n", encoding="utf-8")
    table = Table("rows", ["code", "name_vi", "kind", "province_code"], [(2, {
        "code": "ACC.Y", "name_vi": "Sở Y", "kind": "department", "province_code": "X9"})])  # fmt: skip
    return {
        "create_agency": lambda actor: create_agency(
            db, actor=actor, code="ACC.Z", name_vi="Sở Z", kind="department", province_code="X9"
        ),
        "link_agencies": lambda actor: link_agencies(
            db, actor=actor, predecessor=old, successor=new, kind="merge", effective_on=date(2025, 3, 1)
        ),
        "ensure_group": lambda actor: ensure_group(
            db, actor=actor, province_code="X9", period="2099", code="TW"
        ),
        "set_group_members": lambda actor: set_group_members(db, actor=actor, group=group, agencies=[old]),
        "import_agencies": lambda actor: import_agencies(db, actor=actor, path=path),
        "import_agencies_dry_run": lambda actor: import_agencies(db, actor=actor, path=path, dry_run=True),
        "import_agency_table": lambda actor: import_agency_table(db, actor=actor, table=table),
        "load_admin_units": lambda actor: load_admin_units(db, actor=actor),
    }


WRITES = [
    "create_agency", "link_agencies", "ensure_group", "set_group_members", "import_agencies",
    "import_agencies_dry_run", "import_agency_table", "load_admin_units",
]  # fmt: skip


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("role", ["reporter", "assessor", "leader", "public"])
def test_every_units_write_refuses_other_roles_and_writes_nothing(
    db: Session, tmp_path: Path, write: str, role: str
) -> None:
    call = _writes(db, tmp_path)[write]
    before = _counts(db)
    with pytest.raises(PermissionDenied):
        call(person(role))
    assert _counts(db) == before


def test_import_refuses_before_reading_the_file(db: Session, tmp_path: Path) -> None:
    """A refused person learns nothing about the file: no parse errors, only the refusal."""
    with pytest.raises(PermissionDenied):
        import_agencies(db, actor=person("reporter"), path=tmp_path / "missing.csv")


def test_ensure_units_loaded_refuses_other_roles(store_url: str) -> None:
    with pytest.raises(PermissionDenied):
        ensure_units_loaded(store_url, actor=person("leader"))


def test_an_import_by_a_secretariat_user_is_audited_under_their_id(db: Session, tmp_path: Path) -> None:
    clerk = User(username="acc_vanthu", full_name="Văn thư", role="secretariat", password_hash="-",
                 is_active=True, created_at=clock.now())  # fmt: skip
    db.add(clerk)
    db.flush()
    path = tmp_path / "acc.csv"
    path.write_text("code,name_vi,kind,province_code\nACC.AUD,Sở Kiểm tra,department,X9\n", encoding="utf-8")
    assert import_agencies(db, actor=clerk, path=path).created == ["ACC.AUD"]
    latest = select(AuditEntry).where(AuditEntry.action == "agency.import").order_by(AuditEntry.id.desc())
    entry = db.scalars(latest).first()
    assert entry is not None and entry.user_id == clerk.id and entry.object_id == "acc.csv"
    import_agencies(db, actor=SYSTEM, path=path)
    entry = db.scalars(latest).first()
    assert entry is not None and entry.user_id is None  # the system
