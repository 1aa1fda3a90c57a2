"""Login, logout and the viewer's own account page (with its JSON twin /api/me).

Web layer; calls chiso.accounts.service. The session cookie holds a random token (HttpOnly,
SameSite=Lax, Secure over https); the database keeps only its SHA-256.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chiso.accounts.lockout import TooManyAttempts, claim_attempt
from chiso.accounts.resets import first_login_link
from chiso.accounts.service import (
    SESSION_TTL,
    authenticate,
    end_session,
    purge_expired_sessions,
    start_session,
)
from chiso.errors import PermissionDenied
from chiso.web import security
from chiso.web.deps import CurrentUser, DbSession, Viewer, require
from chiso.web.pages import page
from chiso.web.rendering import render
from chiso.web.routes.home import viewer_out
from chiso.web.schemas import ViewerOut

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else "/" (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(
    request: Request, viewer: Annotated[Viewer, require("log-in")], next: str = "/"
) -> HTMLResponse:
    """Show the login form."""
    return render(request, "auth/login.html", next=safe_next(next), error=None, username="")


@router.post("/login", include_in_schema=False)
def login_submit(
    request: Request,
    db: DbSession,
    viewer: Annotated[Viewer, require("log-in")],
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Count the attempt, check the password, open a server-side session and go to `next`."""
    address = request.client.host if request.client else None
    try:
        claim_attempt(db, username=username, address=address)
        db.commit()  # the attempt counts even if this request fails, and no lock is held while argon2 runs
        user = authenticate(db, username=username, password=password, address=address, counted=True)
    except PermissionDenied as exc:
        return _refused(request, exc, username=username, next_url=next)
    end_session(db, token=request.cookies.get(security.SESSION_COOKIE))  # no session fixation
    if user.must_change_password:  # a password the secretariat chose: the user picks their own first
        return RedirectResponse(f"/reset/{first_login_link(db, user=user)}", status_code=303)
    purge_expired_sessions(db)
    token, _row = start_session(db, user=user)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        security.SESSION_COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def _refused(request: Request, exc: PermissionDenied, *, username: str, next_url: str) -> Response:
    """Show the form again with the reason: 401, or 429 with Retry-After when the attempt was throttled."""
    lang = getattr(request.state, "lang", "vi")
    throttled = isinstance(exc, TooManyAttempts)
    response = render(
        request,
        "auth/login.html",
        status_code=exc.status if throttled else 401,
        next=safe_next(next_url),
        error=exc.message_en if lang == "en" else exc.message_vi,
        username=username,
    )
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, db: DbSession, viewer: Annotated[Viewer, require("log-out")]) -> Response:
    """Delete the server-side session and the cookie."""
    end_session(db, token=request.cookies.get(security.SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response


@page(router, "/account", api="/api/me", template="auth/account.html", action="view-account", name="me",
      tags=["account"])  # fmt: skip
def account_page(db: DbSession, viewer: CurrentUser) -> ViewerOut:
    """Describe the logged-in user, their role, agency and allowed actions."""
    return viewer_out(db, viewer)
