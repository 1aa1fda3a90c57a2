"""The FastAPI application: `create_app()` wires routes, error handlers and the security middleware.

Web layer; routes call domain services (chiso.units, chiso.accounts, ...), never SQL. Served by
`chiso serve` (uvicorn, factory mode). Nothing is loaded from a CDN: htmx, Swagger UI and the
font come from installed packages, served by routes/static.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi import routing as fastapi_routing
from fastapi.responses import JSONResponse, Response
from starlette.middleware.gzip import GZipMiddleware

import chiso
from chiso.web import security
from chiso.web.conditional import NotModifiedShortcut
from chiso.web.deps import route_action
from chiso.web.errors import install_error_handlers, refuse_crafted
from chiso.web.i18n import pick_lang
from chiso.web.limits import ContentTooLarge, announced_too_large, install_body_limit
from chiso.web.openapi import declare_responses
from chiso.web.routes import include_routes

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Give each request an id and a language; add cookies and security headers to the response."""
    request.state.request_id = uuid.uuid4().hex[:12]
    query_lang = request.query_params.get("lang")
    request.state.lang = pick_lang(query_lang, request.cookies.get(security.LANG_COOKIE))
    response = _refuse_oversize(request) or refuse_crafted(request) or await call_next(request)
    secure = _cookie_secure(request)
    if query_lang in ("vi", "en"):
        response.set_cookie(
            security.LANG_COOKIE, query_lang, max_age=365 * 86400, samesite="lax", secure=secure
        )
    raw = getattr(request.state, "set_csrf_cookie", None)
    if raw:
        response.set_cookie(
            security.CSRF_COOKIE,
            raw,
            max_age=security.CSRF_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
    response.headers.setdefault("X-Request-ID", request.state.request_id)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:  # embeds set their own
        response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.url.path.startswith("/static/"):
        # pages, JSON and downloads may be private: never kept by a browser or a shared proxy
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _refuse_oversize(request: Request) -> Response | None:
    """Refuse a body announced larger than the limit before reading it (413, in the one error shape)."""
    if not announced_too_large(request.headers.get("content-length")):
        return None
    return JSONResponse(ContentTooLarge().to_dict(), status_code=413)


def create_app() -> FastAPI:
    """Build the chiso web application (pages, JSON API under /api, OpenAPI at /openapi.json).

    Returns:
        The FastAPI app; the database is the configured one (chiso.config.get_settings()).
    """
    app = FastAPI(
        title="chiso API",
        version=getattr(chiso, "__version__", "0.1.0"),
        description="Đo lường, chấm điểm, xếp hạng chuyển đổi số / measure, score and rank the "
        "digital transformation of a province's agencies. Every page has a JSON twin under /api.",
        docs_url=None,  # our own /api/docs serves Swagger UI from an installed package, not a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(app)
    install_body_limit(app)  # first, so it runs inside request_context (security headers, error shape)
    app.middleware("http")(request_context)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # the live board's 200 pollers (issue 16)
    app.add_middleware(NotModifiedShortcut)  # outermost: a poll of an unchanged board costs the least
    include_routes(app)
    _summaries_from_docstrings(app)
    return app


def _summaries_from_docstrings(app: FastAPI) -> None:
    """Give each API operation its docstring's first line as OpenAPI summary (not "Units Api")."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = default_openapi()
        declare_responses(schema, {(r.method.lower(), r.path): r.action for r in list_routes(app)})
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                description = str(operation.get("description") or "").strip()
                if description:
                    operation["summary"] = description.splitlines()[0].rstrip(".")
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


@dataclass(frozen=True)
class RouteInfo:
    """One method of one route as the app serves it, with the action it requires."""

    method: str
    path: str
    action: str | None
    name: str
    summary: str
    in_schema: bool


def list_routes(app: FastAPI) -> list[RouteInfo]:
    """List every (method, path) the app serves with its required action (for tests and docs/web.md).

    Routes FastAPI adds itself (/openapi.json) have no action and `name` "openapi".
    """
    iter_route_contexts = getattr(fastapi_routing, "iter_route_contexts", None)  # older FastAPI: plain routes
    contexts: list[Any] = list(iter_route_contexts(app.routes)) if iter_route_contexts else list(app.routes)
    found = []
    for ctx in contexts:
        path = getattr(ctx, "path", None)
        methods = getattr(ctx, "methods", None) or set()
        if path is None:
            continue
        dependant = getattr(ctx, "dependant", None)
        endpoint = getattr(ctx, "endpoint", None)
        doc = (getattr(endpoint, "__doc__", None) or "").strip().splitlines()
        for method in sorted(set(methods) - {"HEAD"}):
            found.append(
                RouteInfo(
                    method=method,
                    path=path,
                    action=route_action(dependant) if dependant is not None else None,
                    name=str(getattr(ctx, "name", "") or ""),
                    summary=doc[0] if doc else "",
                    in_schema=bool(getattr(ctx, "include_in_schema", False)),
                )
            )
    return found
