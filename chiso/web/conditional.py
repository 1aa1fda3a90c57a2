"""Conditional GET for polled pages: weak ETags, 304 before any database work, shared renderings.

Web layer. `@page(..., etag=...)` tags each rendering (`entity_tag`); a page whose action everyone may
perform can also register a check that needs no database (`register_fast_check`), which the ASGI
middleware `NotModifiedShortcut` runs before the request reaches FastAPI's dependencies: a poll of an
unchanged public board then costs neither a database admission slot nor a worker thread.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chiso.web.i18n import pick_lang
from chiso.web.permissions import is_allowed
from chiso.web.security import CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE

FastCheck = Callable[[Request], "str | None"]
FAST_CHECKS: dict[str, FastCheck] = {}


def asks_for_json(request: Request) -> bool:
    """Return True when the Accept header prefers JSON to HTML (a script asking the page's own URL)."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def entity_tag(request: Request, base: str) -> str:
    """Return the weak ETag of a rendering: `base` (the data), JSON/fragment/page, language and session.

    The session part is a hash of the session cookie (or of the anonymous CSRF cookie): a page's nav
    and forms differ per session, while the cookie, unlike a signed token, stays the same between polls.
    """
    variant = "json" if asks_for_json(request) else "hx" if request.headers.get("hx-request") else "html"
    secret = (
        request.cookies.get(SESSION_COOKIE)
        or getattr(request.state, "set_csrf_cookie", None)
        or request.cookies.get(CSRF_COOKIE, "")
    )
    who = hashlib.blake2b(str(secret).encode("utf-8"), digest_size=4).hexdigest()
    lang = getattr(request.state, "lang", None) or pick_lang(
        request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)
    )  # the shortcut runs before the middleware that sets request.state.lang
    return f'W/"{base}-{variant}-{lang}-{who}"'


def cache_headers(tag: str) -> dict[str, str]:
    """Return the headers of a tagged rendering: browsers keep it and revalidate it on every use."""
    return {"ETag": tag, "Cache-Control": "no-cache", "Vary": "Accept, HX-Request"}


def matches(request: Request, tag: str) -> bool:
    """Return True when the request's If-None-Match names `tag`."""
    return tag in request.headers.get("if-none-match", "")


class RenderedCache:
    """The last renderings of tagged pages that show nothing of the viewer (JSON and htmx fragments)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> tuple[bytes, str] | None:
        """Return a kept rendering (body, media type), or None."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, ...], value: tuple[bytes, str]) -> None:
        """Keep a rendering; the least recently used goes past `size`."""
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


RENDERED = RenderedCache()


def shared_key(request: Request, tag: str | None) -> tuple[str, ...] | None:
    """Return the key of a rendering the same for every viewer (JSON, fragment), or None (a whole page)."""
    if tag is None or not (asks_for_json(request) or request.headers.get("hx-request")):
        return None
    return (request.url.path, str(request.url.query), tag.rsplit("-", 1)[0])


def register_fast_check(path: str, action: str, check: FastCheck) -> None:
    """Let `NotModifiedShortcut` answer 304 for `path` with `check(request)` (the tag, or None: go on).

    Raises:
        ValueError: the action is not open to everyone (a 304 must never skip a permission check).
    """
    if not is_allowed("public", action):
        raise ValueError(f"{path}: a 304 before the permission check needs an action open to everyone")
    FAST_CHECKS[path] = check


class NotModifiedShortcut:
    """ASGI middleware: answer 304 to a revalidation of an unchanged registered page, before FastAPI."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        check = FAST_CHECKS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if check is not None and scope.get("method") == "GET":
            request = Request(scope)
            tag = check(request) if request.headers.get("if-none-match") else None
            if tag is not None and matches(request, tag):
                headers = {**cache_headers(tag), "X-Content-Type-Options": "nosniff"}
                await Response(status_code=304, headers=headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)


__all__: list[Any] = ["NotModifiedShortcut", "entity_tag", "register_fast_check"]
