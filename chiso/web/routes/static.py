"""Static files: our CSS and JS, plus htmx, Swagger UI and the DejaVu font read from installed packages.

Web layer. Nothing third-party is committed to the repository and nothing comes from a CDN: each
file is looked up at run time in the package (or Debian font directory) that installed it.
"""

from __future__ import annotations

import importlib.resources
import mimetypes
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from chiso.errors import NotFound
from chiso.web.deps import require

try:  # swagger-ui-bundle is optional: /api/docs falls back to its plain page without it
    from swagger_ui_bundle import swagger_ui_path
except ImportError:
    swagger_ui_path = None

router = APIRouter(include_in_schema=False)

OWN_STATIC = importlib.resources.files("chiso.web") / "static"
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


def _third_party(name: str) -> Any:
    """Return a Traversable for a whitelisted third-party asset, or None."""
    if name == "htmx.min.js":
        return importlib.resources.files("js_lib_htmx") / "static" / "htmx" / "htmx.min.js"
    if name.startswith("swagger/") and name.removeprefix("swagger/") in SWAGGER_FILES:
        if swagger_ui_path is None:
            return None
        return swagger_ui_path / name.removeprefix("swagger/")
    if name.startswith("fonts/") and name.removeprefix("fonts/") in FONTS:
        for folder in FONT_DIRS:
            path = folder / name.removeprefix("fonts/")
            if path.is_file():
                return path
    return None


def find_static(name: str) -> Any:
    """Return the file behind /static/<name>, or None; never leaves the whitelisted places."""
    third = _third_party(name)
    if third is not None:
        return third if third.is_file() else None
    if "/" in name or name.startswith("."):
        return None
    own = OWN_STATIC / name
    return own if own.is_file() else None


@router.get("/static/{name:path}", dependencies=[require("view-static")])
def static_file(name: str) -> Response:
    """Serve one static file, cached for a day."""
    found = find_static(name)
    if found is None:
        raise NotFound(f"Không có tệp tĩnh {name!r}", f"No static file {name!r}")
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type in ("application/javascript", "text/javascript"):
        media_type += "; charset=utf-8"
    return Response(
        found.read_bytes(), media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )
