"""What the follow-up forms share: answer a form in place (htmx) and name a pydantic error by field.

Web layer; no router (the routes package skips modules starting with "_").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from chiso.errors import ChisoError, InvalidInput, Problem
from chiso.web.deps import DbSession
from chiso.web.rendering import is_htmx, render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def answer_form(
    request: Request,
    db: DbSession,
    run: Callable[[], object],
    *,
    ok: str,
    template: str,
    block: str,
    form: dict[str, Any],
    again: Callable[[], dict[str, Any]] | None = None,
) -> Response:
    """Run a form's service; on success go to `ok`, on a refusal show the form again, error in place.

    `again` returns what else the form's block needs to draw itself (read after the rollback).
    """
    try:
        run()
    except ChisoError as exc:
        if not is_htmx(request):
            raise
        db.rollback()
        extra = again() if again is not None else {}
        return render(request, template, block=block, form=form, form_error=exc, **extra)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": ok})
    return RedirectResponse(ok, status_code=303)


def validated(run: Callable[[], None]) -> Callable[[], None]:
    """Turn a pydantic error of a form into the one InvalidInput shape, by field."""

    def wrapped() -> None:
        try:
            run()
        except ValidationError as exc:
            raise InvalidInput(
                "Dữ liệu không hợp lệ",
                "The form is not valid",
                [
                    Problem(
                        f"Giá trị không hợp lệ: {e['msg']}", str(e["msg"]), field=".".join(map(str, e["loc"]))
                    )
                    for e in exc.errors()
                ],
            ) from exc

    return wrapped
