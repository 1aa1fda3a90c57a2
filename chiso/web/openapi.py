"""What the OpenAPI document declares beyond FastAPI's guess: error replies and download media types.

Web layer; imports chiso.web.permissions only. FastAPI declares 200 (as JSON) and 422; a client also
meets 401 and 403 (login, role, CSRF), 404 (a code in the path), 409 (a write that conflicts) and 413
(a body past the limit), all in the one error shape (`ok`, `error`, `errors`, `status`), and downloads
answer CSV, Excel or PDF rather than JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chiso.web.permissions import is_allowed

ERROR_SCHEMA_NAME = "ErrorOut"
ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "description": "The one error shape / dạng lỗi chung (STYLE.md §6)",
    "required": ["ok", "error", "errors", "status"],
    "properties": {
        "ok": {"type": "boolean", "enum": [False]},
        "error": {"type": "string", "description": "Vietnamese / English message, then the problems"},
        "errors": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        "status": {"type": "integer"},
    },
}
ERROR_TEXT = {
    "401": "Cần đăng nhập / login (or an integrator token) required",
    "403": "Không được phép hoặc thiếu mã CSRF / role not allowed, or CSRF token missing",
    "404": "Không tìm thấy / not found",
    "409": "Xung đột (đã đổi, đã có) / conflict: changed meanwhile or already exists",
    "413": "Yêu cầu quá lớn / request body past CHISO_UPLOAD_MAX_MB",
}
MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
_UNSAFE = {"post", "put", "patch", "delete"}


def _download_formats(path: str, operation: Mapping[str, Any]) -> list[str]:
    """Return the file formats a download route answers ([] when it is not a download)."""
    if path.endswith(".{fmt}"):
        for param in operation.get("parameters", []):
            if param.get("name") == "fmt":
                return [f for f in param.get("schema", {}).get("enum", list(MEDIA)) if f in MEDIA]
        return ["csv", "xlsx"]
    match = re.search(r"\.(csv|xlsx|pdf)$", path)
    return [match.group(1)] if match else []


def _errors_of(path: str, method: str, operation: Mapping[str, Any], action: str | None) -> list[str]:
    codes = []
    if action is None or not is_allowed("public", action) or method in _UNSAFE:
        codes += ["401", "403"]
    if "{" in path.replace("{fmt}", ""):
        codes.append("404")
    if method in _UNSAFE:
        codes.append("409")
    if "requestBody" in operation:
        codes.append("413")
    return codes


def declare_responses(schema: dict[str, Any], actions: Mapping[tuple[str, str], str | None]) -> None:
    """Add the error replies and the download media types to an OpenAPI document, in place.

    Args:
        schema: the document FastAPI generated.
        actions: the named action of each (method lower-case, path); None for FastAPI's own routes.
    """
    schema.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _errors_of(path, method, operation, actions.get((method, path))):
                responses.setdefault(
                    code, {"description": ERROR_TEXT[code], "content": {"application/json": {"schema": ref}}}
                )
            formats = _download_formats(path, operation)
            if formats:
                binary = {"schema": {"type": "string", "format": "binary"}}
                text = {"schema": {"type": "string"}}
                responses["200"] = {
                    "description": "Tệp tải về / the file: " + ", ".join(formats),
                    "content": {MEDIA[f]: text if f == "csv" else binary for f in formats},
                }
