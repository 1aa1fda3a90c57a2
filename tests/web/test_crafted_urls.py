"""Crafted URLs (NUL bytes, integers past 64 bits, CR/LF in a download's name): each a 4xx in the one
JSON error shape, never a 500 or a dropped connection. The list is generated from every GET route the
app serves, as every role, so a new route is probed the day it is added (issue 16, item 9)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import params
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from chiso.web.app import create_app

NUL, BIG, CRLF = "a%00b", "99999999999999999999", "x%0D%0Ax-injected:%201"
SKIP = re.compile(r"^/(static|api/docs|openapi)")


def crafted_urls() -> list[str]:
    """Every GET route with each path parameter, then each query parameter, crafted in turn."""
    urls = []
    for ctx in iter_route_contexts(create_app().routes):
        path, methods = getattr(ctx, "path", ""), getattr(ctx, "methods", None) or set()
        dependant = getattr(ctx, "dependant", None)
        if "GET" not in methods or dependant is None or SKIP.match(path):
            continue
        fields = get_flat_params(dependant)
        plain = re.sub(r"\{[^}]+\}", "x", path)
        for field in fields:
            for value in (NUL, BIG, CRLF):
                if isinstance(field.field_info, params.Path):
                    urls.append(re.sub(r"\{[^}]+\}", "x", path.replace("{" + field.name + "}", value)))
                elif isinstance(field.field_info, params.Query):
                    urls.append(f"{plain}?{field.alias}={value}")
    return sorted(set(urls))


URLS = crafted_urls()


@pytest.mark.parametrize("role", [None, "secretariat", "reporter"])
def test_crafted_urls_are_refused_in_the_error_shape(
    client: TestClient, login: Callable[[str], str], role: str | None
) -> None:
    if role:
        login(role)
    failures = []
    for url in URLS:
        response = client.get(url, headers={"Accept": "application/json"}, follow_redirects=False)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {url}: {response.text[:120]}")
        elif response.status_code >= 400 and response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            body = response.json()
            if set(body) != {"ok", "error", "errors", "status"}:
                failures.append(f"shape {url}: {body}")
        for name, value in response.headers.items():  # a CR/LF in a header drops the connection (h11)
            assert "\r" not in value and "\n" not in value and name != "x-injected", (url, name, value)
    assert not failures, "\n".join(failures)
