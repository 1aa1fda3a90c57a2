"""The request body limit, enforced inside the security middleware so a 413 has the one error shape.

Web layer; imports chiso.config and chiso.errors. A body announced too large (Content-Length) is
refused before it is read; a body sent without a length (chunked) is counted as it arrives and
refused when it passes the limit. Both refusals are the JSON error shape, and since this runs inside
`request_context`, they carry the security headers like every other reply. (Starlette's own limiter
answered `text/plain` from outside our middleware, and replaced even our JSON 413 with it.)
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chiso.config import get_settings
from chiso.errors import ChisoError


class ContentTooLarge(ChisoError, HTTPException):
    """The request body is larger than CHISO_UPLOAD_MAX_MB allows (plus room for the form around it).

    Also an HTTPException, so FastAPI's body parsing lets it through instead of turning it into a 400;
    the ChisoError handler (first in the class order) renders it.
    """

    status = 413

    def __init__(self) -> None:
        limit_mb = get_settings().upload_max_bytes // (1024 * 1024)
        ChisoError.__init__(
            self,
            f"Yêu cầu quá lớn (giới hạn {limit_mb} MB); hãy chia nhỏ tệp hoặc lô dữ liệu",
            f"The request is too large (limit {limit_mb} MB); split the file or batch, or set "
            "CHISO_UPLOAD_MAX_MB to change the limit",
        )
        self.status_code = 413
        self.detail = self.message_en
        self.headers = None


def body_limit() -> int:
    """Return the largest request body accepted: the upload limit plus room for the form around it."""
    return get_settings().upload_max_bytes + 1024 * 1024


def announced_too_large(content_length: str | None) -> bool:
    """Return True when a Content-Length header announces more than `body_limit()` bytes."""
    length = (content_length or "").strip()
    return length.isdigit() and int(length) > body_limit()


class BodyLimit:
    """ASGI middleware counting a body's bytes as they arrive; raises ContentTooLarge past the limit.

    Put it inside `request_context`, so the error handlers turn the exception into the error shape.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit()
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ContentTooLarge()
            return message

        await self.app(scope, counted, send)


async def refuse_too_large(_request: Request, exc: Exception) -> Response:
    """Answer a body past the limit in the JSON error shape, whoever asked (the body was never read)."""
    assert isinstance(exc, ContentTooLarge)
    return JSONResponse(exc.to_dict(), status_code=413)


def install_body_limit(app: FastAPI) -> None:
    """Count request bodies inside the security middleware; call before adding `request_context`."""
    app.add_exception_handler(ContentTooLarge, refuse_too_large)
    app.add_middleware(BodyLimit)
