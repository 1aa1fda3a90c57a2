"""One error shape for the web: JSON {ok:false, error, errors, status} for the API, a page for browsers.

Web layer. Maps ChisoError subclasses, HTTP exceptions and validation errors; anything else is
logged with the request id and shown as a plain 500 page, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from chiso.errors import ChisoError, Conflict, InvalidInput, Problem
from chiso.web.deps import LoginRequired
from chiso.web.rendering import lang_of, render

log = logging.getLogger("chiso.web")

Handler = Callable[[Request, Exception], Awaitable[Response]]

HTTP_MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Cần đăng nhập", "You need to log in"),
    403: ("Không được phép", "Forbidden"),
    404: ("Không tìm thấy trang hoặc dữ liệu này", "This page or record was not found"),
    405: ("Phương thức không được hỗ trợ", "Method not allowed"),
    413: ("Tệp quá lớn", "The file is too large"),
    422: ("Dữ liệu gửi lên không hợp lệ", "The submitted data is not valid"),
    500: ("Đã có lỗi không mong muốn", "Something unexpected went wrong"),
}


def wants_json(request: Request) -> bool:
    """Return True when the caller expects JSON: /api paths, *.json, or an Accept header asking for it."""
    if request.headers.get("x-chiso-form"):  # a form sent by chiso.js, which shows the refusal in place
        return True
    path = request.url.path
    if path == "/api" or path.startswith("/api/") or path.endswith(".json") or path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_payload(exc: ChisoError) -> dict[str, Any]:
    """Return the one JSON error shape for a domain error."""
    return exc.to_dict()


def respond_error(request: Request, exc: ChisoError, headers: dict[str, str] | None = None) -> Response:
    """Answer an error in the one JSON shape, or as a page; a refused form's page links back to the form."""
    if wants_json(request):
        return JSONResponse(error_payload(exc), status_code=exc.status, headers=headers)
    lang = lang_of(request)
    return render(
        request,
        "error.html",
        status_code=exc.status,
        status=exc.status,
        message=exc.message_en if lang == "en" else exc.message_vi,
        other_message=exc.message_vi if lang == "en" else exc.message_en,
        problems=list(exc.problems),
        back=_form_page(request),
    )


def _form_page(request: Request) -> str | None:
    """Return the same-site page a refused POST form was sent from (without the script's in-place answer)."""
    if request.method != "POST":
        return None
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


#: FastAPI's reply to a body it cannot decode (malformed, or nested deeper than the decoder allows).
_UNPARSED_BODY = "There was an error parsing the body"


def _http_error(status: int, detail: Any = None) -> ChisoError:
    vi, en = HTTP_MESSAGES.get(status, (f"Lỗi HTTP {status}", f"HTTP error {status}"))
    if detail == _UNPARSED_BODY:
        detail = None
        vi += ": nội dung gửi lên không đọc được (sai cú pháp hoặc lồng nhau quá sâu)"
        en += ": the body cannot be read (malformed, or nested too deeply)"
    if isinstance(detail, str) and detail and detail not in ("Not Found", "Method Not Allowed"):
        en = f"{en}: {detail}"
        vi = f"{vi}: {detail}"
    error = ChisoError(vi, en)
    error.status = status
    return error


async def handle_chiso_error(request: Request, exc: Exception) -> Response:
    """Map a ChisoError to JSON or a page; an anonymous visitor refused a page goes to the login form."""
    assert isinstance(exc, ChisoError)
    if isinstance(exc, LoginRequired) and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return respond_error(request, exc)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """Map an HTTPException (404, 405, ...) to the same shapes."""
    assert isinstance(exc, StarletteHTTPException)
    error = _http_error(exc.status_code, exc.detail)
    return respond_error(request, error, headers=getattr(exc, "headers", None))


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    """Map a request validation error to InvalidInput, one problem per bad field."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("query", "body", "path", "form")]
        field = ".".join(loc) or None
        msg = str(err.get("msg", "invalid"))
        problems.append(Problem(f"Giá trị không hợp lệ: {msg}", msg, field=field))
    return respond_error(request, InvalidInput(*HTTP_MESSAGES[422], problems))


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    """Log an unexpected error with its request id; show a plain 500 without the traceback."""
    request_id = getattr(request.state, "request_id", "")
    log.exception("unhandled error, request id %s, %s %s", request_id, request.method, request.url.path)
    error = _http_error(500)
    error.message_vi = f"{error.message_vi}. Mã yêu cầu: {request_id}"
    error.message_en = f"{error.message_en}. Request id: {request_id}"
    response = respond_error(request, error)
    response.headers["X-Request-ID"] = request_id
    return response


def refuse_crafted(request: Request) -> Response | None:
    """Refuse a URL holding a NUL byte (400 in the one error shape): no name, code or text has one."""
    path, query = request.scope.get("path", ""), request.scope.get("query_string", b"")
    if "\x00" not in path and b"\x00" not in unquote_to_bytes(query):
        return None
    error = InvalidInput(
        "Địa chỉ có ký tự NUL (%00), không hợp lệ",
        "The address holds a NUL character (%00), which no value may contain",
    )
    error.status = 400
    return respond_error(request, error)


def _refusal(kind: type[ChisoError], message_vi: str, message_en: str, logged: str) -> Handler:
    """Return a handler that logs `logged` with the request and answers `kind(message_vi, message_en)`."""

    async def handle(request: Request, exc: Exception) -> Response:
        log.info("%s: %s %s (%s)", logged, request.method, request.url.path, type(exc).__name__)
        return respond_error(request, kind(message_vi, message_en))

    return handle


# Input nested too deeply for the code that walks it (JSON, an expression): 422.
handle_too_deep = _refusal(
    InvalidInput,
    "Dữ liệu gửi lên lồng nhau quá sâu; hãy làm phẳng lại",
    "The submitted data is nested too deeply; flatten it",
    "refused input nested too deeply",
)
# A value the database cannot hold (a 30-digit id, an over-long or NUL text): 422.
handle_value_out_of_range = _refusal(
    InvalidInput,
    "Có giá trị quá lớn, quá dài hoặc chứa ký tự không hợp lệ; hãy sửa lại",
    "A value is too large, too long or holds a character that is not allowed; correct it",
    "refused a value the database cannot hold",
)
# A lost race between two simultaneous writes (a unique key, a row version): 409.
handle_write_conflict = _refusal(
    Conflict,
    "Dữ liệu vừa được người khác thay đổi cùng lúc; hãy tải lại trang rồi thử lại",
    "Someone changed the same data at the same moment; reload and try again",
    "write conflict",
)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(ChisoError, handle_chiso_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(RecursionError, handle_too_deep)
    app.add_exception_handler(OverflowError, handle_value_out_of_range)
    app.add_exception_handler(DataError, handle_value_out_of_range)
    app.add_exception_handler(IntegrityError, handle_write_conflict)
    app.add_exception_handler(StaleDataError, handle_write_conflict)
    app.add_exception_handler(Exception, handle_unexpected)
