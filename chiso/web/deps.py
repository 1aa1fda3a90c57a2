"""Request dependencies: the per-request DB session, the current viewer, and `require("action")`.

Web layer. Routes declare `DbSession` and `CurrentUser` (Annotated aliases) and put
`require("action-name")` on every route: it checks the role's permission and, for unsafe
methods, the CSRF token. Services flush; the DbSession dependency commits once per request
(before the response is sent) or rolls back on error.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chiso.accounts.service import resolve_session
from chiso.config import get_settings
from chiso.errors import PermissionDenied
from chiso.store.db import session_scope
from chiso.store.models.users import User, WebSession
from chiso.web import security
from chiso.web.permissions import get_action, is_allowed


class LoginRequired(PermissionDenied):
    """An anonymous visitor asked for something that needs a login (pages redirect to /login)."""

    status = 401


class CsrfRefused(PermissionDenied):
    """A form or htmx POST came without a valid CSRF token."""


# One gate per event loop: a semaphore binds to the loop of its first waiter, and tests run several loops.
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


async def admit_request() -> AsyncIterator[None]:
    """Let at most CHISO_DB_CONCURRENCY requests (default 30) use the database at once; others wait.

    The wait happens on the event loop, never in a worker thread: a request that holds a pooled
    connection must always find a thread to finish on, or a few hundred concurrent users would leave
    every thread waiting for a connection held by requests waiting for a thread (until the pool
    timeout). Keep the value below anyio's 40 worker threads and the store's pool size.
    """
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Semaphore(int(os.environ.get("CHISO_DB_CONCURRENCY", "30")))
    async with gate:
        yield


def get_db(_admitted: Annotated[None, Depends(admit_request, scope="function")]) -> Iterator[Session]:
    """Yield one session per request: commit when the route succeeds, roll back when it fails."""
    with session_scope(get_settings().database_url) as session:
        yield session


# scope="function": the commit happens before the response leaves, so a failed commit is an error page.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


@dataclass
class Viewer:
    """Who is asking: a logged-in user with their session, or an anonymous visitor (role "public").

    The user's fields are copied when the request starts, so error pages rendered after the
    request's transaction was rolled back can still show them. `user` and `web_session` are the ORM
    rows, usable inside the route.
    """

    id: int | None = None
    username: str | None = None
    full_name: str | None = None
    role: str = "public"
    agency_id: int | None = None
    province_code: str | None = None
    session_expires_at: datetime | None = None
    csrf_token: str = ""
    user: User | None = field(default=None, repr=False)
    web_session: WebSession | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, user: User, web_session: WebSession) -> Viewer:
        """Return the Viewer of a logged-in user."""
        return cls(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            role=user.role,
            agency_id=user.agency_id,
            province_code=user.province_code,
            session_expires_at=web_session.expires_at,
            csrf_token=web_session.csrf_token,
            user=user,
            web_session=web_session,
        )

    @property
    def is_authenticated(self) -> bool:
        return self.id is not None

    def can(self, action: str) -> bool:
        """Return True when this viewer's role may perform `action`."""
        return is_allowed(self.role, action)


def get_viewer(request: Request, db: DbSession) -> Viewer:
    """Resolve the session cookie to a Viewer; prepare the anonymous CSRF token when there is none."""
    cached = getattr(request.state, "viewer", None)
    if isinstance(cached, Viewer):
        return cached
    token = request.cookies.get(security.SESSION_COOKIE)
    found = resolve_session(db, token=token)
    if token and found is None:
        db.commit()  # keep the deletion of an expired session even if the route then refuses the visitor
    if found is not None:
        row, user = found
        viewer = Viewer.of(user, row)
    else:
        raw = request.cookies.get(security.CSRF_COOKIE)
        if not raw:
            raw = security.new_csrf_cookie_value()
            request.state.set_csrf_cookie = raw  # the middleware adds the cookie to the response
        viewer = Viewer(csrf_token=security.sign_csrf(raw))
        viewer.extra["csrf_cookie"] = raw
    request.state.viewer = viewer
    return viewer


CurrentUser = Annotated[Viewer, Depends(get_viewer)]


def current_actor(viewer: CurrentUser) -> User:
    """Return the logged-in user, the only actor a route may pass to a service; anonymous visitors get 401.

    Services never see "the system" from the web: a route that needs an actor declares CurrentActor.
    """
    if viewer.user is None:
        raise LoginRequired("Cần đăng nhập", "You need to log in")
    return viewer.user


CurrentActor = Annotated[User, Depends(current_actor)]


async def _submitted_csrf_token(request: Request) -> str | None:
    header = request.headers.get(security.CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches the parsed form for the route
        value = form.get(security.CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def csrf_valid(viewer: Viewer, token: str | None, request: Request) -> bool:
    """Return True when `token` is the session's CSRF token (logged in) or the signed double-submit token.

    A logged-in viewer's token is bound to their session only: the anonymous pair (a cookie a third
    party on a sibling subdomain could plant, with its signed twin) never stands in for it.
    """
    if viewer.is_authenticated:
        return security.check_synchronizer(token, viewer.csrf_token)
    return security.check_double_submit(token, request.cookies.get(security.CSRF_COOKIE))


def require(action: str) -> Any:
    """Return a dependency that admits only roles allowed to perform `action` (and checks CSRF on writes).

    Args:
        action: a name registered in chiso/web/permissions.py.

    Returns:
        A `Depends(...)` to put in a route's `dependencies=[...]` or as `Annotated[Viewer, require(...)]`;
        it resolves to the Viewer.

    Raises:
        KeyError: at declaration time, when the action is not registered.
    """
    get_action(action)

    async def _check(request: Request, viewer: CurrentUser) -> Viewer:
        if request.method not in security.SAFE_METHODS:
            token = await _submitted_csrf_token(request)
            if not csrf_valid(viewer, token, request):
                raise CsrfRefused(
                    "Yêu cầu bị từ chối: thiếu hoặc sai mã bảo vệ biểu mẫu (CSRF). "
                    "Hãy tải lại trang rồi gửi lại.",
                    "Request refused: the form's security token (CSRF) is missing or wrong. "
                    "Reload the page and submit again.",
                )
        if not viewer.can(action):
            if not viewer.is_authenticated:
                raise LoginRequired("Cần đăng nhập để xem trang này", "You need to log in to see this page")
            raise PermissionDenied(
                f"Vai trò {viewer.role} không được phép: {get_action(action).description_vi}",
                f"The role {viewer.role} may not do this: {get_action(action).description_en}",
            )
        return viewer

    _check.chiso_action = action  # type: ignore[attr-defined]  # read by tests and docs
    _check.__name__ = f"require_{action.replace('-', '_')}"
    return Depends(_check)


def route_action(dependant: Any) -> str | None:
    """Return the action a route requires (searching its dependency tree), or None."""
    for dep in getattr(dependant, "dependencies", []):
        name = getattr(dep.call, "chiso_action", None)
        if name:
            return str(name)
        found = route_action(dep)
        if found:
            return found
    return None
