"""The secretariat's user pages (/users, /users/{username}) and the one-time password page /reset/{token}.

Web layer; calls chiso.accounts.admin and chiso.accounts.resets with the logged-in user as the actor
(the services refuse anyone but the secretariat again). A reset link is shown once, in the answer to the
form that made it, never put in a redirect's URL.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import select

from chiso.accounts import admin
from chiso.accounts.resets import reset_link_user, use_reset_link
from chiso.errors import ChisoError
from chiso.store.models.agencies import Agency
from chiso.store.models.users import ROLES
from chiso.web.deps import CurrentActor, DbSession, Viewer, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import is_htmx, render
from chiso.web.routes._followup_forms import answer_form

router = APIRouter()

FIELDS = ("username", "full_name", "email", "role", "agency_code", "password")


@pydantic_dataclass(frozen=True)
class UserOut(admin.UserView):
    """A user as the secretariat sees them (no password hash, no link)."""


class UsersPage(BaseModel):
    """The users, filtered by role and/or agency code."""

    role: str | None
    agency_code: str | None
    users: list[UserOut]


def _out(view: admin.UserView) -> UserOut:
    return UserOut(**asdict(view))


def _choices(db: DbSession) -> dict[str, Any]:
    """The form's options: roles and agencies (code, name), for the template only."""
    agencies = db.execute(select(Agency.code, Agency.name_vi).order_by(Agency.code)).all()
    return {"roles": ROLES, "agencies": [(code, name) for code, name in agencies]}


def _reset_url(request: Request, token: str) -> str:
    return str(request.url_for("reset_form", token=token))


@page(router, "/users", template="users/list.html", action="manage-users", name="data", choices=_choices,
      tags=["users"])  # fmt: skip
def users_page(
    db: DbSession, actor: CurrentActor, role: str | None = None, agency: str | None = None
) -> UsersPage:
    """List users by username; filter by role and by agency code."""
    role, agency = role or None, agency or None
    views = admin.list_users(db, actor=actor, role=role, agency_code=agency)
    return UsersPage(role=role, agency_code=agency, users=[_out(v) for v in views])


@router.post("/users", dependencies=[require("manage-users")], include_in_schema=False)
async def create_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Create a user from the form; answer in place: the error with the inputs kept, or the new user."""
    raw = await request.form()
    form = {k: str(raw.get(k) or "") for k in FIELDS}
    try:
        user, token = admin.add_user(
            db, actor=actor, username=form["username"], full_name=form["full_name"], role=form["role"],
            email=form["email"], agency_code=form["agency_code"], password=form["password"] or None,
        )  # fmt: skip
    except ChisoError as exc:
        if not is_htmx(request):
            raise
        db.rollback()
        form.pop("password")
        return render(request, "users/list.html", block="create_form", form=form, form_error=exc,
                      **_choices(db))  # fmt: skip
    created = _out(admin.view_of(db, user))
    reset_url = _reset_url(request, token) if token else None
    if is_htmx(request):
        return render(request, "users/list.html", block="create_form", form={}, created=created,
                      reset_url=reset_url, **_choices(db))  # fmt: skip
    return render(
        request, "users/user.html", status_code=201, user=created, reset_url=reset_url, **_choices(db)
    )


@page(router, "/users/{username}", template="users/user.html", action="manage-users", name="user",
      choices=_choices, tags=["users"])  # fmt: skip
def user_page(db: DbSession, actor: CurrentActor, username: str) -> UserOut:
    """One user: their details, the edit form, deactivation and the reset link."""
    return _out(admin.find_user(db, actor=actor, username=username))


@router.post("/users/{username}", dependencies=[require("manage-users")], include_in_schema=False)
async def edit_form(request: Request, db: DbSession, actor: CurrentActor, username: str) -> Response:
    """Change name, e-mail, role, agency; answer in place with the inputs kept on an error."""
    raw = await request.form()
    form = {k: str(raw.get(k) or "") for k in ("full_name", "email", "role", "agency_code")}

    def run() -> None:
        admin.edit_user(db, actor=actor, username=username, full_name=form["full_name"], email=form["email"],
                        role=form["role"] or None, agency_code=form["agency_code"])  # fmt: skip

    def again() -> dict[str, Any]:
        return {"user": _out(admin.find_user(db, actor=actor, username=username)), **_choices(db)}

    return answer_form(request, db, run, ok=f"/users/{username}", template="users/user.html",
                       block="edit_form", form=form, again=again)  # fmt: skip


@router.post("/users/{username}/deactivate", dependencies=[require("manage-users")], include_in_schema=False)
def deactivate_form(db: DbSession, actor: CurrentActor, username: str) -> Response:
    """Deactivate the user; their open sessions end at once."""
    admin.deactivate(db, actor=actor, username=username)
    return RedirectResponse(f"/users/{username}", status_code=303)


@router.post("/users/{username}/reactivate", dependencies=[require("manage-users")], include_in_schema=False)
def reactivate_form(db: DbSession, actor: CurrentActor, username: str) -> Response:
    """Let the user log in again."""
    admin.reactivate(db, actor=actor, username=username)
    return RedirectResponse(f"/users/{username}", status_code=303)


@router.post("/users/{username}/reset", dependencies=[require("manage-users")], include_in_schema=False)
def reset_form_issue(request: Request, db: DbSession, actor: CurrentActor, username: str) -> Response:
    """Make a one-time link (24 h) and show it once, to be handed to the user."""
    token = admin.reset_password(db, actor=actor, username=username)
    user = _out(admin.find_user(db, actor=actor, username=username))
    block = "reset_block" if is_htmx(request) else None
    return render(request, "users/user.html", block=block, user=user, reset_url=_reset_url(request, token),
                  **_choices(db))  # fmt: skip


@router.get("/reset/{token}", name="reset_form", include_in_schema=False)
def reset_form(
    request: Request, db: DbSession, viewer: Annotated[Viewer, require("log-in")], token: str
) -> Response:
    """Ask the link's user for a new password (the link is the credential; unknown or used links: 404)."""
    user = reset_link_user(db, token=token)
    return _reset_page(request, username=user.username, error=None)


@router.post("/reset/{token}", include_in_schema=False)
def reset_submit(
    request: Request,
    db: DbSession,
    viewer: Annotated[Viewer, require("log-in")],
    token: str,
    password: Annotated[str, Form(max_length=1024)] = "",
    again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Set the new password once; then the user logs in with it."""
    user = reset_link_user(db, token=token)
    if password != again:
        return _reset_page(request, username=user.username, error=("Hai mật khẩu không khớp",
                                                                   "The two passwords differ"))  # fmt: skip
    try:
        use_reset_link(db, token=token, password=password)
    except ChisoError as exc:
        db.rollback()
        problem = exc.problems[0] if exc.problems else None
        words = (problem.message_vi, problem.message_en) if problem else (exc.message_vi, exc.message_en)
        return _reset_page(request, username=user.username, error=words)
    return RedirectResponse("/login", status_code=303)


def _reset_page(request: Request, *, username: str, error: tuple[str, str] | None) -> Response:
    response = render(request, "users/reset.html", status_code=200 if error is None else 422,
                      username=username, error=error)  # fmt: skip
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["Cache-Control"] = "no-store"
    return response


register_messages(
    {
        "Người dùng": "Users",
        "Người dùng và vai trò": "Users and roles",
        "Vai trò": "Role",
        "Cơ quan": "Agency",
        "Tất cả": "All",
        "Lọc": "Filter",
        "Tên đăng nhập": "Username",
        "Họ tên": "Full name",
        "Trạng thái": "State",
        "Hoạt động": "Active",
        "Đã khóa": "Deactivated",
        "Phải đổi mật khẩu": "Must change password",
        "Tạo người dùng": "Create a user",
        "Mật khẩu ban đầu": "First password",
        "(để trống: cấp liên kết đặt mật khẩu)": "(leave empty: issue a password link)",
        "Mã cơ quan (bắt buộc với người báo cáo)": "Agency code (required for a reporter)",
        "Đã tạo": "Created",
        "Liên kết đặt mật khẩu (24 giờ, dùng một lần), hãy trao cho người dùng:":
            "Password link (24 h, single use), hand it to the user:",
        "Chưa có người dùng nào khớp.": "No user matches.",
        "Sửa thông tin": "Edit",
        "Lưu": "Save",
        "Khóa tài khoản": "Deactivate",
        "Mở lại tài khoản": "Reactivate",
        "Cấp liên kết đặt lại mật khẩu": "Issue a password reset link",
        "Khóa tài khoản này? Các phiên đang mở sẽ kết thúc ngay.":
            "Deactivate this account? Its open sessions end at once.",
        "Tạo lúc": "Created at",
        "Không gắn": "None",
        "Đặt mật khẩu mới": "Set a new password",
        "Mật khẩu mới": "New password",
        "Nhập lại mật khẩu mới": "The new password again",
        "Ít nhất 10 ký tự, không phải mật khẩu phổ biến.": "At least 10 characters, not a common password.",
        "Xem nhật ký của người dùng này": "See this user's audit log",
    }
)  # fmt: skip
