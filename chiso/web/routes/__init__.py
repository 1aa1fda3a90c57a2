"""Web routes, one module per domain; every module here with a `router` is included automatically.

A room adds its pages by adding chiso/web/routes/<domain>.py with `router = APIRouter()`, templates
under chiso/web/templates/<domain>/ and its actions in chiso/web/permissions.py.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter, FastAPI

# Included first, in this order; the rest follow alphabetically. review's /assessment/review must come
# before periods' /assessment/{code}, which would otherwise take "review" for a period code.
FIRST = ("static", "home", "auth", "review")


def include_routes(app: FastAPI) -> None:
    """Include the `router` of every module of this package."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    ordered = [n for n in FIRST if n in names] + sorted(n for n in names if n not in FIRST)
    for name in ordered:
        module = importlib.import_module(f"{__name__}.{name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            app.include_router(router)
