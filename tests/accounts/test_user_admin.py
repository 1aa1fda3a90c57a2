"""User administration: secretariat only, every change audited, reset links 24 h and single use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts import admin
from chiso.accounts.actors import SYSTEM
from chiso.accounts.resets import first_login_link, reset_link_user, use_reset_link
from chiso.accounts.service import authenticate, create_user, resolve_session, start_session
from chiso.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chiso.store.models.audit import AuditEntry
from chiso.store.models.users import ROLES, PasswordReset
from chiso.units.agencies import create_agency

PW = "mat-khau-dai-1"


def _audit(db: Session, username: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.object_type == "user", AuditEntry.object_id == username)
    return list(db.scalars(query.order_by(AuditEntry.id)))


@pytest.fixture
def clerk(db: Session):  # type: ignore[no-untyped-def]
    return create_user(db, username="adm_clerk", full_name="Văn thư", password=PW, role="secretariat")


@pytest.fixture
def agency(db: Session):  # type: ignore[no-untyped-def]
    return create_agency(
        db, actor=SYSTEM, code="ADM.SNV", name_vi="Sở Nội vụ", kind="department", province_code="48"
    )


@pytest.mark.parametrize("role", [r for r in ROLES if r != "secretariat"])
def test_only_the_secretariat_may_administer(db: Session, role: str, agency) -> None:  # type: ignore[no-untyped-def]
    other = create_user(db, username=f"adm_{role}", full_name="X", password=PW, role=role,
                        agency_id=agency.id if role == "reporter" else None)  # fmt: skip
    calls = [
        lambda: admin.list_users(db, actor=other),
        lambda: admin.add_user(db, actor=other, username="adm_new", full_name="Y", role="leader"),
        lambda: admin.edit_user(db, actor=other, username=other.username, role="secretariat"),
        lambda: admin.deactivate(db, actor=other, username=other.username),
        lambda: admin.reset_password(db, actor=other, username=other.username),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert other.role == role and other.is_active


def test_a_deactivated_secretary_is_refused(db: Session, clerk) -> None:  # type: ignore[no-untyped-def]
    create_user(db, username="adm_clerk2", full_name="Văn thư 2", password=PW, role="secretariat")
    clerk.is_active = False
    with pytest.raises(PermissionDenied):
        admin.list_users(db, actor=clerk)


def test_create_binds_a_reporter_and_is_audited(db: Session, clerk, agency) -> None:  # type: ignore[no-untyped-def]
    user, token = admin.add_user(
        db, actor=clerk, username="Adm_Rep", full_name="Lê Báo Cáo", role="reporter",
        email="rep@snv.gov.vn", agency_code="adm.snv", password=PW,
    )  # fmt: skip
    assert (user.username, user.agency_id, user.email, token) == (
        "adm_rep",
        agency.id,
        "rep@snv.gov.vn",
        None,
    )
    assert user.must_change_password
    [entry] = _audit(db, "adm_rep")
    assert (entry.action, entry.user_id) == ("user.create", clerk.id)
    assert "ADM.SNV" not in (entry.new_value or "") or "adm.snv" in (entry.new_value or "")
    views = admin.list_users(db, actor=clerk, agency_code="ADM.SNV")
    assert [(v.username, v.agency_name) for v in views] == [("adm_rep", "Sở Nội vụ")]
    assert [v.username for v in admin.list_users(db, actor=clerk, role="reporter")] == ["adm_rep"]


def test_create_names_every_problem(db: Session, clerk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        admin.add_user(db, actor=clerk, username="adm_x", full_name="", role="reporter", email="not-mail",
                       agency_code="NO.SUCH", password="123456789")  # fmt: skip
    fields = [p.field for p in caught.value.problems]
    assert sorted(fields) == ["agency_code", "email", "full_name", "password"]  # the unknown agency once
    assert all(p.message_vi and p.message_en for p in caught.value.problems)


def test_create_without_password_gives_a_link(db: Session, clerk) -> None:  # type: ignore[no-untyped-def]
    user, token = admin.add_user(db, actor=clerk, username="adm_lead", full_name="Lãnh đạo", role="leader")
    assert token and reset_link_user(db, token=token).id == user.id
    assert [e.action for e in _audit(db, "adm_lead")] == ["user.create", "user.reset"]


def test_edit_audits_each_changed_field(db: Session, clerk, agency) -> None:  # type: ignore[no-untyped-def]
    admin.add_user(db, actor=clerk, username="adm_ed", full_name="Cũ", role="leader", password=PW)
    admin.edit_user(
        db, actor=clerk, username="adm_ed", full_name="Mới", role="reporter", agency_code="ADM.SNV"
    )
    changed = {(e.field, e.old_value, e.new_value) for e in _audit(db, "adm_ed") if e.action == "user.update"}
    assert changed == {
        ("full_name", "Cũ", "Mới"),
        ("role", "leader", "reporter"),
        ("agency_id", None, str(agency.id)),
    }
    with pytest.raises(InvalidInput) as caught:
        admin.edit_user(db, actor=clerk, username="adm_ed", agency_code="")
    assert [p.field for p in caught.value.problems] == ["agency_code"]


def test_the_last_secretary_stays(db: Session, clerk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict):
        admin.edit_user(db, actor=SYSTEM, username="adm_clerk", role="leader")
    with pytest.raises(Conflict):
        admin.deactivate(db, actor=SYSTEM, username="adm_clerk")
    with pytest.raises(Conflict):
        admin.deactivate(db, actor=clerk, username="adm_clerk")
    assert clerk.role == "secretariat" and clerk.is_active


def test_deactivate_ends_sessions_and_reactivate_restores(db: Session, clerk) -> None:  # type: ignore[no-untyped-def]
    user, _ = admin.add_user(
        db, actor=clerk, username="adm_gone", full_name="Đi", role="assessor", password=PW
    )
    token, _row = start_session(db, user=user)
    assert admin.deactivate(db, actor=clerk, username="adm_gone") == 1
    assert resolve_session(db, token=token) is None
    with pytest.raises(PermissionDenied):
        authenticate(db, username="adm_gone", password=PW)
    with pytest.raises(NotFound):
        admin.reset_password(db, actor=clerk, username="adm_gone")
    admin.reactivate(db, actor=clerk, username="adm_gone")
    assert authenticate(db, username="adm_gone", password=PW).id == user.id
    actions = [e.action for e in _audit(db, "adm_gone") if not e.action.startswith("user.login")]
    assert actions == ["user.create", "user.deactivate", "user.reactivate"]
    deactivation = next(e for e in _audit(db, "adm_gone") if e.action == "user.deactivate")
    assert deactivation.user_id == clerk.id


def test_reset_link_works_once_and_expires(db: Session, clerk) -> None:  # type: ignore[no-untyped-def]
    user, _ = admin.add_user(
        db, actor=clerk, username="adm_reset", full_name="Quên", role="leader", password=PW
    )
    session_token, _row = start_session(db, user=user)
    now = clock.now()
    first = admin.reset_password(db, actor=clerk, username="adm_reset", now=now)
    second = admin.reset_password(db, actor=clerk, username="adm_reset", now=now)
    with pytest.raises(NotFound):  # a new link voids the earlier one
        reset_link_user(db, token=first, now=now)
    with pytest.raises(InvalidInput):
        use_reset_link(db, token=second, password="password123", now=now)
    use_reset_link(db, token=second, password="mot-mat-khau-moi-2026", now=now + timedelta(hours=1))
    assert not user.must_change_password
    assert resolve_session(db, token=session_token) is None
    assert authenticate(db, username="adm_reset", password="mot-mat-khau-moi-2026").id == user.id
    with pytest.raises(NotFound):
        use_reset_link(db, token=second, password="lai-mot-mat-khau-khac", now=now + timedelta(hours=2))
    late = admin.reset_password(db, actor=clerk, username="adm_reset", now=now)
    with pytest.raises(NotFound):
        reset_link_user(db, token=late, now=now + timedelta(hours=24))
    assert reset_link_user(db, token=late, now=now + timedelta(hours=23, minutes=59)).id == user.id
    stored = db.scalars(select(PasswordReset.token_hash)).all()
    assert late not in stored and second not in stored  # only hashes are kept
    actions = [e.action for e in _audit(db, "adm_reset")]
    assert actions.count("user.reset") == 3 and "user.password" in actions


def test_first_login_link_is_the_users_own(db: Session, clerk) -> None:  # type: ignore[no-untyped-def]
    user, _ = admin.add_user(
        db, actor=clerk, username="adm_first", full_name="Mới", role="leader", password=PW
    )
    token = first_login_link(db, user=user)
    use_reset_link(db, token=token, password="mat-khau-cua-toi-2026")
    entries = _audit(db, "adm_first")
    assert entries[-2].action == "user.reset" and entries[-2].user_id == user.id


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=st.text(max_size=12), email=st.text(max_size=30))
def test_edit_never_accepts_an_unknown_role_or_bad_email(db: Session, clerk, role: str, email: str) -> None:  # type: ignore[no-untyped-def]
    if not _audit(db, "adm_prop"):  # the db fixture lives across hypothesis examples
        admin.add_user(db, actor=clerk, username="adm_prop", full_name="P", role="leader", password=PW)
    try:
        user = admin.edit_user(db, actor=clerk, username="adm_prop", role=role or None, email=email)
    except (InvalidInput, Conflict):
        return
    assert user.role in ROLES
    assert user.email is None or ("@" in user.email and " " not in user.email)


def test_bulk_problems_name_file_row_and_column(db: Session, clerk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    from chiso.accounts.bulk import import_users

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [["username", "full_name", "role", "email"], ["adm_b1", "B Một", "leader", "ok@x.vn"],
                ["adm_b2", "B Hai", "king", "not-mail"], ["adm_b1", "Trùng", "leader", ""]]:  # fmt: skip
        sheet.append(row)
    book.save(tmp_path / "officers.xlsx")
    with pytest.raises(InvalidInput) as caught:
        import_users(db, actor=clerk, source=tmp_path / "officers.xlsx")
    where = sorted((p.file, p.row, p.column) for p in caught.value.problems)
    assert where == [("officers.xlsx", 3, "C"), ("officers.xlsx", 3, "D"), ("officers.xlsx", 4, "A")]


def test_a_refused_create_leaves_no_user(db: Session, clerk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        admin.add_user(db, actor=clerk, username="adm_half", full_name="Nửa", role="leader", email="bad")
    with pytest.raises(NotFound):
        admin.find_user(db, actor=clerk, username="adm_half")
    assert _audit(db, "adm_half") == []
