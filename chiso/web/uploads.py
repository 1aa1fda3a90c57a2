"""Reading an uploaded file within the size limit; web layer, imports chiso.config and chiso.errors.

Every upload route reads through `read_upload`, so the limit (CHISO_UPLOAD_MAX_MB) and its bilingual
message are the same everywhere, and a file over the limit is refused before it is kept in memory whole.
It then hands the bytes to the parsing service through `off_loop`: parsing a spreadsheet takes CPU
seconds, and on the event loop those seconds would freeze every other request of the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chiso.config import get_settings
from chiso.errors import InvalidInput, Problem

T = TypeVar("T")


async def off_loop(service: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a service that parses an upload in a worker thread, so the event loop keeps serving."""
    return await run_in_threadpool(service, **kwargs)


def upload_limit() -> int:
    """Return the largest upload accepted, in bytes."""
    return get_settings().upload_max_bytes


def too_large(name: str | None = None) -> InvalidInput:
    """Return the 413 error for a file over the limit, naming the limit and the file."""
    limit_mb = upload_limit() // (1024 * 1024)
    error = InvalidInput(
        f"Tệp quá lớn (giới hạn {limit_mb} MB)",
        f"The file is too large (limit {limit_mb} MB)",
        [Problem(f"Tệp vượt quá {limit_mb} MB", f"The file exceeds {limit_mb} MB", file=name)],
    )
    error.status = 413
    return error


def file_too_large_text() -> str:
    """Return the bilingual sentence a page shows when a chosen file is over the limit (before sending)."""
    limit_mb = upload_limit() // (1024 * 1024)
    return (
        f"Tệp lớn hơn giới hạn {limit_mb} MB cho mỗi lần gửi; hãy nén, tách tệp hoặc quét ở độ phân "
        f"giải thấp hơn / The file is over the {limit_mb} MB limit per upload; compress or split it"
    )


async def read_upload(upload: UploadFile) -> bytes:
    """Return the bytes of an uploaded file.

    Raises:
        InvalidInput: (413) the file is larger than the upload limit.
    """
    limit = upload_limit()
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise too_large(upload.filename)
    return data
