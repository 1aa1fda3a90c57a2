"""One route per page, two renderings: `@page` turns a function returning a typed model into a page and
its JSON twin, so the two can never drift.

Web layer. The decorated function is the route's only body: it parses nothing itself (FastAPI does, from
its signature), calls one service and returns the model. `@page` registers
- GET `path`: the HTML page (`template` rendered with the model under `name`), or only `block` when htmx
  asks for a fragment, or the model as JSON when the request's Accept header asks for JSON;
- GET `api` (default "/api" + path): the model as JSON, documented in OpenAPI with its type.
Both require the same named action. Every page registered here is listed in `PAGES` (tests walk it).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, TypeVar, get_type_hints
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter

from chiso.web.conditional import RENDERED, asks_for_json, cache_headers, entity_tag, matches, shared_key
from chiso.web.deps import require
from chiso.web.rendering import render

F = TypeVar("F", bound=Callable[..., Any])
ExtraContext = Callable[[Request, Any], dict[str, Any]]
ETagOf = Callable[[Request, Any], str]


@dataclass(frozen=True)
class PageInfo:
    """A page and its JSON twin as registered (read by tests and docs)."""

    path: str
    api: str
    template: str
    action: str
    block: str | None


PAGES: list[PageInfo] = []


def twin_url(request: Request, api: str) -> str:
    """Return the JSON twin's URL for this request: `api` with the path's parameters and the same query."""
    path = api.format(**request.path_params)
    query = urlencode(list(request.query_params.multi_items()))
    return f"{path}?{query}" if query else path


CHOICES = "page_choices_"


def _html_signature(
    fn: Callable[..., Any], choices: Callable[..., Any] | None
) -> tuple[inspect.Signature, bool]:
    """Return fn's signature plus `request` (if missing) and the choices dependency; and if fn had request."""
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    had_request = "request" in signature.parameters
    if not had_request:
        params.append(inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request))
    if choices is not None:
        extra = Annotated[dict[str, Any], Depends(choices)]
        params.append(inspect.Parameter(CHOICES, inspect.Parameter.KEYWORD_ONLY, annotation=extra))
    return signature.replace(parameters=params), had_request


def page(
    router: APIRouter,
    path: str,
    *,
    template: str,
    action: str,
    api: str | None = None,
    name: str = "page",
    block: str | None = None,
    context: ExtraContext | None = None,
    choices: Callable[..., dict[str, Any]] | None = None,
    tags: list[str | Enum] | None = None,
    etag: ETagOf | None = None,
) -> Callable[[F], F]:
    """Register `fn` as the page at `path` and its JSON twin at `api`.

    Args:
        router: the room's router.
        path: the page's path, e.g. "/agencies/{code}".
        template: the Jinja2 template under chiso/web/templates.
        action: the named action both renderings require (chiso/web/permissions.py).
        api: the twin's path; default "/api" + path.
        name: the name the model has in the template.
        block: the template block htmx swaps (a fragment), if the page has one.
        context: presentation-only additions for the template, computed from the request and the model
            (labels, an SVG chart drawn from the model's own data); never data the JSON lacks.
        choices: a FastAPI dependency returning a dict for the template only: the options of the
            page's filter form (provinces, groups), which the JSON twin does not repeat.
        tags: OpenAPI tags of the twin.
        etag: a function of the request and the model returning the rendering's entity tag (it must
            change with anything the rendering shows); the page then answers 304 to a matching
            If-None-Match and asks browsers to revalidate (Cache-Control: no-cache), for polled pages.

    Returns:
        The decorator; it returns the function unchanged (callable from tests and other routes).
    """
    api_path = api or ("/api" if path == "/" else f"/api{path}")

    def decorate(fn: F) -> F:
        model = get_type_hints(fn)["return"]  # a page without a return type is a programming error
        as_json = TypeAdapter(model)  # the twin's own serialisation (NaN -> null, dates with offsets)
        signature, had_request = _html_signature(fn, choices)
        is_async = inspect.iscoroutinefunction(fn)

        def respond(request: Request, result: Any, options: dict[str, Any]) -> Response:
            tag = entity_tag(request, etag(request, result)) if etag is not None else None
            if tag is not None and matches(request, tag):
                return Response(status_code=304, headers=cache_headers(tag))
            shared = shared_key(request, tag)
            kept = RENDERED.get(shared) if shared else None
            if kept is not None:  # the same rendering for every poller of an unchanged board
                response = Response(kept[0], media_type=kept[1], headers={"Vary": "Accept, HX-Request"})
            else:
                response = render_result(request, result, options)
                if shared and response.status_code == 200:
                    RENDERED.put(shared, (bytes(response.body), response.media_type or "text/html"))
            if tag is not None:
                response.headers.update(cache_headers(tag))
            return response

        def render_result(request: Request, result: Any, options: dict[str, Any]) -> Response:
            if asks_for_json(request):
                body = as_json.dump_json(result)
                return Response(body, media_type="application/json", headers={"Vary": "Accept, HX-Request"})
            extra = {**options, **(context(request, result) if context else {})}
            data = {name: result, "json_url": twin_url(request, api_path), **extra}
            html = render(request, template, block=block, **data)
            html.headers["Vary"] = "Accept, HX-Request"
            return html

        def arguments(kwargs: dict[str, Any]) -> tuple[Request, dict[str, Any], dict[str, Any]]:
            options = kwargs.pop(CHOICES, None) or {}
            request = kwargs["request"] if had_request else kwargs.pop("request")
            return request, kwargs, options

        if is_async:

            @functools.wraps(fn)
            async def html_route(**kwargs: Any) -> Response:
                request, call, options = arguments(kwargs)
                return respond(request, await fn(**call), options)

        else:

            @functools.wraps(fn)
            def html_route(**kwargs: Any) -> Response:
                request, call, options = arguments(kwargs)
                return respond(request, fn(**call), options)

        html_route.__signature__ = signature  # type: ignore[attr-defined]  # FastAPI reads it
        guard = [require(action)]
        router.add_api_route(
            path, html_route, methods=["GET"], response_class=HTMLResponse, dependencies=guard,
            include_in_schema=False, name=f"{fn.__name__}_page",
        )  # fmt: skip
        router.add_api_route(
            api_path, fn, methods=["GET"], response_model=model, dependencies=guard, tags=tags,
            name=f"{fn.__name__}_api",
        )  # fmt: skip
        PAGES.append(PageInfo(path, api_path, template, action, block))
        return fn

    return decorate
